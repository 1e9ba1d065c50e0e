import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Keys } from '../../src/core/keys.ts';
import { createLogger } from '../../src/core/logger.ts';
import { Singleton } from '../../src/core/leader.ts';
import { startRedis } from '../helpers/redis.ts';

type RedisServer = Awaited<ReturnType<typeof startRedis>>;
let server: RedisServer;
const clients: Redis[] = [];
const keys = new Keys('ua:');
const logger = createLogger('silent');

function client(): Redis {
  const c = new Redis(server.url, { maxRetriesPerRequest: 1, commandTimeout: 500 });
  c.on('error', () => undefined);
  clients.push(c);
  return c;
}

/** A process's view of one singleton: whether its work runs now, and every fence it ran under. */
function contender(name: string, leaseMs: number, redis = client()) {
  const state = { running: false, fences: [] as number[] };
  const started = Singleton.start({ redis, keys, logger, name, leaseMs }, async ({ fence }) => {
    state.running = true;
    state.fences.push(fence);
    return { stop: async () => void (state.running = false) };
  });
  return { state, started, redis };
}

const waitFor = async (cond: () => boolean, ms: number) => {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await server.stop();
});

describe('singleton lease', () => {
  it('runs the work in exactly one of several processes; a clean stop hands it over at once', async () => {
    const all = Array.from({ length: 3 }, () => contender('poller', 5000));
    const singletons = await Promise.all(all.map((c) => c.started));
    expect(all.filter((c) => c.state.running)).toHaveLength(1);
    const holder = all.findIndex((c) => c.state.running);
    const first = all[holder]!.state.fences[0]!;
    await singletons[holder]!.stop();
    expect(all[holder]!.state.running).toBe(false);
    // The lease was given up: another takes over at its next attempt (a third of the lease), not after expiry.
    await waitFor(() => all.filter((c) => c.state.running).length === 1, 4000);
    const next = all.find((c) => c.state.running)!;
    expect(next.state.fences[0]).toBeGreaterThan(first);
    await Promise.all(singletons.map((s) => s.stop()));
  });

  it('a holder that dies (no renewals, no release) is replaced once its lease expires, and stops its own work first', async () => {
    const dying = contender('reminders', 900);
    const dyingSingleton = await dying.started;
    const standby = contender('reminders', 900);
    const standbySingleton = await standby.started;
    expect(dying.state.running).toBe(true);
    expect(standby.state.running).toBe(false);
    const fence = dyingSingleton.fence!;
    // Its Redis connection goes away: it can renew nothing, like a process cut off or killed.
    dying.redis.disconnect();
    const lostAt = Date.now();
    await waitFor(() => standby.state.running, 5000);
    expect(Date.now() - lostAt).toBeLessThan(3000);
    // The cut-off holder stopped its work by itself, never running beside the new one for long.
    await waitFor(() => !dying.state.running, 2000);
    expect(standbySingleton.fence).toBeGreaterThan(fence);
    expect(await standbySingleton.isCurrent(standbySingleton.fence!)).toBe(true);
    expect(await standbySingleton.isCurrent(fence)).toBe(false);
    await standbySingleton.stop();
    await dyingSingleton.stop();
  });
});
