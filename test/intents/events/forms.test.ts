/**
 * The events forms on the shared form engine, through the real engine: 返回 and 改一下X in the /newevent wizard
 * and the sign-up, 修改 at a summary offers the field list, a question mid-form is answered and the question
 * asked again, /editevent ID opens an edit form, and a form survives a restart of the bot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventService } from '../../../intents/events/service.ts';
import { FIELD_ERRORS } from '../../../intents/events/texts.ts';
import { Harness } from '../../helpers/harness.ts';
import { registry } from '../../../src/core/metrics.ts';
import { play, type Step } from '../../helpers/transcript.ts';

let h: Harness;
beforeAll(async () => {
  // 2026-11-22 10:00 in China.
  h = await Harness.start({ env: { BOT_STAFF: 'telegram:staff1' }, now: new Date('2026-11-22T02:00:00Z') });
});
afterAll(() => h.stop());

/** The wizard's answers up to its summary. */
const wizardSteps = (title: string, capacity: string): Step[] => [
  { say: '/newevent', expect: '活动名称' },
  { say: title, expect: '简介' },
  { say: '无', expect: '开始时间' },
  { say: '2026年12月20日 下午2点', expect: '结束时间' },
  { say: '17:00', expect: '地点' },
  { say: '工会活动室', expect: '名额' },
  { say: capacity, expect: '截止' },
  { say: '默认', expect: '发布到哪些群' },
  { say: '无', expect: '哪些信息' },
  { say: '默认', expect: '请确认活动信息' },
];

const latestEvent = async () => (await eventService(h.engine.deps).store.recent(1))[0];

describe('/newevent on the form engine', () => {
  it('返回 goes back one question showing the answer so far; the wizard then continues where it was', async () => {
    await play(h, [
      { say: '/newevent', expect: '活动名称' },
      { say: '工会书法展', expect: '简介' },
      { say: '返回', expect: ['回到上一题', '活动名称', '当前填写的是：工会书法展'] },
      { say: '职工书法作品展', expect: '简介' },
      { say: '展出职工书法作品', expect: '开始时间' },
      { say: '上一步', expect: ['简介', '当前填写的是：展出职工书法作品'] },
      { say: '取消', expect: '已放弃发布活动' },
    ], 'staff1');
  });

  it('改一下名额 at the summary asks the capacity again with the same rule and returns to the summary; 修改 lists the fields', async () => {
    await play(h, [
      ...wizardSteps('职工书法展', '30'),
      { say: '改一下名额', expect: ['名额', '当前填写的是：30 人'] },
      { say: '两个', expect: FIELD_ERRORS.capacity },
      { say: '50人', expect: ['请确认活动信息', '名额：50 人'] },
      { say: '修改', expect: ['要修改哪一项', '地点', '报名截止时间', '发布到'] },
      { say: '地点', expect: ['活动地点', '当前填写的是：工会活动室'] },
      { say: '职工之家二楼', expect: ['请确认活动信息', '地点：职工之家二楼', '名额：50 人'] },
      { say: '发布', expect: '活动已发布' },
    ], 'staff1');
    expect(await latestEvent()).toMatchObject({ title: '职工书法展', capacity: 50, place: '职工之家二楼' });
  });

  it('a new start that the end no longer fits drops the end, which is asked again', async () => {
    await play(h, [
      ...wizardSteps('象棋比赛', '16'),
      { say: '改一下开始时间', expect: '开始时间' },
      { say: '2026年12月21日 上午9点', expect: ['结束时间'], not: '请确认活动信息' },
      { say: '12:00', expect: ['请确认活动信息', '12月21日'] },
      { say: '取消', expect: '已放弃发布活动' },
    ], 'staff1');
  });
});

describe('/newevent forgives', () => {
  it('"地点错了，改成厂区篮球场" at the summary changes the place at once; a wrong new value asks that field again', async () => {
    await play(h, [
      ...wizardSteps('三人篮球赛', '20'),
      { say: '地点错了，改成厂区篮球场', expect: ['请确认活动信息', '地点：厂区篮球场'], not: '请回复「发布」' },
      { say: '名额错了，改成很多', expect: [FIELD_ERRORS.capacity, '当前填写的是：20 人'] },
      { say: '40', expect: ['请确认活动信息', '名额：40 人', '地点：厂区篮球场'] },
      { say: '发布', expect: '活动已发布' },
    ], 'staff1');
    expect(await latestEvent()).toMatchObject({ title: '三人篮球赛', place: '厂区篮球场', capacity: 40 });
  });

  it('a start said relative to today is understood; a time typed for the place is questioned and taken when sent again', async () => {
    await play(h, [
      { say: '/newevent', expect: '活动名称' },
      { say: '周末观影', expect: '简介' },
      { say: '无', expect: '开始时间' },
      // 2026-11-22 is a Sunday: 下周六 is 11-28.
      { say: '下周六上午9点', expect: '结束时间' },
      { say: '11:30', expect: '地点' },
      { say: '12月1日', expect: ['您输入的好像是时间，不是地点', '如果没错，请再发送一次', '活动地点'] },
      { say: '12月1日', expect: '名额' },
      { say: '返回', expect: '当前填写的是：12月1日' },
      { say: '职工电影院', expect: '名额' },
      { say: '返回', expect: '当前填写的是：职工电影院' },
      { say: '算了不发了', expect: '已放弃发布活动' },
    ], 'staff1');
  });
});

