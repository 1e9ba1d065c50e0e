/**
 * Per-conversation serialization. Inside one process a promise chain orders turns (no busy waiting);
 * across processes a Redis lease (SET NX PX + token) keeps two bots from interleaving. Taking the lease
 * also reads the session, and saving the session also releases the lease: two round trips per turn.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { sleep } from './outbox.ts';

// KEYS: lease, session. ARGV: token, lease ms. → false while someone else holds the lease, else {session or ''}.
const ACQUIRE_AND_READ = `
if redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then
  return {redis.call('get', KEYS[2]) or ''}
end
return false`;
// KEYS: lease, session. ARGV: token, session JSON, idle seconds. Saves only while still holding the lease.
const WRITE_AND_RELEASE = `
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] ~= '' then redis.call('set', KEYS[2], ARGV[2], 'EX', ARGV[3]) end
redis.call('del', KEYS[1])
return 1`;

export class LockTimeoutError extends Error {}
export class LeaseLostError extends Error {}

export interface LockedTurn<T> {
  /** The session JSON to save ('' = leave as is) and the turn's result. */
  save: string;
  result: T;
}

export class ConversationLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(
    private readonly redis: Redis,
    private readonly timeoutMs: number,
    private readonly idleSeconds: number,
  ) {}

  /** Runs `fn` with the conversation's stored session (null if none), one turn at a time per conversation. */
  async run<T>(leaseKey: string, sessionKey: string, fn: (stored: string | null) => Promise<LockedTurn<T>>): Promise<T> {
    const previous = this.tails.get(leaseKey) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(() => this.locked(leaseKey, sessionKey, fn));
    this.tails.set(leaseKey, current);
    try {
      return await current;
    } finally {
      if (this.tails.get(leaseKey) === current) this.tails.delete(leaseKey);
    }
  }

  private async locked<T>(leaseKey: string, sessionKey: string, fn: (stored: string | null) => Promise<LockedTurn<T>>): Promise<T> {
    const token = randomUUID();
    const deadline = Date.now() + this.timeoutMs;
    let wait = 5;
    let stored: [string] | null;
    // The lease outlives a normal turn; a crashed holder's lease simply expires.
    while (!(stored = (await this.redis.eval(ACQUIRE_AND_READ, 2, leaseKey, sessionKey, token, this.timeoutMs)) as [string] | null)) {
      if (Date.now() > deadline) throw new LockTimeoutError(`conversation busy: ${leaseKey}`);
      await sleep(wait);
      wait = Math.min(wait * 2, 100);
    }
    let turn: LockedTurn<T>;
    try {
      turn = await fn(stored[0] || null);
    } catch (err) {
      await this.redis.eval(WRITE_AND_RELEASE, 2, leaseKey, sessionKey, token, '', this.idleSeconds);
      throw err;
    }
    const saved = await this.redis.eval(WRITE_AND_RELEASE, 2, leaseKey, sessionKey, token, turn.save, this.idleSeconds);
    if (saved !== 1) throw new LeaseLostError(`turn outlived its lease (${this.timeoutMs} ms): ${leaseKey}`);
    return turn.result;
  }
}
