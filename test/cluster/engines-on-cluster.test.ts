/**
 * Three engines (each with its own connections and in-process locks, like three bot processes) on a real
 * Redis Cluster (3 masters, 3 replicas on loopback), driven through the real pipeline and services: the
 * 1,000-registration rush, one member's 100 messages each delivered to two engines at once, a master failover
 * in the middle of sign-ups (nothing acknowledged lost: writes wait for a replica), and the singleton workers
 * handed over when their engine stops.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/app/engine.ts';
import { loadConfig } from '../../src/core/config.ts';
import { createLogger } from '../../src/core/logger.ts';
import { scanKeys } from '../../src/core/redis.ts';
import { EventStore } from '../../intents/events/store.ts';
import { TEST_KEY_HEX } from '../helpers/harness.ts';
import { inbound } from '../helpers/engine.ts';
import { startRedisCluster, type RedisClusterHandle } from '../helpers/cluster.ts';

let cluster: RedisClusterHandle;
const engines: Engine[] = [];
const dir = mkdtempSync(join(tmpdir(), 'ua-cluster-engines-'));

beforeAll(async () => {
  cluster = await startRedisCluster();
  for (let i = 0; i < 3; i++) {
    const config = loadConfig({
      REDIS_CLUSTER_NODES: cluster.nodes.join(','), DATA_DIR: join(dir, `e${i}`), DATA_ENCRYPTION_KEY: TEST_KEY_HEX,
      LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '10000', SINGLETON_LEASE_MS: '1500', REDIS_COMMAND_TIMEOUT_MS: '5000', LOCK_TIMEOUT_MS: '5000',
    });
    engines.push(await createEngine(config, createLogger('silent')));
  }
}, 120_000);

afterAll(async () => {
  for (const e of engines) await e.close().catch(() => undefined);
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const APOLOGY = /抱歉|稍后再试/;
const failures: string[] = [];
const textOf = (replies: { text?: string }[]) => replies.map((r) => r.text ?? '').join('\n');

/** A member signs up through the engines; a failed try (Redis failing over, an apology) is sent again with the same id. */
async function signUp(member: string, title: string, first: number): Promise<'registered' | 'waitlisted' | null> {
  let say = `报名 ${title}`;
  let attempt = first;
  for (let step = 0; step < 6; step++) {
    const messageId = randomUUID();
    let text: string | null = null;
    let duplicate = false;
    // Retried until a deadline: during a failover (slower on a loaded machine) a turn may wait out a lease
    // its failed try left behind (LOCK_TIMEOUT_MS).
    for (const deadline = Date.now() + 90_000; text === null && Date.now() < deadline; ) {
      const engine = engines[attempt++ % engines.length]!;
      const out = await engine.pipeline.handle(inbound({ senderId: member, text: say, messageId })).catch((err: unknown) => {
        failures.push(err instanceof Error ? err.message.slice(0, 80) : String(err));
        return null;
      });
      if (out && !APOLOGY.test(textOf(out.replies))) {
        text = textOf(out.replies);
        duplicate = out.dropped === 'duplicate';
      } else await new Promise((r) => setTimeout(r, 250));
    }
    if (text === null) return null;
    // A retry whose first try registered but was not answered (its turn was cut off) hears "already".
    if (text.includes('报名成功') || text.includes('您已经报名了')) return 'registered';
    if ((text.includes('已加入') && text.includes('候补')) || text.includes('您已在')) return 'waitlisted';
    if (text.includes('是/否')) say = '是';
    else if (text.includes('确认')) say = '确认';
    else if (!duplicate) throw new Error(`unexpected answer for ${member}: ${text}`);
  }
  return null;
}

async function createEvent(title: string, capacity: number): Promise<string> {
  const now = Date.now();
  const store = new EventStore(engines[0]!.deps.redis, engines[0]!.deps.keys);
  const ev = await store.create(
    { title, description: '', place: '体育馆', startAt: now + 240 * 3600_000, endAt: now + 243 * 3600_000, capacity, deadline: now + 200 * 3600_000, groups: [], fields: [], createdBy: 'web:admin' },
    now,
    null,
  );
  return ev.id;
}

