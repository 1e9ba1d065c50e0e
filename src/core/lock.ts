/**
 * One turn of a conversation in two Redis round trips, both EVALSHA on keys sharing the member's hash tag:
 *
 *   BEGIN  dedup ▸ rate limit ▸ conversation lease ▸ session load (▸ the private chat's address)
 *   END    session save ▸ history append ▸ dedup marked handled ▸ lease released — only while the lease is held
 *
 * or in one, COMMIT, when it runs speculatively (see ConversationLock.turn).
 *
 * Inside one process a promise chain orders a conversation's turns (no busy waiting); across processes the
 * lease (SET NX PX + token) keeps two bots from interleaving. The dedup key is written 'done' in the same
 * script that saves a message's turn, and not before: a message whose turn never finished (the bot died) or
 * failed is processed again when it is sent again (a 'pending' value left by older versions reads the same).
 * The caller's marker ('done' and what follows: the pipeline keeps the turn's replies, to answer a redelivery
 * again) is kept beside it for REPLAY_SECONDS only: redeliveries come within minutes (a retry, a restart), while
 * the bare 'done' stays a day: a day of replies in Redis would be most of its memory.
 * The history list is not loaded: few turns read it (a follow-up question, a handoff), and they read it
 * themselves. Loading it every turn was a quarter of Redis's CPU for a menu.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { LuaScript } from './lua.ts';
import { sleep } from './outbox.ts';
import { recordTurn } from './metrics.ts';
import { RefusedDuringSpeculation, runSpeculatively, SpeculativeWriteError } from './speculation.ts';

/** How long a handled message id is remembered. */
export const DEDUP_SECONDS = 24 * 3600;
/** How long a handled message's marker (its replies) is kept for a redelivery. */
export const REPLAY_SECONDS = 3600;
/** The dedup value of a handled message; the caller's marker starts with it too (older versions kept the marker in the dedup key). */
export const HANDLED = 'done';

/**
 * A handled message's dedup value: 'done:' and when its turn was saved, in microseconds of Redis's clock.
 * Lua: sets `handled` (the value) and `now` (µs).
 */
const HANDLED_NOW = `
local clock = redis.call('time')
local now = clock[1] * 1000000 + clock[2]
local handled = 'done:' .. string.format('%.0f', now)`;

/**
 * Lua: returns early if the message `dedupKey` names was handled. Handled after this delivery reached the pipeline
 * (ARGV[agoArg]: how many µs ago) means two copies of one message arrived together (two processes pulled it, a
 * platform retried while the first was answered): this one is a silent copy, as if it had waited for the first's
 * lease. Handled before it arrived means a redelivery (the bot may have died before sending): the replies again.
 * A handled time ahead of this server's clock (a failover to a replica whose clock lags) cannot tell them apart:
 * the replies go again, as a member had better read an answer twice than never.
 */
const RETURN_IF_HANDLED = (dedupKey: string, replayKey: string, agoArg: number) => `
local seen = redis.call('get', ${dedupKey})
if seen and string.sub(seen, 1, 4) == 'done' then
  local at = tonumber(string.sub(seen, 6))
  local clock = redis.call('time')
  local now = clock[1] * 1000000 + clock[2]
  if at and at >= now - tonumber(ARGV[${agoArg}]) and at <= now then return {'copy'} end
  return {'replay', redis.call('get', ${replayKey}) or seen}
end`;

