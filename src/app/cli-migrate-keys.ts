/**
 * `npm run cli -- migrate-keys`: moves data stored by an earlier version to the hash-tagged key names this
 * version uses (see README, Running several processes). Stop every bot first; safe to run again.
 */
import { CORE_KEY_RENAMES, migrateKeys } from '../core/key-migration.ts';
import { runOnRedis } from './cli-redis.ts';
import { SERVICES } from './services.ts';

export function run(args: string[]): Promise<number> {
  return runOnRedis('migrate-keys', args, async ({ config, redis }) => {
    const rules = [...CORE_KEY_RENAMES, ...SERVICES.flatMap((s) => s.keyRenames ?? [])];
    const { moved, kept } = await migrateKeys(redis, config.REDIS_KEY_PREFIX, rules, (from, to) => process.stdout.write(`${from} → ${to}\n`));
    process.stdout.write(`done: ${moved} keys moved${kept ? `, ${kept} left where they were (the new name already exists)` : ''}\n`);
    return 0;
  });
}