describe('three engines on a Redis Cluster', () => {
  it('the 1,000-registration rush for 100 seats: 100 registered, 900 waitlisted, none twice, none lost', async () => {
    const id = await createEvent('千人运动会', 100);
    const members = Array.from({ length: 1000 }, (_, i) => `rush${i}`);
    const told = await Promise.all(members.map((m, i) => signUp(m, '千人运动会', i)));
    if (told.includes(null)) console.log('failed tries:', failures.length, [...new Set(failures)].slice(0, 5));
    expect(told.filter((t) => t === 'registered')).toHaveLength(100);
    expect(told.filter((t) => t === 'waitlisted')).toHaveLength(900);
    const store = new EventStore(engines[1]!.deps.redis, engines[1]!.deps.keys);
    const seated = await store.registeredMembers(id);
    const waiting = await store.waitlist(id);
    expect(new Set(seated).size).toBe(100);
    expect(new Set([...seated, ...waiting]).size).toBe(1000);
    for (const [i, m] of members.entries()) expect(seated.includes(`web:${m}`) ? 'registered' : 'waitlisted').toBe(told[i]);
  }, 180_000);

  it('100 messages of one member, each delivered to two engines at once: each answered exactly once, turns never interleaved', async () => {
    const outs = await Promise.all(
      Array.from({ length: 100 }, (_, i) => {
        const msg = inbound({ senderId: 'racer', text: `加班费怎么算${i}`, messageId: `race-${i}` });
        return Promise.all([engines[i % 3]!.pipeline.handle(msg), engines[(i + 1) % 3]!.pipeline.handle(msg)]);
      }),
    );
    for (const pair of outs) {
      expect(pair.filter((o) => o.dropped !== 'duplicate')).toHaveLength(1);
      expect(textOf(pair.find((o) => o.dropped !== 'duplicate')!.replies)).not.toMatch(APOLOGY);
    }
    const { keys, redis } = engines[0]!.deps;
    const history = (await redis.lrange(keys.history(keys.session('web', 'racer', 'racer')), 0, -1)).map((t) => JSON.parse(t) as { from: string });
    expect(history.length).toBeGreaterThan(0);
    // Every message answered before the next one (an answer may take several replies).
    for (let i = 0; i + 1 < history.length; i++) if (history[i]!.from === 'member') expect(history[i + 1]!.from).toBe('bot');
  }, 120_000);

  it('a master fails over in the middle of sign-ups: every acknowledged registration is kept', async () => {
    const id = await createEvent('故障演练', 1000);
    const { keys } = engines[0]!.deps;
    const members = Array.from({ length: 300 }, (_, i) => `drill${i}`);
    const run = Promise.all(members.map((m, i) => signUp(m, '故障演练', i)));
    await new Promise((r) => setTimeout(r, 1000));
    const failover = await cluster.failMasterOf(keys.tagged(`ev:${id}`));
    expect(failover.promoted).not.toBe(failover.killed);
    const told = await run;
    const acknowledged = members.filter((_, i) => told[i] === 'registered').map((m) => `web:${m}`);
    // Most members got through (the run is not vacuous); what matters is that none acknowledged is missing.
    expect(acknowledged.length).toBeGreaterThan(150);
    const seated = new Set(await new EventStore(engines[2]!.deps.redis, keys).registeredMembers(id));
    expect(acknowledged.filter((m) => !seated.has(m))).toEqual([]);
  }, 240_000);

  it('SCAN reaches every master; the singleton workers move to another engine when theirs stops', async () => {
    const { redis, keys } = engines[1]!.deps;
    const found: string[] = [];
    await scanKeys(redis, `${keys.prefix}{ev:*`, (batch) => void found.push(...batch));
    // Every key, though this client learnt the topology before a master failed above: as the live nodes list them.
    const listed = new Set<string>();
    for (const node of cluster.nodes) {
      const out = await cluster.cli(Number(node.split(':')[1]), '--scan', '--pattern', `${keys.prefix}{ev:*`).catch(() => ''); // the killed one
      for (const key of out.split('\n').filter(Boolean)) listed.add(key);
    }
    expect(listed.size).toBeGreaterThan(3);
    expect(new Set(found)).toEqual(listed);
    const fenceKey = keys.leader('workers:events', 'fence');
    const before = Number(await redis.get(fenceKey));
    const holder = await redis.get(keys.leader('workers:events', 'holder'));
    expect(holder).not.toBeNull();
    const holding = engines.findIndex((e) => e.singletons.some((w) => w.isLeader() && w.name === 'workers:events'));
    expect(holding).toBeGreaterThanOrEqual(0);
    await engines[holding]!.close();
    engines.splice(holding, 1);
    // Read through an engine that is still running; right after the failover above, takeover may wait for a topology refresh.
    const survivor = engines[0]!.deps.redis;
    await expect.poll(async () => Number(await survivor.get(fenceKey)), { timeout: 30_000 }).toBeGreaterThan(before);
    expect(await survivor.get(keys.leader('workers:events', 'holder'))).not.toBe(holder);
  }, 60_000);
});
