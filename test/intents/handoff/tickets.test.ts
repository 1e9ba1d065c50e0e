/**
 * 转人工 tickets through the real engine (chat commands, role checks, outbox, audit) and the ticket
 * operations called directly with an Actor, as the web console will call them.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForbiddenError, type Actor, type MemberActor } from '../../../src/core/actor.ts';
import type { MemberKey } from '../../../src/core/message.ts';
import { TicketService } from '../../../intents/handoff/service.ts';
import { HANDOFF_TEXT } from '../../../intents/handoff/texts.ts';
import { registry } from '../../../src/core/metrics.ts';
import { countCommands } from '../../helpers/command-count.ts';
import { Harness } from '../../helpers/harness.ts';
import { play, textOf } from '../../helpers/transcript.ts';

const PHONE = '13812345678';
const MASKED_PHONE = '138****5678';

let h: Harness;
beforeAll(async () => {
  h = await Harness.start({ env: { BOT_ADMINS: 'telegram:admin1', BOT_STAFF: 'telegram:staff1' }, now: new Date('2026-11-22T02:00:00Z') });
});
afterAll(() => h.stop());

const ticketIdIn = (text: string): string => {
  const id = /RG-\d{8}-\d{4}/.exec(text)?.[0];
  if (!id) throw new Error(`no ticket id in: ${text}`);
  return id;
};

/**
 * A member who has said nothing yet asks for a person: the ticket opens and they are asked what it is about; their
 * answer joins the ticket and alerts staff at once. Returns the ticket id.
 */
async function handOff(who: string, problem = '公司一直不给我交社保'): Promise<string> {
  const [opened] = await play(h, [{ say: '转人工', expect: ['已为您转人工', '请简单说说您的问题'] }], who);
  const id = ticketIdIn(textOf(opened ?? []));
  await play(h, [{ say: problem, expect: HANDOFF_TEXT.added(id), not: '没太明白' }], who);
  expect(await h.notification('staff1', `【工单补充】${id}`)).toContain(problem);
  return id;
}

/** Turns this process ran, by path (speculative, retried, locked). */
const turnsByPath = async (): Promise<Record<string, number>> =>
  Object.fromEntries(((await registry.getSingleMetric('ua_turns_total')?.get())?.values ?? []).map((v) => [String(v.labels['path']), v.value]));

const auditFor = async (target: string) => (await h.audit()).filter((e) => e.target === target);

