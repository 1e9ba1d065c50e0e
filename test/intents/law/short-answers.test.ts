/**
 * Short answers through the real engine: 1 详细 / 2 原文 / 3 转人工 as follow-ups, the clarifying menu, computed
 * sums with the one missing figure asked in a dialog, and compact group answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerLawQuestion } from '../../../intents/law/service.ts';
import { PROMPTS } from '../../../intents/law/texts.ts';
import { Harness } from '../../helpers/harness.ts';
import { play, textOf } from '../../helpers/transcript.ts';
import { knowledge } from './helpers.ts';

const kb = knowledge();
let h: Harness;
beforeAll(async () => {
  h = await Harness.start({ now: new Date('2026-11-22T02:00:00Z') });
});
afterAll(() => h.stop());

const say = async (who: string, text: string): Promise<string> => textOf(await h.dm(who).say(text));
const beforeChoices = (text: string) => text.split(/\n1\. /)[0]!;

describe('short private answers and their follow-ups', () => {
  it('a card answer is short and ends with 1 详细 / 2 原文 / 3 转人工; "1" gives the whole card, "2" the article text, "3" a person', async () => {
    const first = await say('s1', '公司一直不跟我签劳动合同怎么办');
    expect(beforeChoices(first).length).toBeLessThanOrEqual(320);
    expect(first).toMatch(/\n1\. 详细\n2\. 原文\n3\. 转人工$/);
    const more = await say('s1', '1');
    expect(more).toContain(PROMPTS.nextStepsTitle);
    expect(more).toContain('12351');
    expect(more.length).toBeGreaterThan(first.length);
    const again = await say('s1', '公司一直不跟我签劳动合同怎么办');
    const basis = /依据：《([^》]+)》(第.+?条)/.exec(again)!;
    const original = await say('s1', '2');
    expect(original).toContain(`${basis[2]}原文：`);
    await say('s1', '公司一直不跟我签劳动合同怎么办');
    expect(await say('s1', '3')).toContain('已为您转人工');
  });

  it('a question too vague to pick a topic ("社保的事情", "合同的事", "工资的问题") gets numbered topics instead of a guess', async () => {
    for (const q of ['社保的事情', '合同的事', '工资的问题', '我们老板太黑了', '单位那个规定合不合理']) {
      const a = await answerLawQuestion(kb, q);
      expect(a.kind, q).toBe('clarify');
      expect(a.text).toBe(PROMPTS.clarify);
      expect(a.choices!.length, q).toBeGreaterThanOrEqual(3);
      expect(a.choices!.at(-1)).toBe('转人工');
      expect(a.citations).toEqual([]);
    }
  });

  it('clarify through the engine: the menu of titles, and "2" answers the second topic', async () => {
    const reply = await say('c1', '社保的事情');
    expect(reply).toContain(PROMPTS.clarify);
    const titles = [...reply.matchAll(/\n(\d)\. (.+)/g)].map((m) => m[2]!);
    expect(titles.length).toBeGreaterThanOrEqual(3);
    const picked = await say('c1', '2');
    expect(picked).toContain(`【${titles[1]}】`);
    expect(picked).toContain('依据：');
  });
});

describe('computed sums', () => {
  it('月薪6000，干了3年8个月: N, N+1 and 2N with the working and the articles', async () => {
    const text = await say('m1', '月薪6000，干了3年8个月，被公司辞退了能拿多少补偿');
    expect(text).toContain('24,000元');
    expect(text).toContain('30,000元');
    expect(text).toContain('48,000元');
    expect(text).toMatch(/3年8个月计4个月/);
    expect(text).toMatch(/依据：《劳动合同法》第四十七条/);
    expect(text).toContain('个税');
    // The exemption rests on 财税〔2018〕164号 (not in the statutes folder): named, never cited as an article;
    // 个人所得税法 itself does not list severance among its tax-free income (第四条).
    expect(text).toContain('财税〔2018〕164号，本库未收原文');
    expect(text).toContain('第四条列的免税所得里没有它');
    expect(/依据：[^\n]*个人所得税法/.test(text)).toBe(false);
  });

  it('asks for the one missing figure, then computes from the answer (dialog state in the session)', async () => {
    await play(h, [
      { say: '干了3年8个月被辞退了，补偿能拿多少', expect: '月工资大约多少', not: '依据：' },
      { say: '大概6000', expect: ['24,000元', '48,000元'] },
    ], 'm2');
    await play(h, [
      { say: '我工作12年了，病假医疗期有多久', expect: '在这家单位干了多久' },
      { say: '6年', expect: ['医疗期是9个月', '15个月内累计', '80%'] },
    ], 'm3');
  });

  it('figures after a topic answer are computed with that topic; another question meanwhile is answered normally', async () => {
    await play(h, [
      { say: '公司不续签合同，有经济补偿吗', expect: '依据：' },
      { say: '月薪8000，干了5年', expect: ['40,000元'] },
    ], 'm4');
    await play(h, [
      { say: '加班费怎么算，我月薪6000', expect: '加班了多少' },
      { say: '试用期最长多久', expect: '依据：', not: '元' },
      { say: '工作日20小时，周末2天', expect: ['1,034.48元', '1,103.45元'] },
    ], 'm5');
  });

  it('a high wage asks for the local average wage and applies the cap', async () => {
    await play(h, [
      { say: '月薪40000，干了15年被裁员，补偿多少', expect: '上年度职工月平均工资是多少' },
      { say: '10000', expect: ['360,000元', '封顶'] },
    ], 'm6');
  });

  it('in a group the member\'s wage is not computed: the card answer and an invitation to a private chat', async () => {
    await play(h, [{ say: '月薪6000干了3年8个月被辞退补偿多少', in: { group: 'g2', mention: true }, expect: '请私聊我', not: '24,000' }], 'g2m');
    // Nor the member's birth month: the retirement date is computed in private chat only.
    await play(h, [{ say: '我1970年5月出生，男，哪年退休', in: { group: 'g2', mention: true }, expect: '请私聊我', not: '2031年10月' }], 'g2r');
  });
});

describe('group answers', () => {
  it('keep the deciding conditions (whole sentences) and quote at most one article', async () => {
    for (const q of ['公司搬迁到外地我不想去怎么办', '我怀孕了公司要把我开除', '老板一直不跟我签合同，能要双倍工资吗']) {
      const a = await answerLawQuestion(kb, q, { compact: true });
      if (a.kind !== 'card') continue;
      expect(a.citations.length, q).toBeLessThanOrEqual(1);
      const conclusion = a.text.split('\n')[0]!.replace(/^【[^】]+】/, '');
      expect(conclusion, q).toMatch(/[。！？]$/);
      expect(conclusion.endsWith('…'), q).toBe(false);
    }
  });

  it('long statute text goes to private chat', async () => {
    const a = await answerLawQuestion(kb, '劳动合同法第三十八条原文', { compact: true });
    expect(a.text).toContain('请私聊我');
    expect(a.citations).toEqual([{ law: '劳动合同法', article: 38 }]);
    const twoAsked = await answerLawQuestion(kb, '劳动合同法第三十八条和第三十九条原文', { compact: true });
    expect(twoAsked.citations.length).toBe(1);
  });
});
