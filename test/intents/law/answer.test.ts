import { describe, it, expect } from 'vitest';
import { articleTextAnswer, cardAnswer, composeAnswer, formatCitations, parseArticleRequest, readLawMemory, SHORT_ANSWER_MAX_CHARS } from '../../../intents/law/answer.ts';
import { answerLawQuestion } from '../../../intents/law/service.ts';
import { PROMPTS } from '../../../intents/law/texts.ts';
import { knowledge } from './helpers.ts';

const kb = knowledge();
const none = { citations: [] };

describe('answer format', () => {
  it('formats citations grouped by law', () => {
    expect(
      formatCitations([
        { law: '劳动合同法', article: 82 },
        { law: '劳动合同法', article: 10 },
        { law: '劳动合同法实施条例', article: 7 },
      ]),
    ).toBe('《劳动合同法》第八十二条、第十条；《劳动合同法实施条例》第七条');
  });

  it('private answer: a short conclusion, at most 3 steps and the 依据 line within 300 characters, then 1 详细 / 2 原文 / 3 转人工', async () => {
    const a = await answerLawQuestion(kb, '老板一直不跟我签合同，能要双倍工资吗');
    expect(a.kind).toBe('card');
    expect(a.text.length).toBeLessThanOrEqual(SHORT_ANSWER_MAX_CHARS);
    expect(a.text).toMatch(/依据：《劳动合同法》第八十二条/);
    expect(a.text).toMatch(/\n1\. /);
    expect(a.text).not.toMatch(/\n4\. /);
    expect(a.choices).toEqual(['详细', '原文', '转人工']);
    expect(a.text).toContain('12351');
    expect(a.citations[0]).toEqual({ law: '劳动合同法', article: 82 });
    for (const c of a.citations) expect(kb.library.has(c.law, c.article)).toBe(true);
    expect(a.offerHandoff).toBe(false);
    // "详细" (reply 1): the whole card with every step, the disclaimer and 12351.
    const more = await answerLawQuestion(kb, '详细', { memory: { lastCardId: a.cardId!, citations: a.citations } });
    expect(more.cardId).toBe(a.cardId);
    expect(more.text).toContain(PROMPTS.nextStepsTitle);
    expect(more.text).toContain('12351');
    expect(more.text).toContain('一般性法律信息');
    expect(more.text.length).toBeGreaterThan(a.text.length);
  });

  it('every card fits a phone: the short answer is at most 300 characters and keeps whole sentences', async () => {
    for (const card of kb.cards) {
      const a = cardAnswer(card, card.citations, kb, 1);
      expect(a.text.length, card.id).toBeLessThanOrEqual(SHORT_ANSWER_MAX_CHARS);
      expect(a.text, card.id).toContain('12351');
      const conclusion = a.text.split('\n')[0]!.replace(/^【[^】]+】/, '');
      expect(conclusion, card.id).toMatch(/[。！？]$/);
      expect(card.answer.startsWith(conclusion) || card.summary === conclusion, card.id).toBe(true);
    }
  });

  it('group answer is compact but keeps the 依据 line and where to get help', async () => {
    const full = await answerLawQuestion(kb, '厂里收了我500块押金，合法吗');
    const compact = await answerLawQuestion(kb, '厂里收了我500块押金，合法吗', { compact: true });
    expect(compact.text.length).toBeLessThan(full.text.length);
    expect(compact.text.split('\n').length).toBeLessThanOrEqual(4);
    expect(compact.text).toMatch(/依据：《劳动合同法》第九条/);
    expect(compact.text).toContain('12351');
    expect(compact.text).not.toContain(PROMPTS.nextStepsTitle);
  });

  it('low confidence: says so and offers a person instead of guessing', async () => {
    const a = await answerLawQuestion(kb, '帮我订一张去北京的机票');
    expect(a.kind).toBe('low_confidence');
    expect(a.offerHandoff).toBe(true);
    expect(a.citations).toEqual([]);
    expect(a.text).toContain('转人工');
    const r = kb.retrieve('帮我订一张去北京的机票');
    expect(composeAnswer(r, kb, { compact: true }).text).toBe(PROMPTS.lowConfidenceCompact);
  });
});

describe('answer consistency', () => {
  it('a card answer cites only articles of that card, so 依据 always supports the text', async () => {
    const questions = kb.cards.flatMap((c) => c.phrasings.slice(0, 2));
    let cardAnswers = 0;
    for (const q of questions) {
      const a = await answerLawQuestion(kb, q);
      if (a.kind !== 'card') continue;
      cardAnswers++;
      const card = kb.cards.find((c) => c.id === a.cardId)!;
      for (const cited of a.citations) expect(card.citations, `${q} → ${card.id}`).toContainEqual(cited);
    }
    expect(cardAnswers).toBeGreaterThan(questions.length * 0.8);
  });
});