describe('转人工 in chat', () => {
  it('opens a ticket with the recent conversation (numbers masked), alerts staff, and staff list, read, answer and close it', async () => {
    await play(h, [{ say: `公司拖欠我三个月工资了，我电话 ${PHONE}`, not: '没太明白' }], 'alice');
    // Said something already: "转人工" opens the ticket at once.
    const id = ticketIdIn(textOf((await play(h, [{ say: '转人工', expect: '已为您转人工' }], 'alice'))[0] ?? []));
    expect(id).toMatch(/^RG-20261122-/);

    for (const staff of ['staff1', 'admin1']) {
      const alert = await h.notification(staff, `【新转人工工单】${id}`);
      expect(alert).toContain(MASKED_PHONE);
      expect(alert).not.toContain(PHONE);
    }

    await play(h, [
      { say: '/tickets', expect: ['待处理工单', id, 'alice'], not: PHONE },
      { say: `/ticket ${id}`, expect: ['公司拖欠我三个月工资了', MASKED_PHONE, '转人工'], not: PHONE },
      { say: `/reply ${id} 您好，请把工资条发给我们`, expect: `已回复工单 ${id}` },
    ], 'staff1');
    expect(await h.notification('alice', '请把工资条发给我们')).toContain(`【工会工作人员回复 · 工单 ${id}】`);

    await play(h, [{ who: 'staff1', say: `/close ${id}`, expect: `工单 ${id} 已关闭` }]);
    expect(await h.notification('alice', `您的工单 ${id} 已处理完毕`)).toContain('转人工');
    await play(h, [{ who: 'staff1', say: '/tickets', expect: '目前没有待处理的工单' }]);

    const actions = (await auditFor(id)).map((e) => `${e.actor} ${e.action}`);
    expect(actions).toEqual(expect.arrayContaining(['telegram:staff1 ticket.view', 'telegram:staff1 ticket.reply', 'telegram:staff1 ticket.close']));
  });

  it('refuses staff commands to a member, audits the attempt, and changes nothing', async () => {
    const id = await handOff('bob');
    await play(h, [
      { say: '/tickets', expect: '权限', not: id },
      { say: `/reply ${id} 我自己回复一下`, expect: '权限', not: '已回复' },
      { say: `/close ${id}`, expect: '权限', not: '已关闭' },
    ], 'mallory');
    const refused = (await h.audit()).filter((e) => e.actor === 'telegram:mallory' && e.action === 'refused').map((e) => e.target);
    expect(refused).toEqual(expect.arrayContaining(['tickets', 'reply', 'close']));
    await expect(h.notification('bob', '我自己回复一下')).rejects.toThrow();
    await play(h, [{ who: 'staff1', say: '/tickets', expect: id }]);
  });

  it('a second request while a ticket is open is added to it, with no new ticket and no new alert', async () => {
    const id = await handOff('carol');
    await h.notification('staff1', `【新转人工工单】${id}`);
    await play(h, [{ say: '人工 公司让我周末加班不给加班费', expect: `您已有一张待处理的工单 ${id}`, not: '已为您转人工' }], 'carol');
    const list = textOf((await play(h, [{ who: 'staff1', say: '/tickets', expect: id }]))[0] ?? []);
    expect(list.split('\n').filter((line) => line.includes('carol'))).toHaveLength(1);
    await expect(h.notification('staff1', '来自：carol')).rejects.toThrow();
    await play(h, [{ who: 'staff1', say: `/ticket ${id}`, expect: '公司让我周末加班不给加班费' }]);
  });

  it('asking again in the private chat that continues the ticket joins it in one step, reading neither the history nor the ticket', async () => {
    const id = await handOff('dora');
    const sent = countCommands(h.engine.redisHandle.redis);
    await play(h, [{ say: '转人工 还是没人联系我', expect: `您已有一张待处理的工单 ${id}` }], 'dora');
    // A speculative turn: the one script that adds to the open ticket (once per message), then COMMIT.
    expect(sent()).toEqual({ evalsha: 2 });
    await play(h, [{ who: 'staff1', say: `/ticket ${id}`, expect: '还是没人联系我' }]);
    await expect(h.notification('staff1', '还是没人联系我')).rejects.toThrow();
  });

  it('a line for the ticket is added once per message: a turn run again, after another process changed the conversation, adds it once and alerts staff once', async () => {
    const id = await handOff('erin');
    h.advance(11 * 60_000); // past the alert window the member's first words opened
    const other = await Harness.start({ redisUrl: h.redisUrl, env: { BOT_ADMINS: 'telegram:admin1', BOT_STAFF: 'telegram:staff1' }, now: h.clock.now });
    try {
      // Answered by another process: the conversation this process remembers is stale, so its speculative turn
      // loses its COMMIT and runs again, locked.
      await play(other, [{ say: '公司拖欠工资怎么办', expect: '依据' }], 'erin');
      const retried = (await turnsByPath())['retried'] ?? 0;
      const line = '好的，我下午三点到';
      await play(h, [{ say: line, expect: HANDOFF_TEXT.added(id) }], 'erin');
      expect((await turnsByPath())['retried']).toBe(retried + 1);
      const view = await new TicketService(h.engine.deps).view({ key: 'telegram:staff1', roles: new Set(['staff']) }, id);
      expect(view?.history.filter((t) => t.text === line)).toHaveLength(1);
      expect(await h.notification('staff1', line)).toContain(`【工单补充】${id}`);
      await expect(h.notification('staff1', line)).rejects.toThrow();
    } finally {
      await other.stop();
    }
  });

  it('lines over the rate limit do not reach the ticket', async () => {
    const limited = await Harness.start({ env: { BOT_STAFF: 'telegram:staff1', RATE_LIMIT_PER_MINUTE: '5' }, now: h.clock.now });
    try {
      const opened = textOf((await play(limited, [{ say: '转人工', expect: '请简单说说您的问题' }], 'fiona'))[0] ?? []);
      const id = ticketIdIn(opened);
      const lines = ['第一条补充', '第二条补充', '第三条补充', '第四条补充', '第五条补充', '第六条补充'];
      for (const line of lines) await limited.send({ senderId: 'fiona', text: line });
      const staff: Actor = { key: 'telegram:staff1', roles: new Set(['staff']) };
      const texts = (await new TicketService(limited.engine.deps).view(staff, id))?.history.map((t) => t.text) ?? [];
      // 转人工 and four lines make the five a minute allows.
      expect(texts).toEqual(expect.arrayContaining(lines.slice(0, 4)));
      expect(texts).not.toContain(lines[4]);
      expect(texts).not.toContain(lines[5]);
    } finally {
      await limited.stop();
    }
  });
});

