import { describe, it, expect } from 'vitest';
import { readdirSync } from 'node:fs';
import { knowledge } from './helpers.ts';

describe('topic cards', () => {
  const kb = knowledge();

  it('every card file parses against the card schema', () => {
    expect(readdirSync('knowledge/labor-law').filter((f) => f.endsWith('.json')).length).toBeGreaterThan(0);
    expect(kb.cardErrors).toEqual([]);
  });

  it('there are enough cards to cover the common topics', () => {
    expect(kb.cards.length).toBeGreaterThanOrEqual(40);
  });

  it('every citation in every card resolves to an existing article', () => {
    const unresolved = kb.problems.filter((p) => p.citation);
    expect(unresolved).toEqual([]);
    for (const card of kb.cards) {
      for (const c of card.citations) expect(kb.library.has(c.law, c.article), `${card.id} → ${c.law} ${c.article}`).toBe(true);
    }
  });

  it('every related id names an existing card', () => {
    expect(kb.problems.filter((p) => !p.citation)).toEqual([]);
  });
});
