/**
 * Redis Sentinel (REDIS_OPTIONS): two engines find the master through a real sentinel, members sign up
 * through the real pipeline, the master is killed (kill -9) in the middle and the sentinel promotes the
 * replica. Every registration a member was told about is still there afterwards, and the engines go on
 * answering on the new master.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/app/engine.ts';
import { loadConfig } from '../../src/core/config.ts';
import { createLogger } from '../../src/core/logger.ts';
import { EventStore } from '../../intents/events/store.ts';
import { TEST_KEY_HEX } from '../helpers/harness.ts';
import { inbound } from '../helpers/engine.ts';
import { startRedisSentinel, type SentinelHandle } from '../helpers/sentinel.ts';

let sentinel: SentinelHandle;
const engines: Engine[] = [];
const dir = mkdtempSync(join(tmpdir(), 'ua-sentinel-engines-'));

beforeAll(async () => {
  sentinel = await startRedisSentinel();
  for (let i = 0; i < 2; i++) {
    const config = loadConfig({
      REDIS_OPTIONS: JSON.stringify({ sentinels: [{ host: '127.0.0.1', port: sentinel.sentinelPort }], name: sentinel.name }),
      DATA_DIR: join(dir, `e${i}`), DATA_ENCRYPTION_KEY: TEST_KEY_HEX, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '10000',
      SINGLETON_LEASE_MS: '1500', REDIS_COMMAND_TIMEOUT_MS: '3000', LOCK_TIMEOUT_MS: '3000',
    });
    engines.push(await createEngine(config, createLogger('silent')));
  }
}, 60_000);

afterAll(async () => {
  for (const e of engines) await e.close().catch(() => undefined);
  await sentinel?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const APOLOGY = /抱歉|稍后再试/;
const textOf = (replies: { text?: string }[]) => replies.map((r) => r.text ?? '').join('\n');

/** One member's turn, sent again with the same message id while Redis fails over (the member would retry too). */
async function say(member: string, text: string, first: number): Promise<string> {
  const messageId = randomUUID();
  for (let attempt = first, deadline = Date.now() + 60_000; Date.now() < deadline; attempt++) {
    const out = await engines[attempt % engines.length]!.pipeline.handle(inbound({ senderId: member, text, messageId })).catch(() => null);
    if (out && !APOLOGY.test(textOf(out.replies))) return textOf(out.replies);
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${member}: no answer to ${text}`);
}

/** Signs up until the bot says registered (or already registered, for a retry whose first try got through). */
async function signUp(member: string, title: string, first: number): Promise<boolean> {
  let text = await say(member, `报名 ${title}`, first);
  for (let step = 0; step < 4; step++) {
    if (text.includes('报名成功') || text.includes('您已经报名了')) return true;
    if (text.includes('是/否')) text = await say(member, '是', first);
    else if (text.includes('确认')) text = await say(member, '确认', first);
    else return false;
  }
  return false;
}

describe('engines behind Redis Sentinel', () => {
  it('find the master through the sentinel and keep every acknowledged registration across a failover', async () => {
    const { redis, keys } = engines[0]!.deps;
    expect(Number((await redis.config('GET', 'port'))[1])).toBe(await sentinel.masterPort());
    const now = Date.now();
    const event = await new EventStore(redis, keys).create(
      { title: '哨兵演练', description: '', place: '礼堂', startAt: now + 240 * 3600_000, endAt: now + 242 * 3600_000, capacity: 500, deadline: now + 200 * 3600_000, groups: [], fields: [], createdBy: 'web:admin' },
      now,
      null,
    );
    // Members keep arriving, one every 40 ms, before, during and after the failover.
    const members = Array.from({ length: 150 }, (_, i) => `sentinel${i}`);
    const signUps: Promise<boolean>[] = [];
    const arrivals = (async () => {
      for (const [i, m] of members.entries()) {
        signUps.push(signUp(m, '哨兵演练', i));
        await new Promise((r) => setTimeout(r, 40));
      }
    })();
    await new Promise((r) => setTimeout(r, 800));
    const { killed, promoted } = await sentinel.failMaster();
    expect(promoted).not.toBe(killed);
    await arrivals;
    const told = await Promise.all(signUps);
    const acknowledged = members.filter((_, i) => told[i]).map((m) => `web:${m}`);
    expect(acknowledged.length).toBeGreaterThan(100);
    // Both engines reconnect to the promoted master (asking the sentinel) and still answer.
    for (const e of engines) await expect.poll(async () => Number((await e.deps.redis.config('GET', 'port').catch(() => [0, 0]))[1]), { timeout: 30_000 }).toBe(promoted);
    const after = engines[1]!.deps;
    const seated = new Set(await new EventStore(after.redis, after.keys).registeredMembers(event.id));
    expect(acknowledged.filter((m) => !seated.has(m))).toEqual([]);
    expect(await say('late-member', '加班费怎么算', 0)).toMatch(/加班/);
  }, 180_000);
});
