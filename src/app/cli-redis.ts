/** The frame of a CLI command that takes no arguments and works on the configured Redis. */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { loadConfigForCli, type Config } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { connectRedis } from '../core/redis.ts';

/**
 * Checks there are no arguments, loads the settings (a wrong one is named and exits 2), connects to Redis, runs
 * `work` and always closes the connection. The log stays quiet at `info`: the command prints its own progress.
 */
export async function runOnRedis(name: string, args: string[], work: (on: { config: Config; redis: Redis; logger: Logger }) => Promise<number>): Promise<number> {
  if (args.length) {
    process.stderr.write(`usage: npm run cli -- ${name}\n`);
    return 2;
  }
  const config = loadConfigForCli();
  if (!config) return 2;
  const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const redis = await connectRedis(config, logger);
  try {
    return await work({ config, redis: redis.redis, logger });
  } finally {
    await redis.close();
  }
}
