/**
 * A process spreads its conversations' turn scripts over REDIS_TURN_CONNECTIONS connections (Redis reads at
 * most 16 KB from one connection per event-loop turn): every connection carries turns, and one conversation's
 * turns always go over the same connection, so they reach Redis in the order they were sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { watchCommands } from '../helpers/command-count.ts';
import { Harness } from '../helpers/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await Harness.start({ env: { REDIS_TURN_CONNECTIONS: '3' } });
});
afterAll(() => h.stop());

/** The conversations (hash tags of their keys) whose scripts went over `client`, as they are sent. */
function conversationsOn(client: Redis): Set<string> {
  const tags = new Set<string>();
  watchCommands(client, (command) => {
    const tag = command.name === 'evalsha' ? /\{([^}]+)\}/.exec(String(command.args[2]))?.[1] : undefined;
    if (tag) tags.add(tag);
  });
  return tags;
}

describe('turn connections', () => {
  it('spread conversations over every connection, each conversation over one', async () => {
    const turns = h.engine.redisHandle.turns;
    expect(turns).toHaveLength(3);
    expect(turns[0]).toBe(h.engine.redisHandle.redis);
    const seen = turns.map(conversationsOn);
    const members = Array.from({ length: 30 }, (_, i) => `member${i}`);
    for (const round of [1, 2, 3]) {
      const replies = await Promise.all(members.map((m) => h.dm(m).say(round === 2 ? '加班费怎么算' : '菜单')));
      for (const r of replies) expect(r.map((x) => x.text).join('\n')).toMatch(round === 2 ? /依据/ : /工会小助手/);
    }
    expect(seen.map((s) => s.size).every((n) => n > 0)).toBe(true);
    const all = seen.flatMap((s) => [...s]);
    expect(new Set(all).size).toBe(members.length);
    expect(all).toHaveLength(members.length);
  });
});
