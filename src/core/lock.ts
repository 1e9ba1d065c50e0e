/**
 * Per-conversation serialization. Inside one process a promise chain orders turns (no busy waiting);
 * across processes a Redis lease (SET NX PX + token) keeps two bots from interleaving. Taking the lease
 * also reads the session, and saving the session also releases the lease: two round trips per turn.
 * The message's dedup key becomes 'done…' in the same script that saves the turn, so a message whose
 * turn never finished (the bot died) is processed again when the platform redelivers it. What follows
 * 'done' is the caller's (the pipeline keeps the turn's replies there, to answer a redelivery again).
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { sleep } from './outbox.ts';

// KEYS: lease, session, dedup. ARGV: token, lease ms.
// → false while someone else holds the lease; {0} if this message was already handled; else {1, session or ''}.
const ACQUIRE_AND_READ = `
if redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then
  local handled = redis.call('get', KEYS[3])
  if handled and string.sub(handled, 1, 4) == 'done' then
    redis.call('del', KEYS[1])
    return {0}
  end
  return {1, redis.call('get', KEYS[2]) or ''}
end
return false`;
// KEYS: lease, session, dedup. ARGV: token, session JSON, idle seconds, dedup seconds, handled marker.
// Saves only while still holding the lease, and marks the message handled in the same step.
const WRITE_AND_RELEASE = `
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] ~= '' then redis.call('set', KEYS[2], ARGV[2], 'EX', ARGV[3]) end
redis.call('set', KEYS[3], ARGV[5], 'EX', ARGV[4])
redis.call('del', KEYS[1])
return 1`;

/** How long a handled message id is remembered. */
export const DEDUP_SECONDS = 24 * 3600;
/** A dedup value starting with this marks a handled message (the rest is the caller's). */
export const HANDLED = 'done';
export const isHandled = (value: string | null | undefined): value is string => value?.startsWith(HANDLED) ?? false;

export class LockTimeoutError extends Error {}
export class LeaseLostError extends Error {}

export interface TurnKeys {
  lease: string;
  session: string;
  /** The message's dedup key: 'pending' while unhandled, HANDLED… once its turn is saved. */
  dedup: string;
}

export interface LockedTurn<T> {
  /** The session JSON to save ('' = leave as is) and the turn's result. */
  save: string;
  result: T;
  /** The dedup value that marks the message handled (starts with HANDLED). */
  handled: string;
}

export class ConversationLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(
    private readonly redis: Redis,
    private readonly timeoutMs: number,
    private readonly idleSeconds: number,
  ) {}

  /**
   * Runs `fn` with the conversation's stored session (null if none), one turn at a time per conversation.
   * Resolves `{ duplicate: true }` without running `fn` when the message (`dedupKey`) was handled meanwhile.
   */
  async run<T>(keys: TurnKeys, fn: (stored: string | null) => Promise<LockedTurn<T>>): Promise<{ duplicate: true } | { duplicate: false; result: T }> {
    const leaseKey = keys.lease;
    const previous = this.tails.get(leaseKey) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(() => this.locked(keys, fn));
    this.tails.set(leaseKey, current);
    try {
      return await current;
    } finally {
      if (this.tails.get(leaseKey) === current) this.tails.delete(leaseKey);
    }
  }

  private async locked<T>(keys: TurnKeys, fn: (stored: string | null) => Promise<LockedTurn<T>>): Promise<{ duplicate: true } | { duplicate: false; result: T }> {
    const { lease, session, dedup } = keys;
    const token = randomUUID();
    const deadline = Date.now() + this.timeoutMs;
    let wait = 5;
    let acquired: [number, string?] | null;
    // The lease outlives a normal turn; a crashed holder's lease simply expires.
    while (!(acquired = (await this.redis.eval(ACQUIRE_AND_READ, 3, lease, session, dedup, token, this.timeoutMs)) as [number, string?] | null)) {
      if (Date.now() > deadline) throw new LockTimeoutError(`conversation busy: ${lease}`);
      await sleep(wait);
      wait = Math.min(wait * 2, 100);
    }
    if (acquired[0] === 0) return { duplicate: true };
    const release = (save: string, handled: string) => this.redis.eval(WRITE_AND_RELEASE, 3, lease, session, dedup, token, save, this.idleSeconds, DEDUP_SECONDS, handled);
    let turn: LockedTurn<T>;
    try {
      turn = await fn(acquired[1] || null);
    } catch (err) {
      await release('', HANDLED);
      throw err;
    }
    if ((await release(turn.save, turn.handled)) !== 1) throw new LeaseLostError(`turn outlived its lease (${this.timeoutMs} ms): ${lease}`);
    return { duplicate: false, result: turn.result };
  }
}
