/**
 * The event transcripts through every real channel path (web API, Telegram, WeChat): staff publish with
 * /newevent, members list and register (profile reuse), full → waitlist, cancel → promotion notified on
 * the member's platform, "报名 <活动名>" in a group without @mention, and the /roster CSV.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { play, type Step } from '../helpers/transcript.ts';
import { startTelegramChannel, startWebChannel, startWechatChannel, telegramUserId, wechatPrivilegedId, type TestChannel } from '../helpers/chat-paths.ts';

const env = (staff: string) => ({ BOT_STAFF: staff, RATE_LIMIT_PER_MINUTE: '1000' });

const CHANNELS: { name: string; start: () => Promise<TestChannel> }[] = [
  { name: 'web API', start: () => startWebChannel(env('web:staff1')) },
  { name: 'Telegram', start: () => startTelegramChannel(env(`telegram:${telegramUserId('staff1')}`)) },
  { name: 'WeChat', start: () => startWechatChannel(env(`wechat:${wechatPrivilegedId('staff1')}`), { privileged: ['staff1'] }) },
];

const GROUP = 'members';
const G = { group: GROUP };

/** A day a month from now, as staff would type it (the wizard wants a future start). */
function futureDay(): string {
  const d = new Date(Date.now() + 30 * 86400_000 + 8 * 3600_000); // China time
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
}

function publish(ch: TestChannel, o: { title: string; capacity: number; groups: string; fields: string; id: number }): Step[] {
  return [
    { who: 'staff1', say: '/newevent', expect: '活动名称' },
    { who: 'staff1', say: o.title, expect: '简介' },
    { who: 'staff1', say: '趣味运动，欢迎参加', expect: '开始时间' },
    { who: 'staff1', say: '明天', expect: '没看懂' },
    { who: 'staff1', say: `${futureDay()} 09:00`, expect: '结束时间' },
    { who: 'staff1', say: '11:30', expect: '地点' },
    { who: 'staff1', say: '市体育馆', expect: '名额' },
    { who: 'staff1', say: String(o.capacity), expect: '截止' },
    { who: 'staff1', say: '默认', expect: '发布到哪些群' },
    { who: 'staff1', say: o.groups, expect: '哪些信息' },
    { who: 'staff1', say: o.fields, expect: ['请确认活动信息', o.title] },
    { who: 'staff1', say: '发布', expect: `活动已发布（ID ${o.id}）` },
  ];
}

