/**
 * Moving stored keys to new names (e.g. when keys gained Redis Cluster hash tags): each rule matches a key
 * after the prefix and gives its new name. RENAMENX, so a rerun moves only what is left and never
 * overwrites a key written under the new name. For one Redis server (a Cluster never held the old names).
 */
import type { Redis } from 'ioredis';
import { scanKeys } from './redis.ts';

export interface KeyRename {
  /** SCAN pattern after the prefix, e.g. `ev:*`. */
  match: string;
  /** The new name after the prefix, or null to leave this key as it is. */
  rename(rest: string): string | null;
}

export async function migrateKeys(redis: Redis, prefix: string, rules: readonly KeyRename[], report: (from: string, to: string) => void = () => undefined): Promise<{ moved: number; kept: number }> {
  let moved = 0;
  let kept = 0;
  for (const rule of rules) {
    await scanKeys(redis, prefix + rule.match, async (keys) => {
      for (const key of keys) {
        const target = rule.rename(key.slice(prefix.length));
        if (target === null || prefix + target === key) continue;
        if ((await redis.renamenx(key, prefix + target)) === 1) {
          moved++;
          report(key, prefix + target);
        } else kept++;
      }
    });
  }
  return { moved, kept };
}

/** The core's own renames: the group directory gained the hash tag `groups`. */
export const CORE_KEY_RENAMES: KeyRename[] = [
  { match: 'groups', rename: () => '{groups}' },
  { match: 'groups:seen', rename: () => '{groups}:seen' },
];
