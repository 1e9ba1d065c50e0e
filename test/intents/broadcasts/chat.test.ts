/**
 * Broadcasts through the real engine (router, role checks, the form engine, the delivery ledger, audit):
 * the reported misroutes, the compose form and its one-line shortcut, approval by a second staff member,
 * progress and per-target reports, pause / resume / cancel, subscriptions and opt-outs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countCommands, watchCommands } from '../../helpers/command-count.ts';
import { Harness } from '../../helpers/harness.ts';
import { textOf } from '../../helpers/transcript.ts';
import type { Reply } from '../../../src/core/message.ts';
import { broadcastService } from '../../../intents/broadcasts/service.ts';
import { eventService } from '../../../intents/events/service.ts';
import { DEFAULT_FIELDS } from '../../../intents/events/model.ts';

let h: Harness;
const say = async (who: string, text: string) => textOf(await h.send({ senderId: who, senderName: who, text }));
const inGroup = (who: string, group: string, text: string) => h.send({ senderId: who, senderName: who, chatId: group, chatType: 'group', chatName: group, mentionsBot: true, text });

beforeAll(async () => {
  h = await Harness.start({ env: { BOT_STAFF: 'telegram:staff1,telegram:staff2', BOT_ADMINS: 'telegram:admin1' } });
  // The bot serves two groups (it was addressed there), so they are in the group directory by name.
  await inGroup('m1', '-100一车间群', '菜单');
  await inGroup('m2', '-100退休职工群', '菜单');
}, 60_000);
afterAll(async () => h?.stop());

const queuedFor = async (chatId: string) => (await h.outbox()).filter((i) => i.to.chatId === chatId).map((i) => textOf(i.replies as Reply[]));

describe('misroutes reported by users', () => {
  it('/broadcast with a notice and 群发通知 open the broadcast form for staff, never the menu or a ticket', async () => {
    const first = await say('staff1', '/broadcast 各位会员：本周五下午三点开会');
    expect(first).toContain('群发给谁？');
    expect(first).toContain('全部群（2个）');
    expect(await say('staff1', '取消')).toMatch(/确定要取消/);
    expect(await say('staff1', '确定取消')).toContain('什么也没有发出');
    expect(await say('staff1', '群发通知')).toContain('群发给谁？');
    await say('staff1', '取消');
    await say('staff1', '确定取消');
    expect(await say('staff1', '群发通知：本周五开会')).toContain('群发给谁？');
    await say('staff1', '取消');
    await say('staff1', '确定取消');
    expect((await h.outbox()).filter((i) => /工单|转人工/.test(textOf(i.replies as Reply[])))).toEqual([]);
  });

  it('a member typing /broadcast is refused politely and the attempt audited; no ticket is opened', async () => {
    const answer = await say('m9', '/broadcast 全部群 假通知');
    expect(answer).toContain('需要工会工作人员权限');
    expect(answer).not.toMatch(/工单/);
    expect((await h.audit()).some((e) => e.actor === 'telegram:m9' && e.action === 'refused' && e.target === 'broadcast')).toBe(true);
  });
});

describe('to every group: the shortcut, the preview, approval, reports', () => {
  it('goes to the preview at once, waits for a second staff member, then is queued for each group', async () => {
    const preview = await say('staff1', '/broadcast 全部群 本周五下午三点在三楼会议室开会，请准时参加。');
    expect(preview).toContain('预览');
    expect(preview).toContain('本周五下午三点在三楼会议室开会，请准时参加。');
    expect(preview).toContain('-100一车间群');
    expect(preview).toContain('-100退休职工群');
    expect(preview).toContain('需要另一位工作人员批准');
    const sent = await say('staff1', '确认');
    const id = /#(\d+)/.exec(sent)?.[1];
    expect(sent).toContain('等待另一位工作人员批准');
    expect(id).toBeDefined();
    // Nothing goes out before the approval; the other staff member and the admin are asked.
    expect(await queuedFor('-100一车间群')).toEqual([]);
    expect(await h.notification('staff2', `/bcapprove ${id}`)).toContain('本周五下午三点');
    expect(await h.notification('admin1', `/bcapprove ${id}`)).toContain('本周五下午三点');
    expect(await say('staff1', `/bcapprove ${id}`)).toContain('不能批准自己提交的群发');
    expect(await say('staff2', `/bcapprove ${id}`)).toContain(`已批准群发 #${id}`);
    expect(await h.groupNotification('-100一车间群', '本周五下午三点')).toBeTruthy();
    expect(await h.groupNotification('-100退休职工群', '本周五下午三点')).toBeTruthy();
    expect(await h.notification('staff1', '已由')).toContain(`#${id}`);

    expect(await say('staff1', '/broadcasts')).toContain(`#${id} 发送中 · 0/2 已发送`);
    const report = await say('staff1', `/broadcast ${id}`);
    expect(report).toContain('-100一车间群 — 排队中');
    expect(report).toContain('-100退休职工群 — 排队中');

    expect(await say('staff2', `/bcpause ${id}`)).toContain('已暂停');
    expect(await say('staff1', '/broadcasts')).toContain(`#${id} 已暂停`);
    expect(await say('staff2', `/bcresume ${id}`)).toContain('已恢复');
    expect(await say('staff1', `/bccancel ${id}`)).toContain('2 个对象不再发送');
    expect(await say('staff1', `/broadcast ${id}`)).toContain('跳过（已取消）');
    expect(await h.notification('staff1', '已发送完毕')).toContain('0/2 已发送，2 跳过');

    const actions = (await h.audit()).filter((e) => e.target === `broadcast:${id}`).map((e) => e.action);
    for (const a of ['broadcast.create', 'broadcast.approve', 'broadcast.run', 'broadcast.pause', 'broadcast.resume', 'broadcast.cancel', 'broadcast.finish', 'broadcast.view']) expect(actions).toContain(a);
  });

  it('with BROADCAST_APPROVAL=none nobody else is asked', async () => {
    const other = await Harness.start({ redisUrl: h.redisUrl, env: { BOT_STAFF: 'telegram:staff1', BROADCAST_APPROVAL: 'none', REDIS_KEY_PREFIX: 'none:' } });
    try {
      await other.send({ senderId: 'm1', senderName: 'm1', chatId: '-100a', chatType: 'group', chatName: '甲群', mentionsBot: true, text: '菜单' });
      // An audience of groups reads no member's opt-out: that set holds a whole membership in a big union.
      const optedOutReads: string[] = [];
      watchCommands(other.engine.deps.redis, (command) => {
        if (command.args.map(String).some((arg) => arg.endsWith(':optout'))) optedOutReads.push(command.name);
      });
      await other.send({ senderId: 'staff1', text: '/broadcast 全部群 明天停水' });
      const done = textOf(await other.send({ senderId: 'staff1', text: '确认' }));
      expect(done).toMatch(/开始发送，共 1 个对象/);
      expect(await other.groupNotification('-100a', '明天停水')).toBeTruthy();
      expect(optedOutReads).toEqual([]);
    } finally {
      await other.engine.close();
    }
  });
});

describe('subscriptions and the form step by step', () => {
  it('the console reads one page of subscribers from their order index, never the whole membership', async () => {
    const { redis, keys } = h.engine.deps;
    const { store } = broadcastService(h.engine.deps);
    const member = (i: number) => `web:pg${String(i).padStart(4, '0')}` as const;
    const before = (await store.subscriberPage(1, 1)).total;
    await Promise.all(Array.from({ length: 1200 }, (_, i) => store.subscribe(member(i), { platform: 'web', chatId: `pg${i}`, chatType: 'private' })));
    await store.unsubscribe(member(3));
    const sent = countCommands(redis);
    const page = await store.subscriberPage(1, 50);
    expect(sent()).toEqual({ hlen: 1, zcard: 1, zrange: 1, hmget: 1 });
    expect(page.total).toBe(before + 1199);
    const mine = page.subscribers.map((s) => s.member).filter((m) => m.startsWith('web:pg'));
    expect(mine.slice(0, 4)).toEqual([member(0), member(1), member(2), member(4)]);

    // Subscriptions from before the index, and an entry an older process left behind, are mended on the next view.
    const order = keys.tagged('bc:members', 'order');
    await redis.zrem(order, member(0), member(1));
    await redis.zadd(order, 0, 'web:pg-left');
    const mended = await store.subscriberPage(1, 50);
    expect(mended.total).toBe(before + 1199);
    expect(mended.subscribers.map((s) => s.member).filter((m) => m.startsWith('web:pg')).slice(0, 3)).toEqual([member(0), member(1), member(2)]);
    expect(await redis.zscore(order, 'web:pg-left')).toBeNull();
    expect(await redis.zcard(order)).toBe(await redis.hlen(keys.tagged('bc:members', 'subs')));
    // An older process removed one and added another: the counts still match, the page shows the gap and is mended.
    const subs = keys.tagged('bc:members', 'subs');
    await redis.hdel(subs, member(5));
    await redis.hset(subs, 'web:pg-new', JSON.stringify({ platform: 'web', chatId: 'pg-new', chatType: 'private' }));
    const shown = (await store.subscriberPage(1, 50)).subscribers.map((s) => s.member).filter((m) => m.startsWith('web:pg'));
    expect(shown.slice(0, 2)).toEqual(['web:pg-new', member(0)]);
    expect(shown).not.toContain(member(5));
    await store.unsubscribe('web:pg-new');
    for (let i = 0; i < 1200; i++) await store.unsubscribe(member(i));
  });

  it('members subscribe and leave; a broadcast to subscribers reaches only those still subscribed', async () => {
    expect(await say('m1', '订阅通知')).toContain('已订阅');
    expect(await say('m1', '订阅通知')).toContain('已经订阅');
    expect(await say('m2', '我想订阅工会的通知')).toContain('已订阅');
    expect(await say('m2', '退订')).toContain('已退订');
    expect(await say('m3', '退订')).toContain('没有订阅');

    expect(await say('staff1', '/broadcast')).toContain('群发给谁？');
    expect(await say('staff1', '订阅了通知的会员')).toContain('通知内容');
    expect(await say('staff1', '工会送温暖活动下周一开始登记。')).toContain('附一张图片');
    const attached = textOf(await h.send({ senderId: 'staff1', text: '', attachments: [{ name: '登记表.pdf', mimeType: 'application/pdf', data: Buffer.from('%PDF-1.4 test') }] }));
    expect(attached).toContain('已收到附件：登记表.pdf');
    expect(await say('staff1', '完成')).toContain('什么时候发？');
    const preview = await say('staff1', '1');
    expect(preview).toContain('附件：登记表.pdf');
    expect(preview).toContain('订阅了通知的会员');
    expect(preview).not.toContain('需要另一位工作人员批准');
    const sent = countCommands(h.engine.deps.redis);
    expect(await say('staff1', '确认')).toMatch(/开始发送，共 1 个对象/);
    // The subscribers and the opt-outs (a whole membership, in a big union) are read a slice at a time.
    const commands = sent();
    expect(commands['hscan']).toBeGreaterThanOrEqual(1);
    expect(commands['sscan']).toBeGreaterThanOrEqual(1);
    const queued = (await h.outbox()).filter((i) => i.to.chatId === 'm1' && textOf(i.replies as Reply[]).includes('送温暖'));
    expect(queued).toHaveLength(1);
    expect(await queuedFor('m2')).not.toContainEqual(expect.stringContaining('送温暖'));
  });

  it('a date and time in China time schedules the broadcast for later; a time in the past is asked again', async () => {
    await say('staff1', '/broadcast 下周三体检，请带身份证。');
    await say('staff1', '工作人员');
    await say('staff1', '无');
    expect(await say('staff1', '定时发送')).toContain('日期和时间');
    expect(await say('staff1', '2020年1月1日上午9点')).toContain('没看懂这个时间');
    const preview = await say('staff1', '明天上午9点');
    expect(preview).toMatch(/时间：.*9:00/);
    const done = await say('staff1', '确认');
    expect(done).toMatch(/群发 #\d+ 已安排/);
    const id = Number(/#(\d+)/.exec(done)?.[1]);
    expect(await say('staff1', `/broadcast ${id}`)).toContain('尚未开始发送');
    expect(await say('staff1', `/bccancel ${id}`)).toContain('已取消');
  });
});

describe('later runs on BullMQ', () => {
  it('a broadcast for a time a few seconds ahead starts then, once; a daily one schedules its next run', async () => {
    const svc = broadcastService(h.engine.deps);
    const staff = { key: 'telegram:staff1' as const, roles: new Set(['staff' as const]) };
    const author = { name: 'staff1', chat: { platform: 'telegram' as const, chatId: 'staff1', chatType: 'private' as const } };
    h.clock.now = new Date();
    const at = Date.now() + 2500;
    const r = await svc.compose(staff, author, { audience: { kind: 'staff' }, text: '两秒后的通知', schedule: { kind: 'daily', at } });
    expect(r.outcome).toBe('scheduled');
    const id = r.outcome === 'scheduled' ? r.broadcast.id : 0;
    expect((await svc.store.get(id))?.runs).toBe(0);
    const deadline = Date.now() + 20_000;
    while ((await svc.store.get(id))?.runs !== 1 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
    const rec = await svc.store.get(id);
    expect(rec?.runs).toBe(1);
    expect(Date.now()).toBeGreaterThanOrEqual(at);
    // The next day's run is scheduled, and the run's notices are queued once for each staff member.
    expect(rec?.nextRunAt).toBe(at + 24 * 3600_000);
    // (The run counts itself started just before it queues its sends.)
    await expect.poll(async () => (await h.outbox()).filter((i) => textOf(i.replies as Reply[]) === '两秒后的通知').map((i) => i.to.chatId).sort(), { timeout: 10_000 }).toEqual(['admin1', 'staff1', 'staff2']);
    expect(await svc.startRun(id, 1)).toBeNull(); // a job run again queues nothing twice
    await svc.cancel(staff, id);
  }, 40_000);
});

describe('a repeating broadcast', () => {
  it('keeps only its latest run: an earlier run is deleted once the next has started and it has finished, whichever comes last', async () => {
    const svc = broadcastService(h.engine.deps);
    const { delivery, redis } = h.engine.deps;
    const staff = { key: 'telegram:staff1' as const, roles: new Set(['staff' as const]) };
    const author = { name: 'staff1', chat: { platform: 'telegram' as const, chatId: 'staff1', chatType: 'private' as const } };
    // Its first run far ahead: the runs below are started by hand, not by the scheduler.
    const r = await svc.compose(staff, author, { audience: { kind: 'staff' }, text: '每周安全提示', schedule: { kind: 'weekly', at: Date.now() + 30 * 86400_000 } });
    const id = r.outcome === 'scheduled' ? r.broadcast.id : 0;
    const run = (n: number) => `bc:${id}#${n}`;
    // What a run holds per target (a cancel below leaves a marker or two for the platforms it had none on).
    const kept = async (n: number) => (await redis.keys(`*dl:${run(n)}@*`)).filter((k) => /:(items|state|counts|ready|order)$/.test(k)).length;
    expect(await svc.startRun(id, 1)).toEqual({ total: 3 });
    expect((await delivery.report(run(1))).length).toBe(3);
    // Run 1 has finished (every item final) when run 2 starts: it is deleted then.
    await delivery.cancel(run(1));
    expect(await kept(1)).toBeGreaterThan(0);
    expect(await svc.startRun(id, 2)).toEqual({ total: 3 });
    expect(await kept(1)).toBe(0);
    const active = async () => (await Promise.all(['telegram', 'web', 'wechat'].map((p) => redis.smembers(h.engine.deps.keys.k('dl', 'active', p))))).flat();
    expect((await active()).filter((b) => b.startsWith(`${run(1)}@`))).toEqual([]);
    // Told again that run 1 ended (another platform's batch, another process): nothing left to report, nothing said.
    await delivery.finished(`${run(1)}@${h.platform}`);
    // Run 2 still sending when run 3 starts: kept until it finishes.
    expect(await svc.startRun(id, 3)).toEqual({ total: 3 });
    expect((await delivery.report(run(2))).length).toBe(3);
    expect(await delivery.forget(run(2))).toBe(0);
    expect((await delivery.report(run(2))).length).toBe(3);
    await delivery.cancel(run(2));
    await expect.poll(() => kept(2)).toBe(0);
    // The latest run is whole: its report, its counts.
    expect((await delivery.report(run(3))).length).toBe(3);
    expect((await svc.report(staff, id))?.counts).toMatchObject({ total: 3, pending: 3 });
    // Each run's counts stay in the audit log.
    const ended = (await h.audit()).filter((e) => e.action === 'broadcast.finish' && e.target === `broadcast:${id}`);
    expect(new Set(ended.map((e) => e.note))).toEqual(new Set(['run 1', 'run 2']));
    expect(ended.map((e) => (e.after as { total?: number }).total)).not.toContain(0);
    expect((await h.outbox()).filter((i) => i.to.chatId === 'staff1' && /0\/0/.test(textOf(i.replies as Reply[])))).toEqual([]);
    await svc.cancel(staff, id);
  });

  it('a run still paused when the next starts is cancelled, not left waiting for a resume that reaches only the latest run', async () => {
    const svc = broadcastService(h.engine.deps);
    const { delivery } = h.engine.deps;
    const staff = { key: 'telegram:staff1' as const, roles: new Set(['staff' as const]) };
    const author = { name: 'staff1', chat: { platform: 'telegram' as const, chatId: 'staff1', chatType: 'private' as const } };
    const r = await svc.compose(staff, author, { audience: { kind: 'staff' }, text: '每日值班提醒', schedule: { kind: 'daily', at: Date.now() + 30 * 86400_000 } });
    const id = r.outcome === 'scheduled' ? r.broadcast.id : 0;
    const run = (n: number) => `bc:${id}#${n}`;
    await svc.startRun(id, 1);
    expect((await svc.pause(staff, id)).outcome).toBe('done');
    await svc.startRun(id, 2);
    // Run 1's unsent notices were cancelled (its end audited with the counts), then it was deleted as superseded.
    const ended = (await h.audit()).filter((e) => e.action === 'broadcast.finish' && e.target === `broadcast:${id}`);
    expect(ended.map((e) => [e.note, (e.after as { skipped?: number }).skipped])).toContainEqual(['run 1', 3]);
    expect(await delivery.report(run(1))).toEqual([]);
    expect(await h.engine.deps.redis.keys(`*dl:${run(1)}@*`)).toEqual([]);
    // Run 2 starts paused, as the broadcast is; a resume sends it.
    expect((await delivery.counts(run(2))).pending).toBe(3);
    expect((await svc.resume(staff, id)).outcome).toBe('done');
    expect((await svc.store.get(id))?.status).toBe('sending');
    await svc.cancel(staff, id);
  });
});

describe("an event's registrants", () => {
  it('are offered as an audience; a registrant who left the notices is skipped and the report says so', async () => {
    const now = Date.now();
    h.clock.now = new Date(now);
    const day = 24 * 3600_000;
    await eventService(h.engine.deps).createEvent({ key: 'telegram:staff1', roles: new Set(['staff']) }, { title: '读书分享会', description: '', place: '图书室', startAt: now + 5 * day, endAt: now + 5 * day + 7200_000, capacity: 10, deadline: now + 4 * day, groups: [], fields: DEFAULT_FIELDS });
    for (const [who, name, phone] of [['r1', '李四', '13812345671'], ['r2', '王五', '13812345672']] as const) {
      expect(await say(who, '报名 读书分享会')).toContain('姓名');
      await say(who, name);
      await say(who, phone);
      await say(who, '第一机床厂');
      const summary = await say(who, '否');
      if (!/报名成功/.test(summary)) expect(await say(who, '确认')).toContain('报名成功');
    }
    expect(await say('r2', '退订')).toMatch(/已退订|没有订阅/);

    const asked = await say('staff1', '/broadcast 分享会改在三楼举行，请准时到场。');
    expect(asked).toContain('某个活动的报名者（含候补）');
    expect(await say('staff1', '某个活动的报名者（含候补）')).toContain('读书分享会');
    expect(await say('staff1', '读书分享会')).toContain('附一张图片');
    await say('staff1', '无');
    expect(await say('staff1', '立即发送')).toContain('发送对象：读书分享会');
    const sent = await say('staff1', '确认');
    expect(sent).toMatch(/开始发送，共 2 个对象/);
    const id = /#(\d+)/.exec(sent)?.[1];
    expect(await h.notification('r1', '分享会改在三楼')).toBeTruthy();
    expect((await h.outbox()).filter((i) => i.to.chatId === 'r2' && textOf(i.replies as Reply[]).includes('分享会改在三楼'))).toEqual([]);
    expect(await say('staff1', `/broadcast ${id}`)).toContain('telegram:r2 — 跳过（已退订）');
  }, 30_000);
});
