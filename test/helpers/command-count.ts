import type { Redis } from 'ioredis';

/** Counts the commands a client sends (every one goes through sendCommand); the result returns them by name since its last call. */
export function countCommands(redis: Redis): () => Record<string, number> {
  const sent: string[] = [];
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = (command, stream) => {
    sent.push(command.name);
    return send(command, stream);
  };
  return () => {
    const counts: Record<string, number> = {};
    for (const name of sent.splice(0)) counts[name] = (counts[name] ?? 0) + 1;
    return counts;
  };
}
