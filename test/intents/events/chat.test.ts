/**
 * The event intents through the real engine (router, role checks, classifier, outbox, audit): staff publish
 * and manage an event, members sign up in private and in a group, the waitlist fills and moves up.
 * The cases run in order on one harness and build on each other (one event's life).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberKey } from '../../../src/core/message.ts';
import { CORE_TEXT } from '../../../src/core/texts.ts';
import { DEFAULT_FIELDS } from '../../../intents/events/model.ts';
import { eventService } from '../../../intents/events/service.ts';
import { FIELD_ERRORS } from '../../../intents/events/texts.ts';
import { Harness } from '../../helpers/harness.ts';
import { play } from '../../helpers/transcript.ts';
import { countRoundTrips } from '../../helpers/command-count.ts';

const GROUP = '-100123';
const G = { group: GROUP };
const DAY = 86400_000;
const STAFF_COMMANDS = ['newevent', 'editevent', 'closeevent', 'openevent', 'cancelevent', 'roster', 'checkin', 'allevents'];

let h: Harness;
beforeAll(async () => {
  // 2025-05-01 10:00 in China.
  h = await Harness.start({ env: { BOT_STAFF: 'telegram:staff1' }, now: new Date('2025-05-01T02:00:00Z') });
});
afterAll(() => h.stop());

/** Queued notifications whose text contains `match`, to whom. */
const queuedTo = async (match: string) => (await h.outbox()).filter((i) => i.replies.some((r) => r.text?.includes(match))).map((i) => i.to.chatId);

