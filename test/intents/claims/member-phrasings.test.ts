/** Mutual aid as members word it, mistakes included, through the real engine (from the former member-transcripts). */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { Harness } from '../../helpers/harness.ts';
import { play } from '../../helpers/transcript.ts';

let h: Harness;
beforeAll(async () => {
  h = await Harness.start({ now: new Date('2026-11-22T02:00:00Z') });
});
afterAll(() => h.stop());

describe('mutual-aid questions', () => {
  it('a topic-only follow-up is about the plan just asked about, and sentences are joined without a stray space', async () => {
    await play(h, [
      { say: '女职工特殊疾病互助需要什么材料', expect: '【女职工特殊疾病互助】', not: /。 审核/ },
      { say: '等待期多久', expect: '【女职工特殊疾病互助】', not: '【住院医疗互助】' },
      // Named plans and questions about all plans are answered as asked.
      { say: '那意外互助呢', expect: '【意外伤害互助】' },
      { say: '各个互助项目的等待期都是多久', expect: ['【住院医疗互助】', '【重大疾病互助】'] },
    ], 'q1');
  });
});

describe('claim form: the cancel confirmation', () => {
  it('你好 / 嗯 / 好的 at "确定要取消吗" ask for 1 or 2 (no "我们继续填写" over the cancel question) and delete nothing', async () => {
    await play(h, [
      { say: '我要申请住院互助' },
      { say: '同意', expect: '请输入申请人姓名' },
      ...['你好', '嗯', '好的'].flatMap((text) => [
        { say: '取消', expect: '确定要取消这次互助申请吗' },
        { say: text, expect: '请回复 1 确定取消', not: ['我们继续填写互助申请', '已取消本次互助申请'] },
        { say: '2', expect: '请输入申请人姓名' },
      ]),
    ], 'c1');
  });

  it('the claim form does not take 好的 as the applicant name', async () => {
    await play(h, [
      { say: '我要申请住院互助' },
      { say: '同意' },
      { say: '好的', expect: '请输入申请人姓名' },
    ], 'r2');
  });
});
