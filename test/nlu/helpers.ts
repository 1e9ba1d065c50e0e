/** Shared by the classifier tests: where the data is, reading JSONL sets, scoring a classifier. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SERVICES } from '../../src/app/services.ts';
import { readTraining } from '../../src/core/examples.ts';
import type { Classifier } from '../../src/nlu/classifier.ts';

/** Every intent of every service with its examples, as the engine trains the classifier. */
export const loadTraining = () => readTraining(SERVICES);
export const DEV_SET = fileURLToPath(new URL('../../../shared/eval/intents-dev.jsonl', import.meta.url));
export const setPath = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));

export interface Item {
  text: string;
  intent: string;
}

export const readJsonl = (file: string): Item[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Item);

/** Accuracy, with each miss described for the assertion message. */
export function accuracy(clf: Classifier, items: Item[]): { acc: number; misses: string[] } {
  const misses: string[] = [];
  for (const it of items) {
    const r = clf.classify(it.text);
    if (r.intent !== it.intent) misses.push(`${it.text} (${it.intent} → ${r.intent} ${r.confidence})`);
  }
  return { acc: 1 - misses.length / items.length, misses };
}
