/**
 * The request connection sends the commands issued in one tick in one socket write, after a reconnect too, and so does
 * each node connection of a Cluster client; a big hash or set is read a slice at a time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { loadConfig } from '../../src/core/config.ts';
import { createLogger } from '../../src/core/logger.ts';
import { connectRedis, readHash, readScored, readSet, type RedisHandle } from '../../src/core/redis.ts';
import { countCommands } from '../helpers/command-count.ts';
import { startRedis } from '../helpers/redis.ts';
import { startRedisCluster } from '../helpers/cluster.ts';
import type { Redis } from 'ioredis';

let server: Awaited<ReturnType<typeof startRedis>>;
let handle: RedisHandle;
beforeAll(async () => {
  server = await startRedis();
  handle = await connectRedis(loadConfig({ REDIS_URL: server.url, LOG_LEVEL: 'silent' }), createLogger('silent'));
});
afterAll(async () => {
  await handle.close();
  await server.stop();
});

type CountedSocket = Socket & { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };

/** Socket writes (system calls: one per _write, one per _writev) on these connections while `fn` runs. */
async function socketWrites(fn: () => Promise<unknown>, clients: Redis[] = [handle.redis]): Promise<number> {
  let writes = 0;
  const restore = clients.map((client) => {
    const socket = (client as unknown as { stream?: CountedSocket }).stream;
    if (!socket) return () => undefined; // a Cluster node not connected yet
    const { _write, _writev } = socket;
    socket._write = (...a) => (writes++, _write.apply(socket, a));
    socket._writev = (...a) => (writes++, _writev.apply(socket, a));
    return () => Object.assign(socket, { _write, _writev });
  });
  try {
    await fn();
  } finally {
    for (const undo of restore) undo();
  }
  return writes;
}

describe('writes to Redis', () => {
  it('sends the commands of one tick in one write, answering each', async () => {
    const { redis } = handle;
    const writes = await socketWrites(() => Promise.all(Array.from({ length: 50 }, (_, i) => redis.set(`w${i}`, String(i)))));
    expect(writes).toBe(1);
    expect(await redis.mget(Array.from({ length: 50 }, (_, i) => `w${i}`))).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
    // Commands of later ticks go in their own writes: nothing is held back.
    expect(await socketWrites(async () => { for (let i = 0; i < 3; i++) await redis.get(`w${i}`); })).toBe(3);
  });

  it('does so again after a reconnect', async () => {
    const { redis } = handle;
    const reconnected = new Promise((resolve) => redis.once('ready', resolve));
    redis.disconnect(true);
    await reconnected;
    expect(await socketWrites(() => Promise.all(Array.from({ length: 20 }, (_, i) => redis.get(`w${i}`))))).toBe(1);
  });

  it('a Cluster client writes once per tick to each node', async () => {
    const cluster = await startRedisCluster();
    const clustered = await connectRedis(loadConfig({ REDIS_CLUSTER_NODES: cluster.nodes.join(','), LOG_LEVEL: 'silent' }), createLogger('silent'));
    try {
      const { redis } = clustered;
      const keys = Array.from({ length: 30 }, (_, i) => `{one-slot}:w${i}`);
      await redis.get(keys[0]!); // the connection to the key's node is open
      const nodes = (redis as unknown as { nodes(role: 'all'): Redis[] }).nodes('all');
      expect(await socketWrites(() => Promise.all(keys.map((k) => redis.set(k, 'v'))), nodes)).toBe(1);
      expect(await redis.mget(keys)).toEqual(keys.map(() => 'v'));
    } finally {
      await clustered.close();
      await cluster.stop();
    }
  }, 60_000);
});

describe('REDIS_URL with a Unix socket', () => {
  it('unix:///path connects every connection through the socket', async () => {
    expect(server.socket).toBeDefined();
    const overSocket = await connectRedis(loadConfig({ REDIS_URL: `unix://${server.socket}`, REDIS_TURN_CONNECTIONS: '2', LOG_LEVEL: 'silent' }), createLogger('silent'));
    try {
      await overSocket.redis.set('over-socket', '1');
      expect(await handle.redis.get('over-socket')).toBe('1');
      for (const client of [...overSocket.turns, overSocket.duplicate()]) expect(String(await client.client('INFO'))).toContain(`addr=${server.socket}:0`);
    } finally {
      await overSocket.close();
    }
  });
});

describe('reading a big collection', () => {
  it('a hash and a set are read a slice at a time (HSCAN, SSCAN), never in one blocking command, each entry once', async () => {
    const { redis } = handle;
    const fields = Array.from({ length: 2_000 }, (_, i) => [`member:${i}`, `address ${i}`] as const);
    await redis.hset('big:hash', Object.fromEntries(fields));
    await redis.sadd('big:set', ...fields.map(([f]) => f));
    const sent = countCommands(redis);
    const hash = await readHash(redis, 'big:hash');
    const set = await readSet(redis, 'big:set');
    expect(hash.size).toBe(2_000);
    expect(hash.get('member:1999')).toBe('address 1999');
    expect([...set].sort()).toEqual(fields.map(([f]) => f).sort());
    const commands = sent();
    expect(commands['hscan']).toBeGreaterThan(1);
    expect(commands['sscan']).toBeGreaterThan(1);
    expect(Object.keys(commands).sort()).toEqual(['hscan', 'sscan']);
    expect(await readHash(redis, 'no:such:hash')).toEqual(new Map());
  });

  it('a sorted set of sequence numbers is read in score order, 500 a call, each member once', async () => {
    const { redis } = handle;
    // Scores as a sequence hands them out, members in another order.
    await redis.zadd('big:seats', ...Array.from({ length: 1_200 }, (_, i) => [i + 1, `m${1_199 - i}`]).flat());
    const sent = countCommands(redis);
    const seats = await readScored(redis, 'big:seats');
    expect(seats.map(([, seq]) => seq)).toEqual(Array.from({ length: 1_200 }, (_, i) => i + 1));
    expect(seats[0]).toEqual(['m1199', 1]);
    expect(sent()).toEqual({ zrangebyscore: 3 });
    expect(await readScored(redis, 'no:such:zset')).toEqual([]);
  });
});
