/** The HTTP server's security headers (src/channels/http/server.ts): on every response, replaceable by a route. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createHttpServer, SECURITY_HEADERS } from '../../../src/channels/http/server.ts';
import { createLogger } from '../../../src/core/logger.ts';

let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  app = createHttpServer(createLogger('silent'), { requestTimeoutMs: 5000, maxConnectionsPerIp: 100 });
  app.get('/plain', async () => ({ ok: true }));
  app.get('/framed', async (_req, reply) => reply.header('content-security-policy', "frame-ancestors 'self'").header('x-frame-options', 'SAMEORIGIN').send('inline'));
  app.get('/fails', async () => {
    throw new Error('boom');
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(async () => {
  await app.close();
});

describe('security headers', () => {
  it('are sent on answers, errors and unknown paths alike', async () => {
    for (const [path, status] of [['/plain', 200], ['/fails', 500], ['/nowhere', 404]] as const) {
      const res = await fetch(`${base}${path}`);
      expect(res.status, path).toBe(status);
      // Exactly the value: a header sent twice would read "DENY, DENY".
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers.get(name), `${path} ${name}`).toBe(value);
    }
  });

  it('give way to a header a route sets itself; the others stay', async () => {
    const res = await fetch(`${base}/framed`);
    expect(res.headers.get('content-security-policy')).toBe("frame-ancestors 'self'");
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });
});
