/**
 * Speculative turns: when a process knows the session it last saved, a member's turn runs on it with its
 * Redis writes refused and is saved by one COMMIT round trip. A turn that wanted to write, or whose session
 * changed elsewhere meanwhile, runs again the locked way: every write happens once, nothing is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/core/config.ts';
import { buildDeps } from '../../src/core/deps.ts';
import { createLogger } from '../../src/core/logger.ts';
import { Pipeline } from '../../src/core/pipeline.ts';
import { refuseWhileSpeculating } from '../../src/core/redis.ts';
import { Router } from '../../src/core/router.ts';
import type { IntentDefinition } from '../../src/core/service.ts';
import { countCommands } from '../helpers/command-count.ts';
import { inbound } from '../helpers/engine.ts';
import { startRedis } from '../helpers/redis.ts';

let server: Awaited<ReturnType<typeof startRedis>>;
let redis: Redis;
let admin: Redis;
const logger = createLogger('silent');
let commandsSince: () => Record<string, number>;

/**
 * Counts its turns in the session; a text starting with "记" also counts in Redis (a write), "试" catches a
 * failed write, "批" counts in a MULTI beside a read.
 */
const counterOn = (client: () => Redis): IntentDefinition => ({
  id: 'help',
  handle: async (ctx) => {
    const n = Number(ctx.session.memory['help']?.['n'] ?? 0) + 1;
    if (ctx.text.startsWith('记')) await client().incr(`written:${ctx.member}`);
    if (ctx.text.startsWith('批')) await client().multi().get(`written:${ctx.member}`).incr(`written:${ctx.member}`).exec();
    if (ctx.text.startsWith('试')) {
      const failed = await client().incr(`written:${ctx.member}`).then(() => false, () => true);
      if (failed) return { replies: [{ text: '记录失败' }], memory: { n } };
    }
    return { replies: [{ text: `第${n}次` }], memory: { n } };
  },
});

function pipeline(client: Redis = redis, rateLimit = 1000): Pipeline {
  const config = loadConfig({ REDIS_URL: server.url, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: String(rateLimit) });
  const { deps } = buildDeps(config, client, logger);
  return new Pipeline(deps, new Router([counterOn(() => client)], { classify: async () => ({ intent: 'help', confidence: 0.9 }) }, logger, deps.audit, 'help'));
}
const say = async (p: Pipeline, who: string, text: string, messageId?: string) =>
  (await p.handle(inbound({ senderId: who, text, ...(messageId ? { messageId } : {}) }))).replies.map((r) => r.text ?? '');

beforeAll(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
  commandsSince = countCommands(redis);
  refuseWhileSpeculating(redis);
  admin = new Redis(server.url);
});
afterAll(async () => {
  redis.disconnect();
  admin.disconnect();
  await server.stop();
});

describe('speculative turns', () => {
  it('take one round trip once the process knows the session, two before', async () => {
    const p = pipeline();
    await say(p, 'warm', '你好');
    await say(p, 'warm', '你好'); // both ways loaded their scripts
    commandsSince();
    expect(await say(p, 's1', '你好')).toEqual(['第1次']);
    expect(commandsSince()).toEqual({ evalsha: 2 });
    for (let i = 2; i <= 5; i++) expect(await say(p, 's1', '你好')).toEqual([`第${i}次`]);
    expect(commandsSince()).toEqual({ evalsha: 4 });
    const history = (await admin.lrange('ua:{web:s1}:session:s1:history', 0, -1)).map((t) => (JSON.parse(t) as { text: string }).text);
    expect(history.slice(-4)).toEqual(['你好', '第4次', '你好', '第5次']);
  });

  it('a turn that writes runs again locked: each write happens once, and a refusal the handler caught is never answered', async () => {
    const p = pipeline();
    await say(p, 's2', '你好');
    for (const text of ['记一笔', '你好', '你好', '你好', '试一下', '记一笔', '你好', '你好', '批一笔', '你好']) expect((await say(p, 's2', text))[0]).toMatch(/^第\d+次$/);
    expect(await admin.get('written:web:s2')).toBe('4');
    expect(JSON.parse((await admin.get('ua:{web:s2}:session:s2')) ?? '{}')).toMatchObject({ memory: { help: { n: 11 } } });
    // The refused MULTI left nothing queued on the connection: the next commands get their own replies.
    expect(await redis.get('written:web:s2')).toBe('4');
  });

  it('a session changed by another process is noticed: the turn runs again on the stored one, nothing lost', async () => {
    const [a, b] = [pipeline(), pipeline()];
    const replies: string[] = [];
    for (let i = 0; i < 8; i++) replies.push(...(await say(i % 3 === 0 ? b : a, 's3', '你好')));
    expect(replies).toEqual(['第1次', '第2次', '第3次', '第4次', '第5次', '第6次', '第7次', '第8次']);
  });

  it('a redelivered message is answered from its first reply, and the rate limit still counts', async () => {
    const p = pipeline();
    await say(p, 's4', '你好');
    expect(await say(p, 's4', '你好', 's4-m1')).toEqual(['第2次']);
    commandsSince();
    expect(await say(p, 's4', '你好', 's4-m1')).toEqual(['第2次']);
    expect(commandsSince()).toEqual({ evalsha: 1 });

    const limited = pipeline(redis, 3);
    await say(limited, 's5', '你好');
    await say(limited, 's5', '你好');
    await say(limited, 's5', '你好');
    const fourth = await limited.handle(inbound({ senderId: 's5', text: '你好' }));
    expect(fourth.dropped).toBe('rate-limited');
    expect(JSON.parse((await admin.get('ua:{web:s5}:session:s5')) ?? '{}')).toMatchObject({ memory: { help: { n: 3 } } });
  });

  it('a client that does not refuse writes never runs turns speculatively', async () => {
    const plain = new Redis(server.url);
    try {
      const p = pipeline(plain);
      await say(p, 's6', '你好');
      await say(p, 's6', '记一笔');
      await say(p, 's6', '记一笔');
      expect(await admin.get('written:web:s6')).toBe('2');
    } finally {
      plain.disconnect();
    }
  });
});