describe('one event from publication to cancellation', () => {
  it('staff publish with /newevent; an unreadable date, an end before the start and a capacity in words are asked again; the group is announced', async () => {
    await play(h, [
      { say: '/newevent', expect: '活动名称' },
      { say: '职工运动会', expect: '简介' },
      { say: '趣味运动，欢迎参加', expect: '开始时间' },
      { say: '明天', expect: '没看懂' },
      { say: '2025年5月20日 上午9点', expect: '结束时间' },
      { say: '8:00', expect: '晚于开始时间' },
      { say: '11:30', expect: '地点' },
      { say: '市体育馆', expect: '名额' },
      { say: '两个', expect: '整数' },
      { say: '2', expect: '截止' },
      { say: '默认', expect: '发布到哪些群' },
      { say: h.groupAddress(GROUP), expect: '哪些信息' },
      { say: '姓名,手机,工作单位,衣服尺码:S/M/L/XL', expect: ['请确认活动信息', '5月20日(周二) 09:00–11:30', '衣服尺码（S/M/L/XL）', `telegram:${GROUP}`] },
      { say: '发布', expect: ['活动已发布（ID 1）', '已通知 1 个群'] },
    ], 'staff1');
    expect(await h.outbox()).toHaveLength(1);
    expect(await h.groupNotification(GROUP, '报名 职工运动会')).toContain('【职工运动会】');
  });

  it('a member signs up in private: each answer is checked, the profile is saved with consent, a second sign-up is refused', async () => {
    await play(h, [
      { say: '活动', expect: ['1. 职工运动会', '剩余 2/2 个名额'], not: 'ID 1' },
      { say: '报名 1', expect: '请输入您的姓名' },
      { say: '张三丰', expect: '请输入您的手机' },
      { say: '12345', expect: '手机号格式不对' },
      { say: '138 1234 5678', expect: '请输入您的工作单位' },
      { say: '第一机床厂', expect: ['请选择衣服尺码', '1. S', '4. XL'] },
      { say: 'XXL', expect: '请从选项中选择' },
      { say: '3', expect: '要我记住您的姓名、手机和单位' },
      { say: '是', expect: ['已保存', '请确认报名信息', '手机：13812345678', '衣服尺码：L'] },
      { say: '确认', expect: ['报名成功', '第 1 位', '1 天'] },
      { say: '我要报名运动会', expect: '已经报名了「职工运动会」' },
    ], 'alice');
  });

  it('starting a sign-up reads the open events from the listing and the event, the member and the seats in one round trip', async () => {
    await play(h, [{ say: '活动', expect: '职工运动会' }], 'rush1');
    const rounds = countRoundTrips(h.engine.deps.redis);
    await play(h, [{ say: '报名 职工运动会', expect: '请输入您的姓名' }], 'rush2');
    expect(rounds()).toBeLessThanOrEqual(3);
  });

  it('我的报名 shows the seat with the phone masked', async () => {
    await play(h, [{ say: '我的报名', expect: ['职工运动会', '已报名（第 1 位）', '138****5678'], not: '13812345678' }], 'alice');
  });

  it('after cancelling, signing up again reuses the saved profile and asks only the custom field', async () => {
    await play(h, [
      { say: '取消报名', expect: '确定要取消「职工运动会」' },
      { say: '是', expect: '已取消「职工运动会」的报名' },
      { say: '报名 运动会', expect: '请选择衣服尺码', not: '姓名' },
      { say: 'M', expect: ['已自动填写您保存的资料', '姓名：张三丰', '手机：13812345678'], not: '要我记住' },
      { say: '确认', expect: '报名成功' },
    ], 'alice');
  });

  it('in the group, 报名 needs no @mention and shows only a masked name; the sign-up continues in private, where a command mid-form is answered and the question asked again', async () => {
    await play(h, [
      { say: '报名 运动会', in: G, expect: ['b*b', '私聊', '姓名、手机、工作单位、衣服尺码', '还剩 1 个名额'], not: 'bob' },
      { say: '报名', expect: ['报名「职工运动会」', '请输入您的姓名'] },
      { say: '/活动', expect: ['正在报名的活动', '请输入您的姓名'] },
      { say: '李四', expect: '手机' },
      { say: '+86 139-0000-1111', expect: '工作单位' },
      { say: '二厂', expect: '衣服尺码' },
      { say: 'm', expect: '记住' },
      { say: '不用', expect: ['不保存', '手机：13900001111'] },
      { say: '确认', expect: ['报名成功', '第 2 位'] },
    ], 'bob');
  });

  it('when the event is full, a member is told at once and offered the waitlist before typing anything; in the group too', async () => {
    await play(h, [
      { say: '活动', expect: '已满（2 人），候补 0 人' },
      { say: '报名 职工运动会', expect: ['「职工运动会」的名额已满', '要加入候补吗'], not: '姓名' },
      { say: '是', expect: '请输入您的姓名' },
      { say: '返回', expect: '第一个问题' },
      { say: '陈小红', expect: '手机' },
      { say: '13700002222', expect: '工作单位' },
      { say: '三厂', expect: '衣服尺码' },
      { say: 'S', expect: '记住' },
      { say: '否', expect: ['请确认', '名额已满：提交后加入候补'] },
      { say: '确认', expect: ['已加入「职工运动会」的候补', '第 1 位'] },
      { say: '我的报名', expect: '候补第 1 位' },
    ], 'carol');
    await play(h, [
      { say: '报名 运动会', in: G, expect: ['d*n', '名额已满（已有 1 人候补）', '加入候补', '私聊'], not: ['还剩', 'dan'] },
      { say: '报名', expect: '要加入候补吗' },
      { say: '不用了', expect: '没有加入候补' },
    ], 'dan');
  });

  it('a cancellation in free words promotes the head of the waitlist, who alone is told in private', async () => {
    await play(h, [
      { say: '不去了，取消报名吧', expect: '确定要取消「职工运动会」' },
      { say: '确认', expect: '已取消' },
    ], 'alice');
    expect(await queuedTo('候补转正')).toEqual(['carol']);
    expect(await h.notification('carol', '候补转正')).toContain('职工运动会');
    await play(h, [{ say: '我的报名', expect: '已报名（第 2 位）' }], 'carol');
  });

  it('members are refused every staff command (also by its Chinese name), and each refusal is audited', async () => {
    for (const name of STAFF_COMMANDS) {
      await play(h, [{ say: `/${name} 1`, expect: CORE_TEXT.notAllowed }], 'bob');
    }
    await play(h, [{ say: '导出名单 1', expect: CORE_TEXT.notAllowed }], 'bob');
    const refusals = (await h.audit()).filter((e) => e.action === 'refused' && e.actor === h.identity('bob')).map((e) => e.target);
    expect(refusals.sort()).toEqual([...STAFF_COMMANDS, 'roster'].sort());
    await play(h, [{ say: '我的报名', expect: '已报名（第 1 位）' }], 'bob');
  });

  it('staff export the roster as CSV (not in a group), check members in by name, and unknown names or fields are answered', async () => {
    const [roster] = await play(h, [
      { say: '/roster 1', expect: ['报名 2/2', '候补 0'] },
      { say: '/checkin 1 李四', expect: ['李四 已签到', '1/2'] },
      { say: '签到 1 李四', expect: '签到过了' },
      { say: '/checkin 1 王五', expect: '没有「王五」' },
      { say: '签到 1 陈小红，王五', expect: ['✅ 陈小红 已签到', '没有「王五」', '已签到 2/2'] },
      { say: '/editevent 1 颜色 红', expect: '不能修改「颜色」' },
      { say: '/roster 1', in: { group: GROUP, mention: true }, expect: '私聊', not: '名单' },
    ], 'staff1');
    const file = roster?.[0]?.file;
    expect(file?.mimeType).toBe('text/csv');
    expect(file?.name).toBe('报名名单-1-职工运动会.csv');
    const csv = file?.data.toString('utf8') ?? '';
    expect(csv.startsWith('\uFEFF"序号","状态","姓名","手机","工作单位","衣服尺码","报名时间","签到时间","会员ID"\r\n')).toBe(true);
    expect(csv).toContain('"1","已报名","李四","13900001111","二厂","M"');
    expect(csv).toContain('"2","已报名","陈小红","13700002222","三厂","S"');
  });

  it('/editevent of the place tells everyone signed up', async () => {
    await play(h, [{ say: '/editevent 1 地点 市体育馆二号馆', expect: ['已修改「职工运动会」的地点', '已通知 2 位', '市体育馆二号馆'] }], 'staff1');
    expect((await queuedTo('活动变更')).sort()).toEqual(['bob', 'carol']);
    expect(await h.notification('bob', '活动变更')).toContain('地点：市体育馆二号馆');
    await h.notification('carol', '活动变更');
  });

  it('cancelling the event needs a reason and a confirmation saying how many will be told; it tells registrants and the group, and cannot be repeated', async () => {
    await play(h, [
      { say: '/cancelevent 1', expect: '用法' },
      { say: '/cancelevent 1 场地临时维修', expect: ['确定要取消「职工运动会」吗', '无法恢复', '场地临时维修', '将通知 2 位报名/候补者和 1 个群', '1. 确定取消活动', '2. 不取消'] },
      { say: '不取消', expect: '活动没有取消' },
    ], 'staff1');
    expect(await queuedTo('活动取消')).toEqual([]);
    await play(h, [{ say: '活动', expect: '职工运动会' }], 'carol');
    await play(h, [
      { say: '取消活动 1 场地临时维修', expect: '确定要取消「职工运动会」吗' },
      { say: '取消', expect: '活动没有取消' },
      { say: '取消活动 1 场地临时维修', expect: '确定要取消「职工运动会」吗' },
      { say: '好吧', expect: '请回复 1 确定取消活动，或 2 不取消' },
      { say: '1', expect: ['✅ 「职工运动会」已取消', '已通知 2 位'] },
      { say: '/cancelevent 1 场地临时维修', expect: '之前已经取消' },
    ], 'staff1');
    expect((await queuedTo('活动取消')).sort()).toEqual([GROUP, 'bob', 'carol'].sort());
    await play(h, [
      { who: 'bob', say: '我的报名', expect: '活动已取消：场地临时维修' },
      { who: 'carol', say: '活动', expect: '目前没有正在报名的活动' },
    ]);
  });

  it('only the staff operations that changed or exported something are audited, in order', async () => {
    const entries = (await h.audit()).filter((e) => e.target === 'event:1').reverse();
    // The group roster, the unknown edit field and the repeated cancel changed nothing.
    expect(entries.map((e) => e.action)).toEqual(['event.create', 'event.roster_export', 'event.checkin', 'event.checkin', 'event.edit', 'event.cancel']);
    expect(entries.every((e) => e.actor === h.identity('staff1'))).toBe(true);
  });
});

