/**
 * One turn of a conversation in two Redis round trips, both EVALSHA on keys sharing the member's hash tag:
 *
 *   BEGIN  dedup ▸ rate limit ▸ conversation lease ▸ session load (▸ the private chat's address)
 *   END    session save ▸ history append ▸ dedup marked handled ▸ lease released — only while the lease is held
 *
 * Inside one process a promise chain orders a conversation's turns (no busy waiting); across processes the
 * lease (SET NX PX + token) keeps two bots from interleaving. The dedup key is written 'done' in the same
 * script that saves a message's turn, and not before: a message whose turn never finished (the bot died) is
 * processed again when the platform redelivers it (a 'pending' value left by older versions reads the same).
 * The caller's marker ('done' and what follows: the pipeline keeps the turn's replies, to answer a redelivery
 * again) is kept beside it for REPLAY_SECONDS only: redeliveries come within minutes (a retry, a restart), while
 * the bare 'done' stays a day: a day of replies in Redis would be most of its memory.
 * The history list is not loaded: few turns read it (a follow-up question, a handoff), and they read it
 * themselves, under the lease. Loading it every turn was a quarter of Redis's CPU for a menu.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { LuaScript } from './lua.ts';
import { sleep } from './outbox.ts';

/** How long a handled message id is remembered. */
export const DEDUP_SECONDS = 24 * 3600;
/** How long a handled message's marker (its replies) is kept for a redelivery. */
export const REPLAY_SECONDS = 3600;
/** The dedup value of a handled message; the caller's marker starts with it too (older versions kept the marker in the dedup key). */
export const HANDLED = 'done';

// KEYS: dedup, rate, lease, session, private chat, replay.
// ARGV: token, lease ms, dedup seconds, rate window seconds, rate limit, early marker ('' = a real turn), private chat id ('' = a group),
// replay seconds.
// → {'replay', marker} | {'rate', count} | {'early', count} | {'busy', count, privateChat} | {'ok', count, privateChat, session}
const BEGIN = new LuaScript(`
local seen = redis.call('get', KEYS[1])
if seen and string.sub(seen, 1, 4) == 'done' then return {'replay', redis.call('get', KEYS[6]) or seen} end
local count = redis.call('incr', KEYS[2])
if count == 1 then redis.call('expire', KEYS[2], ARGV[4]) end
if count > tonumber(ARGV[5]) then return {'rate', count} end
if ARGV[6] ~= '' then
  redis.call('set', KEYS[1], 'done', 'EX', ARGV[3])
  redis.call('set', KEYS[6], ARGV[6], 'EX', ARGV[8])
  return {'early', count}
end
local private = ARGV[7]
if private == '' then
  private = redis.call('get', KEYS[5]) or ''
elseif redis.call('get', KEYS[5]) ~= private then
  redis.call('set', KEYS[5], private)
end
if not redis.call('set', KEYS[3], ARGV[1], 'PX', ARGV[2], 'NX') then return {'busy', count, private} end
return {'ok', count, private, redis.call('get', KEYS[4]) or ''}`);

// KEYS: lease, session, dedup. ARGV: token, lease ms.
// → false while someone else holds the lease; {0} if this message was handled meanwhile; else {1, session}.
const ACQUIRE = new LuaScript(`
if redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then
  local handled = redis.call('get', KEYS[3])
  if handled and string.sub(handled, 1, 4) == 'done' then
    redis.call('del', KEYS[1])
    return {0}
  end
  return {1, redis.call('get', KEYS[2]) or ''}
end
return false`);

// KEYS: lease, session, dedup, history, replay.
// ARGV: token, session JSON ('' = unchanged: only its idle expiry is renewed), idle seconds, dedup seconds,
// handled marker, history limit, '1' to replace the history (else append), replay seconds, then the turns to add.
// Saves only while still holding the lease, and marks the message handled in the same step.
const END = new LuaScript(`
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] ~= '' then redis.call('set', KEYS[2], ARGV[2], 'EX', ARGV[3]) else redis.call('expire', KEYS[2], ARGV[3]) end
if ARGV[7] == '1' then redis.call('del', KEYS[4]) end
if #ARGV > 8 then
  redis.call('rpush', KEYS[4], unpack(ARGV, 9))
  redis.call('ltrim', KEYS[4], -tonumber(ARGV[6]), -1)
end
redis.call('expire', KEYS[4], ARGV[3])
redis.call('set', KEYS[3], 'done', 'EX', ARGV[4])
redis.call('set', KEYS[5], ARGV[5], 'EX', ARGV[8])
redis.call('del', KEYS[1])
return 1`);

const beginReply = z.union([
  z.tuple([z.literal('ok'), z.number(), z.string(), z.string()]),
  z.tuple([z.literal('replay'), z.string()]),
  z.tuple([z.enum(['rate', 'early']), z.number()]),
  z.tuple([z.literal('busy'), z.number(), z.string()]),
]);
const acquireReply = z.union([z.null(), z.tuple([z.literal(0)]), z.tuple([z.literal(1), z.string()])]);

export class LockTimeoutError extends Error {}
export class LeaseLostError extends Error {}

export interface TurnKeys {
  lease: string;
  session: string;
  history: string;
  /** The message's dedup key: 'pending' while unhandled, HANDLED once its turn is saved. */
  dedup: string;
  /** Where the handled message's marker is kept for a redelivery (REPLAY_SECONDS). */
  replay: string;
  rate: string;
  /** Where the member last wrote to the bot privately (a chat id). */
  privateChat: string;
}

