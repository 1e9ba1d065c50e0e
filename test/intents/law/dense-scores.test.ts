import { describe, expect, it } from 'vitest';
import { DenseScores, topK } from '../../../intents/law/retrieval.ts';

describe('DenseScores (follow-up card scores in typed arrays)', () => {
  it('behaves as a Map<number, number> through sets, re-sets and clears: same values, order, max and top k', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const dense = new DenseScores(50);
    const map = new Map<number, number>();
    for (let step = 0; step < 2000; step++) {
      const r = rand();
      if (r < 0.02) {
        dense.clear();
        map.clear();
      } else {
        const doc = Math.floor(rand() * 50);
        // Ties on purpose: a few distinct scores, so the order among equals matters.
        const score = Math.floor(rand() * 6) - 1;
        dense.set(doc, score);
        map.set(doc, score);
      }
      const doc = Math.floor(rand() * 50);
      expect(dense.has(doc)).toBe(map.has(doc));
      expect(dense.get(doc)).toBe(map.get(doc));
      expect(dense.max(0)).toBe(Math.max(0, ...map.values()));
      expect(dense.top(10)).toEqual(topK(map, 10));
    }
  });
});