describe('group sign-up with a saved profile', () => {
  it('confirms in the group with a masked name and no phone; when full the next member joins the waitlist in the group; a cancellation in the group promotes them', async () => {
    const { store } = eventService(h.engine.deps);
    const now = h.clock.now.getTime();
    const ev = await store.create(
      { title: '篮球友谊赛', description: '', place: '', startAt: now + 5 * DAY, endAt: now + 5 * DAY + 7200_000, capacity: 1, deadline: now + 4 * DAY, groups: [], fields: DEFAULT_FIELDS, createdBy: 'telegram:staff1' },
      now,
      null,
    );
    await store.saveProfile(h.identity('erin'), { consent: true, name: '赵敏敏', phone: '13611112222', unit: '四厂', updatedAt: now });
    await store.saveProfile(h.identity('frank'), { consent: true, name: '钱多', phone: '13633334444', unit: '五厂', updatedAt: now });
    await play(h, [
      { who: 'erin', say: '报名 篮球', in: G, expect: '✅ 赵*敏 已报名「篮球友谊赛」，名额已满', not: ['13611112222', '赵敏敏'] },
      { who: 'erin', say: '报名 篮球', in: G, expect: '赵*敏 已经报名了', not: '1361111' },
      { who: 'frank', say: '报名 篮球友谊赛', in: G, expect: '名额已满' },
      { who: 'frank', say: '好', in: G, expect: '🕒 钱* 已加入「篮球友谊赛」候补，第 1 位', not: '1363333' },
      { who: 'erin', say: '取消报名 篮球', in: G, expect: '确定要取消' },
      { who: 'erin', say: '是', in: G, expect: '赵*敏 已取消「篮球友谊赛」的报名' },
    ]);
    expect(await store.registeredMembers(ev.id)).toEqual([h.identity('frank')]);
    expect(await h.notification('frank', '候补转正')).toContain('篮球友谊赛');
  });
});

