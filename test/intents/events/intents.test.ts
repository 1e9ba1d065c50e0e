import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../../helpers/redis.ts';
import { eventService } from '../../../intents/events/service.ts';
import { DEFAULT_FIELDS } from '../../../intents/events/model.ts';
import { Harness, eventIntents, type Step } from './harness.ts';
import { makeDeps, outboxItems, type TestDeps } from './deps.ts';

type Server = Awaited<ReturnType<typeof startRedis>>;
let server: Server;
let deps: TestDeps;
let harness: Harness;
const GROUP = '-100123';

const people = {
  staff: { id: 'staff1', name: '王老师' },
  alice: { id: 'alice', name: '张三丰' },
  bob: { id: 'bob', name: '李四' },
  carol: { id: 'carol', name: '陈小红' },
  erin: { id: 'erin', name: '赵敏敏' },
  frank: { id: 'frank', name: '钱多' },
};

beforeAll(async () => {
  server = await startRedis();
  // 2025-05-01 10:00 in China.
  deps = makeDeps(server.url, { clockMs: Date.UTC(2025, 4, 1, 2, 0) });
  harness = new Harness(deps, await eventIntents(deps), people);
});
afterAll(async () => {
  deps?.redis.disconnect();
  await server?.stop();
});

const G = { group: GROUP };

