/**
 * The request id of the message being handled, carried through its async work (AsyncLocalStorage): every
 * log line written while handling it carries `reqId` (see createLogger), whichever module writes it.
 * The same context says when a turn runs speculatively (see `watchTurn`).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { exists, hasFlag } from '@ioredis/commands';

interface RequestStore {
  reqId: string;
  /** Set while a conversation turn's handler runs (see `watchTurn`); `running` turns false when it returns. */
  turn?: { speculative: boolean; wrote: boolean; running: boolean };
}
const storage = new AsyncLocalStorage<RequestStore>();
/** Unique per process (random) and per message (a counter): cheap, and unique across processes. */
const processPart = randomBytes(4).toString('hex');
let counter = 0;

/** Runs `fn` under a new request id, or under the current one when already inside a request. */
export function withRequestId<T>(fn: () => T): T {
  if (storage.getStore()) return fn();
  return storage.run({ reqId: `${processPart}-${(++counter).toString(36)}` }, fn);
}

/** The current request's fields for a log line ({} outside a request). */
export function requestFields(): { reqId?: string } {
  const store = storage.getStore();
  return store ? { reqId: store.reqId } : {};
}

/**
 * Runs a turn's handler `fn`, noting whether it changed (or, speculative, tried to change) anything in Redis.
 * Speculative, any command that could change something (a write, a script, MULTI, a publish), from whichever
 * client, is refused (see `refusedNow`) instead of sent; `wrote` then says the result must be thrown away: the
 * handler may have caught the refusal and answered as if the write failed. Nothing it did is visible to
 * anyone, so running the turn again, for real, is always safe: a speculative run that fails has no `result`
 * (the run for real handles the failure).
 */
export function watchTurn<T>(speculative: boolean, fn: () => Promise<T>): Promise<{ result: T | undefined; wrote: boolean }> {
  const turn = { speculative, wrote: false, running: true };
  const store = { reqId: storage.getStore()?.reqId ?? `${processPart}-${(++counter).toString(36)}`, turn };
  let run: Promise<T>;
  try {
    run = storage.run(store, fn);
  } catch (err) {
    run = Promise.reject(err as Error);
  }
  // A timer or connection made during the run keeps its context; what it sends later is no part of the turn.
  return run.then(
    (result) => {
      turn.running = false;
      return { result, wrote: turn.wrote };
    },
    (err: unknown) => {
      turn.running = false;
      if (speculative) return { result: undefined, wrote: turn.wrote };
      throw err;
    },
  );
}

export class RefusedDuringSpeculation extends Error {}

/**
 * Commands a speculative turn may not send (and that count as a turn's writes): writes, scripts not marked
 * read-only, MULTI (its writes would follow), publishes, and any command Redis does not list. Connection
 * upkeep (INFO, CLUSTER SLOTS, AUTH) stays allowed: ioredis may send it from within any context.
 */
const mayChange = (name: string): boolean =>
  !exists(name) || hasFlag(name, 'write') || hasFlag(name, 'pubsub') || (hasFlag(name, 'script_runner') && !hasFlag(name, 'readonly')) || name === 'multi' || name === 'exec';
const verdicts = new Map<string, boolean>();

/** Whether a command must be refused now (a speculative turn's write); notes a turn's writes. Called for every command sent. */
export function refusedNow(commandName: string): boolean {
  const turn = storage.getStore()?.turn;
  if (!turn?.running) return false;
  let changes = verdicts.get(commandName);
  if (changes === undefined) verdicts.set(commandName, (changes = mayChange(commandName)));
  if (!changes) return false;
  turn.wrote = true;
  return turn.speculative;
}
