/** Events as members and staff word things, mistakes included, through the real engine (from the former member-transcripts). */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Harness } from '../../helpers/harness.ts';
import { play, textOf } from '../../helpers/transcript.ts';

let h: Harness;
beforeAll(async () => {
  h = await Harness.start({ env: { BOT_STAFF: 'telegram:staff1', BOT_ADMINS: 'telegram:admin1' }, now: new Date('2026-11-22T02:00:00Z') });
});
afterAll(() => h.stop());

/** A day a month after the harness clock, in China time, as staff would type it. */
function futureDay(): string {
  return new Date(h.clock.now.getTime() + 30 * 86400_000 + 8 * 3600_000).toISOString().slice(0, 10);
}

async function publish(title: string, capacity: number): Promise<void> {
  const answers = ['/newevent', title, '无', `${futureDay()} 14:00`, '17:00', '市体育馆', String(capacity), '默认', '无', '默认'];
  await play(h, [...answers.map((say) => ({ say })), { say: '发布', expect: '活动已发布' }], 'staff1');
}

/** Why the pipeline left a group message unanswered (the harness's `say` returns only the replies). */
async function dropReason(who: string, group: string, text: string): Promise<string | undefined> {
  const out = await h.engine.pipeline.handle({
    platform: h.platform, chatId: group, chatType: 'group', chatName: group, senderId: who, senderName: who, text,
    mentionsBot: false, repliesToBot: false, attachments: [], messageId: randomUUID(), sentAt: h.clock.now.getTime(), fromSelf: false,
  });
  expect(out.replies).toEqual([]);
  return out.dropped;
}

describe('events in a group', () => {
  it('"报名篮球赛" without a space and without @ registers like "报名 篮球赛"; chatter about the sign-up stays unanswered', async () => {
    await publish('职工篮球赛', 5);
    await play(h, [
      { who: '李娜', say: '报名篮球赛', in: { group: 'grp' }, expect: '报名「职工篮球赛」还需要填写' },
      { who: '王强', say: '报名 篮球赛', in: { group: 'grp' }, expect: '报名「职工篮球赛」还需要填写' },
    ]);
    for (const chatter of ['报名截止了吗', '报名成功了', '报名的人好多', '报名费多少钱', '报名了']) {
      expect(await dropReason('赵敏', 'grp', chatter), chatter).toBe('not-addressed');
    }
  });
});

describe('staff', () => {
  it('/editevent 开始 明天下午3点 is understood (the date staff type most)', async () => {
    await publish('工会读书会', 10);
    const [list] = await play(h, [{ say: '/allevents', expect: '工会读书会' }], 'staff1');
    const id = /ID (\d+)｜工会读书会/.exec(textOf(list ?? []))?.[1];
    expect(id).toBeDefined();
    await play(h, [{ say: `/editevent ${id} 开始 明天下午3点`, expect: ['已修改「工会读书会」的开始', /时间：.*15:00/] }], 'staff1');
  });
});

describe('English', () => {
  it('"sign up basketball" starts a sign-up (not a cancellation): the English name matches no Chinese title, so the list is offered', async () => {
    await publish('职工篮球友谊赛', 5);
    await play(h, [{ say: 'sign up basketball', expect: ['没有找到名称像「basketball」', '您要报名哪个活动'], not: '没有报名' }], 'e2');
  });
});

describe('event registration: short replies at each step', () => {
  it('好的 / 嗯嗯 / 😀😀 are not taken as the name or the unit; the member is asked again', async () => {
    await publish('职工趣味运动会', 20);
    await play(h, [
      { say: '报名 趣味运动会', expect: '请输入您的姓名' },
      ...['1', '好的', '嗯嗯', '😀😀', '👍'].map((say) => ({ say, expect: '真实姓名' })),
      { say: '张小梅', expect: '请输入您的手机' },
      ...['嗯', '😀', '1'].map((say) => ({ say, expect: '手机号格式不对' })),
      { say: '13812345678', expect: '请输入您的工作单位' },
      ...['好的', '😀😀', '嗯'].map((say) => ({ say, expect: '工作单位的名称' })),
      { say: '市第一机床厂', expect: '要我记住您的姓名、手机和单位' },
      { say: '否', expect: '工作单位：市第一机床厂' },
    ], 'r1');
  });
});

describe('switching services mid-form', () => {
  it('"我要申请住院互助" during an event sign-up is not a wrong phone number: finish or cancel first, and the question is asked again', async () => {
    await publish('职工乒乓球赛', 20);
    await play(h, [
      { say: '报名 乒乓球赛' },
      { say: '王建国', expect: '请输入您的手机' },
      { say: '我要申请住院互助', expect: ['请先完成或回复“取消”', '请输入您的手机'], not: '手机号格式不对' },
      { say: '13812345678', expect: '请输入您的工作单位' },
    ], 's1');
  });
});
