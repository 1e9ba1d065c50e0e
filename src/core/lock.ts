/**
 * Per-conversation serialization. Inside one process a promise chain orders turns (no busy waiting);
 * across processes a Redis lock (SET NX PX + token, released by Lua) keeps two bots from interleaving.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { sleep } from './outbox.ts';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export class LockTimeoutError extends Error {}

export class ConversationLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(
    private readonly redis: Redis,
    private readonly timeoutMs: number,
  ) {}

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(() => this.withRedisLock(key, fn));
    this.tails.set(key, current);
    try {
      return await current;
    } finally {
      if (this.tails.get(key) === current) this.tails.delete(key);
    }
  }

  private async withRedisLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const token = randomUUID();
    const deadline = Date.now() + this.timeoutMs;
    let wait = 5;
    // The lease outlives a normal turn; a crashed holder's lock simply expires.
    while ((await this.redis.set(key, token, 'PX', this.timeoutMs, 'NX')) !== 'OK') {
      if (Date.now() > deadline) throw new LockTimeoutError(`conversation busy: ${key}`);
      await sleep(wait);
      wait = Math.min(wait * 2, 100);
    }
    try {
      return await fn();
    } finally {
      await this.redis.eval(RELEASE, 1, key, token);
    }
  }
}
