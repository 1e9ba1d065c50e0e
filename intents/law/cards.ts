/** Loads topic cards from knowledge/labor-law/*.json (zod-validated) and checks their citations against the statutes. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { checkedCardSchema, type Card, type Citation } from './card.ts';
import type { StatuteLibrary } from './statutes.ts';
import { SupersededList } from './superseded.ts';

/** A file holds one card, an array of cards, or `{ "cards": [...] }`. */
const cardFileSchema = z.union([checkedCardSchema, z.array(checkedCardSchema), z.object({ cards: z.array(checkedCardSchema) })]);

export interface CardLoadResult {
  cards: Card[];
  /** One line per file that failed to parse or per duplicate id. */
  errors: string[];
}

/**
 * A card with every field, in one order, an absent one undefined: every card then has one shape, so the code that
 * reads them per message, compiled on some, is not thrown out on meeting another (several times slower meanwhile).
 */
const uniformCard = (c: Card): Card => ({
  id: c.id, title: c.title, phrasings: c.phrasings, keywords: c.keywords, answer: c.answer, nextSteps: c.nextSteps, citations: c.citations,
  provincial: c.provincial, ruleDate: c.ruleDate, change2025: c.change2025, calculator: c.calculator, summary: c.summary, related: c.related,
});

/** Reads every `*.json` in a directory; invalid files are reported in `errors`, not thrown. */
export function loadCards(dir: string): CardLoadResult {
  const cards: Card[] = [];
  const errors: string[] = [];
  if (!existsSync(dir)) return { cards, errors: [`card directory missing: ${dir}`] };
  const seen = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    } catch (err) {
      errors.push(`${file}: invalid JSON (${(err as Error).message})`);
      continue;
    }
    const res = cardFileSchema.safeParse(json);
    if (!res.success) {
      errors.push(`${file}: ${res.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      continue;
    }
    const list = Array.isArray(res.data) ? res.data : 'cards' in res.data ? res.data.cards : [res.data];
    for (const card of list) {
      if (seen.has(card.id)) {
        errors.push(`${file}: duplicate card id ${card.id}`);
        continue;
      }
      seen.add(card.id);
      cards.push(uniformCard(card));
    }
  }
  return { cards, errors };
}

export interface CitationProblem {
  cardId: string;
  problem: string;
  citation?: Citation;
}

/** Every citation must name an existing, current article; every `related` id must name a card. */
export function checkCards(cards: Card[], library: StatuteLibrary, superseded = new SupersededList()): CitationProblem[] {
  const ids = new Set(cards.map((c) => c.id));
  const problems: CitationProblem[] = [];
  for (const card of cards) {
    for (const citation of card.citations) {
      if (!library.statutes.has(citation.law)) {
        problems.push({ cardId: card.id, citation, problem: `unknown law ${citation.law}` });
      } else if (!library.has(citation.law, citation.article)) {
        problems.push({ cardId: card.id, citation, problem: `${citation.law} has no article ${citation.article}` });
      } else if (superseded.isReplaced(citation)) {
        problems.push({ cardId: card.id, citation, problem: `${citation.law} ${citation.article} is superseded` });
      }
    }
    for (const rel of card.related) {
      if (!ids.has(rel)) problems.push({ cardId: card.id, problem: `related card ${rel} does not exist` });
    }
  }
  return problems;
}
