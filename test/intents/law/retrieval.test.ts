import { describe, it, expect } from 'vitest';
import { articleReferences, looksLikeFollowUp } from '../../../intents/law/retrieval.ts';
import { collapseRepeats } from '../../../intents/law/query.ts';
import { knowledge } from './helpers.ts';
import { getJieba } from '../../../src/nlu/features.ts';

const kb = knowledge();
const cited = (q: string, k = 3) => kb.retrieve(q).citations.slice(0, k).map((c) => `${c.law}#${c.article}`);
const topCard = (q: string) => kb.retrieve(q).cards[0]?.card;

describe('tokenizer and lexicon', () => {
  it('keeps labor terms whole and maps members’ words to legal terms', () => {
    expect(kb.tokenizer.tokens('没签合同要付二倍工资吗')).toContain('二倍工资');
    expect(kb.tokenizer.legalTerms('老板要炒我鱿鱼')).toContain('用人单位');
    expect(kb.tokenizer.legalTerms('被炒鱿鱼了')).toContain('解除劳动合同');
    expect(kb.tokenizer.legalTerms('双倍工资')).toContain('二倍工资');
    expect(kb.tokenizer.legalTerms('入职交押金')).toContain('收取财物');
    expect(kb.tokenizer.legalTerms('喂奶时间')).toContain('哺乳');
  });

  it('segments with the classifier\'s jieba, the legal terms added to it: one instance of 40–55 MB a process', () => {
    expect(kb.tokenizer.tokens('代通知金怎么算')).toContain('代通知金');
    expect(getJieba().cut('代通知金', true)).toEqual(['代通知金']);
  });
});

