/**
 * The sealed inbox and recipient queue of the official channels across key changes (real redis-server): what
 * was sealed with an older key is still handled once that key is among DATA_ENCRYPTION_OLD_KEYS; an entry
 * sealed with a key that is not configured waits (is not lost) until the key is back; a plain entry left by a
 * version before sealing is handled once at the upgrade.
 */
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FieldCipher, type DataKey } from '../../src/core/crypto.ts';
import { Keys } from '../../src/core/keys.ts';
import { Inbox } from '../../src/channels/wecom/inbox.ts';
import { RecipientQueue, type OutJob } from '../../src/channels/wecom/outqueue.ts';
import { SealedValues } from '../../src/channels/wecom/sealed.ts';
import type { RedisProcess } from '../../src/core/redis-server.ts';
import { startRedis } from '../helpers/redis.ts';

const OLD = Buffer.alloc(32, 1);
const NEW = Buffer.alloc(32, 2);
const withOld = (key: Buffer, ...old: Buffer[]): DataKey => Object.assign(Buffer.from(key), { readOnly: old });
const log = pino({ level: 'silent' });
/** A logger that keeps the messages of its error lines. */
function capturing(): { logger: Logger; errors: string[] } {
  const errors: string[] = [];
  return { logger: pino({ level: 'error' }, { write: (line: string) => void errors.push((JSON.parse(line) as { msg: string }).msg) }), errors };
}
const keys = new Keys('t:');

async function until<T>(what: string, check: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('sealed official-channel queues', () => {
  let server: RedisProcess;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
    redis.on('error', () => undefined);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it('inbox: an entry sealed with the old key is handled after the key change; one under an unknown key waits for it', async () => {
    const handled: string[] = [];
    const before = new Inbox(redis, keys, 'rot', new SealedValues(new FieldCipher(OLD), 'rot:inbox'), async (b) => void handled.push(b), log, 1);
    await before.stop(); // not draining: the entries stay in Redis as a crash would leave them
    await before.push([{ id: 'm1', member: 'a', body: '{"n":1,"id":"110105194912310025"}' }]);
    const raw = await redis.lrange('t:{rot}:inbox:0', 0, -1);
    expect(raw).toHaveLength(1);
    expect(raw[0]).toMatch(/^v2:/);
    expect(raw[0]).not.toContain('110105194912310025');

    // The key changed and the old one is not configured: the entry waits rather than being dropped.
    const inboxLog = capturing();
    const lacking = new Inbox(redis, keys, 'rot', new SealedValues(new FieldCipher(NEW), 'rot:inbox'), async (b) => void handled.push(b), inboxLog.logger, 1);
    lacking.start(50);
    await new Promise((r) => setTimeout(r, 400));
    await lacking.stop();
    expect(handled).toEqual([]);
    expect(await redis.llen('t:{rot}:inbox:0')).toBe(1);
    // Looked at on every poll, said once (then hourly).
    expect(inboxLog.errors).toEqual(['inbox message sealed with a key that is not configured: left waiting']);

    // With the old key among the read-only keys it is handled, once, and a plain entry from before sealing too.
    await redis.rpush('t:{rot}:inbox:0', '{"n":2,"legacy":true}');
    const after = new Inbox(redis, keys, 'rot', new SealedValues(new FieldCipher(withOld(NEW, OLD)), 'rot:inbox'), async (b) => void handled.push(b), log, 1);
    after.start(50);
    await until('both handled', async () => handled.length === 2 && (await after.pending()) === 0);
    await after.stop();
    expect(handled).toEqual(['{"n":1,"id":"110105194912310025"}', '{"n":2,"legacy":true}']);
  });

  it('recipient queue: two processes never send the same job; the one serving a recipient keeps it until its queue is empty', async () => {
    const sent: string[] = [];
    let sending = false;
    let releaseFirst!: () => void;
    const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
    const deliver = async (_to: string, job: OutJob) => {
      sending = true;
      sent.push(job.text ?? '');
      // Each send takes a while: long enough for the other process to look for due recipients.
      await (job.text === '第一条' ? firstHeld : new Promise((r) => setTimeout(r, 100)));
      return { sent: true as const };
    };
    const sealedJobs = new SealedValues(new FieldCipher(NEW), 'race:outqueue');
    const a = new RecipientQueue(redis, keys, 'race', sealedJobs, deliver, [], log);
    const b = new RecipientQueue(redis, keys, 'race', sealedJobs, deliver, [], log);
    await a.enqueue('m1', [{ text: '第一条' }]);
    await until('the first process is sending', async () => sending);
    // The reply to the member's next message, queued by the other process while the first is still being sent.
    await b.enqueue('m1', [{ text: '第二条' }, { text: '第三条' }]);
    b.start(10);
    releaseFirst();
    await until('all sent', async () => sent.length >= 3);
    await new Promise((r) => setTimeout(r, 400));
    await Promise.all([a.stop(), b.stop()]);
    expect(sent).toEqual(['第一条', '第二条', '第三条']);
  });

  it('recipient queue: a retried job is sealed again; a job under an unknown key waits; the old key still opens it', async () => {
    const seen: OutJob[] = [];
    let fail = true;
    const deliver = async (_to: string, job: OutJob) => {
      seen.push(job);
      if (fail) return { retryInMs: 50, reason: 'busy' };
      return { sent: true as const };
    };
    const q1 = new RecipientQueue(redis, keys, 'rotq', new SealedValues(new FieldCipher(OLD), 'rotq:outqueue'), deliver, [], log);
    await q1.enqueue('m1', [{ text: '电话13812345678' }]);
    await until('first try', async () => seen.length >= 1);
    await q1.stop();
    const stored = await redis.lrange('t:{rotq}:out:m1', 0, -1);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatch(/^v2:/);
    expect(stored[0]).not.toContain('13812345678');
    // The retry was written back sealed, with its count.
    const retried = JSON.parse(new FieldCipher(OLD).decrypt(stored[0]!, 'rotq:outqueue')) as OutJob;
    expect(retried.text).toBe('电话13812345678');
    expect(retried.tries).toBeGreaterThanOrEqual(1);

    fail = false;
    const tries = seen.length;
    const queueLog = capturing();
    const lacking = new RecipientQueue(redis, keys, 'rotq', new SealedValues(new FieldCipher(NEW), 'rotq:outqueue'), deliver, [], queueLog.logger);
    lacking.start(30);
    await new Promise((r) => setTimeout(r, 300));
    // Due again at once, as after a restart: looked at again, not logged again.
    await redis.zadd('t:{rotq}:out-due', 0, 'm1');
    await new Promise((r) => setTimeout(r, 200));
    await lacking.stop();
    expect(seen.length).toBe(tries);
    expect(await redis.llen('t:{rotq}:out:m1')).toBe(1);
    expect(queueLog.errors).toEqual(['queued message sealed with a key that is not configured: left waiting']);

    // Due again: the unreadable job was put off by a lease, as another process holding the key would find it.
    await redis.zadd('t:{rotq}:out-due', 0, 'm1');
    const after = new RecipientQueue(redis, keys, 'rotq', new SealedValues(new FieldCipher(withOld(NEW, OLD)), 'rotq:outqueue'), deliver, [], log);
    after.start(30);
    await until('sent', async () => (await after.pending('m1')) === 0);
    await after.stop();
    expect(seen.at(-1)).toMatchObject({ text: '电话13812345678', tries: retried.tries });
  });
});
