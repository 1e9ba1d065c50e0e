/**
 * Many bot processes on a real Redis Cluster (3 masters, 3 replicas on loopback), driven over the web API:
 * the 1,000-registration rush spread over 3 processes, 100 messages of one member raced through all of them
 * (each delivered twice), then kill -9 of one bot and a failover of a master in the middle of a run:
 * nothing a member was told is lost, and the dead bot's singletons are taken over.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keys } from '../../src/core/keys.ts';
import { EventStore } from '../../intents/events/store.ts';
import { TEST_KEY_HEX } from '../helpers/harness.ts';
import { startBotProcess, type BotProcess } from '../helpers/bot-process.ts';
import { startRedisCluster, type RedisClusterHandle } from '../helpers/cluster.ts';

const LEASE_MS = 2000;
let cluster: RedisClusterHandle;
let redis: Redis;
const bots: BotProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), 'ua-cluster-bots-'));
const keys = new Keys('ua:');
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

const startBot = (i: number) =>
  startBotProcess({
    REDIS_CLUSTER_NODES: cluster.nodes.join(','),
    DATA_DIR: join(dir, `bot${i}`),
    DATA_ENCRYPTION_KEY: TEST_KEY_HEX,
    RATE_LIMIT_PER_MINUTE: '10000',
    WEB_RATE_LIMIT_PER_MINUTE_PER_IP: '100000',
    HTTP_MAX_CONNECTIONS_PER_IP: '10000',
    SINGLETON_LEASE_MS: String(LEASE_MS),
    REDIS_COMMAND_TIMEOUT_MS: '5000',
    LOCK_TIMEOUT_MS: '5000',
    LOG_LEVEL: 'warn',
  });

interface Answer {
  status: number;
  replies: { text?: string }[];
  dropped?: string;
}

/**
 * One web message to one bot; a connection error or a 5xx is a status 0 / 5xx answer, never a throw. A kept-alive
 * connection the server closed meanwhile (status 0) is tried once more on a fresh one, as an HTTP client does.
 */
async function post(bot: BotProcess, body: Record<string, unknown>): Promise<Answer> {
  const first = await postOnce(bot, body);
  return first.status === 0 ? postOnce(bot, body) : first;
}

function postOnce(bot: BotProcess, body: Record<string, unknown>): Promise<Answer> {
  const data = JSON.stringify({ chatType: 'private', ...body });
  return new Promise((resolve) => {
    const req = request(new URL('/api/web/messages', bot.url), { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, ...(JSON.parse(text) as Omit<Answer, 'status'>) });
        } catch {
          resolve({ status: res.statusCode ?? 0, replies: [] });
        }
      });
    });
    req.on('error', () => resolve({ status: 0, replies: [] }));
    req.end(data);
  });
}

const APOLOGY = /抱歉|稍后再试/;
const textOf = (a: Answer) => a.replies.map((r) => r.text ?? '').join('\n');

/**
 * A member signs up for `title` through the bots (`pick` chooses the bot for each try). A failed try (the bot
 * died, Redis failed over, an apology) is sent again with the same message id, as a client retries.
 * Returns what the member was finally told: 'registered', 'waitlisted', or null (never acknowledged).
 */
