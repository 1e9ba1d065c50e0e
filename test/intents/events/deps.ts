/** Real CoreDeps on a per-file redis-server, with a movable clock. */
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { loadConfig } from '../../../src/core/config.ts';
import type { CoreDeps } from '../../../src/core/service.ts';
import { buildDeps } from '../../../src/core/deps.ts';
import type { Delivery, QueuedItem } from '../../../src/core/delivery/index.ts';
import type { Platform } from '../../../src/core/message.ts';


export interface TestDeps extends CoreDeps {
  outbox: Delivery;
  clock: { ms: number };
}

export function makeDeps(url: string, opts: { prefix?: string; env?: Record<string, string>; clockMs?: number } = {}): TestDeps {
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined);
  const clock = { ms: opts.clockMs ?? Date.UTC(2025, 4, 1, 2, 0) };
  const prefix = opts.prefix ?? `t${Math.random().toString(36).slice(2, 8)}:`;
  const config = loadConfig({ NODE_ENV: 'test', BOT_STAFF: 'telegram:staff1', BOT_ADMINS: 'telegram:admin1', REDIS_KEY_PREFIX: prefix, ...opts.env });
  const { deps, outbox } = buildDeps(config, redis, pino({ level: 'silent' }), () => new Date(clock.ms));
  return { ...deps, outbox, clock };
}

/** Everything queued in one platform's outbox, oldest first (without consuming it). */
export async function outboxItems(deps: TestDeps, platform: Platform = 'telegram'): Promise<QueuedItem[]> {
  return deps.outbox.pending(platform);
}