describe('the conversation continues while the ticket is open', () => {
  const MINUTE = 60_000;
  const noAlertWith = (text: string) => expect(h.notification('staff1', text)).rejects.toThrow();

  it('the member\'s words in that chat join the ticket with a short acknowledgement; staff are alerted at most once per 10 minutes, again after they reply; questions to the bot, commands and thanks are still answered', async () => {
    await play(h, [{ say: '公司拖欠我两个月工资了', expect: '依据：' }], 'henry');
    const [opened] = await play(h, [{ say: '转人工', expect: '已为您转人工', not: '请简单说说' }], 'henry');
    const id = ticketIdIn(textOf(opened ?? []));
    expect(await h.notification('staff1', `【新转人工工单】${id}`)).toContain('公司拖欠我两个月工资了');

    await play(h, [{ say: `/reply ${id} 请明天带劳动合同来工会`, expect: '已回复' }], 'staff1');
    await h.notification('henry', '请明天带劳动合同来工会');
    const added = HANDOFF_TEXT.added(id);
    await play(h, [{ say: '好的，明天上午几点？', expect: added, not: '没太明白' }], 'henry');
    expect(await h.notification('staff1', `【工单补充】${id}`)).toContain('好的，明天上午几点？');
    await play(h, [
      { say: '我还想补充一下：合同原件在公司人事那里', expect: added, not: '没太明白' },
      { say: '在吗', expect: added },
      // A clear labor-law question, a command of another service and a thank-you are answered, not filed.
      { say: '加班费怎么算？', expect: '依据：', not: added },
      { say: '我的报名', not: [added, '没太明白'] },
      { say: '谢谢', expect: '不客气', not: added },
    ], 'henry');
    await noAlertWith('合同原件在公司人事那里');

    h.advance(11 * MINUTE);
    await play(h, [{ say: '我明天下午也有空', expect: added }], 'henry');
    expect(await h.notification('staff1', `【工单补充】${id}`)).toContain('我明天下午也有空');

    const [view] = await play(h, [{ say: `/ticket ${id}`, expect: [/工作人员（telegram:staff1）：请明天带劳动合同来工会/, '在吗'], not: '加班费怎么算' }], 'staff1');
    const shown = textOf(view ?? []);
    const order = ['公司拖欠我两个月工资了', '转人工', '请明天带劳动合同来工会', '好的，明天上午几点？', '我还想补充一下', '我明天下午也有空'].map((t) => shown.indexOf(t));
    expect(order.every((at, i) => at >= 0 && (i === 0 || at > (order[i - 1] ?? 0))), shown).toBe(true);

    // Closed by staff: the next remark is told so once, then the chat is the bot's again.
    await play(h, [{ say: `/close ${id}`, expect: '已关闭' }], 'staff1');
    await play(h, [
      { say: '好的，明天上午几点？', expect: HANDOFF_TEXT.closedSince(id), not: added },
      { say: '好的，明天上午几点？', expect: '没太明白', not: [added, HANDOFF_TEXT.closedSince(id)] },
    ], 'henry');
  });

  it('after a bare 转人工 the next words are the question, even a labor-law question, and staff get it at once', async () => {
    const [opened] = await play(h, [{ say: '转人工', expect: '请简单说说您的问题' }], 'jack');
    const id = ticketIdIn(textOf(opened ?? []));
    expect(await h.notification('staff1', `【新转人工工单】${id}`)).toContain(HANDOFF_TEXT.notDescribedYet);
    await play(h, [{ say: '公司拖欠工资怎么办？', expect: HANDOFF_TEXT.added(id), not: '依据：' }], 'jack');
    expect(await h.notification('staff1', `【工单补充】${id}`)).toContain('公司拖欠工资怎么办？');
    // Answered: from now on a labor-law question is the bot's again.
    await play(h, [{ say: '加班费怎么算？', expect: '依据：' }], 'jack');
  });

  it('a ticket opened in a group continues in the private chat once the member reads it there; nothing reaches the group', async () => {
    await play(h, [{ say: '你好', expect: '工会小助手' }], 'ivy');
    const [opened] = await play(h, [{ say: '@小助手 转人工', in: { group: 'workshop', mention: true }, expect: '私聊中回复您' }], 'ivy');
    const id = ticketIdIn(textOf(opened ?? []));
    await play(h, [
      { say: '我的工单', expect: id },
      { say: '我离职那天是十月八号', expect: HANDOFF_TEXT.added(id) },
    ], 'ivy');
    await play(h, [{ say: `/reply ${id} 请把离职申请的日期告诉我们`, expect: '已回复' }], 'staff1');
    expect(await h.notification('ivy', '请把离职申请的日期告诉我们')).toContain(id);
    await expect(h.groupNotification('workshop', '请把离职申请的日期告诉我们')).rejects.toThrow();
  });
});