for (const channel of CHANNELS) {
  describe(`events via ${channel.name}`, () => {
    let ch: TestChannel;
    beforeAll(async () => {
      ch = await channel.start();
    });
    afterAll(async () => {
      await ch?.stop();
    });

    it('publish, register with profile reuse, full → waitlist, cancel → promotion notified, group 报名 without @mention, roster CSV', async () => {
      const group = ch.groupAddress(GROUP);
      await play(ch, [
        ...publish(ch, { title: '职工运动会', capacity: 2, groups: group, fields: '姓名,手机,工作单位,衣服尺码:S/M/L/XL', id: 1 }),
      ]);
      expect(await ch.groupNotification(GROUP, '报名 职工运动会')).toContain('职工运动会');

      await play(ch, [
        { who: 'alice', say: '活动', expect: ['1. 职工运动会', '剩余 2/2 个名额'] },
        { who: 'alice', say: '报名 1', expect: '请输入您的姓名' },
        { who: 'alice', say: '张三丰', expect: '请输入您的手机' },
        { who: 'alice', say: '12345', expect: '手机号格式不对' },
        { who: 'alice', say: '138 1234 5678', expect: '请输入您的工作单位' },
        { who: 'alice', say: '第一机床厂', expect: ['请选择衣服尺码', 'XL'] },
        { who: 'alice', say: '3', expect: '要我记住您的姓名、手机和单位' },
        { who: 'alice', say: '是', expect: ['已保存', '请确认报名信息', '手机：13812345678', '衣服尺码：L'] },
        { who: 'alice', say: '确认', expect: ['报名成功', '第 1 位'] },
        // Cancel and register again: the saved profile fills name/phone/unit; only the custom field is asked.
        { who: 'alice', say: '取消报名 运动会', expect: '确定要取消「职工运动会」' },
        { who: 'alice', say: '是', expect: '已取消「职工运动会」的报名' },
        { who: 'alice', say: '报名 运动会', expect: '请选择衣服尺码', not: ['姓名'] },
        { who: 'alice', say: 'M', expect: ['已自动填写您保存的资料', '姓名：张三丰'], not: ['要我记住'] },
        { who: 'alice', say: '确认', expect: ['报名成功', '第 1 位'] },

        { who: 'bob', say: '报名 职工运动会', expect: '姓名' },
        { who: 'bob', say: '李四', expect: '手机' },
        { who: 'bob', say: '13900001111', expect: '工作单位' },
        { who: 'bob', say: '二厂', expect: '衣服尺码' },
        { who: 'bob', say: 'm', expect: '记住' },
        { who: 'bob', say: '不用', expect: ['不保存', '手机：13900001111'] },
        { who: 'bob', say: '确认', expect: ['报名成功', '第 2 位'] },

        { who: 'carol', say: '活动', expect: '已满（2 人），候补 0 人' },
        // A full event says so at once and offers the waitlist before any question.
        { who: 'carol', say: '报名 职工运动会', expect: ['名额已满', '要加入候补吗'], not: '姓名' },
        { who: 'carol', say: '是', expect: '姓名' },
        { who: 'carol', say: '陈小红', expect: '手机' },
        { who: 'carol', say: '13700002222', expect: '工作单位' },
        { who: 'carol', say: '三厂', expect: '衣服尺码' },
        { who: 'carol', say: 'S', expect: '记住' },
        { who: 'carol', say: '是', expect: ['已保存', '请确认'] },
        { who: 'carol', say: '确认', expect: ['已加入「职工运动会」的候补', '第 1 位'] },

        // Alice cancels: Carol is promoted and told on her own platform.
        { who: 'alice', say: '取消报名 运动会', expect: '确定要取消「职工运动会」' },
        { who: 'alice', say: '确认', expect: '已取消' },
      ]);
      expect(await ch.notification('carol', '候补转正')).toContain('职工运动会');
      await play(ch, [{ who: 'carol', say: '我的报名', expect: '已报名（第 2 位）' }]);

      // A second event with the default fields: Alice's saved profile lets her register right in the group.
      await play(ch, [
        ...publish(ch, { title: '篮球友谊赛', capacity: 1, groups: '无', fields: '默认', id: 2 }),
        // Only the masked name: no @mention with the full nickname beside it.
        { who: 'alice', say: '报名 篮球', in: G, expect: '✅ 张*丰 已报名「篮球友谊赛」，名额已满', not: ['13812345678', '张三丰', '@alice'] },
        { who: 'dave', say: '报名 篮球友谊赛', in: G, expect: ['还需要填写：姓名、手机、工作单位', '私聊'], not: '@dave' },
        // Full: the bot asks Carol in the group whether to waitlist her; her plain "是" (no @mention) answers it.
        { who: 'carol', say: '报名 篮球', in: G, expect: ['名额已满', '要加入候补吗'] },
        { who: 'carol', say: '是', in: G, expect: '🕒 陈*红 已加入「篮球友谊赛」候补，第 1 位', not: ['13700002222'] },
        { who: 'alice', say: '取消报名 篮球', expect: '确定要取消「篮球友谊赛」' },
        { who: 'alice', say: '是', expect: '已取消' },
      ]);
      expect(await ch.notification('carol', /篮球友谊赛.*候补转正|候补转正.*篮球友谊赛/s)).toContain('篮球友谊赛');
      // Group chatter without a trigger or @mention stays unanswered.
      expect(await ch.group('erin', GROUP).say('今天食堂吃什么')).toEqual([]);

      // Roster: staff only, a CSV file with a UTF-8 BOM (opens in Excel).
      await play(ch, [{ who: 'bob', say: '/roster 1', expect: '权限' }]);
      const [roster] = await play(ch, [{ who: 'staff1', say: '/roster 1', expect: ['报名 2/2', '候补 0'] }]);
      const file = roster?.find((r) => r.file)?.file;
      expect(file?.name).toMatch(/\.csv$/);
      expect([...(file?.data.subarray(0, 3) ?? [])]).toEqual([0xef, 0xbb, 0xbf]);
      const csv = file?.data.toString('utf8') ?? '';
      expect(csv).toContain('"李四","13900001111","二厂","M"');
      expect(csv).toContain('"陈小红","13700002222","三厂","S"');
    });
  });
}
