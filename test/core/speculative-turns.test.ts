/**
 * Speculative turns: when a process knows the session it last saved, a member's turn runs on it and is saved by
 * one COMMIT round trip, as long as it runs only what is declared read-only; anything else is refused before it
 * runs and the turn runs again locked. A turn whose session changed elsewhere meanwhile runs again too: every
 * write happens once, nothing is lost. With UA_SPECULATION_CHECK=1 (as in this suite) a declaration that lies
 * fails the turn.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/core/config.ts';
import { buildDeps } from '../../src/core/deps.ts';
import { createLogger } from '../../src/core/logger.ts';
import { ConversationLock, HANDLED } from '../../src/core/lock.ts';
import { Pipeline } from '../../src/core/pipeline.ts';
import { checkSpeculativeWrites, runSpeculatively, speculationChecked, SpeculativeWriteError } from '../../src/core/speculation.ts';
import { Router } from '../../src/core/router.ts';
import { CORE_TEXT } from '../../src/core/texts.ts';
import type { IntentDefinition } from '../../src/core/service.ts';
import { countCommands } from '../helpers/command-count.ts';
import { inbound } from '../helpers/engine.ts';
import { startRedis } from '../helpers/redis.ts';
import { Harness } from '../helpers/harness.ts';
import { registry } from '../../src/core/metrics.ts';
import { readTraining } from '../../src/core/examples.ts';
import { SERVICES } from '../../src/app/services.ts';

let server: Awaited<ReturnType<typeof startRedis>>;
let redis: Redis;
let admin: Redis;
const logger = createLogger('silent');
let commandsSince: () => Record<string, number>;

/**
 * `help` (declared read-only) counts its turns in the session. "看" leaves the session as it was and counts in
 * `looked`; "看慢" takes 50 ms doing so. "坏" fails. "私聊在哪" answers the member's private chat as the turn sees
 * it. "菜单" is its read-only command. Texts starting with "记" go to `writer`, which counts in Redis (a write;
 * "批": in a MULTI beside a read); texts starting with "谎" go to `liar`, declared read-only, which writes anyway
 * (and catches the failure).
 */
const looked = new Map<string, number>();
const writerRuns = new Map<string, number>();
/** Each count `help` reached, in order. */
const counted: number[] = [];
const counting = (client: () => Redis): IntentDefinition[] => [
  {
    id: 'help',
    readsOnly: ['handle'],
    commands: [{ names: ['菜单'], summary: '菜单', readsOnly: true, run: async () => ({ replies: [{ text: '菜单' }] }) }],
    handle: async (ctx) => {
      if (ctx.text.startsWith('看')) {
        if (ctx.text === '看慢') await new Promise((r) => setTimeout(r, 50));
        looked.set(ctx.member, (looked.get(ctx.member) ?? 0) + 1);
        return { replies: [{ text: '看过了' }] };
      }
      if (ctx.text === '坏') throw new Error('handler failed');
      if (ctx.text === '私聊在哪') return { replies: [{ text: ctx.privateChat?.chatId ?? '没有私聊' }] };
      const n = Number(ctx.session.memory['help']?.['n'] ?? 0) + 1;
      counted.push(n);
      return { replies: [{ text: `第${n}次` }], memory: { n } };
    },
  },
  {
    id: 'writer',
    handle: async (ctx) => {
      writerRuns.set(ctx.member, (writerRuns.get(ctx.member) ?? 0) + 1);
      if (ctx.text.startsWith('批')) await client().multi().get(`written:${ctx.member}`).incr(`written:${ctx.member}`).exec();
      else await client().incr(`written:${ctx.member}`);
      return { replies: [{ text: '写好了' }] };
    },
  },
  {
    id: 'liar',
    readsOnly: ['handle'],
    handle: async (ctx) => {
      const failed = await client().incr(`lied:${ctx.member}`).then(() => false, () => true);
      return { replies: [{ text: failed ? '记录失败' : '记好了' }] };
    },
  },
];
/** Texts the classifier was asked about, in order. */
const classifiedTexts: string[] = [];
const byText = async (text: string) => {
  classifiedTexts.push(text);
  return { intent: /^[记批]/.test(text) ? 'writer' : text.startsWith('谎') ? 'liar' : 'help', confidence: 0.9 };
};

