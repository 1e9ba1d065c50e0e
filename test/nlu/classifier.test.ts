import { beforeAll, describe, expect, it } from 'vitest';
import type { TrainingIntent } from '../../src/core/examples.ts';
import { readTraining } from '../../src/core/examples.ts';
import type { ServiceDefinition } from '../../src/core/service.ts';
import { createClassifier, type Classifier } from '../../src/nlu/classifier.ts';
import { normalize } from '../../src/nlu/features.ts';
import { accuracy, DEV_SET, loadTraining, readJsonl, setPath } from './helpers.ts';

const FRESH_SET = setPath('fresh.jsonl');

let training: TrainingIntent[];
let INTENT_IDS: string[];
let clf: Classifier;
let trainMs = 0;

beforeAll(async () => {
  const t0 = performance.now();
  training = await loadTraining();
  INTENT_IDS = training.map((t) => t.id);
  clf = createClassifier(training);
  trainMs = performance.now() - t0;
});

describe('examples', () => {
  it('exist for every intent with 40–120 distinct phrasings', () => {
    for (const { id, examples: list } of training) {
      expect(list.length, id).toBeGreaterThanOrEqual(40);
      expect(list.length, id).toBeLessThanOrEqual(120);
      expect(new Set(list).size, `${id} has duplicates`).toBe(list.length);
    }
  });

  it('contain no dev-set item and no fresh-set item', () => {
    const own = new Set(training.flatMap((t) => t.examples).map(normalize));
    const leaked = [...readJsonl(DEV_SET), ...readJsonl(FRESH_SET)].filter((it) => own.has(normalize(it.text)));
    expect(leaked.map((l) => l.text)).toEqual([]);
  });
});

describe('classifier', () => {
  it('trains in under a second (jieba dictionary load included)', () => {
    expect(trainMs).toBeLessThan(2500); // ~0.45 s on an idle 2-core machine; slack for a busy CI box
  });

  it('scores ≥ 0.95 on the shared dev set', () => {
    const { acc, misses } = accuracy(clf, readJsonl(DEV_SET));
    expect(misses.length <= 5, misses.join('\n')).toBe(true);
    expect(acc).toBeGreaterThanOrEqual(0.95);
  });

  it('scores ≥ 0.93 on our own fresh phrasings (not in any examples.json)', () => {
    const items = readJsonl(FRESH_SET);
    expect(items.length).toBeGreaterThanOrEqual(60);
    const { acc, misses } = accuracy(clf, items);
    expect(acc, misses.join('\n')).toBeGreaterThanOrEqual(0.93);
  });

  it('gives every intent at least one correct fresh phrasing', () => {
    const items = readJsonl(FRESH_SET);
    for (const id of INTENT_IDS) {
      expect(items.some((it) => it.intent === id && clf.classify(it.text).intent === id), id).toBe(true);
    }
  });

  it('is confident on clear requests', () => {
    for (const [text, intent] of [
      ['我要报名职工运动会，帮我报上', 'event_register'],
      ['帮我取消联谊活动的报名', 'event_cancel'],
      ['我提交的住院互助审核到哪一步了', 'claim_status'],
      ['转人工', 'handoff'],
      ['公司拖欠工资三个月了怎么办', 'labor_law'],
    ] as const) {
      const r = clf.classify(text);
      expect(r.intent, text).toBe(intent);
      expect(r.confidence, text).toBeGreaterThan(0.6);
    }
  });

  it('has low confidence on gibberish and empty input', () => {
    for (const text of ['阿斯顿发送到发', 'jkdsfh kjsdf', '的的的的的', 'zxcvbnm', '量子纠缠的本质是啥', '🙂🙂🙂', '']) {
      const r = clf.classify(text);
      expect(r.confidence, text).toBeLessThan(0.5);
      expect(r.confidence).toBeGreaterThanOrEqual(0);
    }
  });

  it('returns confidence in [0,1] and a known id for odd input', () => {
    for (const text of ['@工会小助手 ', '？？？', 'a'.repeat(5000), '申请编号HZ20250101001', '１２３']) {
      const r = clf.classify(text);
      expect(INTENT_IDS).toContain(r.intent);
      expect(r.confidence).toBeGreaterThanOrEqual(0);
      expect(r.confidence).toBeLessThanOrEqual(1);
    }
  });

  it('ignores @mentions and full-width characters', () => {
    expect(clf.classify('@工会小助手 取消报名').intent).toBe('event_cancel');
    expect(clf.classify('ｈｅｌｐ').intent).toBe('help');
  });

  it('classifies in well under a millisecond on average', () => {
    const texts = readJsonl(DEV_SET).map((i) => i.text);
    const t0 = performance.now();
    for (let r = 0; r < 10; r++) for (const t of texts) clf.classify(t);
    const perItem = (performance.now() - t0) / (10 * texts.length);
    expect(perItem).toBeLessThan(1);
  });

  it('is deterministic: two trainings give identical results', () => {
    const again = createClassifier(training);
    for (const it of readJsonl(FRESH_SET).slice(0, 30)) expect(again.classify(it.text)).toEqual(clf.classify(it.text));
  });
});

describe('readTraining', () => {
  it('rejects a service whose examples file is missing, and services without exactly one fallback', async () => {
    const create: ServiceDefinition['create'] = async () => ({ intents: [] });
    const missing: ServiceDefinition = { id: 'x', folder: new URL('file:///nonexistent/'), intents: [{ id: 'x', description: 'x', fallback: true }], create };
    await expect(readTraining([missing])).rejects.toThrow(/examples\/x\.json/);
    const [first] = await loadTraining();
    const folder = new URL('../../intents/law/', import.meta.url);
    const noFallback: ServiceDefinition = { id: 'law', folder, intents: [{ id: first?.id ?? '', description: '' }], create };
    await expect(readTraining([noFallback])).rejects.toThrow(/fallback/);
  });
});
