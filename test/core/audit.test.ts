import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { AuditLog } from '../../src/core/audit.ts';
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