describe('event intents (transcripts)', () => {
  it('staff publishes, members register (profile reuse), waitlist, cancel → promotion, roster, check-in, cancel event', async () => {
    const publish: Step[] = [
      { who: 'staff', say: '/newevent', expect: '活动名称' },
      { who: 'staff', say: '职工运动会', expect: '简介' },
      { who: 'staff', say: '趣味运动，欢迎参加', expect: '开始时间' },
      { who: 'staff', say: '明天', expect: '没看懂' },
      { who: 'staff', say: '2025年5月20日 上午9点', expect: '结束时间' },
      { who: 'staff', say: '8:00', expect: '晚于开始时间' },
      { who: 'staff', say: '11:30', expect: '地点' },
      { who: 'staff', say: '市体育馆', expect: '名额' },
      { who: 'staff', say: '两个', expect: '整数' },
      { who: 'staff', say: '2', expect: '截止' },
      { who: 'staff', say: '默认', expect: '发布到哪些群' },
      { who: 'staff', say: `telegram:${GROUP}`, expect: '哪些信息' },
      { who: 'staff', say: '姓名,手机,工作单位,衣服尺码:S/M/L/XL', expect: ['请确认活动信息', '5月20日(周二) 09:00–11:30', '衣服尺码（S/M/L/XL）', `telegram:${GROUP}`] },
      { who: 'staff', say: '发布', expect: ['活动已发布（ID 1）', '已通知 1 个群'] },
    ];
    await harness.play(publish);
    const announced = await outboxItems(deps);
    expect(announced).toHaveLength(1);
    expect(announced[0]?.to).toMatchObject({ platform: 'telegram', chatId: GROUP, chatType: 'group' });
    expect(announced[0]?.replies[0]?.text).toContain('报名 职工运动会');

    await harness.play([
      { who: 'alice', say: '活动', expect: ['1. 职工运动会', '剩余 2/2 个名额'], reject: ['ID 1'] },
      { who: 'alice', say: '报名 1', expect: '请输入您的姓名' },
      { who: 'alice', say: '张三丰', expect: '请输入您的手机' },
      { who: 'alice', say: '12345', expect: '手机号格式不对' },
      { who: 'alice', say: '138 1234 5678', expect: '请输入您的工作单位' },
      { who: 'alice', say: '第一机床厂', expect: ['请选择衣服尺码', '1. S', '4. XL'] },
      { who: 'alice', say: 'XXL', expect: '请从选项中选择' },
      { who: 'alice', say: '3', expect: '要我记住您的姓名、手机和单位' },
      { who: 'alice', say: '是', expect: ['已保存', '请确认报名信息', '手机：13812345678', '衣服尺码：L'] },
      { who: 'alice', say: '确认', expect: ['报名成功', '第 1 位', '1 天'] },
      { who: 'alice', say: '我要报名运动会', expect: '已经报名了「职工运动会」', intent: 'event_register' },
      { who: 'alice', say: '我的报名', expect: ['职工运动会', '已报名（第 1 位）', '138****5678'], reject: ['13812345678'] },
      // Cancel, then register again: the saved profile fills name/phone/unit; only the custom field is asked.
      { who: 'alice', say: '取消报名', expect: '确定要取消「职工运动会」' },
      { who: 'alice', say: '是', expect: '已取消「职工运动会」的报名' },
      { who: 'alice', say: '报名 运动会', expect: '请选择衣服尺码', reject: ['姓名'] },
      { who: 'alice', say: 'M', expect: ['已自动填写您保存的资料', '姓名：张三丰', '手机：13812345678'], reject: ['要我记住'] },
      { who: 'alice', say: '确认', expect: '报名成功' },
    ]);

    // In the group: personal details continue in private chat; no phone ever shown in the group.
    await harness.play([
      { who: 'bob', say: '报名 运动会', in: G, expect: ['李*', '私聊', '姓名、手机、工作单位、衣服尺码'] },
      { who: 'bob', say: '报名', expect: ['报名「职工运动会」', '请输入您的姓名'] },
      // A question mid-form is passed through and the form question re-asked.
      { who: 'bob', say: '/活动', expect: ['正在报名的活动', '请输入您的姓名'] },
      { who: 'bob', say: '李四', expect: '手机' },
      { who: 'bob', say: '+86 139-0000-1111', expect: '工作单位' },
      { who: 'bob', say: '二厂', expect: '衣服尺码' },
      { who: 'bob', say: 'm', expect: '记住' },
      { who: 'bob', say: '不用', expect: ['不保存', '手机：13900001111'] },
      { who: 'bob', say: '确认', expect: ['报名成功', '第 2 位'] },
      { who: 'carol', say: '活动', expect: '已满（2 人），候补 0 人' },
      { who: 'carol', say: '报名 职工运动会', expect: '姓名' },
      { who: 'carol', say: '陈小红', expect: '手机' },
      { who: 'carol', say: '13700002222', expect: '工作单位' },
      { who: 'carol', say: '三厂', expect: '衣服尺码' },
      { who: 'carol', say: 'S', expect: '记住' },
      { who: 'carol', say: '否', expect: '请确认' },
      { who: 'carol', say: '确认', expect: ['名额已满', '加入候补'] },
      { who: 'carol', say: '是', expect: ['已加入「职工运动会」的候补', '第 1 位'] },
      { who: 'carol', say: '我的报名', expect: '候补第 1 位' },
    ]);

    // Alice cancels: Carol is promoted and told through the outbox.
    await harness.play([
      { who: 'alice', say: '不去了，取消报名吧', expect: '确定要取消「职工运动会」', intent: 'event_cancel' },
      { who: 'alice', say: '确认', expect: '已取消' },
    ]);
    const afterCancel = await outboxItems(deps);
    const promo = afterCancel.filter((i) => i.replies.some((r) => r.text?.includes('候补转正')));
    expect(promo).toHaveLength(1);
    expect(promo[0]?.to).toMatchObject({ platform: 'telegram', chatId: 'carol', chatType: 'private' });
    await harness.play([{ who: 'carol', say: '我的报名', expect: '已报名（第 2 位）' }]);

    // Staff-only commands are declared with role 'staff' (the router refuses others and logs it).
    const intents = await eventIntents(deps);
    const staffNames = ['newevent', 'editevent', 'closeevent', 'openevent', 'cancelevent', 'roster', 'checkin', 'allevents'];
    for (const name of staffNames) {
      const cmd = intents.flatMap((i) => i.commands ?? []).find((c) => c.names.includes(name));
      expect(cmd?.role, name).toBe('staff');
    }
    const refused = await harness.turn('bob', '/roster 1');
    expect(refused.refused).toBe(true);
    expect((await harness.turn('bob', '导出名单 1')).refused).toBe(true);

    const [rosterOut] = await harness.play([
      { who: 'staff', say: '/roster 1', expect: ['报名 2/2', '候补 0'] },
      { who: 'staff', say: '/checkin 1 李四', expect: ['李四 已签到', '1/2'] },
      { who: 'staff', say: '签到 1 李四', expect: '签到过了' },
      { who: 'staff', say: '/checkin 1 王五', expect: '没有「王五」' },
      { who: 'staff', say: '/editevent 1 地点 市体育馆二号馆', expect: ['已修改「职工运动会」的地点', '已通知 2 位'] },
      { who: 'staff', say: '/editevent 1 颜色 红', expect: '不能修改「颜色」' },
      { who: 'staff', say: '/roster 1', in: G, expect: '私聊' },
    ]);
    const file = rosterOut?.replies[0]?.file;
    expect(file?.mimeType).toBe('text/csv');
    expect(file?.name).toBe('报名名单-1-职工运动会.csv');
    const csv = file?.data.toString('utf8') ?? '';
    expect(csv.startsWith('\uFEFF"序号","状态","姓名","手机","工作单位","衣服尺码","报名时间","签到时间","会员ID"\r\n')).toBe(true);
    expect(csv).toContain('"1","已报名","李四","13900001111","二厂","M"');
    expect(csv).toContain('"2","已报名","陈小红","13700002222","三厂","S"');

    await harness.play([
      { who: 'staff', say: '/cancelevent 1', expect: '用法' },
      { who: 'staff', say: '/cancelevent 1 场地临时维修', expect: ['已取消', '已通知 2 位'] },
      { who: 'staff', say: '/cancelevent 1 场地临时维修', expect: '之前已经取消' },
      { who: 'bob', say: '我的报名', expect: '活动已取消：场地临时维修' },
      { who: 'carol', say: '活动', expect: '目前没有正在报名的活动' },
    ]);
    const cancelNotices = (await outboxItems(deps)).filter((i) => i.replies.some((r) => r.text?.includes('活动取消')));
    expect(cancelNotices.map((i) => i.to.chatId).sort()).toEqual(['-100123', 'bob', 'carol']);

    const audit = await deps.audit.recent(50);
    // Refused attempts (the group roster, the unknown edit field, the repeated cancel) change nothing and are not audited.
    expect(audit.map((a) => a.action).reverse()).toEqual(['event.create', 'event.roster_export', 'event.checkin', 'event.edit', 'event.cancel']);
    expect(audit.every((a) => a.actor === 'telegram:staff1' && a.target === 'event:1')).toBe(true);
    expect(harness.refusals).toEqual(['telegram:bob roster', 'telegram:bob 导出名单']);
  });

  it('group registration with a saved profile confirms in the group with a masked name; full → waitlist in the group', async () => {
    const { store } = eventService(deps);
    const now = deps.clock.ms;
    const ev = await store.create(
      { title: '篮球友谊赛', description: '', place: '', startAt: now + 5 * 86400_000, endAt: now + 5 * 86400_000 + 7200_000, capacity: 1, deadline: now + 4 * 86400_000, groups: [], fields: DEFAULT_FIELDS, createdBy: 'telegram:staff1' },
      now,
      null,
    );
    await store.saveProfile('telegram:erin', { consent: true, name: '赵敏敏', phone: '13611112222', unit: '四厂', updatedAt: now });
    await store.saveProfile('telegram:frank', { consent: true, name: '钱多', phone: '13633334444', unit: '五厂', updatedAt: now });
    await harness.play([
      { who: 'erin', say: '报名 篮球', in: G, expect: '✅ 赵*敏 已报名「篮球友谊赛」，名额已满', reject: ['13611112222', '赵敏敏'] },
      { who: 'erin', say: '报名 篮球', in: G, expect: '赵*敏 已经报名了', reject: ['1361111'] },
      { who: 'frank', say: '报名 篮球友谊赛', in: G, expect: '名额已满' },
      { who: 'frank', say: '好', in: G, expect: '🕒 钱* 已加入「篮球友谊赛」候补，第 1 位', reject: ['1363333'] },
      { who: 'erin', say: '取消报名 篮球', in: G, expect: '确定要取消' },
      { who: 'erin', say: '是', in: G, expect: '赵*敏 已取消「篮球友谊赛」的报名' },
    ]);
    expect(await store.registeredMembers(ev.id)).toEqual(['telegram:frank']);
    const promo = (await outboxItems(deps)).filter((i) => i.to.chatId === 'frank');
    expect(promo.at(-1)?.replies[0]?.text).toContain('候补转正');
    expect(promo.at(-1)?.to.chatType).toBe('private');
  });

  it('deadline and unknown events are answered politely; forms can be abandoned', async () => {
    const { store } = eventService(deps);
    const now = deps.clock.ms;
    await store.create(
      { title: '读书分享会', description: '', place: '图书馆', startAt: now + 3 * 86400_000, endAt: now + 3 * 86400_000 + 3600_000, capacity: 10, deadline: now + 3600_000, groups: [], fields: DEFAULT_FIELDS, createdBy: 'telegram:staff1' },
      now,
      null,
    );
    await harness.play([
      { who: 'carol', say: '报名 火星旅行', expect: ['没有找到名称像「火星旅行」', '读书分享会'] },
      { who: 'carol', say: '取消', expect: '已退出报名' },
      { who: 'staff', say: '/newevent', expect: '活动名称' },
      { who: 'staff', say: '取消', expect: '已放弃发布活动' },
    ]);
    deps.clock.ms = now + 2 * 3600_000;
    await harness.play([{ who: 'carol', say: '报名 读书', expect: '没有找到名称像「读书」', reject: ['读书分享会'] }]);
    deps.clock.ms = now;
  });
});