describe('retrieval', () => {
  it('finds the topic behind colloquial questions', () => {
    const cases: Array<[string, string]> = [
      ['老板一直不跟我签合同，能要双倍工资吗', '劳动合同法#82'],
      ['厂里收了我500块押金，合法吗', '劳动合同法#9'],
      ['周末让我们加班，加班费怎么给', '劳动法#44'],
      ['我怀孕了公司要把我开除', '劳动合同法#42'],
      ['每天喂奶的时间公司不给', '女职工劳动保护特别规定#9'],
      ['干活时被机器压伤了手，算工伤吗', '工伤保险条例#14'],
      ['工作了6年，一年能休几天年假', '职工带薪年休假条例#3'],
    ];
    for (const [q, want] of cases) expect(cited(q), q).toContain(want);
  });

  it('ranks the card first when a member asks in everyday words', () => {
    expect(topCard('老板不给签劳动合同怎么办')?.citations.map((c) => c.article)).toContain(82);
    expect(topCard('单位不给交社保我能辞职要补偿吗')?.citations.some((c) => c.law === '劳动合同法' && c.article === 38)).toBe(true);
  });

  it('puts the topic before the procedure when a question names both (topic salience)', () => {
    expect(kb.retriever.procedureWordShare('仲裁')).toBeGreaterThanOrEqual(kb.retriever.weights.procedureWordShare);
    expect(kb.retriever.procedureWordShare('工伤')).toBeLessThan(0.1);
    // A substantive question that mentions arbitration is answered about the substance …
    // (pay during a work injury: 工伤保险条例 第三十三条 or 社会保险法 第三十九条(一), which the 40-law corpus ranks higher).
    expect(cited('工伤期间公司停发工资，我去劳动仲裁能要回来吗', 5).some((c) => c === '工伤保险条例#33' || c === '社会保险法#39')).toBe(true);
    // … while a question only about procedure keeps the procedure articles.
    expect(cited('劳动仲裁的时效是多久')[0]).toBe('劳动争议调解仲裁法#27');
    expect(cited('去哪里申请劳动仲裁')[0]).toBe('劳动争议调解仲裁法#21');
  });

  it('still retrieves articles of laws no card covers', () => {
    const all = kb.retrieve('用人单位出借营业执照被挂靠，出了劳动争议谁当被告').citations.map((c) => `${c.law}#${c.article}`);
    expect(all).toContain('劳动争议解释（一）#30');
  });

  it('returns deduplicated citations that all resolve', () => {
    const r = kb.retrieve('公司违法辞退我，经济补偿和赔偿金怎么算');
    const keys = r.citations.map((c) => `${c.law}#${c.article}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const c of r.citations) expect(kb.library.has(c.law, c.article)).toBe(true);
    expect(r.citations.length).toBeGreaterThan(0);
  });

  it('is unsure about questions that are not about labor law', () => {
    expect(kb.retrieve('帮我订一张去北京的机票').confidence).toBeLessThan(0.35);
    expect(kb.retrieve('今天天气怎么样').confidence).toBeLessThan(0.35);
    expect(kb.retrieve('老板一直不跟我签合同，能要双倍工资吗').confidence).toBeGreaterThan(0.6);
  });

  it('reads a short follow-up in the context of the previous card', () => {
    expect(looksLikeFollowUp('那赔偿怎么算')).toBe(true);
    expect(looksLikeFollowUp('公司一直拖欠我的工资，已经三个月了，我该去哪里投诉')).toBe(false);
    const dismissal = kb.cards.find((c) => c.related.length > 0 && c.citations.some((x) => x.law === '劳动合同法' && x.article === 40));
    expect(dismissal).toBeDefined();
    const r = kb.retrieve('那赔偿怎么算', { previousCardId: dismissal!.id });
    expect(r.followUp).toBe(true);
    expect(dismissal!.related).toContain(r.cards[0]?.card.id);
    const bare = kb.retrieve('那怎么办', { previousCardId: dismissal!.id });
    expect([dismissal!.id, ...dismissal!.related]).toContain(bare.cards[0]?.card.id);
  });

  it('keeps a follow-up on the discussed topic when its words only weakly fit another topic', () => {
    const doubleWage = kb.cards.find((c) => c.citations[0]?.law === '劳动合同法' && c.citations.some((x) => x.article === 82));
    expect(doubleWage).toBeDefined();
    const r = kb.retrieve('那能赔多少', { previousCardId: doubleWage!.id });
    expect([doubleWage!.id, ...doubleWage!.related]).toContain(r.cards[0]?.card.id);
    expect(r.confidence).toBeGreaterThanOrEqual(0.35);
    expect(r.citations.slice(0, 3).every((c) => c.law === '劳动合同法' || c.law === '劳动合同法实施条例' || c.law.startsWith('劳动争议解释'))).toBe(true);
  });
});

describe('ranking mechanisms', () => {
  it('reads an article with the article it applies ("依照本法第四十七条…的二倍"), not with the ones it only names as exceptions', () => {
    expect(articleReferences(kb.library.getArticle('劳动合同法', 87)!.text)).toEqual([47]);
    expect(articleReferences(kb.library.getArticle('劳动合同法', 48)!.text)).toEqual([87]);
    // 第十四条 names 第三十九条 only as an exception: no companion.
    expect(articleReferences(kb.library.getArticle('劳动合同法', 14)!.text)).toEqual([]);
    // 第四十二条 bars dismissal "不得依照本法第四十条…": a bar, no companion.
    expect(articleReferences(kb.library.getArticle('劳动合同法', 42)!.text)).toEqual([]);
    // Unlawful dismissal: 2N (第八十七条) comes with how N is counted (第四十七条) among the first three.
    const top = cited('公司违法把我辞退了，要赔多少');
    expect(top[0]).toBe('劳动合同法#87');
    expect(top).toContain('劳动合同法#47');
  });

  it('shows the companion the lexicon pairs with the first article (when severance is owed → how much it is)', () => {
    expect(kb.tokenizer.lexicon.companions.get('劳动合同法#46')).toEqual([{ law: '劳动合同法', article: 47 }]);
    const top = cited('公司倒闭了，我们能拿到经济补偿吗');
    expect(top[0]).toBe('劳动合同法#46');
    expect(top).toContain('劳动合同法#47');
  });

  it('does not read 裁员 (layoff) into 仲裁员 (arbitrator)', () => {
    expect(kb.tokenizer.tokens('仲裁员回避')).not.toContain('裁员');
    expect(kb.tokenizer.tokens('仲裁员说公司裁员要通知工会')).toContain('裁员');
  });

  it('keeps a fragment repeated by speech input once', () => {
    expect(collapseRepeats('可以要求公司经济补偿么要求公司经济补偿么？')).toBe('可以要求公司经济补偿么？');
    expect(collapseRepeats('月薪6000月薪6000')).toBe('月薪6000');
    expect(collapseRepeats('100100元')).toBe('100100元');
    // The shortest repeated run (three characters) and texts the quick pre-check lets through unchanged.
    expect(collapseRepeats('哈哈哈哈哈哈')).toBe('哈哈哈');
    expect(collapseRepeats('工资工资')).toBe('工资工资');
    expect(collapseRepeats('公司三个月没发工资怎么办')).toBe('公司三个月没发工资怎么办');
    expect(cited('被公司劝退了可以要求经济补偿么要求经济补偿么')).toEqual(cited('被公司劝退了可以要求经济补偿么'));
  });

  it('answers whether work for an individual business, a farmer or a gang boss is an employment relation', () => {
    expect(topCard('给开小卖部的个体户打工两年，算不算劳动关系')?.id).toBe('special-employers-labor-relation');
    expect(cited('给开小卖部的个体户打工两年，算不算劳动关系')[0]).toBe('劳动合同法#7');
    expect(cited('帮村里承包户摘了一个月茶叶，工钱没给，算劳动关系吗', 5)).toContain('劳动争议解释（一）#2');
  });
});
