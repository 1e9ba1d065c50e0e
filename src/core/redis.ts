/**
 * Redis connection: REDIS_URL in production, otherwise a private redis-server with AOF under DATA_DIR.
 * The main connection serves member requests, so it never waits out an outage: a command fails after
 * REDIS_COMMAND_TIMEOUT_MS, or at once while disconnected (no offline queue), and the member gets the
 * apology. Duplicates serve background loops (blocking reads) and keep waiting for Redis to return.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { startRedisServer, type RedisProcess } from './redis-server.ts';

export interface RedisHandle {
  redis: Redis;
  /** A new connection for background work (blocking commands need their own): waits through outages. */
  duplicate(): Redis;
  embedded?: RedisProcess;
  close(): Promise<void>;
}

/** How long start-up waits for Redis to accept the first connection. */
const CONNECT_TIMEOUT_MS = 20_000;

export async function connectRedis(config: Config, logger: Logger): Promise<RedisHandle> {
  let embedded: RedisProcess | undefined;
  let url = config.REDIS_URL;
  if (!url) {
    const dir = join(config.DATA_DIR, 'redis');
    embedded = await startRedisServer({ dir, logger });
    url = embedded.url;
    logger.info({ url, dir }, 'embedded redis-server started (AOF on)');
  }
  // Sentinel and other ioredis options pass through as JSON; BullMQ needs maxRetriesPerRequest: null.
  const extra = config.REDIS_OPTIONS ? (JSON.parse(config.REDIS_OPTIONS) as RedisOptions) : {};
  const background: RedisOptions = { maxRetriesPerRequest: null, ...extra };
  const requests: RedisOptions = { commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS, maxRetriesPerRequest: 1, enableOfflineQueue: false, ...extra };
  const clients: Redis[] = [];
  const make = (options: RedisOptions) => {
    const client = new Redis(url, options);
    client.on('error', (err) => logger.error({ err: err.message }, 'redis connection error'));
    clients.push(client);
    return client;
  };
  const redis = make(requests);
  try {
    await ready(redis, CONNECT_TIMEOUT_MS);
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    await embedded?.stop();
    throw err;
  }
  return {
    redis,
    duplicate: () => make(background),
    embedded,
    async close() {
      await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
      await embedded?.stop();
    },
  };
}

/** Without an offline queue nothing may be sent before the connection is ready. */
function ready(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(new Error(`redis not reachable within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', onReady);
  });
}
