/**
 * A speculative turn (see ConversationLock) runs only what its intent declares read-only (`readsOnly`): the
 * router refuses, before calling it, anything that may change Redis (a command, a form, a ticket, a send), and
 * the turn runs again the locked way.
 *
 * UA_SPECULATION_CHECK=1 (the test suite sets it) also checks the declarations: every client connectRedis makes
 * then fails a write sent while a speculative turn runs, and the turn with it. Off otherwise: telling which turn
 * sent a command takes AsyncLocalStorage, whose promise hooks cost every message about a tenth of its CPU.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { exists, hasFlag } from '@ioredis/commands';
import type { ChainableCommander, Command, Redis } from 'ioredis';

/** Thrown by the router in a speculative turn before anything that may write: the turn runs again, locked. */
export class RefusedDuringSpeculation extends Error {}

/** A write from a turn whose intent is declared read-only (a bug, found with UA_SPECULATION_CHECK=1). */
export class SpeculativeWriteError extends Error {}

export const speculationChecked = process.env.UA_SPECULATION_CHECK === '1';

interface RunningTurn {
  /** Turns false when the run returns: what a timer it started sends later is no part of it. */
  running: boolean;
  /** The first write it sent, if any. */
  wrote?: string;
}
const storage = speculationChecked ? new AsyncLocalStorage<RunningTurn>() : undefined;

/**
 * Runs a speculative turn's `fn`; with the check on, fails it if it sent a write (even one it caught). Without
 * the check, just `fn()`: no context, no promise hooks.
 */
export function runSpeculatively<T>(fn: () => Promise<T>): Promise<T> {
  if (!storage) return fn();
  const turn: RunningTurn = { running: true };
  return storage.run(turn, fn).finally(() => (turn.running = false)).then((result) => {
    if (turn.wrote) throw new SpeculativeWriteError(`${turn.wrote} sent by a speculative turn: its intent is declared readsOnly`);
    return result;
  });
}

/**
 * Commands that could change something (and fail the check): writes, scripts not marked read-only, publishes, and
 * any command Redis does not list (a MULTI is judged by the commands it holds). Connection upkeep (INFO, CLUSTER
 * SLOTS, AUTH) is let through: ioredis may send it from within any context.
 */
const mayChange = (name: string): boolean =>
  !exists(name) || hasFlag(name, 'write') || hasFlag(name, 'pubsub') || (hasFlag(name, 'script_runner') && !hasFlag(name, 'readonly'));
const verdicts = new Map<string, boolean>();

/** Whether a command sent now is a speculative turn's write (noted on the turn). */
function writeInSpeculation(commandName: string): boolean {
  const turn = storage?.getStore();
  if (!turn?.running) return false;
  let changes = verdicts.get(commandName);
  if (changes === undefined) verdicts.set(commandName, (changes = mayChange(commandName)));
  if (changes) turn.wrote ??= commandName;
  return changes;
}

/**
 * Runs `fn`, whose writes are keyed by the message being handled, so that running them again for the same message
 * changes nothing more (a speculative turn that lost its COMMIT runs again, locked): a speculative turn may run it.
 * With the check on, its writes are not counted as the turn's.
 */
export function idempotentWrite<T>(fn: () => Promise<T>): Promise<T> {
  return storage?.getStore()?.running ? storage.run({ running: false }, fn) : fn();
}

/** Marks a command let through once: a property, cheaper than a WeakSet entry per command. */
const JUDGED = Symbol('judged');
type Judged = Command & { [JUDGED]?: true };
const checked = new WeakSet<Redis>();

/** With the check on, `client` fails a speculative turn's writes instead of sending them (a no-op otherwise). */
export function checkSpeculativeWrites(client: Redis): void {
  if (!storage || checked.has(client)) return;
  checked.add(client);
  const refused = () => new SpeculativeWriteError('a write sent by a speculative turn');
  // A Cluster's sendCommand takes the node as a third argument.
  const send = client.sendCommand.bind(client) as (command: Judged, stream?: { isPipeline?: boolean }, node?: unknown) => unknown;
  (client as unknown as { sendCommand: typeof send }).sendCommand = (command, stream, node) => {
    // A pipeline's commands are judged together when it runs (below): failing one of them would leave the others
    // queued for replies that never come. A command is judged once, where it was issued: ioredis sends it again
    // itself (the offline queue after a reconnect, a Cluster redirection) from whatever context its connection
    // lives in — possibly a speculative turn's.
    if (stream?.isPipeline || command[JUDGED]) return send(command, stream, node);
    if (writeInSpeculation(command.name)) {
      command.reject(refused());
      return command.promise;
    }
    command[JUDGED] = true;
    return send(command, stream, node);
  };
  for (const method of ['pipeline', 'multi'] as const) {
    const make = (client[method] as (...args: unknown[]) => ChainableCommander).bind(client);
    (client as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      const batch = make(...args);
      const exec = batch.exec.bind(batch);
      batch.exec = (...execArgs: Parameters<typeof exec>) => {
        const queued = (batch as unknown as { _queue: Command[] })._queue;
        // Every command is looked at, and none leaves if one may not.
        return queued.map((c) => writeInSpeculation(c.name)).includes(true) ? Promise.reject(refused()) : exec(...execArgs);
      };
      return batch;
    };
  }
}