// KEYS: dedup, rate, lease, session, private chat, replay.
// ARGV: token, lease ms, dedup seconds, rate window seconds, rate limit, early marker ('' = a real turn), private chat id ('' = a group),
// replay seconds, µs since the message reached the pipeline.
// → {'replay', marker} | {'copy'} | {'rate', count} | {'early', count} | {'busy', count, privateChat} | {'ok', count, privateChat, session}
const BEGIN = new LuaScript(`${RETURN_IF_HANDLED('KEYS[1]', 'KEYS[6]', 9)}
local count = redis.call('incr', KEYS[2])
if count == 1 then redis.call('expire', KEYS[2], ARGV[4]) end
if count > tonumber(ARGV[5]) then return {'rate', count} end
if ARGV[6] ~= '' then${HANDLED_NOW.replaceAll('\n', '\n  ')}
  redis.call('set', KEYS[1], handled, 'EX', ARGV[3])
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

// Shared by END and COMMIT. KEYS: lease, session, dedup, history, replay. ARGV[2..8]: session JSON ('' =
// unchanged: only its idle expiry is renewed), idle seconds, dedup seconds, handled marker ('' = the turn
// failed: the message is not marked, so sending it again runs it again), history limit, '1' to replace the
// history (else append), replay seconds; from ARGV[first], the turns to add.
const SAVE_TURN = `
if ARGV[2] ~= '' then redis.call('set', KEYS[2], ARGV[2], 'EX', ARGV[3]) else redis.call('expire', KEYS[2], ARGV[3]) end
if ARGV[7] == '1' then redis.call('del', KEYS[4]) end
if #ARGV >= first then
  redis.call('rpush', KEYS[4], unpack(ARGV, first))
  redis.call('ltrim', KEYS[4], -tonumber(ARGV[6]), -1)
end
redis.call('expire', KEYS[4], ARGV[3])
if ARGV[5] ~= '' then${HANDLED_NOW.replaceAll('\n', '\n  ')}
  redis.call('set', KEYS[3], handled, 'EX', ARGV[4])
  redis.call('set', KEYS[5], ARGV[5], 'EX', ARGV[8])
end`;

// KEYS and ARGV as SAVE_TURN, ARGV[1] the lease token, turns from ARGV[9].
// Saves only while still holding the lease, and marks the message handled in the same step.
const END = new LuaScript(`
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
local first = 9
${SAVE_TURN}
redis.call('del', KEYS[1])
return 1`);

// A speculative turn's one round trip (see ConversationLock): KEYS as SAVE_TURN, then rate, private chat.
// ARGV[1]: the session document the turn started from ('' = none); ARGV[2..8] as SAVE_TURN; ARGV[9..13]: rate
// window seconds, rate limit, private chat id, µs since the message reached the pipeline, 'set' (a private
// message: its chat is the member's private chat now) or 'expect' (a group message ran with that private chat,
// '' = none, which must still be the stored one); turns from ARGV[14].
// → {'replay', marker} | {'copy'} | {'conflict'} (a locked turn runs, or the session or private chat changed) | {'rate', count} | {'ok', count}
const COMMIT = new LuaScript(`${RETURN_IF_HANDLED('KEYS[3]', 'KEYS[5]', 12)}
if redis.call('exists', KEYS[1]) == 1 or (redis.call('get', KEYS[2]) or '') ~= ARGV[1] then return {'conflict'} end
if ARGV[13] == 'expect' and (redis.call('get', KEYS[7]) or '') ~= ARGV[11] then return {'conflict'} end
local count = redis.call('incr', KEYS[6])
if count == 1 then redis.call('expire', KEYS[6], ARGV[9]) end
if count > tonumber(ARGV[10]) then return {'rate', count} end
if ARGV[13] == 'set' and redis.call('get', KEYS[7]) ~= ARGV[11] then redis.call('set', KEYS[7], ARGV[11]) end
local first = 14
${SAVE_TURN}
return {'ok', count}`);

const beginReply = z.union([
  z.tuple([z.literal('ok'), z.number(), z.string(), z.string()]),
  z.tuple([z.literal('replay'), z.string()]),
  z.tuple([z.literal('copy')]),
  z.tuple([z.literal('rate'), z.number()]),
  z.tuple([z.literal('early'), z.number()]),
  z.tuple([z.literal('busy'), z.number(), z.string()]),
]);
const acquireReply = z.union([z.null(), z.tuple([z.literal(0)]), z.tuple([z.literal(1), z.string()])]);
const commitReply = z.union([
  z.tuple([z.literal('ok'), z.number()]),
  z.tuple([z.literal('replay'), z.string()]),
  z.tuple([z.literal('copy')]),
  z.tuple([z.literal('conflict')]),
  z.tuple([z.literal('rate'), z.number()]),
]);

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
  /** When the message reached the pipeline (performance.now()): a copy handled since is silent, not replayed. */
  receivedAt: number;
  /**
   * The turn may run speculatively, in one round trip, when this process knows the session it last saved (and,
   * for a group message, its sender's private chat). Only for a turn nothing outside Redis depends on (no file
   * to fetch): it runs only what changes nothing in Redis (see speculation.ts), so it can always be run again
   * for real.
   */
  speculate?: boolean;
}

export interface Loaded {
  /** The stored session document ('' if none). */
  session: string;
  /** The member's private chat with the bot, if known. */
  privateChat: string | null;
  /** The document is one this process saved or read (and checked) before: it need not be checked again. */
  known: boolean;
  /** Run speculatively: whatever may write must throw RefusedDuringSpeculation instead (see speculation.ts). */
  speculative: boolean;
}

export interface LockedTurn<T> {
  /** The session JSON to save ('' = unchanged, its expiry renewed) and the turn's result. */
  save: string;
  /** History items to append (JSON turns); with `replaceHistory`, the whole history. */
  history: string[];
  replaceHistory?: boolean;
  result: T;
  /** The dedup value that marks the message handled (starts with HANDLED); '' when the turn failed, so the message may be sent again. */
  handled: string;
}

export type TurnOutcome<T> =
  | { kind: 'replay'; marker: string }
  | { kind: 'rate-limited'; count: number }
  | { kind: 'early'; count: number }
  /** Handled meanwhile by another delivery of the same message (its answer goes out there). */
  | { kind: 'duplicate' }
  | { kind: 'done'; result: T };

/** How many conversations' last saved sessions a process remembers for speculative turns (a few MB). */
const KNOWN_SESSIONS = 20_000;
/** Turns a conversation runs locked after a speculative one was refused: writes come in runs (a form, a ticket being added to). */
const LOCKED_AFTER_REFUSAL = 2;

/** What BEGIN and COMMIT both answer before any turn: the message was handled already, or is over the rate limit. */
function settled(reply: ['replay', string] | ['copy'] | ['rate', number]): TurnOutcome<never> {
  switch (reply[0]) {
    case 'replay':
      return { kind: 'replay', marker: reply[1] };
    case 'copy':
      return { kind: 'duplicate' };
    case 'rate':
      return { kind: 'rate-limited', count: reply[1] };
  }
}

/** Microseconds since `start` (a performance.now() time), as a script argument. */
const microsSince = (start: number): number => Math.max(0, Math.round((performance.now() - start) * 1000));

/** Sets `key` as the most recent entry, forgetting the least recent beyond KNOWN_SESSIONS. */
function bounded<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > KNOWN_SESSIONS) map.delete(map.keys().next().value!);
}

export class ConversationLock {
  private readonly tails = new Map<string, Promise<unknown>>();
  /** Messages (dedup keys) being handled in this process: a second delivery waits for the first and is a duplicate. */
  private readonly inFlight = new Map<string, Promise<unknown>>();
  /** Session documents as this process last saved or read them, by session key, least recent first. */
  private readonly known = new Map<string, string>();
  /** Conversations refused a speculative turn lately (e.g. a form in progress), with how many more turns run locked before speculating again. */
  private readonly refused = new Map<string, number>();
  /** Members' private chats as this process last saw them ('' = none), by private-chat key: a group turn runs on it speculatively. */
  private readonly privateChats = new Map<string, string>();

  constructor(
    /** The connections turn scripts are spread over, by conversation (one conversation's always go over the same). */
    private readonly connections: readonly Redis[],
    private readonly timeoutMs: number,
    private readonly idleSeconds: number,
    private readonly historyLimit: number,
    /** Whether turns may run speculatively (off: every turn takes the locked way). */
    private readonly speculation: boolean,
  ) {}

  private connectionFor(keys: TurnKeys): Redis {
    if (this.connections.length === 1) return this.connections[0]!;
    let hash = 0;
    for (let i = 0; i < keys.lease.length; i++) hash = (Math.imul(hash, 31) + keys.lease.charCodeAt(i)) | 0;
    return this.connections[(hash >>> 0) % this.connections.length]!;
  }

  /** Runs `fn` with the conversation's stored session, one turn at a time per conversation. */
  run<T>(keys: TurnKeys, params: TurnParams, fn: (loaded: Loaded) => Promise<LockedTurn<T>>): Promise<TurnOutcome<T>> {
    const same = this.inFlight.get(keys.dedup);
    if (same) {
      const duplicate = (): TurnOutcome<T> => ({ kind: 'duplicate' });
      return same.then(duplicate, duplicate);
    }
    const previous = this.tails.get(keys.lease);
    // Nothing before it in this process (the usual case): the turn starts now, no promise hop.
    const start = () => this.turn(keys, params, fn);
    const current = previous ? previous.then(start, start) : start();
    this.tails.set(keys.lease, current);
    this.inFlight.set(keys.dedup, current);
    const forget = () => {
      if (this.tails.get(keys.lease) === current) this.tails.delete(keys.lease);
      if (this.inFlight.get(keys.dedup) === current) this.inFlight.delete(keys.dedup);
    };
    return current.then(
      (outcome) => {
        forget();
        return outcome;
      },
      (err: unknown) => {
        forget();
        throw err;
      },
    );
  }

  /**
   * A turn in one round trip instead of two, when this process knows the session it last saved: the turn runs
   * on that document first, refused before anything that may write (see speculation.ts), and COMMIT saves the
   * result only if the stored document is still the same and no locked turn is running — otherwise, or if it
   * was refused, the turn runs again the locked way. Conversations that go on in one process (most: a member's
   * channel stays with a process) take one round trip per message; another process's turn in between only
   * costs a retry.
   */
  private turn<T>(keys: TurnKeys, params: TurnParams, fn: (loaded: Loaded) => Promise<LockedTurn<T>>): Promise<TurnOutcome<T>> {
    const privateChat = params.privateChat ?? this.privateChats.get(keys.privateChat);
    const started = this.speculation && params.speculate && params.early === undefined && privateChat !== undefined ? this.known.get(keys.session) : undefined;
    if (started === undefined || privateChat === undefined || this.refused.has(keys.session)) return this.lockedTurn(keys, params, fn);
    return this.speculativeTurn(keys, params, started, privateChat, fn).then((outcome) => outcome ?? this.lockedTurn(keys, params, fn));
  }

  /** `privateChat`: the member's private chat the turn runs with ('' = none): the message's own, or the one last seen. */
  private async speculativeTurn<T>(keys: TurnKeys, params: TurnParams, started: string, privateChat: string, fn: (loaded: Loaded) => Promise<LockedTurn<T>>): Promise<TurnOutcome<T> | null> {
    let turn: LockedTurn<T>;
    try {
      turn = await runSpeculatively(() => fn({ session: started, privateChat: privateChat || null, known: true, speculative: true }));
    } catch (err) {
      if (err instanceof SpeculativeWriteError) throw err;
      // Refused before a write, or failed: the locked run does it for real (a failure confirmed under the lease
      // leaves the message unmarked).
      if (err instanceof RefusedDuringSpeculation) bounded(this.refused, keys.session, LOCKED_AFTER_REFUSAL);
      recordTurn('retried');
      return null;
    }
    if (!turn.handled) {
      recordTurn('retried');
      return null;
    }
    const committed = commitReply.parse(
      await COMMIT.run(
        this.connectionFor(keys),
        [keys.lease, keys.session, keys.dedup, keys.history, keys.replay, keys.rate, keys.privateChat],
        [started, ...this.saveArgs(turn), params.rateWindowSeconds, params.rateLimit, privateChat, microsSince(params.receivedAt), params.privateChat === null ? 'expect' : 'set', ...turn.history],
      ),
    );
    if (committed[0] === 'conflict') {
      this.known.delete(keys.session);
      this.privateChats.delete(keys.privateChat);
      recordTurn('retried');
      return null;
    }
    recordTurn('speculative');
    // At the rate limit, the member's next turns run locked: BEGIN checks the limit before the handler runs, while a
    // speculative run's idempotent writes (see speculation.ts) would land before COMMIT's check.
    if (committed[0] === 'rate' || (committed[0] === 'ok' && committed[1] >= params.rateLimit)) bounded(this.refused, keys.session, LOCKED_AFTER_REFUSAL);
    if (committed[0] !== 'ok') return settled(committed);
    this.remember(keys.session, turn.save || started);
    bounded(this.privateChats, keys.privateChat, privateChat);
    return { kind: 'done', result: turn.result };
  }

  /** ARGV[2..8] of SAVE_TURN. */
  private saveArgs(turn: Pick<LockedTurn<unknown>, 'save' | 'replaceHistory' | 'handled'>): (string | number)[] {
    return [turn.save, this.idleSeconds, DEDUP_SECONDS, turn.handled, this.historyLimit, turn.replaceHistory ? '1' : '0', REPLAY_SECONDS];
  }

  private remember(sessionKey: string, doc: string): void {
    bounded(this.known, sessionKey, doc);
  }

  private async lockedTurn<T>(keys: TurnKeys, params: TurnParams, fn: (loaded: Loaded) => Promise<LockedTurn<T>>): Promise<TurnOutcome<T>> {
    recordTurn('locked');
    const token = randomUUID();
    const begun = beginReply.parse(
      await BEGIN.run(
        this.connectionFor(keys),
        [keys.dedup, keys.rate, keys.lease, keys.session, keys.privateChat, keys.replay],
        [token, this.timeoutMs, DEDUP_SECONDS, params.rateWindowSeconds, params.rateLimit, params.early ?? '', params.privateChat ?? '', REPLAY_SECONDS, microsSince(params.receivedAt)],
      ),
    );
    let loaded: Loaded;
    switch (begun[0]) {
      case 'replay':
      case 'copy':
      case 'rate':
        return settled(begun);
      case 'early':
        return { kind: 'early', count: begun[1] };
      case 'ok':
        loaded = { session: begun[3], privateChat: begun[2] || null, known: begun[3] !== '' && this.known.get(keys.session) === begun[3], speculative: false };
        bounded(this.privateChats, keys.privateChat, begun[2]);
        break;
      case 'busy': {
        // Another process runs a turn of this conversation: wait for its lease, re-checking the dedup key.
        const session = await this.waitForLease(keys, token);
        if (session === null) return { kind: 'duplicate' };
        loaded = { session, privateChat: begun[2] || null, known: false, speculative: false };
        bounded(this.privateChats, keys.privateChat, begun[2]);
        break;
      }
    }
    const release = (turn: Pick<LockedTurn<T>, 'save' | 'history' | 'replaceHistory' | 'handled'>) =>
      END.run(
        this.connectionFor(keys),
        [keys.lease, keys.session, keys.dedup, keys.history, keys.replay],
        [token, ...this.saveArgs(turn), ...turn.history],
      );
    let turn: LockedTurn<T>;
    try {
      turn = await fn(loaded);
      const locked = this.refused.get(keys.session);
      if (locked !== undefined && locked > 1) this.refused.set(keys.session, locked - 1);
      else this.refused.delete(keys.session);
    } catch (err) {
      await release({ save: '', history: [], handled: '' });
      throw err;
    }
    if ((await release(turn)) !== 1) {
      this.known.delete(keys.session);
      throw new LeaseLostError(`turn outlived its lease (${this.timeoutMs} ms): ${keys.lease}`);
    }
    this.remember(keys.session, turn.save || loaded.session);
    return { kind: 'done', result: turn.result };
  }

  /** Takes the lease once free and returns the stored session; null when the message was handled meanwhile. */
  private async waitForLease(keys: TurnKeys, token: string): Promise<string | null> {
    const deadline = Date.now() + this.timeoutMs;
    let wait = 5;
    for (;;) {
      const got = acquireReply.parse(await ACQUIRE.run(this.connectionFor(keys), [keys.lease, keys.session, keys.dedup], [token, this.timeoutMs]));
      if (got) return got[0] === 0 ? null : got[1];
      // The lease outlives a normal turn; a crashed holder's lease simply expires.
      if (Date.now() > deadline) throw new LockTimeoutError(`conversation busy: ${keys.lease}`);
      await sleep(wait);
      wait = Math.min(wait * 2, 100);
    }
  }
}
