/**
 * The web API's per-IP limit (src/channels/web/ip-limit.ts) against a real redis-server: exact within one
 * process, shared by processes through Redis, kept while Redis is away, and without a Redis command per request.
 */
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IpRateLimiter } from '../../../src/channels/web/ip-limit.ts';
import { startChannels } from '../../../src/channels/index.ts';
import { createLogger } from '../../../src/core/logger.ts';
import type { RedisProcess } from '../../../src/core/redis-server.ts';
import { startTestEngine } from '../../helpers/engine.ts';
import { startRedis } from '../../helpers/redis.ts';
import { monitorRedis } from '../../helpers/redis-monitor.ts';

const logger = createLogger('silent');
const T0 = Date.UTC(2026, 10, 30, 12, 0, 5);
let server: RedisProcess;
let redis: Redis;
const clients: Redis[] = [];

/** Like the engine's request client: commands fail at once while disconnected. */
async function client(url: string): Promise<Redis> {
  const c = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 1000, lazyConnect: true });
  c.on('error', () => undefined);
  clients.push(c);
  await c.connect();
  return c;
}

/** A process's limiter; syncs only when the test says (no timer fires within a test). */
function limiter(over: Partial<ConstructorParameters<typeof IpRateLimiter>[0]> = {}): IpRateLimiter {
  return new IpRateLimiter({ redis, key: (ip, minute) => `t:webrate:${ip}:${minute}`, perMinute: 5, logger, syncMs: 3_600_000, ...over });
}

beforeAll(async () => {
  server = await startRedis();
  redis = await client(server.url);
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await server.stop();
});

describe('the per-IP limit', () => {
  it('lets the limit through in one process and refuses the next, with the seconds left in the minute', () => {
    const one = limiter({ key: (ip, minute) => `t1:${ip}:${minute}` });
    const verdicts = Array.from({ length: 7 }, () => one.take('10.0.0.1', T0));
    expect(verdicts.slice(0, 5).every((v) => v.ok)).toBe(true);
    expect(verdicts[5]).toEqual({ ok: false, retryAfterSeconds: 55 });
    // Another address has its own count.
    expect(one.take('10.0.0.2', T0).ok).toBe(true);
  });

  it('shares the count between processes through Redis', async () => {
    const key = (ip: string, minute: number) => `t2:${ip}:${minute}`;
    const a = limiter({ key });
    const b = limiter({ key });
    for (let i = 0; i < 4; i++) expect(a.take('10.0.0.1', T0).ok).toBe(true);
    await a.sync();
    expect(await redis.get(key('10.0.0.1', Math.floor(T0 / 60_000)))).toBe('4');
    // B has not heard yet: its first request passes and is added; from then on B knows the total.
    expect(b.take('10.0.0.1', T0).ok).toBe(true);
    await b.sync();
    expect(b.take('10.0.0.1', T0 + 1000).ok).toBe(false);
    // A learns the total with its next sync: until then one more passes there (the bound: one interval).
    expect(a.take('10.0.0.1', T0 + 2000).ok).toBe(true);
    await a.sync();
    expect(a.take('10.0.0.1', T0 + 3000).ok).toBe(false);
    await Promise.all([a.sync(), b.sync()]);
    expect(await redis.get(key('10.0.0.1', Math.floor(T0 / 60_000)))).toBe('8');
    expect(await redis.ttl(key('10.0.0.1', Math.floor(T0 / 60_000)))).toBeGreaterThan(60);
  });

  it('starts a new count each minute and still adds the last minute’s to its own key', async () => {
    const key = (ip: string, minute: number) => `t3:${ip}:${minute}`;
    const one = limiter({ key });
    for (let i = 0; i < 6; i++) one.take('10.0.0.1', T0);
    expect(one.take('10.0.0.1', T0 + 60_000).ok).toBe(true);
    await one.sync();
    const minute = Math.floor(T0 / 60_000);
    expect(await redis.get(key('10.0.0.1', minute))).toBe('6');
    expect(await redis.get(key('10.0.0.1', minute + 1))).toBe('1');
  });

  it('keeps counting while Redis is away and adds the counts when it is back', async () => {
    const away = new Redis(server.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true });
    away.on('error', () => undefined);
    clients.push(away);
    const key = (ip: string, minute: number) => `t4:${ip}:${minute}`;
    const one = limiter({ redis: away, key });
    for (let i = 0; i < 3; i++) expect(one.take('10.0.0.1', T0).ok).toBe(true);
    await one.sync(); // fails: nothing is lost
    for (let i = 0; i < 2; i++) expect(one.take('10.0.0.1', T0).ok).toBe(true);
    expect(one.take('10.0.0.1', T0).ok).toBe(false);
    // (The failed command started connecting; a lazy client does that.)
    if (away.status !== 'ready') await (away.status === 'wait' ? away.connect() : once(away, 'ready'));
    await one.sync();
    expect(await redis.get(key('10.0.0.1', Math.floor(T0 / 60_000)))).toBe('6');
  });
});

describe('the web API', () => {
  it('counts requests per IP without a Redis command per request', async () => {
    const te = await startTestEngine({ WEB_RATE_LIMIT_PER_MINUTE_PER_IP: '1000' });
    const app = await startChannels(te.engine);
    const counted: string[][] = [];
    const monitor = await monitorRedis(te.redisUrl, (c) => {
      if (c.args.some((a) => a.includes('webrate'))) counted.push(c.args);
    });
    try {
      const statuses = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          fetch(`${app.url}/api/web/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: `ip-${i}`, chatType: 'private', text: '菜单' }) }).then((r) => r.status),
        ),
      );
      expect(statuses.every((s) => s === 200)).toBe(true);
      await app.stop(); // adds what is still counted
      // Counts are added in batches, every IP_COUNT_SYNC_MS: far fewer commands than requests, and all 30 counted.
      expect(counted.length).toBeGreaterThan(0);
      expect(counted.length).toBeLessThanOrEqual(10);
      const key = counted[0]!.find((a) => a.includes('webrate'))!;
      expect(await te.engine.deps.redis.get(key)).toBe('30');
    } finally {
      monitor.close();
      await app.stop().catch(() => undefined);
      await te.stop();
    }
  });
});
