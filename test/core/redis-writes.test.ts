/** The request connection sends the commands issued in one tick in one socket write, after a reconnect too. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { loadConfig } from '../../src/core/config.ts';
import { createLogger } from '../../src/core/logger.ts';
import { connectRedis, type RedisHandle } from '../../src/core/redis.ts';
import { startRedis } from '../helpers/redis.ts';

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

/** Socket writes (system calls: one per _write, one per _writev) while `fn` runs. */
async function socketWrites(fn: () => Promise<unknown>): Promise<number> {
  const socket = (handle.redis as unknown as { stream: Socket & { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void } }).stream;
  const { _write, _writev } = socket;
  let writes = 0;
  socket._write = (...a) => (writes++, _write.apply(socket, a));
  socket._writev = (...a) => (writes++, _writev.apply(socket, a));
  try {
    await fn();
  } finally {
    socket._write = _write;
    socket._writev = _writev;
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
});
