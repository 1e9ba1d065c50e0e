/**
 * `npm run cli -- migrate-keys`: moves data stored by an earlier version to the hash-tagged key names this
 * version uses (see README, Running several processes). Stop every bot first; safe to run again.
 */
import { loadConfigForCli } from '../core/config.ts';
import { CORE_KEY_RENAMES, migrateKeys } from '../core/key-migration.ts';
import { createLogger } from '../core/logger.ts';
import { connectRedis } from '../core/redis.ts';
import { SERVICES } from './services.ts';

export async function run(args: string[]): Promise<number> {
  if (args.length) {
    process.stderr.write('usage: npm run cli -- migrate-keys\n');
    return 2;
  }
  const config = loadConfigForCli();
  if (!config) return 2;
  const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const redis = await connectRedis(config, logger);
  try {
    const rules = [...CORE_KEY_RENAMES, ...SERVICES.flatMap((s) => s.keyRenames ?? [])];
    const { moved, kept } = await migrateKeys(redis.redis, config.REDIS_KEY_PREFIX, rules, (from, to) => process.stdout.write(`${from} → ${to}\n`));
    process.stdout.write(`done: ${moved} keys moved${kept ? `, ${kept} left where they were (the new name already exists)` : ''}\n`);
    return 0;
  } finally {
    await redis.close();
  }
}
