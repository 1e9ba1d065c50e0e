/**
 * The message path's cost in Redis: a turn is two EVALSHA round trips (begin: dedup, rate limit, lease,
 * session load; end: save, dedup mark, release), the history is appended to a capped list and read only by
 * a turn that asks for it, and a session written by the previous version (history inside the document) is
 * read and converted without loss.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/core/config.ts';
import { buildDeps } from '../../src/core/deps.ts';
import { createLogger } from '../../src/core/logger.ts';
import { Pipeline } from '../../src/core/pipeline.ts';
import { Router } from '../../src/core/router.ts';
import type { IntentDefinition } from '../../src/core/service.ts';
import { HISTORY_LIMIT } from '../../src/core/session.ts';
import { countCommands } from '../helpers/command-count.ts';
import { inbound } from '../helpers/engine.ts';
import { startRedis } from '../helpers/redis.ts';

let server: Awaited<ReturnType<typeof startRedis>>;
let redis: Redis;
let admin: Redis;
const logger = createLogger('silent');

const echo: IntentDefinition = { id: 'help', handle: async (ctx) => ({ replies: [{ text: `回声 ${ctx.text}` }] }) };
/** Echoes and remembers how many earlier turns it saw (reading the history twice). */
const historian: IntentDefinition = {
  id: 'help',
  handle: async (ctx) => {
    const turns = (await ctx.history()).length;
    expect((await ctx.history()).length).toBe(turns);
    return { replies: [{ text: `回声 ${ctx.text}` }], memory: { turns } };
  },
};

function pipeline(intent: IntentDefinition = echo): Pipeline {
  const config = loadConfig({ REDIS_URL: server.url, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '1000' });
  const { deps } = buildDeps(config, redis, logger);
  return new Pipeline(deps, new Router([intent], { classify: async () => ({ intent: 'help', confidence: 0.9 }) }, deps.audit, 'help'));
}

/** Commands the pipeline's connection sent since the last call, by name. */
let commandsSince: () => Record<string, number>;

beforeAll(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
  commandsSince = countCommands(redis);
  admin = new Redis(server.url);
});
afterAll(async () => {
  redis.disconnect();
  admin.disconnect();
  await server.stop();
});

describe('a turn in Redis', () => {
  it('costs two EVALSHA calls and nothing else, the first time and every time after', async () => {
    const p = pipeline();
    await p.handle(inbound({ senderId: 'warm', text: '你好' })); // loads the scripts once
    commandsSince();
    for (let i = 0; i < 5; i++) expect((await p.handle(inbound({ senderId: 'rt1', text: `第${i}条` }))).replies[0]?.text).toBe(`回声 第${i}条`);
    expect(commandsSince()).toEqual({ evalsha: 10 });
    // A redelivery is answered from its dedup marker: one call.
    const msg = inbound({ senderId: 'rt1', text: '再来', messageId: 'rt1-m' });
    await p.handle(msg);
    commandsSince();
    expect(await p.handle(msg)).toEqual({ replies: [{ text: '回声 再来' }], dropped: 'duplicate' });
    expect(commandsSince()).toEqual({ evalsha: 1 });
    // A turn that reads its history, twice, costs one LRANGE more.
    const reading = pipeline(historian);
    await reading.handle(inbound({ senderId: 'warm', text: '你好' }));
    commandsSince();
    await reading.handle(inbound({ senderId: 'rt1', text: '历史' }));
    expect(commandsSince()).toEqual({ evalsha: 2, lrange: 1 });
  });

  it('keeps the history in a capped list beside a small session document', async () => {
    const p = pipeline(historian);
    for (let i = 0; i < HISTORY_LIMIT; i++) await p.handle(inbound({ senderId: 'rt2', text: `问题${i}` }));
    const sessionKey = 'ua:{web:rt2}:session:rt2';
    const history = await admin.lrange(`${sessionKey}:history`, 0, -1);
    expect(history).toHaveLength(HISTORY_LIMIT);
    expect(JSON.parse(history.at(-1)!)).toMatchObject({ from: 'bot', text: `回声 问题${HISTORY_LIMIT - 1}` });
    const doc = (await admin.get(sessionKey)) ?? '';
    expect(doc).not.toContain('问题');
    expect(doc.length).toBeLessThan(200);
    expect(await admin.ttl(`${sessionKey}:history`)).toBeGreaterThan(3600);
    // The handler saw the history as before: the turns before this one.
    expect(JSON.parse(doc)).toMatchObject({ v: 2, memory: { help: { turns: HISTORY_LIMIT } } });
  });

  it('reads a session of the previous version (history inside) and moves its history to the list', async () => {
    const sessionKey = 'ua:{web:rt3}:session:rt3';
    const old = { v: 1, dialog: null, memory: {}, updatedAt: Date.now(), history: [{ at: 1, from: 'member', text: '以前的问题' }, { at: 2, from: 'bot', text: '以前的回答' }] };
    await admin.set(sessionKey, JSON.stringify(old));
    await pipeline(historian).handle(inbound({ senderId: 'rt3', text: '新问题' }));
    const texts = (await admin.lrange(`${sessionKey}:history`, 0, -1)).map((t) => (JSON.parse(t) as { text: string }).text);
    expect(texts).toEqual(['以前的问题', '以前的回答', '新问题', '回声 新问题']);
    expect(JSON.parse((await admin.get(sessionKey)) ?? '{}')).toMatchObject({ v: 2, memory: { help: { turns: 2 } } });
  });

  it('a turn that changes nothing in the session leaves the document as it is and only renews its expiry', async () => {
    let remember = false;
    const menu: IntentDefinition = { id: 'help', handle: async () => ({ replies: [{ text: '菜单' }], ...(remember ? { memory: { seen: true } } : {}) }) };
    const p = pipeline(menu);
    const sessionKey = 'ua:{web:rt4}:session:rt4';
    await p.handle(inbound({ senderId: 'rt4', text: '菜单' }));
    const first = await admin.get(sessionKey);
    expect(first).not.toBeNull();
    await admin.expire(sessionKey, 100);
    await new Promise((r) => setTimeout(r, 5)); // a later updatedAt, were it written
    await p.handle(inbound({ senderId: 'rt4', text: '菜单' }));
    expect(await admin.get(sessionKey)).toBe(first);
    expect(await admin.ttl(sessionKey)).toBeGreaterThan(3600);
    expect(await admin.llen(`${sessionKey}:history`)).toBe(4);
    // A turn that does change it is saved.
    remember = true;
    await p.handle(inbound({ senderId: 'rt4', text: '菜单' }));
    expect(JSON.parse((await admin.get(sessionKey)) ?? '{}')).toMatchObject({ memory: { help: { seen: true } } });
  });
});