/** The clock stands still, so a turn that changes nothing leaves the session document as it was. */
const still = new Date();

function pipeline(client: Redis = redis, rateLimit = 1000): Pipeline {
  const config = loadConfig({ REDIS_URL: server.url, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: String(rateLimit) });
  const { deps } = buildDeps(config, client, logger, () => still);
  return new Pipeline(deps, new Router(counting(() => client), { classify: byText }, deps.audit, 'help'));
}
const say = async (p: Pipeline, who: string, text: string, messageId?: string) =>
  (await p.handle(inbound({ senderId: who, text, ...(messageId ? { messageId } : {}) }))).replies.map((r) => r.text ?? '');

beforeAll(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
  commandsSince = countCommands(redis);
  checkSpeculativeWrites(redis);
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

  it('a turn answered by an intent that may write runs locked, refused before its handler: each write and handler run happens once', async () => {
    const p = pipeline();
    await say(p, 's2', '你好');
    const texts = ['记一笔', '你好', '你好', '你好', '记一笔', '你好', '你好', '批一笔', '你好', '你好', '你好', '你好'];
    classifiedTexts.length = 0;
    for (const text of texts) expect((await say(p, 's2', text))[0]).toMatch(/^第\d+次$|^写好了$/);
    expect(writerRuns.get('web:s2')).toBe(3);
    // Each message was classified once: the locked run of a refused one kept what its speculative run found.
    expect(classifiedTexts).toEqual(texts);
    expect(await admin.get('written:web:s2')).toBe('3');
    expect(JSON.parse((await admin.get('ua:{web:s2}:session:s2')) ?? '{}')).toMatchObject({ memory: { help: { n: 10 } } });
    // Once the writes stop, the conversation is back to one round trip a turn.
    commandsSince();
    expect(await say(p, 's2', '你好')).toEqual(['第11次']);
    expect(commandsSince()).toEqual({ evalsha: 1 });
    // The refused MULTI left nothing queued on the connection: the next commands get their own replies.
    expect(await redis.get('written:web:s2')).toBe('3');
  });

  it('a read-only command runs speculatively; a turn refused speculatively sent nothing before its locked run', async () => {
    const p = pipeline();
    await say(p, 's8', '你好');
    commandsSince();
    expect(await say(p, 's8', '菜单')).toEqual(['菜单']);
    expect(commandsSince()).toEqual({ evalsha: 1 });
    expect(await say(p, 's8', '记一笔')).toEqual(['写好了']);
    // BEGIN, the write, END: the refused speculative run sent nothing.
    expect(commandsSince()).toEqual({ evalsha: 2, incr: 1 });
  });

  it('a session changed by another process is noticed: the turn runs again on the stored one, nothing lost', async () => {
    const [a, b] = [pipeline(), pipeline()];
    const replies: string[] = [];
    for (let i = 0; i < 8; i++) replies.push(...(await say(i % 3 === 0 ? b : a, 's3', '你好')));
    expect(replies).toEqual(['第1次', '第2次', '第3次', '第4次', '第5次', '第6次', '第7次', '第8次']);
  });

  it('a group message runs speculatively once the process knows its sender\'s private chat; changed elsewhere, it runs again locked', async () => {
    const [a, b] = [pipeline(), pipeline()];
    const inGroup = async (p: Pipeline) =>
      (await p.handle(inbound({ senderId: 'g1', chatId: 'grp', chatType: 'group', mentionsBot: true, text: '私聊在哪' }))).replies.map((r) => r.text ?? '');
    expect(await inGroup(a)).toEqual(['没有私聊']);
    commandsSince();
    expect(await inGroup(a)).toEqual(['没有私聊']);
    // One COMMIT (whether older versions' hash of private chats exists was asked once, by the first turn).
    expect(commandsSince()).toEqual({ evalsha: 1 });
    // The member writes privately through another process: the first one's idea of their private chat is stale.
    await say(b, 'g1', '你好');
    expect(await inGroup(a)).toEqual(['g1']);
    commandsSince();
    expect(await inGroup(a)).toEqual(['g1']);
    expect(commandsSince()).toEqual({ evalsha: 1 });
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

  it('two copies of one message at once, to two processes that both run it speculatively: answered once, the copy silent', async () => {
    const [a, b] = [pipeline(), pipeline()];
    // Both processes come to know the same session document (turns that change nothing leave it as it is).
    for (const p of [a, b, a, b]) expect(await say(p, 's7', '看')).toEqual(['看过了']);
    looked.clear();
    commandsSince();
    const copies = await Promise.all([a, b].map((p) => p.handle(inbound({ senderId: 's7', text: '看慢', messageId: 's7-m1' }))));
    expect(looked.get('web:s7')).toBe(2); // both ran the handler: speculatively, no lease between them
    expect(commandsSince()).toEqual({ evalsha: 2 }); // two COMMITs, no locked turn
    expect(copies.map((c) => c.replies.map((r) => r.text))).toContainEqual(['看过了']);
    expect(copies.map((c) => c.dropped ?? 'answered').sort()).toEqual(['answered', 'duplicate']);
    expect(copies.find((c) => c.dropped)!.replies).toEqual([]);
    // A later delivery of the same message is a redelivery: its replies again.
    expect(await say(b, 's7', '看慢', 's7-m1')).toEqual(['看过了']);
  });

  it('the locked way tells a copy from a redelivery by when it reached the pipeline, not when its turn began', async () => {
    const lock = new ConversationLock([redis], 5000, 3600, 20, false);
    const keys = { lease: 'c:lease', session: 'c:session', history: 'c:history', dedup: 'c:dedup', replay: 'c:replay', rate: 'c:rate', privateChat: 'c:private' };
    const params = (receivedAt: number) => ({ rateWindowSeconds: 60, rateLimit: 100, privateChat: 'c', receivedAt });
    const turn = async () => ({ save: '', history: [], result: 'answered', handled: `${HANDLED}[]` });
    const arrived = performance.now();
    expect(await lock.run(keys, params(arrived), turn)).toEqual({ kind: 'done', result: 'answered' });
    // A copy that arrived with the first, its turn begun only now (it waited behind other work): silent.
    expect(await lock.run(keys, params(arrived), turn)).toEqual({ kind: 'duplicate' });
    // One that arrives after the first was handled: a redelivery, answered again.
    expect(await lock.run(keys, params(performance.now()), turn)).toEqual({ kind: 'replay', marker: `${HANDLED}[]` });
  });

  it('checked, a write from an intent declared read-only fails the message, even when the handler caught it, and nothing is written', async () => {
    expect(speculationChecked).toBe(true);
    const p = pipeline();
    await say(p, 's9', '你好');
    await expect(p.handle(inbound({ senderId: 's9', text: '谎话' }))).rejects.toBeInstanceOf(SpeculativeWriteError);
    expect(await admin.get('lied:web:s9')).toBeNull();
  });

  it('checked, a write issued outside any turn is not failed when ioredis sends it again from a speculative turn\'s connection', async () => {
    const lazy = new Redis(server.url, { lazyConnect: true });
    checkSpeculativeWrites(lazy);
    try {
      // The connection is made inside a speculative run: its events (and the offline queue it flushes) run there.
      const connecting = runSpeculatively(() => lazy.connect());
      const write = lazy.set('offline:queued', 'sent'); // issued here, queued until the connection is ready
      await connecting;
      await expect(write).resolves.toBe('OK');
      expect(await admin.get('offline:queued')).toBe('sent');
    } finally {
      lazy.disconnect();
    }
  });

  it('checked, a write sent after a speculative run ended, from a timer the run started, is not failed', async () => {
    let later: Promise<unknown> | undefined;
    await expect(
      runSpeculatively(async () => {
        later = new Promise((resolve) => setTimeout(() => resolve(redis.set('after:run', 'sent').catch((err: Error) => err.message)), 20));
        return 'answered';
      }),
    ).resolves.toBe('answered');
    expect(await later).toBe('OK');
    expect(await admin.get('after:run')).toBe('sent');
    await expect(runSpeculatively(() => redis.set('in:run', 'sent'))).rejects.toBeInstanceOf(SpeculativeWriteError);
  });

  it('an unreadable session is replaced even by a failed turn, so the process never trusts it as its own', async () => {
    const p = pipeline();
    await admin.set('ua:{web:s10}:session:s10', JSON.stringify({ v: 2, dialog: null, memory: 'not an object', updatedAt: 1 }));
    expect(await say(p, 's10', '坏')).toEqual([CORE_TEXT.apology]);
    expect(await say(p, 's10', '你好')).toEqual(['第1次']);
    expect(await say(p, 's10', '你好')).toEqual(['第2次']);
    expect(JSON.parse((await admin.get('ua:{web:s10}:session:s10')) ?? '{}')).toMatchObject({ memory: { help: { n: 2 } } });
  });
});

describe('the rehearsal before a process serves', () => {
  it('routes each text on a fresh session and runs only what reads: nothing is written, a writer never runs', async () => {
    const p = pipeline();
    commandsSince();
    expect(await p.rehearse(['看看', '记一下', '菜单', '你好'])).toEqual({ answered: 3, refused: 1 });
    expect(looked.get('web:#rehearsal')).toBe(1);
    expect(writerRuns.get('web:#rehearsal')).toBeUndefined();
    // Not even the turn scripts: a rehearsal saves nothing.
    expect(commandsSince()).toEqual({});
    expect(await admin.keys('*rehearsal*')).toEqual([]);
  });

  it('as one conversation, each text runs on the session the one before left; a refused text starts it again', async () => {
    const p = pipeline();
    const texts = ['你好', '你好', '记一下', '你好', '你好'];
    counted.length = 0;
    expect(await p.rehearse(texts)).toEqual({ answered: 4, refused: 1 });
    expect(counted).toEqual([1, 1, 1, 1]);
    counted.length = 0;
    commandsSince();
    expect(await p.rehearse(texts, 'conversation')).toEqual({ answered: 4, refused: 1 });
    expect(counted).toEqual([1, 2, 1, 2]);
    // Still nothing saved, nothing read: the conversation lives in the rehearsal alone.
    expect(commandsSince()).toEqual({});
    expect(writerRuns.get('web:#rehearsal')).toBeUndefined();
  });

  it('checked, an intent declared read-only that writes fails the rehearsal (so the process does not start)', async () => {
    await expect(pipeline().rehearse(['谎话'])).rejects.toBeInstanceOf(SpeculativeWriteError);
    expect(await admin.get('lied:web:#rehearsal')).toBeNull();
  });

  it('the real services\' example phrasings rehearse in an engine (its warm-up): some answered, the writers refused', async () => {
    const h = await Harness.start();
    try {
      const texts = (await readTraining(SERVICES)).flatMap((t) => t.examples);
      for (const mode of ['fresh', 'conversation'] as const) {
        const { answered, refused } = await h.engine.pipeline.rehearse(texts, mode);
        expect(answered + refused).toBe(texts.length);
        expect(answered).toBeGreaterThan(texts.length / 3);
        expect(refused).toBeGreaterThan(texts.length / 10);
      }
      expect(await h.engine.deps.redis.keys('*rehearsal*')).toEqual([]);
      expect(await h.engine.deps.redis.zcard(h.engine.deps.keys.tagged('tickets', 'open'))).toBe(0);
    } finally {
      await h.stop();
    }
  });
});

describe('the services\' read-only declarations', () => {
  it('the questions members ask most run speculatively in the real services; 转人工 runs locked', async () => {
    const h = await Harness.start();
    const turns = async () => Object.fromEntries(((await registry.getSingleMetric('ua_turns_total')?.get())?.values ?? []).map((v) => [String(v.labels['path']), v.value]));
    try {
      await h.dm('r1').say('你好'); // the process now knows the session
      const before = await turns();
      for (const text of ['菜单', '加班费怎么算', '最近有什么活动', '住院互助要什么材料', '我的报名', '谢谢']) await h.dm('r1').say(text);
      const read = await turns();
      expect((read['speculative'] ?? 0) - (before['speculative'] ?? 0)).toBe(6);
      expect(read['locked']).toBe(before['locked']);
      await h.dm('r1').say('转人工');
      const after = await turns();
      expect((after['retried'] ?? 0) - (read['retried'] ?? 0)).toBe(1);
      expect((after['locked'] ?? 0) - (read['locked'] ?? 0)).toBe(1);
    } finally {
      await h.stop();
    }
  });
});
