/**
 * Attack suite, audit flooding (issue item 7): a member hammering staff commands leaves at most
 * N "refused" entries per hour (then one "capped" entry; the rest are counted), and the stream is
 * capped by length and by age.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, DEFAULT_AUDIT_RETENTION } from '../../src/core/audit.ts';
import { Keys } from '../../src/core/keys.ts';
import { Harness } from '../helpers/harness.ts';
import { startRedis } from '../helpers/redis.ts';

describe('refused attempts through the real router', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start({ env: { BOT_STAFF: 'telegram:staff1' }, now: new Date('2026-11-22T02:00:00Z') });
  });
  afterAll(async () => h?.stop());

  it('records at most the hourly cap per actor, then one capped entry, and counts the rest', async () => {
    const cap = DEFAULT_AUDIT_RETENTION.refusalsPerHour;
    const attempts = cap * 3;
    for (let i = 0; i < attempts; i++) expect(await h.dm('flooder').say('/tickets')).not.toHaveLength(0);
    const mine = (await h.audit()).filter((e) => e.actor === h.identity('flooder'));
    expect(mine.filter((e) => e.action === 'refused')).toHaveLength(cap);
    expect(mine.filter((e) => e.action === 'refused.capped')).toHaveLength(1);
    // The router stamps refusals with the real time.
    expect(await h.engine.deps.audit.refusals(h.identity('flooder'))).toBe(attempts);
    // Another actor is recorded as usual.
    await h.dm('other').say('/tickets');
    expect((await h.audit()).some((e) => e.actor === h.identity('other') && e.action === 'refused')).toBe(true);
  });
});

describe('audit retention', () => {
  let server: Awaited<ReturnType<typeof startRedis>>;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it('caps the stream by length', async () => {
    const keys = new Keys('len:');
    const audit = new AuditLog(redis, keys, { ...DEFAULT_AUDIT_RETENTION, maxEntries: 1000 });
    for (let i = 0; i < 3000; i += 100) await Promise.all(Array.from({ length: 100 }, (_, j) => audit.record({ actor: 'web:a', action: 'x', target: String(i + j) })));
    const length = await redis.xlen(keys.k('audit'));
    expect(length).toBeGreaterThanOrEqual(1000);
    expect(length).toBeLessThan(1300); // approximate trimming keeps at most a node more
  });

  it('starts the refusal cap afresh each hour', async () => {
    const audit = new AuditLog(redis, new Keys('hour:'), { ...DEFAULT_AUDIT_RETENTION, refusalsPerHour: 2 });
    const at = new Date('2026-11-22T02:10:00Z');
    const refuse = (when: Date) => audit.record({ actor: 'web:x', action: 'refused', target: 'tickets', at: when });
    for (let i = 0; i < 5; i++) await refuse(at);
    await refuse(new Date(at.getTime() + 3600_000));
    const actions = (await audit.recent(100)).map((e) => e.action).reverse();
    expect(actions).toEqual(['refused', 'refused', 'refused.capped', 'refused']);
    expect(await audit.refusals('web:x', at)).toBe(5);
  });

  it('drops entries older than the age limit', async () => {
    const keys = new Keys('age:');
    const audit = new AuditLog(redis, keys, { ...DEFAULT_AUDIT_RETENTION, maxAgeDays: 30 });
    const old = Date.now() - 40 * 86400_000;
    for (let i = 0; i < 5; i++) await redis.xadd(keys.k('audit'), `${old + i}-0`, 'entry', JSON.stringify({ at: new Date(old).toISOString(), actor: 'web:a', action: 'old', target: 't' }));
    await audit.record({ actor: 'web:a', action: 'new', target: 't' });
    expect((await audit.recent(100)).map((e) => e.action)).toEqual(['new']);
  });
});
