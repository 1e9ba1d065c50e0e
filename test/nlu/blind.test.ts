/**
 * Held-out accuracy on blind.jsonl: member phrasings written before the examples, cues and fresh set
 * were read (commit 2870dca). First measurement, before any tuning: 0.901 on all 274 lines, 0.881
 * on the 227 lines that did not coincide with an example or a dev item. The set has been tuned on
 * since, so the floor below guards against regressions rather than estimating the hidden set.
 * blind2.jsonl was written after tuning and never tuned on.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createClassifier, type Classifier } from '../../src/nlu/classifier.ts';
import { normalize } from '../../src/nlu/features.ts';
import { accuracy, DEV_SET, loadTraining, readJsonl, setPath, type Item } from './helpers.ts';

const BLIND = setPath('blind.jsonl');
const BLIND2 = setPath('blind2.jsonl');

let clf: Classifier;
let seen: Set<string>;

beforeAll(async () => {
  const training = await loadTraining();
  clf = createClassifier(training);
  seen = new Set([...training.flatMap((t) => t.examples), ...readJsonl(DEV_SET).map((i) => i.text)].map(normalize));
  seen.delete('');
});

const score = (items: Item[]) => accuracy(clf, items);

describe('blind held-out sets', () => {
  it('blind.jsonl: lines not in any examples.json or the dev set stay held out (no copying)', () => {
    const held = readJsonl(BLIND).filter((it) => !seen.has(normalize(it.text)));
    // 274 lines; 47 coincided with examples or dev items written independently before the set existed.
    expect(held.length).toBeGreaterThanOrEqual(225);
  });

  it('blind.jsonl: accuracy on held-out lines stays ≥ 0.95 (measured 0.978 = 222/227 after tuning)', () => {
    const held = readJsonl(BLIND).filter((it) => !seen.has(normalize(it.text)));
    const { acc, misses } = score(held);
    expect(acc, misses.join('\n')).toBeGreaterThanOrEqual(0.95);
  });

  it('blind2.jsonl (written after tuning, never tuned on): accuracy stays ≥ 0.92 (measured 0.953 = 102/107)', () => {
    const { acc, misses } = score(readJsonl(BLIND2));
    expect(acc, misses.join('\n')).toBeGreaterThanOrEqual(0.92);
  });
});
