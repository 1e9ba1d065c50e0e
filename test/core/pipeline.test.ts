import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/core/config.ts';
import { createLogger } from '../../src/core/logger.ts';
import type { IntentDefinition, IntentId } from '../../src/core/service.ts';
import { Pipeline } from '../../src/core/pipeline.ts';
import { Router, type IntentClassifier } from '../../src/core/router.ts';
import { buildDeps } from '../../src/core/deps.ts';
import { Keys } from '../../src/core/keys.ts';
import { CORE_TEXT } from '../../src/core/texts.ts';
import { inbound } from '../helpers/engine.ts';
import { countCommands } from '../helpers/command-count.ts';
import { startRedis } from '../helpers/redis.ts';

type RedisServer = Awaited<ReturnType<typeof startRedis>>;
let server: RedisServer;
const clients: Redis[] = [];
const logger = createLogger('silent');

/** A counter intent: each turn reads the count from the session and writes count + 1 — a lost update shows. */
const counter: IntentDefinition = {
  id: 'help',
  handle: async (ctx) => {
    const n = Number(ctx.session.memory.help?.count ?? 0) + 1;
    await new Promise((r) => setTimeout(r, Math.random() * 3)); // widen any race window
    return { replies: [{ text: String(n) }], memory: { count: n } };
  },
};

const form: IntentDefinition = {
  id: 'claim_submit',
  handle: async () => ({ replies: [{ text: '请输入姓名' }], dialog: { v: 1, intent: 'claim_submit', asking: 'name', filled: {}, expiresAt: Date.now() + 60_000 } }),
  continueDialog: async (ctx, dialog) => {
    if (ctx.text.endsWith('？')) return { replies: [], passThrough: true };
    return { replies: [{ text: `收到 ${ctx.text}` }], dialog: { ...dialog, asking: 'phone', filled: { ...dialog.filled, name: ctx.text } } };
  },
  repromptDialog: (_ctx, dialog) => [{ text: `继续填写：${dialog.asking}` }],
  commands: [{ names: ['审核'], role: 'admin', summary: 'admin only', run: async () => ({ replies: [{ text: '审核列表' }] }) }],
};

const labor: IntentDefinition = {
  id: 'labor_law',
  handle: async () => ({ replies: [{ text: '劳动法回答' }] }),
  commands: [{ names: ['我的工单'], summary: 'a command of another intent', run: async () => ({ replies: [{ text: '工单列表' }] }) }],
};

/** Routes by a leading keyword so these tests do not depend on the trained classifier. */
const keywordClassifier: IntentClassifier = {
  classify: async (text) => {
    const intent: IntentId = text.startsWith('申请') ? 'claim_submit' : text.includes('工资') ? 'labor_law' : 'help';
    return { intent, confidence: 0.9 };
  },
};

/** A Redis client, closed after the tests: for a pipeline, or to read and plant what a pipeline keeps. */
function client(): Redis {
  const r = new Redis(server.url);
  r.on('error', () => undefined);
  clients.push(r);
  return r;
}
const keys = new Keys('ua:');

function makePipeline(env: Record<string, string> = {}) {
  const config = loadConfig({ REDIS_URL: server.url, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '1000', ...env });
  const { deps } = buildDeps(config, client(), logger);
  return new Pipeline(deps, new Router([counter, form, labor], keywordClassifier, deps.audit, 'unknown'));
}

beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await server.stop();
});