describe('/editevent ID opens an edit form', () => {
  it('which field, then its new value checked by the field’s rule; /editevent ID 字段 goes straight to the value', async () => {
    await play(h, [...wizardSteps('羽毛球赛', '20'), { say: '发布', expect: '活动已发布' }], 'staff1');
    const id = (await latestEvent())?.id ?? '';
    await play(h, [
      { say: `/editevent ${id}`, expect: ['要修改「羽毛球赛」的哪一项', '名额', '地点'] },
      { say: '颜色', expect: '没找到这一项' },
      { say: '名额', expect: ['名额目前是：20 人', '请输入新的名额'] },
      { say: '两个', expect: FIELD_ERRORS.capacity },
      { say: '返回', expect: '哪一项' },
      { say: '6', expect: '请输入新的名额' },
      { say: '40人', expect: ['已修改「羽毛球赛」的名额', '名额：40 人'] },
      { say: `/editevent ${id} 截止`, expect: '请输入新的报名截止时间' },
      { say: '2026年11月1日', expect: FIELD_ERRORS.deadline },
      { say: '取消', expect: '没有修改活动' },
      { say: `/editevent ${id} 颜色`, expect: '不能修改「颜色」' },
    ], 'staff1');
    expect((await eventService(h.engine.deps).store.get(id))?.capacity).toBe(40);
  });
});

