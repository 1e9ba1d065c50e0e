/** Redis connection: REDIS_URL in production, otherwise a private redis-server with AOF under DATA_DIR. */
import { Redis, type RedisOptions } from 'ioredis';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { startRedisServer, type RedisProcess } from './redis-server.ts';

export interface RedisHandle {
  redis: Redis;
  /** A new connection with the same settings (blocking commands need their own). */
  duplicate(): Redis;
  embedded?: RedisProcess;
  close(): Promise<void>;
}

export async function connectRedis(config: Config, logger: Logger): Promise<RedisHandle> {
  let embedded: RedisProcess | undefined;
  let url = config.REDIS_URL;
  if (!url) {
    embedded = await startRedisServer({ dir: join(config.DATA_DIR, 'redis') });
    url = embedded.url;
    logger.info({ url, dir: join(config.DATA_DIR, 'redis') }, 'embedded redis-server started (AOF on)');
  }
  // Sentinel and other ioredis options pass through as JSON; BullMQ needs maxRetriesPerRequest: null.
  const extra = config.REDIS_OPTIONS ? (JSON.parse(config.REDIS_OPTIONS) as RedisOptions) : {};
  const options: RedisOptions = { maxRetriesPerRequest: null, ...extra };
  const clients: Redis[] = [];
  const make = () => {
    const client = new Redis(url, options);
    client.on('error', (err) => logger.error({ err: err.message }, 'redis connection error'));
    clients.push(client);
    return client;
  };
  const redis = make();
  await redis.ping();
  return {
    redis,
    duplicate: make,
    embedded,
    async close() {
      await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
      await embedded?.stop();
    },
  };
}
