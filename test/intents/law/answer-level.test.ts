/**
 * Answer-level checks in workers' words (answer-level.jsonl, written by us from the statutes and the issue's
 * review — no eval item): the card or kind of answer, the articles it must cite, phrases that must never appear
 * (superseded rules such as 60日内 or 1到5倍), and cards it must not be.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { answerLawQuestion } from '../../../intents/law/service.ts';
import { knowledge } from './helpers.ts';

interface Item {
  q: string;
  card?: string;
  cardIn?: string[];
  notCard?: string[];
  kind?: string;
  articles?: string[];
  notArticles?: string[];
  not?: string[];
  has?: string[];
  /** Clarify: cards that must be among the numbered topics. */
  offers?: string[];
}

const items = readFileSync(new URL('./answer-level.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Item);
const kb = knowledge();

describe('answers in workers\' words', () => {
  it('has at least 40 questions whose expected cards and articles exist', () => {
    expect(items.length).toBeGreaterThanOrEqual(40);
    for (const it of items) {
      for (const id of [it.card, ...(it.cardIn ?? []), ...(it.notCard ?? [])].filter(Boolean)) expect(kb.retriever.card(id!), id).toBeDefined();
      for (const a of [...(it.articles ?? []), ...(it.notArticles ?? [])]) {
        const [law, n] = a.split('#');
        expect(kb.library.has(law!, Number(n)), a).toBe(true);
      }
    }
  });

  it.each(items.map((i) => [i.q, i] as const))('%s', async (_q, it) => {
    const a = await answerLawQuestion(kb, it.q);
    const cited = a.citations.map((c) => `${c.law}#${c.article}`);
    const where = `${a.kind} ${a.cardId ?? ''}\n${a.text}`;
    if (it.kind) expect(a.kind, where).toBe(it.kind);
    if (it.card) expect(a.cardId, where).toBe(it.card);
    if (it.cardIn) expect(it.cardIn, where).toContain(a.cardId);
    for (const id of it.notCard ?? []) expect(a.cardId, where).not.toBe(id);
    // The articles may sit in the short answer's 依据 line or, for a card, among its own citations ("2 原文").
    const card = a.cardId ? kb.retriever.card(a.cardId) : undefined;
    const available = [...cited, ...(card?.citations.map((c) => `${c.law}#${c.article}`) ?? [])];
    for (const art of it.articles ?? []) expect(available, where).toContain(art);
    for (const art of it.notArticles ?? []) expect(available, where).not.toContain(art);
    for (const phrase of it.not ?? []) expect(a.text, where).not.toContain(phrase);
    for (const phrase of it.has ?? []) expect(a.text, where).toContain(phrase);
    for (const id of it.offers ?? []) expect(a.offered, where).toContain(id);
    // Shown citations are always current articles.
    for (const c of a.citations) {
      expect(kb.library.has(c.law, c.article), `${c.law}#${c.article}`).toBe(true);
      expect(kb.superseded.isReplaced(c), `${c.law}#${c.article}`).toBe(false);
    }
  });

  it('members are addressed with 您, and cards use one style of quotation marks', () => {
    for (const card of kb.cards) {
      const text = [card.title, card.answer, card.summary ?? '', ...card.nextSteps, card.change2025 ?? ''].join('\n');
      expect(text, card.id).not.toMatch(/你/);
      expect(text, card.id).not.toMatch(/["「」『』]/);
    }
  });
});