describe('article text lookup', () => {
  it('recognises requests for statute text, not questions that mention an article', () => {
    const lib = kb.library;
    expect(parseArticleRequest('劳动合同法第三十八条是什么', lib, none)).toEqual({ kind: 'articles', citations: [{ law: '劳动合同法', article: 38 }] });
    expect(parseArticleRequest('第八十二条原文', lib, none)).toEqual({ kind: 'articles', citations: [{ law: '劳动合同法', article: 82 }] });
    expect(parseArticleRequest('工伤保险条例第14条', lib, none)).toEqual({ kind: 'articles', citations: [{ law: '工伤保险条例', article: 14 }] });
    expect(parseArticleRequest('查看原文', lib, none)).toEqual({ kind: 'need_article' });
    expect(parseArticleRequest('单位违反第四十条辞退我，能要多少赔偿', lib, none)).toBeNull();
    expect(parseArticleRequest('加班费怎么算', lib, none)).toBeNull();
  });

  it('uses the previous answer for "查看原文" and for a bare article number', () => {
    const memory = readLawMemory({ lastCardId: 'x', citations: [{ law: '劳动合同法实施条例', article: 7 }, { law: '劳动合同法', article: 82 }] });
    expect(parseArticleRequest('查看原文', kb.library, memory)).toEqual({ kind: 'articles', citations: memory.citations });
    expect(parseArticleRequest('第七条原文', kb.library, memory)).toEqual({ kind: 'articles', citations: [{ law: '劳动合同法实施条例', article: 7 }] });
  });

  it('a law we do not hold, named before the article, is kept — never replaced by the previous answer\'s law', () => {
    const memory = readLawMemory({ lastCardId: 'x', citations: [{ law: '女职工劳动保护特别规定', article: 7 }] });
    expect(parseArticleRequest('民法典第一千条原文', kb.library, memory)).toEqual({ kind: 'articles', citations: [{ law: '民法典', article: 1000 }] });
    expect(parseArticleRequest('看看《中华人民共和国公司法》第五条原文', kb.library, memory)).toEqual({ kind: 'articles', citations: [{ law: '公司法', article: 5 }] });
    const missing = articleTextAnswer({ kind: 'articles', citations: [{ law: '民法典', article: 1000 }] }, kb.library);
    expect(missing.text).toContain('没有找到《民法典》第一千条');
    // Laws we hold and bare article numbers are unchanged.
    expect(parseArticleRequest('劳动法第四十四条原文', kb.library, memory)).toEqual({ kind: 'articles', citations: [{ law: '劳动法', article: 44 }] });
    expect(parseArticleRequest('第八条原文', kb.library, memory)).toEqual({ kind: 'articles', citations: [{ law: '女职工劳动保护特别规定', article: 8 }] });
    expect(parseArticleRequest('那第八条原文呢', kb.library, memory)).toEqual({ kind: 'articles', citations: [{ law: '女职工劳动保护特别规定', article: 8 }] });
  });

  it('answers with the verbatim statute text from the statutes directory', async () => {
    const a = await answerLawQuestion(kb, '劳动合同法第三十八条是什么');
    expect(a.kind).toBe('article_text');
    expect(a.text).toContain('《中华人民共和国劳动合同法》第三十八条');
    expect(a.text).toContain(kb.library.getArticle('劳动合同法', 38)!.text);
    const missing = articleTextAnswer({ kind: 'articles', citations: [{ law: '劳动合同法', article: 120 }] }, kb.library);
    expect(missing.text).toContain('没有找到《劳动合同法》第一百二十条');
    expect(missing.citations).toEqual([]);
  });

  it('reads colloquial requests for an article ("讲的啥")', () => {
    expect(parseArticleRequest('劳动合同法第38条讲的啥', kb.library, none)).toEqual({ kind: 'articles', citations: [{ law: '劳动合同法', article: 38 }] });
  });

  it('cites an article the member names first, and never pairs it with a card that does not rest on it', async () => {
    const r = kb.retrieve('社会保险法第九十三条的内容是什么');
    expect(r.citations[0]).toMatchObject({ law: '社会保险法', article: 93, named: true });
    const a = await answerLawQuestion(kb, '社会保险法第九十三条的内容是什么');
    expect(a.citations[0]).toEqual({ law: '社会保险法', article: 93 });
    if (a.kind === 'card') {
      const card = kb.cards.find((c) => c.id === a.cardId);
      expect(card?.citations.some((c) => c.law === '社会保险法' && c.article === 93)).toBe(true);
    }
    const question = await answerLawQuestion(kb, '劳动合同法第三十八条我能用吗？公司没给我交社保');
    expect(question.kind).toBe('card');
    expect(question.citations[0]).toEqual({ law: '劳动合同法', article: 38 });
  });
});