describe('pipeline', () => {
  it('drops the bot’s own messages and stale ones', async () => {
    const p = makePipeline({ STALE_MESSAGE_SECONDS: '60' });
    expect((await p.handle(inbound({ text: '你好', fromSelf: true }))).dropped).toBe('own');
    expect((await p.handle(inbound({ text: '你好', sentAt: Date.now() - 120_000 }))).dropped).toBe('stale');
    expect((await p.handle(inbound({ text: '你好', sentAt: Date.now() - 5_000 }))).replies).toHaveLength(1);
  });

  it('runs a platform message id once; a redelivery gets the same replies again without a second turn', async () => {
    const p = makePipeline();
    const msg = inbound({ text: '你好', senderId: 'dup', messageId: 'm-1' });
    expect((await p.handle(msg)).replies).toEqual([{ text: '1' }]);
    // The counter intent would answer "2" on a second turn.
    expect(await p.handle(msg)).toEqual({ replies: [{ text: '1' }], dropped: 'duplicate' });
  });

  it('keeps dedup per sender: another member using the same client message id is answered', async () => {
    const p = makePipeline();
    expect((await p.handle(inbound({ text: '你好', senderId: 'alice-d', messageId: 'same-id' }))).replies).toEqual([{ text: '1' }]);
    const other = await p.handle(inbound({ text: '你好', senderId: 'bob-d', messageId: 'same-id' }));
    expect(other).toEqual({ replies: [{ text: '1' }] });
  });

  it('answers concurrent redeliveries of one message exactly once', async () => {
    const p = makePipeline();
    const msg = inbound({ text: '你好', senderId: 'dup2', messageId: 'm-2' });
    const outs = await Promise.all(Array.from({ length: 5 }, () => p.handle(msg)));
    expect(outs.filter((o) => o.replies.length === 1)).toHaveLength(1);
    expect(outs.filter((o) => o.dropped === 'duplicate')).toHaveLength(4);
  });

  it('processes a redelivered message whose turn never finished (the bot died mid-turn)', async () => {
    const p = makePipeline();
    const r = client();
    // What a bot killed between accepting the message and saving its turn leaves behind.
    const dedupKey = keys.dedup('web', 'dup3', 'm-3');
    await r.set(dedupKey, 'pending', 'EX', 3600);
    const out = await p.handle(inbound({ text: '你好', senderId: 'dup3', messageId: 'm-3' }));
    expect(out.replies[0]?.text).toBe('1');
    expect(await r.get(dedupKey)).toMatch(/^done/);
    expect((await p.handle(inbound({ text: '你好', senderId: 'dup3', messageId: 'm-3' }))).dropped).toBe('duplicate');
  });

  it('keeps a handled message\'s replies an hour for a redelivery and the bare mark a day; markers of older versions still replay', async () => {
    const p = makePipeline();
    const r = client();
    const msg = inbound({ text: '你好', senderId: 'dup4', messageId: 'm-4' });
    const first = await p.handle(msg);
    // The bare mark with when the turn was saved (Redis clock, µs): a copy that arrived before then is silent.
    expect(await r.get(keys.dedup('web', 'dup4', 'm-4'))).toMatch(/^done:\d{16}$/);
    expect(await r.ttl(keys.dedup('web', 'dup4', 'm-4'))).toBeGreaterThan(23 * 3600);
    const replayTtl = await r.ttl(keys.replay('web', 'dup4', 'm-4'));
    expect(replayTtl).toBeGreaterThan(3500);
    expect(replayTtl).toBeLessThanOrEqual(3600);
    expect(await p.handle(msg)).toEqual({ replies: first.replies, dropped: 'duplicate' });
    // An hour later the replies are gone; the message is still not handled twice.
    await r.del(keys.replay('web', 'dup4', 'm-4'));
    expect(await p.handle(msg)).toEqual({ replies: [], dropped: 'duplicate' });
    // A version before kept the replies in the dedup key itself.
    await r.set(keys.dedup('web', 'dup4', 'm-5'), 'done[{"text":"以前的回答"}]', 'EX', 3600);
    expect(await p.handle(inbound({ text: '你好', senderId: 'dup4', messageId: 'm-5' }))).toEqual({ replies: [{ text: '以前的回答' }], dropped: 'duplicate' });
  });

  it('answers a redelivery again when the message was marked handled by a clock ahead of this server (a failover to a lagging replica)', async () => {
    const p = makePipeline();
    const r = client();
    const msg = inbound({ text: '你好', senderId: 'dup6', messageId: 'm-6' });
    expect((await p.handle(msg)).replies).toEqual([{ text: '1' }]);
    // The same marks as written by a master whose clock ran 5 s ahead of the one now answering.
    const [seconds, micros] = await r.time();
    await r.set(keys.dedup('web', 'dup6', 'm-6'), `done:${Number(seconds) * 1e6 + Number(micros) + 5e6}`, 'EX', 3600);
    // Not taken for a copy that arrived while the first was answered (which would stay silent): the replies again.
    expect(await p.handle(msg)).toEqual({ replies: [{ text: '1' }], dropped: 'duplicate' });
  });

  it('in a group answers only when addressed', async () => {
    const p = makePipeline();
    const group = { chatType: 'group' as const, chatId: 'g1', senderId: 'gm' };
    expect((await p.handle(inbound({ ...group, text: '大家好' }))).dropped).toBe('not-addressed');
    expect((await p.handle(inbound({ ...group, text: '@小助手 工资', mentionsBot: true }))).replies[0]?.text).toBe('劳动法回答');
    expect((await p.handle(inbound({ ...group, text: '小助手，拖欠工资怎么办' }))).replies[0]?.text).toBe('劳动法回答');
    expect((await p.handle(inbound({ ...group, text: '那怎么办', repliesToBot: true }))).replies).toHaveLength(1);
  });

  it('in a group, a short answer to the question the bot just asked that member needs no @mention', async () => {
    const p = makePipeline();
    const g = { chatType: 'group' as const, chatId: 'g9' };
    expect((await p.handle(inbound({ ...g, senderId: 'q1', text: '申请', mentionsBot: true }))).replies[0]?.text).toBe('请输入姓名');
    // Others' messages, and the asker's longer chatter or questions, stay unanswered.
    expect((await p.handle(inbound({ ...g, senderId: 'q2', text: '张三' }))).dropped).toBe('not-addressed');
    expect((await p.handle(inbound({ ...g, senderId: 'q1', text: '今天食堂的饺子真不错，大家快去' }))).dropped).toBe('not-addressed');
    expect((await p.handle(inbound({ ...g, senderId: 'q1', text: '是吗？' }))).dropped).toBe('not-addressed');
    expect((await p.handle(inbound({ ...g, senderId: 'q1', text: '张三' }))).replies[0]?.text).toBe('收到 张三');
  });

  it('a personal question in a group is answered in the private chat an older version kept in its one hash; without that hash nothing looks there', async () => {
    const personal: IntentDefinition = { id: 'labor_law', personal: true, handle: async () => ({ replies: [{ text: '您的工资问题的答复' }] }) };
    const config = loadConfig({ REDIS_URL: server.url, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '1000' });
    const make = () => {
      const { deps } = buildDeps(config, client(), logger);
      return { deps, p: new Pipeline(deps, new Router([counter, personal], keywordClassifier, deps.audit, 'unknown', undefined, deps.notifier)) };
    };
    const ask = (p: Pipeline, senderId: string) => p.handle(inbound({ chatType: 'group', chatId: 'g-legacy', senderId, text: '@小助手 工资怎么算', mentionsBot: true }));

    const fresh = make();
    const sent = countCommands(fresh.deps.redis);
    expect((await ask(fresh.p, 'never-private')).replies[0]?.text).toBe(CORE_TEXT.askPrivately);
    expect((await ask(fresh.p, 'never-private')).replies[0]?.text).toBe(CORE_TEXT.askPrivately);
    const commands = sent();
    expect(commands['exists']).toBe(1);
    expect(commands['hget']).toBeUndefined();

    await client().hset(keys.legacyPrivateChats(), 'web:old-member', 'old-private-chat');
    const upgraded = make();
    expect((await ask(upgraded.p, 'old-member')).replies[0]?.text).toBe(CORE_TEXT.sentPrivately);
    const told = (await upgraded.deps.delivery.pending('web')).filter((i) => i.to.chatId === 'old-private-chat');
    expect(told.map((i) => i.replies[0]?.text)).toEqual(['您的工资问题的答复']);
    await client().del(keys.legacyPrivateChats());
  });

  it('never starts a personal-data form in a group', async () => {
    const p = makePipeline();
    const privateOnlyForm = { ...form, privateOnly: true };
    const config = loadConfig({ REDIS_URL: server.url, LOG_LEVEL: 'silent' });
    const { deps } = buildDeps(config, client(), logger);
    const guarded = new Pipeline(deps, new Router([counter, privateOnlyForm, labor], keywordClassifier, deps.audit, 'unknown'));
    const out = await guarded.handle(inbound({ chatType: 'group', chatId: 'g2', senderId: 'x', text: '@小助手 申请互助', mentionsBot: true }));
    expect(out.replies[0]?.text).toContain('私聊');
    expect(p).toBeDefined();
  });

  it('rate-limits a member with exactly one polite notice', async () => {
    const p = makePipeline({ RATE_LIMIT_PER_MINUTE: '3' });
    const outs = [];
    for (let i = 0; i < 6; i++) outs.push(await p.handle(inbound({ text: '你好', senderId: 'fast' })));
    expect(outs.slice(0, 3).every((o) => o.replies.length === 1 && !o.dropped)).toBe(true);
    expect(outs[3]?.replies[0]?.text).toContain('稍等');
    expect(outs.slice(4).every((o) => o.replies.length === 0 && o.dropped === 'rate-limited')).toBe(true);
    // A file or 完成 past the limit is never met with silence: the member would think it was received.
    const photo = { name: 'a.jpg', mimeType: 'image/jpeg', data: Buffer.from([0xff, 0xd8, 0xff]) };
    for (const late of [inbound({ text: '', attachments: [photo], senderId: 'fast' }), inbound({ text: '完成', senderId: 'fast' })]) {
      expect(await p.handle(late)).toMatchObject({ dropped: 'rate-limited', replies: [{ text: CORE_TEXT.rateLimited }] });
    }
  });

  it('gives staff a higher limit (fast check-ins at the door)', async () => {
    const p = makePipeline({ RATE_LIMIT_PER_MINUTE: '3', BOT_STAFF: 'web:door' });
    const outs = [];
    for (let i = 0; i < 12; i++) outs.push(await p.handle(inbound({ text: '你好', senderId: 'door' })));
    expect(outs.every((o) => !o.dropped)).toBe(true);
  });

  it('serializes 100 concurrent messages of one member without losing a turn', async () => {
    const p = makePipeline();
    const outs = await Promise.all(Array.from({ length: 100 }, () => p.handle(inbound({ text: '你好', senderId: 'race' }))));
    const counts = outs.map((o) => Number(o.replies[0]?.text)).sort((a, b) => a - b);
    expect(counts).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it('serializes across two bot processes sharing Redis', async () => {
    const a = makePipeline();
    const b = makePipeline();
    const outs = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).handle(inbound({ text: '你好', senderId: 'race2' }))),
    );
    const counts = outs.map((o) => Number(o.replies[0]?.text)).sort((x, y) => x - y);
    expect(counts).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  });

  it('answers a question in the middle of a form, then re-asks the form question', async () => {
    const p = makePipeline();
    const who = { senderId: 'former' };
    expect((await p.handle(inbound({ ...who, text: '申请互助' }))).replies[0]?.text).toBe('请输入姓名');
    const mid = await p.handle(inbound({ ...who, text: '拖欠工资怎么办？' }));
    expect(mid.replies.map((r) => r.text)).toEqual(['劳动法回答', '继续填写：name']);
    expect((await p.handle(inbound({ ...who, text: '张三' }))).replies[0]?.text).toBe('收到 张三');
  });

  it('lets another service’s command interrupt a form, never taking it as the form’s answer', async () => {
    const p = makePipeline();
    const who = { senderId: 'former2' };
    await p.handle(inbound({ ...who, text: '申请互助' }));
    const mid = await p.handle(inbound({ ...who, text: '我的工单' }));
    expect(mid.replies.map((r) => r.text)).toEqual(['工单列表', '继续填写：name']);
    expect((await p.handle(inbound({ ...who, text: '李四' }))).replies[0]?.text).toBe('收到 李四');
  });

  it('refuses role commands to members without the role and records the attempt', async () => {
    const p = makePipeline({ BOT_ADMINS: 'web:boss' });
    expect((await p.handle(inbound({ senderId: 'nobody', text: '/审核' }))).replies[0]?.text).toContain('权限');
    expect((await p.handle(inbound({ senderId: 'boss', text: '/审核' }))).replies[0]?.text).toBe('审核列表');
    const audit = await client().xrevrange('ua:audit', '+', '-', 'COUNT', 5);
    expect(audit.some(([, f]) => String(f[1]).includes('"actor":"web:nobody"') && String(f[1]).includes('refused'))).toBe(true);
  });

  it('keeps the session in Redis as versioned JSON with an idle expiry', async () => {
    const p = makePipeline({ SESSION_IDLE_HOURS: '2' });
    await p.handle(inbound({ senderId: 'persist', text: '你好' }));
    const r = client();
    const sessionKey = keys.session('web', 'persist', 'persist');
    const raw = await r.get(sessionKey);
    expect(JSON.parse(raw ?? '{}')).toMatchObject({ v: 2, dialog: null, memory: { help: { count: 1 } } });
    const ttl = await r.ttl(sessionKey);
    expect(ttl).toBeGreaterThan(7000);
    expect(ttl).toBeLessThanOrEqual(7200);
  });

  it('turns a handler failure into an apology and keeps serving', async () => {
    const config = loadConfig({ REDIS_URL: server.url, LOG_LEVEL: 'silent' });
    const { deps } = buildDeps(config, client(), logger);
    const broken: IntentDefinition = { ...labor, handle: async () => { throw new Error('boom'); } };
    const p = new Pipeline(deps, new Router([counter, broken], keywordClassifier, deps.audit, 'unknown'));
    expect((await p.handle(inbound({ senderId: 'b', text: '工资' }))).replies[0]?.text).toContain('抱歉');
    expect((await p.handle(inbound({ senderId: 'b', text: '你好' }))).replies[0]?.text).toBe('1');
  });

  it('leaves the message of a failed turn unmarked: the same message sent again is answered for real, then only replayed', async () => {
    const config = loadConfig({ REDIS_URL: server.url, LOG_LEVEL: 'silent' });
    const { deps } = buildDeps(config, client(), logger);
    let failing = true;
    const flaky: IntentDefinition = {
      ...labor,
      handle: async () => {
        if (failing) throw new Error('redis went away');
        return { replies: [{ text: '这次好了' }] };
      },
    };
    const p = new Pipeline(deps, new Router([counter, flaky], keywordClassifier, deps.audit, 'unknown'));
    const msg = inbound({ senderId: 'retry', text: '工资' });
    expect((await p.handle(msg)).replies.map((r) => r.text)).toEqual([CORE_TEXT.apology]);
    failing = false;
    expect(await p.handle(msg)).toMatchObject({ replies: [{ text: '这次好了' }] });
    const again = await p.handle(msg);
    expect(again).toMatchObject({ replies: [{ text: '这次好了' }], dropped: 'duplicate' });
  });

  it('rejects oversized text with a friendly message', async () => {
    const p = makePipeline({ MAX_TEXT_CHARS: '100' });
    expect((await p.handle(inbound({ senderId: 'long', text: '长'.repeat(500) }))).replies[0]?.text).toContain('太长');
  });
});