describe('ticket operations with an Actor', () => {
  const member = (who: string): MemberActor => ({ key: `telegram:${who}` as MemberKey, roles: new Set() });
  const staff: Actor = { key: 'telegram:staff1', roles: new Set(['staff']) };
  const service = () => new TicketService(h.engine.deps);

  it('refuses every staff operation to a member with ForbiddenError, changing nothing', async () => {
    const id = await handOff('dave');
    await h.notification('staff1', id);
    const before = await service().view(staff, id);
    const auditBefore = (await h.audit()).length;
    const outboxBefore = (await h.outbox()).length;
    const intruder = member('eve');
    await expect(service().openPage(intruder, 1, 20)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(service().view(intruder, id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(service().reply(intruder, id, '你好')).rejects.toBeInstanceOf(ForbiddenError);
    await expect(service().close(intruder, id)).rejects.toBeInstanceOf(ForbiddenError);
    expect(await service().view(staff, id)).toEqual(before);
    expect((await h.audit()).length).toBe(auditBefore + 1); // only staff's own view above
    expect((await h.outbox()).length).toBe(outboxBefore);
  });

  it('pages through the open tickets, oldest first, and counts them all', async () => {
    const before = await service().openCount(staff);
    const at = Date.now();
    const opened: string[] = [];
    for (let i = 0; i < 23; i++) {
      const { ticket } = await service().open(member(`pager${i}`), { name: `成员${i}`, address: { platform: 'telegram', chatId: `pager${i}`, chatType: 'private' }, conversation: [{ at, from: 'member', text: '转人工' }] });
      opened.push(ticket.id);
    }
    expect(await service().openCount(staff)).toBe(before + 23);
    const total = before + 23;
    const last = await service().openPage(staff, Math.ceil(total / 20), 20);
    expect(last.total).toBe(total);
    expect(last.tickets.map((t) => t.id)).toEqual(opened.slice(-(total % 20 || 20)));
    await expect(service().openCount(member('eve'))).rejects.toBeInstanceOf(ForbiddenError);
    // In chat, /tickets lists the oldest 20 and says how many there are in all.
    expect(textOf(await h.dm('staff1').say('/tickets'))).toContain(`待处理工单 ${total} 张，以下是最早的 20 张`);
    for (const id of opened) await service().close(staff, id);
  });

  it('open, view, reply and close: state, audit entries and notifications on the member\'s platform', async () => {
    const at = h.clock.now.getTime();
    const { ticket, created } = await service().open(member('frank'), {
      name: '王师傅',
      address: { platform: 'web', chatId: 'frank-web', chatType: 'private' },
      conversation: [
        { at, from: 'member', text: `我身份证 110101199003074514，电话 ${PHONE}，工伤怎么认定` },
        { at, from: 'member', text: '转人工' },
      ],
    });
    expect(created).toBe(true);
    expect(JSON.stringify(ticket.history)).not.toMatch(/110101199003074514|13812345678/);
    expect(await h.notification('staff1', ticket.id)).toContain('工伤怎么认定');

    const again = await service().open(member('frank'), {
      name: '王师傅',
      address: { platform: 'web', chatId: 'frank-web', chatType: 'private' },
      conversation: [{ at, from: 'member', text: '还有一个问题' }],
    });
    expect(again).toMatchObject({ created: false, ticket: { id: ticket.id } });

    expect((await service().openPage(staff, 1, 1000)).tickets.map((t) => t.id)).toContain(ticket.id);
    const viewed = await service().view(staff, ticket.id.toLowerCase());
    expect(viewed?.history.map((t) => t.text)).toContain('还有一个问题');

    expect(await service().reply(staff, ticket.id, '请带上病历来工会')).toMatchObject({ id: ticket.id });
    expect(await service().close(staff, ticket.id)).toMatchObject({ id: ticket.id, status: 'closed' });
    expect((await service().openPage(staff, 1, 1000)).tickets.map((t) => t.id)).not.toContain(ticket.id);

    const entries = await auditFor(ticket.id);
    expect(entries.map((e) => e.action).sort()).toEqual(['ticket.close', 'ticket.reply', 'ticket.view']);
    expect(entries.every((e) => e.actor === 'telegram:staff1')).toBe(true);
    expect(entries.find((e) => e.action === 'ticket.close')).toMatchObject({ before: 'open', after: 'closed' });

    // The member asked on the web: the reply and the closing note are queued for the web, not Telegram.
    const web = JSON.stringify(await h.engine.outbox.pending('web'));
    expect(web).toContain('请带上病历来工会');
    expect(web).toContain(`您的工单 ${ticket.id} 已处理完毕`);
    expect(web).toContain('frank-web');
  });

  it('an unknown ticket is null and audits nothing; a corrupt ticket is treated as missing', async () => {
    const auditBefore = (await h.audit()).length;
    expect(await service().reply(staff, 'RG-20990101-0001', '你好')).toBeNull();
    expect(await service().close(staff, 'RG-20990101-0001')).toBeNull();
    expect((await h.audit()).length).toBe(auditBefore);

    const id = await handOff('grace');
    const { redis, keys } = h.engine.deps;
    await redis.set(keys.tagged('tickets', 'ticket', id), '{"id": broken');
    expect(await service().view(staff, id)).toBeNull();
    expect((await service().openPage(staff, 1, 1000)).tickets.map((t) => t.id)).not.toContain(id);
    await play(h, [{ who: 'staff1', say: `/close ${id}`, expect: `找不到工单 ${id}` }]);
  });

  it('a member\'s lines, staff answers and a close arriving together from separate processes all land: none overwrites another', async () => {
    const id = await handOff('heidi');
    // Each call reads the ticket on its own, as a separate bot process or the console would.
    const lines = Array.from({ length: 12 }, (_, i) => `补充第${i + 1}条`);
    const answers = Array.from({ length: 6 }, (_, i) => `答复第${i + 1}条`);
    await Promise.all([
      ...lines.map((line) => service().add(member('heidi'), id, line, randomUUID())),
      ...answers.map((answer) => service().reply(staff, id, answer)),
    ]);
    const after = await service().view(staff, id);
    const texts = after?.history.map((t) => t.text) ?? [];
    for (const text of [...lines, ...answers]) expect(texts).toContain(text);
    expect(after?.answers.map((a) => a.text).sort()).toEqual([...answers].sort());
    // Only the ticket's member adds to it.
    expect(await service().add(member('mallory'), id, '冒充补充', randomUUID())).toBeNull();

    // A reply racing the close neither reopens the ticket nor is lost.
    await Promise.all([service().reply(staff, id, '最后一条答复'), service().close(staff, id)]);
    const closed = await service().view(staff, id);
    expect(closed?.status).toBe('closed');
    expect(closed?.answers.map((a) => a.text)).toContain('最后一条答复');
    expect((await service().openPage(staff, 1, 1000)).tickets.map((t) => t.id)).not.toContain(id);
    expect(await service().add(member('heidi'), id, '关闭后的补充', randomUUID())).toBeNull();
    expect((await service().view(staff, id))?.history.map((t) => t.text)).not.toContain('冒充补充');
  });

  it('an addition is appended beside the ticket and never rewrites it; a ticket kept whole by an older version still reads, and grows', async () => {
    const id = await handOff('ivan');
    const { redis, keys } = h.engine.deps;
    const record = keys.tagged('tickets', 'ticket', id);
    const stored = await redis.get(record);
    await service().add(member('ivan'), id, '又想起一件事', randomUUID());
    expect(await redis.get(record)).toBe(stored);
    expect((await service().view(staff, id))?.history.at(-1)?.text).toBe('又想起一件事');

    // An older version kept every turn and answer in the record itself.
    const old = JSON.parse(stored!) as { history: unknown[]; answers: unknown[] };
    old.history.push({ at: 1, from: 'staff', text: '旧版本的答复', by: 'telegram:staff1' });
    old.answers = [{ at: 1, text: '旧版本的答复' }];
    await service().close(staff, id);
    await redis.set(keys.tagged('tickets', 'ticket', 'RG-20261101-0001'), JSON.stringify({ ...old, id: 'RG-20261101-0001' }));
    await redis.set(keys.tagged('tickets', 'member', 'telegram:ivan'), 'RG-20261101-0001');
    await redis.zadd(keys.tagged('tickets', 'open'), 1, 'RG-20261101-0001');
    await service().add(member('ivan'), 'RG-20261101-0001', '新版本的补充', randomUUID());
    const mixed = await service().view(staff, 'RG-20261101-0001');
    expect(mixed?.history.map((t) => t.text).slice(-2)).toEqual(['旧版本的答复', '新版本的补充']);
    expect(mixed?.answers.map((a) => a.text)).toEqual(['旧版本的答复']);
  });
});
