import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { AuditLog, DEFAULT_AUDIT_RETENTION } from '../../src/core/audit.ts';
import { Keys } from '../../src/core/keys.ts';
import { startRedis } from '../helpers/redis.ts';

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

describe('audit log', () => {
  it('keeps no personal numbers in clear, in notes or before/after', async () => {
    const audit = new AuditLog(redis, new Keys('audit-test:'));
    await audit.record({ actor: 'telegram:13712345678', action: 'ticket.reply', target: 'RG-20260101-0001', note: '请拨打 13812345678，卡号 6222 0212 3456 7890 123', after: { phone: '13912345678' } });
    const [entry] = await audit.recent(1);
    expect(entry?.note).toContain('138****5678');
    expect(JSON.stringify(entry)).not.toMatch(/13812345678|13912345678|3456 7890/);
    expect(entry?.target).toBe('RG-20260101-0001');
    expect(entry?.actor).toBe('telegram:13712345678'); // a platform id is not a phone number
  });
});

describe('audit retention', () => {
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
