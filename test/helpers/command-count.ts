import type { Command, Redis } from 'ioredis';

/** Calls `seen` with every command the client sends (every one goes through sendCommand). */
export function watchCommands(redis: Redis, seen: (command: Command) => void): void {
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = (command, stream) => {
    seen(command);
    return send(command, stream);
  };
}

/** Counts the commands a client sends; the result returns them by name since its last call. */
export function countCommands(redis: Redis): () => Record<string, number> {
  const sent: string[] = [];
  watchCommands(redis, (command) => sent.push(command.name));
  return () => {
    const counts: Record<string, number> = {};
    for (const name of sent.splice(0)) counts[name] = (counts[name] ?? 0) + 1;
    return counts;
  };
}

/**
 * Counts the round trips a client makes: commands sent in the same turn of the event loop travel together (the
 * connection is corked until the turn's work is done), so they are one. The result returns the count since the start.
 */
export function countRoundTrips(redis: Redis): () => number {
  let rounds = 0;
  let open = false;
  watchCommands(redis, () => {
    if (open) return;
    rounds++;
    open = true;
    setImmediate(() => (open = false));
  });
  return () => rounds;
}