export interface TurnParams {
  rateWindowSeconds: number;
  rateLimit: number;
  /** A message answered without a turn (too long, empty): its handled marker, written if it passes the rate limit. */
  early?: string;
  /** The private chat this message came from (null: a group message, whose sender's private chat is looked up). */
  privateChat: string | null;
}

export interface Loaded {
  /** The stored session document ('' if none). */
  session: string;
  /** Messages counted in the member's rate window, this one included. */
  count: number;
  /** The member's private chat with the bot, if known. */
  privateChat: string | null;
}

export interface LockedTurn<T> {
  /** The session JSON to save ('' = unchanged, its expiry renewed) and the turn's result. */
  save: string;
  /** History items to append (JSON turns); with `replaceHistory`, the whole history. */
  history: string[];
  replaceHistory?: boolean;
  result: T;
  /** The dedup value that marks the message handled (starts with HANDLED). */
  handled: string;
}

export type TurnOutcome<T> =
  | { kind: 'replay'; marker: string }
  | { kind: 'rate-limited'; count: number }
  | { kind: 'early'; count: number }
  /** Handled meanwhile by another delivery of the same message (its answer goes out there). */
  | { kind: 'duplicate' }
  | { kind: 'done'; result: T };

export class ConversationLock {
  private readonly tails = new Map<string, Promise<unknown>>();
  /** Messages (dedup keys) being handled in this process: a second delivery waits for the first and is a duplicate. */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly redis: Redis,
    private readonly timeoutMs: number,
    private readonly idleSeconds: number,
    private readonly historyLimit: number,
  ) {}

  /** Runs `fn` with the conversation's stored session, one turn at a time per conversation. */
  async run<T>(keys: TurnKeys, params: TurnParams, fn: (loaded: Loaded) => Promise<LockedTurn<T>>): Promise<TurnOutcome<T>> {
    const same = this.inFlight.get(keys.dedup);
    if (same) {
      await same.catch(() => undefined);
      return { kind: 'duplicate' };
    }
    const previous = this.tails.get(keys.lease);
    // Nothing before it in this process (the usual case): the turn starts now, no promise hop.
    const current = previous ? previous.catch(() => undefined).then(() => this.turn(keys, params, fn)) : this.turn(keys, params, fn);
    this.tails.set(keys.lease, current);
    this.inFlight.set(keys.dedup, current);
    try {
      return await current;
    } finally {
      if (this.tails.get(keys.lease) === current) this.tails.delete(keys.lease);
      if (this.inFlight.get(keys.dedup) === current) this.inFlight.delete(keys.dedup);
    }
  }

  private async turn<T>(keys: TurnKeys, params: TurnParams, fn: (loaded: Loaded) => Promise<LockedTurn<T>>): Promise<TurnOutcome<T>> {
    const token = randomUUID();
    const begun = beginReply.parse(
      await BEGIN.run(
        this.redis,
        [keys.dedup, keys.rate, keys.lease, keys.session, keys.privateChat, keys.replay],
        [token, this.timeoutMs, DEDUP_SECONDS, params.rateWindowSeconds, params.rateLimit, params.early ?? '', params.privateChat ?? '', REPLAY_SECONDS],
      ),
    );
    let loaded: Loaded;
    switch (begun[0]) {
      case 'replay':
        return { kind: 'replay', marker: begun[1] };
      case 'rate':
        return { kind: 'rate-limited', count: begun[1] };
      case 'early':
        return { kind: 'early', count: begun[1] };
      case 'ok':
        loaded = { count: begun[1], privateChat: begun[2] || null, session: begun[3] };
        break;
      case 'busy': {
        // Another process runs a turn of this conversation: wait for its lease, re-checking the dedup key.
        const session = await this.waitForLease(keys, token);
        if (session === null) return { kind: 'duplicate' };
        loaded = { count: begun[1], privateChat: begun[2] || null, session };
        break;
      }
    }
    const release = (turn: Pick<LockedTurn<T>, 'save' | 'history' | 'replaceHistory' | 'handled'>) =>
      END.run(
        this.redis,
        [keys.lease, keys.session, keys.dedup, keys.history, keys.replay],
        [token, turn.save, this.idleSeconds, DEDUP_SECONDS, turn.handled, this.historyLimit, turn.replaceHistory ? '1' : '0', REPLAY_SECONDS, ...turn.history],
      );
    let turn: LockedTurn<T>;
    try {
      turn = await fn(loaded);
    } catch (err) {
      await release({ save: '', history: [], handled: HANDLED });
      throw err;
    }
    if ((await release(turn)) !== 1) throw new LeaseLostError(`turn outlived its lease (${this.timeoutMs} ms): ${keys.lease}`);
    return { kind: 'done', result: turn.result };
  }

  /** Takes the lease once free and returns the stored session; null when the message was handled meanwhile. */
  private async waitForLease(keys: TurnKeys, token: string): Promise<string | null> {
    const deadline = Date.now() + this.timeoutMs;
    let wait = 5;
    for (;;) {
      const got = acquireReply.parse(await ACQUIRE.run(this.redis, [keys.lease, keys.session, keys.dedup], [token, this.timeoutMs]));
      if (got) return got[0] === 0 ? null : got[1];
      // The lease outlives a normal turn; a crashed holder's lease simply expires.
      if (Date.now() > deadline) throw new LockTimeoutError(`conversation busy: ${keys.lease}`);
      await sleep(wait);
      wait = Math.min(wait * 2, 100);
    }
  }
}
