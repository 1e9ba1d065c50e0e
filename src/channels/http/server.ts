/**
 * The HTTP server (fastify): web chat, health checks, Telegram webhook. Hardened against stalling:
 * a request (headers and body) must arrive within HTTP_REQUEST_TIMEOUT_MS, each client IP may hold at
 * most HTTP_MAX_CONNECTIONS_PER_IP connections, JSON bodies are small unless they carry files and are
 * checked for depth and size before parsing (json.ts). Every response carries the security headers.
 */
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { newRequestId } from '../../core/logger.ts';
import { parseLimitedJson, SMALL_JSON_BYTES } from './json.ts';

export interface HttpLimits {
  requestTimeoutMs: number;
  maxConnectionsPerIp: number;
}

/**
 * Connections the kernel may hold for the server before it accepts them (Node's default is 511; Linux caps it at
 * net.core.somaxconn). A burst beyond the queue is dropped and each client retries only after 1 s, then 3 s: a
 * proxy opening its pool or clients reconnecting after a restart would see seconds of delay instead of a wait.
 */
export const LISTEN_BACKLOG = 4096;

/** Body limit of routes that take files: ten 10 MB attachments would not fit; one will, base64-encoded. */
export const FILE_BODY_LIMIT = 16 * 1024 * 1024;

/** The page loads only its own script and styles, is never framed, and sends no referrer elsewhere. */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

const SECURITY_HEADER_ENTRIES = Object.entries(SECURITY_HEADERS);

/**
 * A request's path without its query, for logs: a query carries what people typed (a roster search, a chat id),
 * in a form the log's masking cannot read (138+1234+5678, %20).
 */
export const pathOf = (url: string): string => url.split('?', 1)[0] ?? '';

export function createHttpServer(logger: Logger, limits: HttpLimits): FastifyInstance {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // A request's log (\`req.log\`, the console's operations log through it) carries an id unique across processes, as a message's does.
    genReqId: () => newRequestId(),
    bodyLimit: SMALL_JSON_BYTES,
    serverFactory: (handler) => {
      const server = createServer(
        {
          requestTimeout: limits.requestTimeoutMs,
          headersTimeout: Math.min(limits.requestTimeoutMs, 10_000),
          // Node checks the two timeouts above only this often (default 30 s).
          connectionsCheckingInterval: 500,
        },
        (req, res) => {
          // Set on the raw response before any handler: a reply may still replace one (fastify's headers win).
          for (const [name, value] of SECURITY_HEADER_ENTRIES) res.setHeader(name, value);
          handler(req, res);
        },
      );
      capConnectionsPerIp(server, limits.maxConnectionsPerIp, logger);
      return server;
    },
  });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseLimitedJson(String(body)));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err, path: pathOf(req.url) }, 'http handler failed');
    return reply.code(status).send({ error: status >= 500 ? 'internal error' : err.message });
  });
  return app;
}

/** Closes connections over the per-IP cap at once: slow clients from one address cannot starve the rest. */
function capConnectionsPerIp(server: Server, max: number, logger: Logger): void {
  const open = new Map<string, number>();
  let warned = 0;
  server.on('connection', (socket: Socket) => {
    const ip = socket.remoteAddress ?? '?';
    const count = (open.get(ip) ?? 0) + 1;
    if (count > max) {
      if (Date.now() - warned > 60_000) {
        warned = Date.now();
        logger.warn({ ip, max }, 'http: too many connections from one address, refusing more');
      }
      socket.destroy();
      return;
    }
    open.set(ip, count);
    socket.once('close', () => {
      const left = (open.get(ip) ?? 1) - 1;
      if (left > 0) open.set(ip, left);
      else open.delete(ip);
    });
  });
}
