/** Current law only: superseded articles never answer, corrected cards say what the texts say, short law names resolve. */
import { describe, expect, it } from 'vitest';
import { findCitations } from '../../../intents/law/citations.ts';
import { answerLawQuestion } from '../../../intents/law/service.ts';
import { checkCards } from '../../../intents/law/cards.ts';
import { knowledge } from './helpers.ts';

const kb = knowledge();
const read = (text: string) => findCitations(text, kb.library).map((g) => [g.law ?? g.unknownLaw ?? null, g.articles]);
const cited = (c: { law: string; article: number }) => `${c.law}#${c.article}`;

describe('superseded articles', () => {
  it('the list names real articles and real successors', () => {
    expect(kb.superseded.entries.length).toBeGreaterThanOrEqual(5);
    for (const e of kb.superseded.entries) {
      expect(kb.library.has(e.law, e.article), `${e.law}#${e.article}`).toBe(true);
      for (const b of e.by) expect(kb.library.has(b.law, b.article), `${b.law}#${b.article}`).toBe(true);
    }
  });

  it('no card cites a replaced article, and citing one is reported', () => {
    expect(kb.problems.filter((p) => p.problem.includes('superseded'))).toEqual([]);
    const card = { ...kb.cards[0]!, citations: [{ law: '劳动法', article: 82 }] };
    expect(checkCards([card], kb.library, kb.superseded).filter((p) => p.citation).map((p) => p.problem)).toEqual(['劳动法 82 is superseded']);
  });

  it.each([
    ['提出仲裁要求要在六十日内吗', '劳动争议调解仲裁法#27', '劳动法#82'],
    ['劳动法第八十二条说劳动争议六十日内申请仲裁，现在还是这样吗', '劳动争议调解仲裁法#27', '劳动法#82'],
    ['每周工作时间最多多少小时，是44小时吗', '国务院关于职工工作时间的规定#3', '劳动法#36'],
    ['女职工产假是不是90天', '女职工劳动保护特别规定#7', '劳动法#62'],
    ['工资低于最低工资标准，单位要赔几倍', '劳动合同法#85', '最低工资规定#13'],
  ])('"%s" is answered with %s, never %s', (question, current, old) => {
    const result = kb.retrieve(question);
    const got = result.citations.map(cited);
    expect(got.slice(0, 3), got.join(' ')).toContain(current);
    expect(got).not.toContain(old);
  });

  it('the arbitration time limit answer says one year and never 60 days', async () => {
    const answer = await answerLawQuestion(kb, '提出仲裁要求要在六十日内吗');
    expect(answer.text).toContain('一年');
    expect(answer.text).not.toMatch(/六十日内|60日内/);
    expect(answer.citations.map(cited)).not.toContain('劳动法#82');
  });

  it('quoting a replaced article carries the note naming what replaced it', async () => {
    const answer = await answerLawQuestion(kb, '劳动法第八十二条原文');
    expect(answer.kind).toBe('article_text');
    expect(answer.text).toContain('提出仲裁要求的一方应当自劳动争议发生之日起六十日内');
    expect(answer.text).toMatch(/已被取代.*一年.*劳动争议调解仲裁法第二十七条/s);
    const partly = await answerLawQuestion(kb, '劳动争议解释一第三十二条原文');
    expect(partly.text).toMatch(/第一款已自2025年9月1日起废止/);
  });
});