describe('sign-up on the form engine', () => {
  it('返回 and 改一下电话 work; 修改 at the summary offers the fields instead of starting over', async () => {
    await play(h, [...wizardSteps('插花沙龙', '10'), { say: '发布', expect: '活动已发布' }], 'staff1');
    await play(h, [
      { say: '报名 插花沙龙', expect: '请输入您的姓名' },
      { say: '周芳芳', expect: '请输入您的手机' },
      { say: '返回', expect: ['请输入您的姓名', '当前填写的是：周芳芳'] },
      { say: '周芳', expect: '请输入您的手机' },
      { say: '13811112222', expect: '工作单位' },
      { say: '纺织厂', expect: '记住' },
      { say: '否', expect: ['请确认报名信息', '姓名：周芳', '手机：13811112222'] },
      { say: '修改', expect: ['要修改哪一项', '1. 姓名', '2. 手机', '3. 工作单位'] },
      { say: '3', expect: ['工作单位', '当前填写的是：纺织厂'] },
      { say: '第二纺织厂', expect: ['请确认报名信息', '工作单位：第二纺织厂', '姓名：周芳'] },
      { say: '改一下电话', expect: '请输入您的手机' },
      { say: '13833334444', expect: '手机：13833334444' },
      { say: '确认', expect: '报名成功' },
    ], 'm1');
    const ev = await latestEvent();
    expect((await eventService(h.engine.deps).store.registration(ev?.id ?? '', h.identity('m1')))?.values).toEqual({ name: '周芳', phone: '13833334444', unit: '第二纺织厂' });
  });

  it('a change of mind at any step ends the sign-up; a phone number typed for the name is questioned, not stored', async () => {
    await play(h, [
      { say: '报名 插花沙龙', expect: '请输入您的姓名' },
      { say: '13812345678', expect: ['您输入的好像是手机号，不是姓名', '请输入您的姓名'], not: '报名成功' },
      { say: '算了不报了', expect: '已退出报名' },
      { say: '我的报名', expect: '还没有报名' },
      { say: '报名 插花沙龙', expect: '请输入您的姓名' },
      { say: '孙丽', expect: '手机' },
      { say: '我不想填了', expect: '已退出报名' },
    ], 'm9');
  });

  it('the form\'s turns that only answer its questions run speculatively, in one round trip each', async () => {
    const turns = async () => Object.fromEntries(((await registry.getSingleMetric('ua_turns_total')?.get())?.values ?? []).map((v) => [String(v.labels['path']), v.value]));
    await play(h, [{ say: '报名 插花沙龙', expect: '请输入您的姓名' }, { say: '12', expect: '真实姓名' }, { say: '34', expect: '真实姓名' }], 'm11');
    const before = await turns();
    await play(h, [{ say: '孙丽', expect: '手机' }, { say: '123', expect: '手机' }], 'm11');
    const after = await turns();
    expect((after['speculative'] ?? 0) - (before['speculative'] ?? 0)).toBe(2);
    expect(after['locked']).toBe(before['locked']);
  });

  it('an error comes with its question in one bubble; after three tries 取消 / 转人工 are offered and 转人工 reaches a person', async () => {
    const [, first] = await play(h, [
      { say: '报名 插花沙龙', expect: '请输入您的姓名' },
      { say: '12', expect: '请输入报名人的真实姓名' },
      { say: '34', expect: '真实姓名', not: '转人工' },
      { say: '56', expect: ['真实姓名', '回复「转人工」请工作人员帮忙', '1. 取消', '2. 转人工'] },
      { say: '2', expect: ['工单', '请输入您的姓名'] },
    ], 'm10');
    expect(first).toHaveLength(1);
  });

  it('a labor-law question mid-sign-up is answered and the question asked again', async () => {
    await play(h, [
      { say: '报名 插花沙龙', expect: '请输入您的姓名' },
      { say: '吴明', expect: '请输入您的手机' },
      { say: '公司拖欠工资怎么办？', expect: ['依据', '我们继续填写', '请输入您的手机'], not: '手机号格式不对' },
      { say: '13855556666', expect: '工作单位' },
      { say: '五金厂', expect: '记住' },
      { say: '不', expect: ['不保存', '请确认报名信息', '手机：13855556666'] },
    ], 'm2');
  });

  it('不 at the summary ends without signing up', async () => {
    await play(h, [
      { say: '报名 插花沙龙', expect: '请输入您的姓名' },
      { say: '郑洁', expect: '手机' },
      { say: '13877778888', expect: '工作单位' },
      { say: '电子厂', expect: '记住' },
      { say: '否', expect: '请确认报名信息' },
      { say: '不', expect: '没有提交报名' },
      { say: '我的报名', expect: '还没有报名' },
    ], 'm3');
  });

  it('resumes after a restart of the bot, the phone sealed in the stored session', async () => {
    await play(h, [
      { say: '报名 插花沙龙', expect: '请输入您的姓名' },
      { say: '冯玉', expect: '手机' },
      { say: '13899990000', expect: '工作单位' },
    ], 'm4');
    const { redis } = h.engine.deps;
    const stored = await Promise.all((await redis.keys('*')).map(async (k) => ((await redis.type(k)) === 'string' ? ((await redis.get(k)) ?? '') : '')));
    expect(stored.some((v) => v.includes('冯玉'))).toBe(true);
    expect(stored.some((v) => v.includes('13899990000'))).toBe(false);
    await h.restart();
    await play(h, [
      { say: '机械厂', expect: '记住' },
      { say: '否', expect: ['请确认报名信息', '手机：13899990000'] },
      { say: '确认', expect: '报名成功' },
    ], 'm4');
  });

  it('several matching events are picked in the form; 返回 to the pick and another event drops the answers given', async () => {
    await play(h, [...wizardSteps('插花入门课', '10'), { say: '发布', expect: '活动已发布' }], 'staff1');
    await play(h, [
      { say: '报名 插花', expect: ['您要报名哪个活动', '插花沙龙', '插花入门课'] },
      { say: '插花入门课', expect: ['报名「插花入门课」', '姓名'] },
      { say: '钱程', expect: '手机' },
      { say: '返回', expect: '姓名' },
      { say: '返回', expect: '您要报名哪个活动' },
      { say: '1', expect: ['报名「插花沙龙」', '姓名'], not: '当前填写的是' },
      { say: '取消', expect: '已退出报名' },
    ], 'm5');
  });

  it('an event that fills while the form is open offers the waitlist as a last question: 加入候补 joins it', async () => {
    await play(h, [...wizardSteps('茶艺体验', '1'), { say: '发布', expect: '活动已发布' }], 'staff1');
    const signUp = (name: string, phone: string): Step[] => [
      { say: '报名 茶艺体验', expect: '姓名', not: '名额已满' },
      { say: name, expect: '手机' },
      { say: phone, expect: '工作单位' },
      { say: '化工厂', expect: '记住' },
      { say: '否', expect: '请确认报名信息' },
    ];
    await play(h, signUp('吕青', '13800005678'), 'm7');
    await play(h, [...signUp('何静', '13800001234'), { say: '确认', expect: '报名成功' }], 'm6');
    await play(h, [
      { say: '确认', expect: ['名额已满', '要加入候补吗'] },
      { say: '加入候补', expect: ['已加入「茶艺体验」的候补', '第 1 位'] },
    ], 'm7');
    await play(h, [
      { say: '报名 茶艺体验', expect: ['名额已满（已有 1 人候补）', '要加入候补吗'], not: '姓名' },
      { say: '算了不报了', expect: '没有加入候补' },
    ], 'm8');
  });
});