async function signUp(member: string, title: string, pick: (attempt: number) => BotProcess | undefined): Promise<'registered' | 'waitlisted' | null> {
  let say = `报名 ${title}`;
  let attempt = 0;
  for (let step = 0; step < 6; step++) {
    const messageId = randomUUID();
    let answer: Answer | null = null;
    // Retried until a deadline: during a failover (slower on a loaded machine) a turn may wait out a lease
    // its failed try left behind (LOCK_TIMEOUT_MS).
    for (const deadline = Date.now() + 90_000; Date.now() < deadline; ) {
      const bot = pick(attempt++);
      if (!bot) break;
      const a = await post(bot, { userId: member, text: say, messageId });
      if (a.status === 200 && !APOLOGY.test(textOf(a))) {
        answer = a;
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    if (!answer) return null;
    const text = textOf(answer);
    // A retry whose first try registered but was not answered (the bot died mid-turn) hears "already".
    if (text.includes('报名成功') || text.includes('您已经报名了')) return 'registered';
    if ((text.includes('已加入') && text.includes('候补')) || text.includes('您已在')) return 'waitlisted';
    if (text.includes('是/否')) say = '是';
    else if (text.includes('确认')) say = '确认';
    else if (answer.dropped === 'duplicate' && step > 0) continue; // an earlier try of this step went through
    else throw new Error(`unexpected answer for ${member}: ${text}`);
  }
  return null;
}

async function createEvent(title: string, capacity: number): Promise<string> {
  const now = Date.now();
  const ev = await new EventStore(redis, keys).create(
    { title, description: '', place: '体育馆', startAt: now + 240 * 3600_000, endAt: now + 243 * 3600_000, capacity, deadline: now + 200 * 3600_000, groups: [], fields: [], createdBy: 'web:admin' },
    now,
    null,
  );
  return ev.id;
}

beforeAll(async () => {
  cluster = await startRedisCluster();
  const [host, port] = cluster.nodes[0]!.split(':');
  redis = new Cluster([{ host: host!, port: Number(port) }]) as unknown as Redis;
  redis.on('error', () => undefined);
  // Started one after another: the first holds every singleton.
  for (let i = 0; i < 3; i++) bots.push(await startBot(i));
}, 120_000);

afterAll(async () => {
  agent.destroy();
  await Promise.all(bots.map((b) => b.stop()));
  redis?.disconnect();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('three bot processes on a Redis Cluster', () => {
  it('the 1,000-registration rush for 100 seats: 100 registered, 900 waitlisted, none twice, none lost', async () => {
    const id = await createEvent('千人运动会', 100);
    const members = Array.from({ length: 1000 }, (_, i) => `rush${i}`);
    const told = await Promise.all(members.map((m, i) => signUp(m, '千人运动会', (a) => bots[(i + a) % bots.length])));
    expect(told.filter((t) => t === 'registered')).toHaveLength(100);
    expect(told.filter((t) => t === 'waitlisted')).toHaveLength(900);
    const store = new EventStore(redis, keys);
    const seated = await store.registeredMembers(id);
    const waiting = await store.waitlist(id);
    expect(new Set(seated).size).toBe(100);
    expect(new Set([...seated, ...waiting]).size).toBe(1000);
    // Each member's answer matches where they are.
    for (const [i, m] of members.entries()) expect(seated.includes(`web:${m}`) ? 'registered' : 'waitlisted').toBe(told[i]);
  }, 240_000);

  it('100 messages of one member, each delivered to two processes at once: each answered exactly once, none lost', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `race-${i}`);
    const answers = await Promise.all(
      ids.flatMap((messageId, i) => [0, 1].map((copy) => post(bots[(i + copy) % bots.length]!, { userId: 'racer', text: `工资问题${i}`, messageId }).then((a) => ({ messageId, a })))),
    );
    for (const messageId of ids) {
      const mine = answers.filter((x) => x.messageId === messageId);
      expect(mine.every((x) => x.a.status === 200)).toBe(true);
      // One delivery ran the turn; the other was a duplicate (answered from the stored replies, or not at all while in flight).
      expect(mine.filter((x) => x.a.dropped !== 'duplicate')).toHaveLength(1);
      const turn = mine.find((x) => x.a.dropped !== 'duplicate')!;
      expect(textOf(turn.a)).not.toMatch(APOLOGY);
    }
    // The conversation's history holds the last turns in order: every message answered before the next one.
    const history = (await redis.lrange(keys.history(keys.session('web', 'racer', 'racer')), 0, -1)).map((t) => JSON.parse(t) as { from: string; text: string });
    expect(history.length).toBeGreaterThan(0);
    for (let i = 0; i + 1 < history.length; i++) if (history[i]!.from === 'member') expect(history[i + 1]!.from).toBe('bot');
  }, 120_000);

  it('kill -9 of a bot and a master failover mid-run: every acknowledged registration kept, the singletons taken over', async () => {
    const id = await createEvent('故障演练', 1000);
    // The bot running the event workers (one process at a time) says so in its /metrics.
    const holds = async (bot: BotProcess) => /^ua_singleton_leader\{name="workers:events"\} 1$/m.test(await fetch(`${bot.url}/metrics`).then((r) => r.text(), () => ''));
    const holder = (await Promise.all(bots.map(holds))).indexOf(true);
    expect(holder).toBeGreaterThanOrEqual(0);
    const fenceKey = keys.leader('workers:events', 'fence');
    const fenceBefore = Number(await redis.get(fenceKey));

    const killed: { bot?: BotProcess } = {};
    const alive = () => bots.filter((b) => b !== killed.bot);
    const members = Array.from({ length: 300 }, (_, i) => `drill${i}`);
    const run = Promise.all(members.map((m, i) => signUp(m, '故障演练', (a) => alive()[(i + a) % alive().length])));
    // Mid-run: the workers' holder is killed, then the master serving the event fails over.
    await new Promise((r) => setTimeout(r, 1500));
    killed.bot = bots[holder];
    await killed.bot!.kill9();
    const failover = await cluster.failMasterOf(keys.tagged(`ev:${id}`));
    expect(failover.promoted).not.toBe(failover.killed);
    const told = await run;

    const acknowledged = members.filter((_, i) => told[i] === 'registered').map((m) => `web:${m}`);
    // Most members got through (the run is not vacuous); what matters is that none acknowledged is missing.
    expect(acknowledged.length).toBeGreaterThan(150);
    const seated = new Set(await new EventStore(redis, keys).registeredMembers(id));
    expect(acknowledged.filter((m) => !seated.has(m))).toEqual([]);

    // Another process took the workers over (a larger fence), within a few leases.
    await expect.poll(async () => (await Promise.all(alive().map(holds))).filter(Boolean).length, { timeout: 4 * LEASE_MS + 5000 }).toBe(1);
    expect(Number(await redis.get(fenceKey))).toBeGreaterThan(fenceBefore);
    bots.splice(holder, 1);
  }, 240_000);
});