describe('corrected cards', () => {
  const card = (id: string) => {
    const c = kb.retriever.card(id);
    expect(c, id).toBeDefined();
    return c!;
  };
  const cites = (id: string) => card(id).citations.map(cited);

  it('commute accidents: only "not mainly the worker\'s fault" counts, one-vehicle accidents included; business trips are 第十四条(五)', () => {
    const c = card('work-injury-commute');
    expect(c.answer).toContain('非本人主要责任');
    expect(c.answer).toMatch(/单方事故[^。]*同样可以认定/);
    expect(c.answer).not.toMatch(/单方事故[^。]*不属于/);
    expect(c.answer).toContain('因工外出期间');
  });

  it('minimum wage: the 50%–100% of 劳动合同法第八十五条, never the old multiples', () => {
    const c = card('minimum-wage');
    expect(c.answer).toContain('50%以上100%以下');
    expect(c.answer).not.toMatch(/1到5倍|1至5倍/);
    expect(cites('minimum-wage')).toContain('劳动合同法#85');
    expect(cites('minimum-wage')).not.toContain('最低工资规定#13');
  });

  it('relocation: protected workers (第四十二条) cannot be dismissed for refusing to move', () => {
    expect(card('workplace-relocation').answer).toMatch(/孕期、产期、哺乳期[^。]*医疗期[^。]*十五年[^。]*不能以这个理由解除/);
    expect(cites('workplace-relocation')).toContain('劳动合同法#42');
  });

  it('service periods with special benefits (解释（二）第十二条) and 实施条例第二十六条第二款', () => {
    for (const id of ['penalty-clause-limits', 'worker-breach-liability', 'resign-with-notice', 'training-service-period']) {
      expect(cites(id), id).toContain('劳动争议解释（二）#12');
      expect(card(id).answer, id).toMatch(/特殊待遇[^。]*(赔偿|损失)/);
    }
    expect(card('training-service-period').answer).toMatch(/严重违纪[^。]*仍要按约定付违约金/);
    expect(cites('training-service-period')).toContain('劳动合同法实施条例#26');
  });

  it('expired contract: double wages stated plainly with their exceptions', () => {
    const c = card('contract-expired-still-working');
    expect(c.answer).toContain('二倍工资');
    expect(c.answer).not.toContain('裁判尺度');
    for (const a of ['劳动合同法#10', '劳动合同法#82', '劳动合同法实施条例#6', '劳动争议解释（二）#7', '劳动争议解释（二）#8']) expect(cites(c.id)).toContain(a);
  });

  it('medical period from years of work, sick pay at least 80% of the minimum wage', () => {
    const c = card('sick-leave-medical-period');
    expect(c.answer).toMatch(/24个月/);
    expect(c.answer).toContain('80%');
    expect(cites(c.id)).toEqual(expect.arrayContaining(['企业职工患病或非因工负伤医疗期规定#3', '贯彻执行劳动法若干问题的意见#59']));
  });

  it('involuntary unemployment is a national rule', () => {
    const c = card('unemployment-benefit-eligibility');
    expect(c.answer).toContain('全国统一');
    expect(c.answer).not.toContain('以当地经办规定为准');
    expect(cites(c.id)).toContain('实施社会保险法若干规定#13');
  });

  it('completed cards', () => {
    expect(cites('contract-expiry-termination')).toContain('劳动合同法#14');
    expect(cites('pension-refund-on-leaving')).toContain('实施社会保险法若干规定#3');
    expect(card('wage-payment-order').answer).toMatch(/先申请劳动争议仲裁/);
    expect(card('work-injury-disability-benefits').answer).toMatch(/只有您本人提出/);
    expect(card('work-injury-disability-benefits').answer).toMatch(/90%、85%、80%、75%/);
    const ot = card('overtime-pay-rates').answer;
    expect(ot).toContain('13天');
    expect(ot).toMatch(/三八妇女节、五四青年节[^。]*不另付加班费/);
  });

  it('lexicon topic labels say what their article says', () => {
    const topic = (law: string, n: number) => kb.tokenizer.lexicon.articleTopics.get(law)?.get(n) ?? '';
    expect(topic('保障农民工工资支付条例', 11)).toContain('货币形式');
    expect(topic('保障农民工工资支付条例', 13)).toContain('支付周期');
    expect(topic('保障农民工工资支付条例', 50)).toContain('举证');
    expect(topic('劳务派遣暂行规定', 7)).toContain('劳务派遣协议');
    expect(topic('劳动争议解释（二）', 12)).toContain('赔偿损失');
    expect(topic('劳动争议解释（二）', 12)).not.toContain('返还');
  });
});

describe('law names', () => {
  it.each([
    ['医疗期规定第三条', [['企业职工患病或非因工负伤医疗期规定', [3]]]],
    ['309号文第59条', [['贯彻执行劳动法若干问题的意见', [59]]]],
    ['延迟退休办法第一条', [['国务院关于渐进式延迟法定退休年龄的办法', [1]]]],
    ['《集体合同规定》第二十条', [['集体合同规定', [20]]]],
    ['集体合同规定第二十条', [['集体合同规定', [20]]]],
  ])('%s', (text, expected) => {
    expect(read(text)).toEqual(expected);
  });

  it('"集体合同规定" inside a sentence does not capture a following 第N条', () => {
    expect(read('我们的集体合同规定了加班费标准，公司却说按第四十四条只给1.5倍')).toEqual([[null, [44]]]);
    expect(read('厂里集体合同规定的工资比劳动法第四十八条高')).toEqual([['劳动法', [48]]]);
  });

  it('a named article of a short-named law is the first citation and its text is quoted on request', async () => {
    expect(kb.retrieve('医疗期规定第三条怎么理解').citations[0]).toMatchObject({ law: '企业职工患病或非因工负伤医疗期规定', article: 3 });
    const quoted = await answerLawQuestion(kb, '309号文第59条原文');
    expect(quoted.text).toContain('不能低于最低工资标准的80％');
  });
});
