/** Starts the HTTP server and every configured channel around an engine. */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Engine } from '../app/engine.ts';
import { STATUTES_INSTALL_COMMAND } from '../core/config.ts';
import { sleep } from '../core/outbox.ts';
import type { Channel } from './channel.ts';
import { createHttpServer, LISTEN_BACKLOG } from './http/server.ts';
import { registerWebRoutes } from './web/routes.ts';
import { registerConsole } from './console/index.ts';
import { Singleton } from '../core/leader.ts';
import { addGaugeSource, METRICS_CONTENT_TYPE, renderMetrics, type GaugeReading } from '../core/metrics.ts';
import { PLATFORMS } from '../core/message.ts';

const READY_PING_MS = 1000;

/** Status fields shown only to a trusted viewer: whoever scans a login QR code becomes the bot's account. */
const TRUSTED_ONLY = new Set(['qrSvg', 'qrUrl']);
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** What /api/status needs of a request: its address and headers. */
export type StatusViewer = Pick<FastifyRequest, 'ip' | 'headers'>;

/**
 * A viewer carrying WEB_API_TOKEN, or, when no token is set, one on this machine. A request a local reverse
 * proxy forwarded (X-Forwarded-For) comes from elsewhere, though its address is loopback.
 */
export function isTrustedViewer(viewer: StatusViewer | undefined, token: string | undefined): boolean {
  if (!viewer) return false;
  if (token) {
    const header = viewer.headers.authorization ?? '';
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
    const expected = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
  return LOOPBACK.has(viewer.ip) && viewer.headers['x-forwarded-for'] === undefined;
}

export interface RunningApp {
  http: FastifyInstance;
  /** What /api/status answers this viewer (login QR codes only to a trusted one). */
  status(viewer?: StatusViewer): Record<string, unknown>;
  /** Base URL of the HTTP server, e.g. http://127.0.0.1:3000 */
  url: string;
  channels: Channel[];
  stop(): Promise<void>;
}

export async function startChannels(engine: Engine): Promise<RunningApp> {
  const { config, logger } = engine.deps;
  const http = createHttpServer(logger, { requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS, maxConnectionsPerIp: config.HTTP_MAX_CONNECTIONS_PER_IP });
  const channels: Channel[] = [];
  const status = (viewer?: StatusViewer): Record<string, unknown> => {
    const trusted = isTrustedViewer(viewer, config.WEB_API_TOKEN);
    const shown = (fields: Record<string, unknown>) => (trusted ? fields : Object.fromEntries(Object.entries(fields).filter(([k]) => !TRUSTED_ONLY.has(k))));
    return {
      ...(config.WECHATY_PUPPET ? {} : { wechat: { state: 'unconfigured' } }),
      ...Object.fromEntries(channels.map((c) => [c.name, shown(c.status())])),
      statutes: { installed: config.KNOWLEDGE_STATUTES_DIR !== undefined, installCommand: STATUTES_INSTALL_COMMAND },
    };
  };
  // The connections messages use: the main one first, then the turn connections (see RedisHandle.turns).
  const { turns } = engine.redisHandle;

  // Liveness: answered at once from the connections' state, never waiting on Redis.
  http.get('/healthz', async (_req, reply) =>
    turns.every((c) => c.status === 'ready') ? { ok: true } : reply.code(503).send({ ok: false, error: 'redis unreachable' }),
  );
  // Readiness: Redis answers a PING on every connection messages use within a second.
  http.get('/readyz', async (_req, reply) => {
    const pings = Promise.all(turns.map((c) => c.ping())).then(() => true, () => false);
    const answered = await Promise.race([pings, sleep(READY_PING_MS).then(() => false)]);
    return answered ? { ok: true } : reply.code(503).send({ ok: false, error: `redis did not answer within ${READY_PING_MS} ms` });
  });
  // Prometheus metrics of this process (messages, latency, Redis errors, sends) and Redis-wide figures
  // (queue depths, claims by status: every process reports the same, aggregate them with max()).
  http.get('/metrics', async (_req, reply) => reply.type(METRICS_CONTENT_TYPE).send(await renderMetrics()));
  const removeQueueDepths = addGaugeSource('ua_queue_depth', () => queueDepths(engine));
  if (config.WEB_ENABLED) {
    const web = registerWebRoutes(http, engine, status);
    channels.push({ name: 'web', status: () => ({ state: 'ready' }), stop: web.stop });
  }
  if (config.CONSOLE_ENABLED) registerConsole(http, engine);
  if (config.TELEGRAM_BOT_TOKEN) {
    const { startTelegram } = await import('./telegram/index.ts');
    // Webhooks reach every process; long polling is one process's job (two pollers would steal each other's updates).
    channels.push(config.TELEGRAM_MODE === 'polling' ? await singletonChannel(engine, 'telegram', () => startTelegram(engine, http)) : await startTelegram(engine, http));
  }
  if (config.WECHATY_PUPPET) {
    const { startWechat } = await import('./wechat/index.ts');
    // One WeChat account is logged in by one process only.
    channels.push(await singletonChannel(engine, 'wechat', () => startWechat(engine, { sendIntervalMs: config.WECHATY_SEND_INTERVAL_MS })));
  }

  // Tencent's official channels: each is on when its settings are complete (config.ts checks they come together).
  if (config.WECOM_CORP_ID && config.WECOM_SECRET) {
    const { startWecom } = await import('./wecom/index.ts');
    channels.push(await startWecom(engine, http));
  }
  if (config.WECOM_ROBOTS.length) {
    const { startWecomRobots } = await import('./wecom/robot.ts');
    channels.push(await startWecomRobots(engine));
  }
  if (config.WXKF_SECRET) {
    const { startWxkf } = await import('./wxkf/index.ts');
    channels.push(await startWxkf(engine, http));
  }
  if (config.WXOA_APP_ID && config.WXOA_APP_SECRET) {
    const { startOfficialAccount } = await import('./officialaccount/index.ts');
    channels.push(await startOfficialAccount(engine, http));
  }

  await http.listen({ host: config.HOST, port: config.PORT, backlog: LISTEN_BACKLOG });
  const addr = http.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
  return {
    http,
    status,
    url: `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`,
    channels,
    async stop() {
      removeQueueDepths();
      for (const c of channels) await c.stop().catch((err: unknown) => logger.error({ err, channel: c.name }, 'channel stop failed'));
      await http.close();
    },
  };
}

/**
 * A channel that must run in one process only (long polling, a logged-in account): started under a Redis
 * lease (src/core/leader.ts); the other processes show it on standby and take over when its holder dies.
 */
export async function singletonChannel(engine: Engine, name: string, start: () => Promise<Channel>): Promise<Channel> {
  const { redis, keys, logger, config } = engine.deps;
  let running: Channel | null = null;
  const singleton = await Singleton.start({ redis, keys, logger, name: `channel:${name}`, leaseMs: config.SINGLETON_LEASE_MS }, async () => {
    const channel = await start();
    running = channel;
    return {
      stop: async () => {
        running = null;
        await channel.stop();
      },
    };
  });
  await singleton.started();
  const own: Channel = {
    name,
    status: () => (running ? running.status() : { state: 'standby', note: 'another process runs this channel; this one takes over if it stops' }),
    stop: () => singleton.stop(),
  };
  // The rest of the running channel's surface (e.g. telegram's ready()) passes through while this process runs it.
  return new Proxy(own, {
    get: (target, prop, receiver) => (prop in target ? Reflect.get(target, prop, receiver) : running ? Reflect.get(running, prop) : undefined),
    has: (target, prop) => prop in target || (running !== null && prop in running),
  });
}

/**
 * Items waiting in the delivery ledger, per platform (notifications and broadcasts, waiting and being sent).
 * A service's BullMQ queue reports its own depth (broadcasts: from the process running its scheduler).
 */
function queueDepths(engine: Engine): Promise<GaugeReading[]> {
  return Promise.all(PLATFORMS.map(async (p) => ({ labels: { queue: `outbox:${p}` }, value: await engine.outbox.depth(p) })));
}
