/**
 * The request id of the message being handled, carried through its async work (AsyncLocalStorage): every
 * log line written while handling it carries `reqId` (see createLogger), whichever module writes it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';

const storage = new AsyncLocalStorage<{ reqId: string }>();
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
  return storage.getStore() ?? {};
}
