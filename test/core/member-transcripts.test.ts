/**
 * Conversations as members, staff and admins have them, through the real engine (real classifier,
 * intents and Redis): the wording people actually use, mistakes included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../src/core/message.ts';
import { inbound, startTestEngine, type TestEngine } from '../helpers/engine.ts';

let te: TestEngine;

beforeAll(async () => {
  te = await startTestEngine({ BOT_STAFF: 'web:staff1', BOT_ADMINS: 'web:admin1', RATE_LIMIT_PER_MINUTE: '1000' });
});
afterAll(async () => {
  await te.stop();
});

async function say(who: string, text: string, over: Partial<InboundMessage> = {}): Promise<string> {
  const out = await te.engine.pipeline.handle(inbound({ senderId: who, chatId: who, text, ...over }));
  return out.replies.map((r) => r.text ?? '').join('\n');
}
const inGroup = (name: string, mentionsBot = false): Partial<InboundMessage> => ({ chatType: 'group', chatId: 'grp', senderName: name, mentionsBot });

/** A day a month from now, as staff would type it. */
function futureDay(): string {
  const d = new Date(Date.now() + 30 * 86400_000 + 8 * 3600_000);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
}

async function publish(title: string, capacity: number): Promise<void> {
  for (const line of ['/newevent', title, '无', `${futureDay()} 14:00`, '17:00', '市体育馆', String(capacity), '默认', '无', '默认']) await say('staff1', line);
  expect(await say('staff1', '发布')).toContain('活动已发布');
}

describe('events in a group', () => {
  it('"报名篮球赛" without a space and without @ registers like "报名 篮球赛"; chatter about the sign-up stays unanswered', async () => {
    await publish('职工篮球赛', 5);
    expect(await say('g1', '报名篮球赛', inGroup('李娜'))).toContain('报名「职工篮球赛」还需要填写');
    expect(await say('g2', '报名 篮球赛', inGroup('王强'))).toContain('报名「职工篮球赛」还需要填写');
    for (const chatter of ['报名截止了吗', '报名成功了', '报名的人好多', '报名费多少钱', '报名了']) {
      const out = await te.engine.pipeline.handle(inbound({ senderId: 'g3', text: chatter, ...inGroup('赵敏') }));
      expect(out.dropped, chatter).toBe('not-addressed');
    }
  });
});

describe('staff', () => {
  it('/editevent 开始 明天下午3点 is understood (the date staff type most)', async () => {
    await publish('工会读书会', 10);
    const list = await say('staff1', '/allevents');
    const id = /ID (\d+)｜工会读书会/.exec(list)?.[1];
    expect(id).toBeDefined();
    const reply = await say('staff1', `/editevent ${id} 开始 明天下午3点`);
    expect(reply).toContain('已修改「工会读书会」的开始');
    expect(reply).toMatch(/时间：.*15:00/);
  });
});

describe('labor-law follow-ups', () => {
  it('"如果我在试用期怀孕了呢" after a probation-dismissal answer gets the pregnancy-protection answer (第四十二条), not a bare article list', async () => {
    expect(await say('f1', '试用期公司可以随便辞退我吗')).toContain('【试用期被辞退】');
    const follow = await say('f1', '如果我在试用期怀孕了呢');
    expect(follow).toContain('【孕期、产期、哺乳期不得降薪、辞退');
    expect(follow).toMatch(/依据：《劳动合同法》第四十二条/);
    expect(follow).not.toContain('没有针对这个问题的现成解答');
  });
});

describe('mutual-aid questions', () => {
  it('a topic-only follow-up is about the plan just asked about, and sentences are joined without a stray space', async () => {
    const first = await say('q1', '女职工特殊疾病互助需要什么材料');
    expect(first).toContain('【女职工特殊疾病互助】');
    expect(first).not.toMatch(/。 审核/);
    const follow = await say('q1', '等待期多久');
    expect(follow).toContain('【女职工特殊疾病互助】');
    expect(follow).not.toContain('【住院医疗互助】');
    // Named plans and questions about all plans are answered as asked.
    expect(await say('q1', '那意外互助呢')).toContain('【意外伤害互助】');
    const all = await say('q1', '各个互助项目的等待期都是多久');
    expect(all).toContain('【住院医疗互助】');
    expect(all).toContain('【重大疾病互助】');
  });
});

