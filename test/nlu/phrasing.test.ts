/**
 * Everyday phrasing as classes, on the classifier and the nlu helpers: a negated sign-up is a cancellation, colloquial
 * labor terms are labor law, a remark is not a request. The phrasings are our own (not in any examples file).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createClassifier, type Classifier } from '../../src/nlu/classifier.ts';
import { asksService, closingKind, normalize } from '../../src/nlu/index.ts';
import { loadTraining } from './helpers.ts';

let clf: Classifier;
let examples: Set<string>;
beforeAll(async () => {
  const training = await loadTraining();
  clf = createClassifier(training);
  examples = new Set(training.flatMap((t) => t.examples).map(normalize));
});

const NEGATED_SIGNUPS = ['乒乓球赛我不打算报了', '下周的讲座我不准备去了', '登山活动我没时间参加了', '合唱团那个别帮我报了', '读书会我就不去参加了', '我不想参与那个联谊了'];
const SIGNUP_QUESTIONS = ['我能不能参加篮球赛', '要不要报名运动会', '可不可以报名读书会'];
const COLLOQUIAL_LABOR = ['我被老板炒了，N+1能拿到吗', '公司说要优化我，有没有补偿', '被裁员了能拿2N吗', '被劝退了要不要签字'];

describe('classes of everyday phrasing', () => {
  it('are not copied from the examples (they test the class, not the item)', () => {
    for (const text of [...NEGATED_SIGNUPS, ...SIGNUP_QUESTIONS, ...COLLOQUIAL_LABOR]) expect(examples.has(normalize(text)), text).toBe(false);
  });

  it('a sign-up verb under negation (不打算报, 不准备去, 没时间参加, 别帮我报) is a cancellation, never a sign-up', () => {
    for (const text of NEGATED_SIGNUPS) expect(clf.classify(text).intent, text).toBe('event_cancel');
  });

  it('a question about signing up (能不能参加, 要不要报名) is not read as a negation', () => {
    for (const text of SIGNUP_QUESTIONS) expect(clf.classify(text).intent, text).not.toBe('event_cancel');
  });

  it('colloquial dismissal words (炒, 优化, 裁, 劝退, N+1, 2N) reach labor law with confidence', () => {
    for (const text of COLLOQUIAL_LABOR) {
      const r = clf.classify(text);
      expect(r, text).toMatchObject({ intent: 'labor_law' });
      expect(r.confidence, text).toBeGreaterThan(0.5);
    }
  });
});

describe('asksService', () => {
  it('is true for a topic with a question or a request, or a topic that is a request by itself', () => {
    for (const text of ['试用期工资怎么算', '最近有什么活动', '我想申请住院互助', '我那笔互助金到哪一步了', '羽毛球赛我去不了了', '你能做什么']) {
      expect(asksService(text), text).toBe(true);
    }
  });

  it('is false for a remark to a person: logistics, a greeting, a plain statement', () => {
    for (const text of ['好的，那我周三下午过去', '在吗', '合同我已经拍照了', '我下午三点以后都有空']) expect(asksService(text), text).toBe(false);
  });
});

describe('closingKind', () => {
  it('tells thanks, acknowledgement and goodbye apart, and nothing else is a closing', () => {
    expect(closingKind('多谢您啦！')).toBe('thanks');
    expect(closingKind('明白了👍')).toBe('ack');
    expect(closingKind('好的，拜拜~')).toBe('bye');
    expect(closingKind('好的，明天几点过去？')).toBeNull();
  });
});