describe('/newevent and /editevent share the field rules', () => {
  it('"100人" is a capacity in both; a deadline already past is refused by both', async () => {
    await play(h, [
      { say: '/newevent', expect: '活动名称' },
      { say: '安全培训', expect: '简介' },
      { say: '无', expect: '开始时间' },
      { say: '2025年6月1日 上午9点', expect: '结束时间' },
      { say: '11:00', expect: '地点' },
      { say: '三楼会议室', expect: '名额' },
      { say: '100人', expect: '截止' },
      { say: '2025年4月30日', expect: FIELD_ERRORS.deadline },
      { say: '默认', expect: '发布到哪些群' },
      { say: '无', expect: '哪些信息' },
      { say: '默认', expect: ['请确认活动信息', '名额：100 人'] },
      { say: '发布', expect: '活动已发布' },
    ], 'staff1');
    const [training] = await eventService(h.engine.deps).store.recent(1);
    const id = training?.id ?? '';
    await play(h, [
      { say: `/editevent ${id} 名额 120人`, expect: ['已修改「安全培训」的名额', '名额：120 人'] },
      { say: `/editevent ${id} 截止 2025年4月30日`, expect: FIELD_ERRORS.deadline },
      { say: `/allevents`, expect: `ID ${id}｜安全培训` },
    ], 'staff1');
    expect((await eventService(h.engine.deps).store.get(id))?.deadline).toBe(training?.startAt);
  });
});

describe('unavailable events and abandoned forms', () => {
  it('an unknown title lists what is open, forms can be abandoned, and a past deadline hides the event', async () => {
    const { store } = eventService(h.engine.deps);
    const now = h.clock.now.getTime();
    await store.create(
      { title: '读书分享会', description: '', place: '图书馆', startAt: now + 3 * DAY, endAt: now + 3 * DAY + 3600_000, capacity: 10, deadline: now + 3600_000, groups: [], fields: DEFAULT_FIELDS, createdBy: 'telegram:staff1' },
      now,
      null,
    );
    await play(h, [
      { who: 'carol', say: '报名 火星旅行', expect: ['没有找到名称像「火星旅行」', '读书分享会'] },
      { who: 'carol', say: '取消', expect: '已退出报名' },
      { who: 'staff1', say: '/newevent', expect: '活动名称' },
      { who: 'staff1', say: '取消', expect: '已放弃发布活动' },
    ]);
    h.advance(2 * 3600_000);
    await play(h, [{ who: 'carol', say: '报名 读书', expect: '没有找到名称像「读书」', not: '读书分享会' }]);
  });
});

describe('check-in of several at once', () => {
  it('"签到 ID 刘建国,孙丽" checks both in with one reply; someone on the waitlist is called 候补, not missing', async () => {
    const svc = eventService(h.engine.deps);
    const now = h.clock.now.getTime();
    const ev = await svc.store.create(
      { title: '健步走', description: '', place: '厂区', startAt: now + 2 * DAY, endAt: now + 2 * DAY + 3600_000, capacity: 2, deadline: now + DAY, groups: [], fields: DEFAULT_FIELDS, createdBy: 'telegram:staff1' },
      now,
      null,
    );
    for (const [who, name] of [['k1', '刘建国'], ['k2', '孙丽'], ['k3', '周平']] as const) {
      await svc.register({ key: memberKey(h.platform, who), roles: new Set() }, { eventId: ev.id, values: { name, phone: '13800000000', unit: '厂' }, displayName: who, address: { platform: 'telegram', chatId: who, chatType: 'private' } }, true);
    }
    await play(h, [
      { say: `签到 ${ev.id} 刘建国,孙丽`, expect: ['✅ 刘建国 已签到', '✅ 孙丽 已签到', '已签到 2/2'] },
      { say: `签到 ${ev.id} 周平`, expect: ['周平 是候补（第 1 位）', '未签到'], not: '没有「周平」' },
      { say: `/checkin ${ev.id} 1 周平 赵六`, expect: ['刘建国 已于', '签到过了', '周平 是候补', '报名名单里没有「赵六」'], not: '已签到 2/2' },
    ], 'staff1');
  });
});