describe('small talk', () => {
  it('a thank-you, an acknowledgement or a goodbye gets a courteous reply, not "没太明白" and the menu', async () => {
    await say('t1', '公司拖欠工资怎么办');
    for (const [text, expected] of [['谢谢', '不客气'], ['好的，谢谢你的解答！', '不客气'], ['再见', '再见'], ['收到👌', '好的'], ['thanks', '不客气']] as const) {
      const reply = await say('t1', text);
      expect(reply, text).toContain(expected);
      expect(reply, text).not.toContain('没太明白');
    }
    // Gibberish still gets the menu.
    expect(await say('t1', 'asdfghjkl')).toContain('没太明白');
  });
});

describe('first messages as workers type them', () => {
  it('a bare situation (我被开除了, 我要辞职, 领导让我走人) gets a labor-law answer, not "没太明白"', async () => {
    for (const text of ['我被开除了', '我要辞职', '领导让我走人']) {
      const reply = await say('w1', text);
      expect(reply, text).toMatch(/依据：[^\n]*《劳动合同法》/);
      expect(reply, text).not.toContain('没太明白');
    }
  });

  it('English: an overtime question goes to the labor-law service (not mutual aid), "sign up basketball" starts a sign-up (not a cancellation)', async () => {
    // Retrieval is Chinese-only: the honest "not sure, ask a person" from the labor-law service, not the mutual-aid plans.
    expect(await say('e1', 'what is the overtime pay rule')).not.toContain('互助项目');
    await publish('职工篮球友谊赛', 5);
    // The English name cannot match a Chinese title: the member is offered the list to pick from.
    const reply = await say('e2', 'sign up basketball');
    expect(reply).toContain('没有找到名称像「basketball」');
    expect(reply).toContain('您要报名哪个活动');
    expect(reply).not.toContain('没有报名');
  });
});

describe('claim form: the cancel confirmation', () => {
  it('你好 / 嗯 / 好的 at "确定要取消吗" ask for 1 or 2 (no "我们继续填写" over the cancel question) and delete nothing', async () => {
    await say('c1', '我要申请住院互助');
    expect(await say('c1', '同意')).toContain('请输入申请人姓名');
    for (const text of ['你好', '嗯', '好的']) {
      expect(await say('c1', '取消'), text).toContain('确定要取消这次互助申请吗');
      const reply = await say('c1', text);
      expect(reply, text).toContain('请回复 1 确定取消');
      expect(reply, text).not.toContain('我们继续填写互助申请');
      expect(reply, text).not.toContain('已取消本次互助申请');
      expect(await say('c1', '2'), text).toContain('请输入申请人姓名');
    }
  });
});

describe('event registration: short replies at each step', () => {
  it('好的 / 嗯嗯 / 😀😀 are not taken as the name or the unit; the member is asked again', async () => {
    await publish('职工趣味运动会', 20);
    expect(await say('r1', '报名 趣味运动会')).toContain('请输入您的姓名');
    for (const text of ['好的', '嗯嗯', '😀😀', '1', '👍']) expect(await say('r1', text), text).toContain('真实姓名');
    expect(await say('r1', '张小梅')).toContain('请输入您的手机');
    for (const text of ['嗯', '😀', '1']) expect(await say('r1', text), text).toContain('手机号格式不对');
    expect(await say('r1', '13812345678')).toContain('请输入您的工作单位');
    for (const text of ['好的', '😀😀', '嗯']) expect(await say('r1', text), text).toContain('工作单位的名称');
    const next = await say('r1', '市第一机床厂');
    expect(next).toContain('要我记住您的姓名、手机和单位');
    expect(await say('r1', '否')).toContain('工作单位：市第一机床厂');
  });

  it('the claim form does not take 好的 as the applicant name either', async () => {
    await say('r2', '我要申请住院互助');
    await say('r2', '同意');
    expect(await say('r2', '好的')).toContain('请输入申请人姓名');
  });
});

describe('switching services mid-form', () => {
  it('"我要申请住院互助" during an event sign-up is not a wrong phone number: finish or cancel first, and the question is asked again', async () => {
    await publish('职工乒乓球赛', 20);
    await say('s1', '报名 乒乓球赛');
    expect(await say('s1', '王建国')).toContain('请输入您的手机');
    const reply = await say('s1', '我要申请住院互助');
    expect(reply).not.toContain('手机号格式不对');
    expect(reply).toContain('请先完成或回复“取消”');
    expect(reply).toContain('请输入您的手机');
    expect(await say('s1', '13812345678')).toContain('请输入您的工作单位');
  });
});
