/** Without statute texts (a plain clone): where they are looked up, and answers that cite numbers without quoting. */
import { haveStatutes } from '../../helpers/shared.ts';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findStatutesDir, loadConfig, statuteCandidates } from '../../../src/core/config.ts';
import { loadLawKnowledge, REPO_ROOT } from '../../../intents/law/knowledge.ts';
import { answerLawQuestion } from '../../../intents/law/service.ts';
import { PROMPTS, STATUTES_MISSING } from '../../../intents/law/texts.ts';
import type { Llm } from '../../../src/llm/client.ts';
import { knowledge } from './helpers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'ua-nostatutes-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('statutes lookup', () => {
  it('tries KNOWLEDGE_STATUTES_DIR, then DATA_DIR/laws, then ../shared/laws, and takes the first holding .md files', () => {
    const own = join(tmp, 'own');
    const data = join(tmp, 'data');
    expect(statuteCandidates({ KNOWLEDGE_STATUTES_DIR: own, DATA_DIR: data })).toEqual([own, join(data, 'laws'), resolve(REPO_ROOT, '../shared/laws')]);
    // Relative settings: the statutes folder against the checkout, DATA_DIR against the working folder (as everywhere).
    expect(statuteCandidates({ KNOWLEDGE_STATUTES_DIR: 'laws-here', DATA_DIR: 'd' }).slice(0, 2)).toEqual([resolve(REPO_ROOT, 'laws-here'), resolve('d', 'laws')]);

    mkdirSync(join(data, 'laws'), { recursive: true });
    mkdirSync(own, { recursive: true });
    writeFileSync(join(data, 'laws', '劳动法.md'), '# 中华人民共和国劳动法\n<!-- INFO END -->\n第一条 示例。\n');
    // An empty KNOWLEDGE_STATUTES_DIR (an empty volume mount) is passed over, not fatal.
    expect(findStatutesDir({ KNOWLEDGE_STATUTES_DIR: own, DATA_DIR: data })).toBe(join(data, 'laws'));
    writeFileSync(join(own, '劳动法.md'), '# 中华人民共和国劳动法\n<!-- INFO END -->\n第一条 示例。\n');
    expect(findStatutesDir({ KNOWLEDGE_STATUTES_DIR: own, DATA_DIR: data })).toBe(own);
  });

  it('leaves KNOWLEDGE_STATUTES_DIR out of the configuration when no folder holds statutes', () => {
    const lookup = findStatutesDir({ DATA_DIR: join(tmp, 'none') });
    const config = loadConfig({ DATA_DIR: join(tmp, 'none'), KNOWLEDGE_STATUTES_DIR: join(tmp, 'missing') });
    // ../shared/laws may exist beside this checkout: then it is the one found.
    expect(config.KNOWLEDGE_STATUTES_DIR).toBe(lookup);
    expect(loadConfig({ DATA_DIR: join(tmp, 'data') }).KNOWLEDGE_STATUTES_DIR).toBe(join(tmp, 'data', 'laws'));
  });
});

describe('answers without statute texts', () => {
  const kb = loadLawKnowledge({ statutesDir: null, knowledgeDir: './knowledge' });

  it('loads the cards, an empty library, and no citation problems', () => {
    expect(kb.statutesDir).toBeUndefined();
    expect(kb.library.articleCount).toBe(0);
    expect(kb.cards.length).toBeGreaterThan(100);
    expect(kb.problems).toEqual([]);
  });

  it('answers a labor-law question from its card with the article numbers, without offering the text', async () => {
    const a = await answerLawQuestion(kb, '公司一直不跟我签劳动合同怎么办');
    expect(a.kind).toBe('card');
    expect(a.text).toContain('依据：《劳动合同法》第八十二条');
    expect(a.citations).toContainEqual({ law: '劳动合同法', article: 82 });
    expect(a.text).not.toContain('原文');
    expect(a.choices).toEqual(['详细', '转人工']);
    // With the texts the same answer offers them.
    if (haveStatutes) expect((await answerLawQuestion(knowledge(), '公司一直不跟我签劳动合同怎么办')).choices).toContain('原文');
    const more = await answerLawQuestion(kb, '详细', { memory: { lastCardId: a.cardId!, citations: a.citations } });
    expect(more.text).not.toContain(PROMPTS.originalTextHint('第八十二条'));
  });

  it('answers an article-text request politely', async () => {
    for (const q of ['第82条原文', '劳动合同法第八十二条原文']) {
      const a = await answerLawQuestion(kb, q);
      expect(a.text).toBe(STATUTES_MISSING.articleText);
      expect(a.citations).toEqual([]);
    }
  });

  it('does not use the model, whose citations could not be checked', async () => {
    let calls = 0;
    const llm: Llm = {
      complete: async () => {
        calls += 1;
        return '《劳动合同法》第八十二条规定……';
      },
    };
    const a = await answerLawQuestion(kb, '公司一直不跟我签劳动合同怎么办', { llm });
    expect(calls).toBe(0);
    expect(a.viaLlm).toBeUndefined();
  });
});
