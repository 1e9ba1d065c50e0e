import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { answerPlanQuestion } from '../../../intents/claims/info.ts';
import { estimatePayoutCents, findPlan, loadPlans, parsePlans, planMentioned, plansPath, PlansConfigError } from '../../../intents/claims/plans.ts';
import { ROOT } from './data.ts';

const file = loadPlans(plansPath(path.join(ROOT, 'knowledge')));
const text = (q: string) => answerPlanQuestion(file, q).map((r) => r.text).join('\n');

describe('plans data', () => {
  it('defines the four plans with documents, deadlines and limits', () => {
    expect(file.plans.map((p) => p.name)).toEqual(['住院医疗互助', '重大疾病互助', '意外伤害互助', '女职工特殊疾病互助']);
    for (const p of file.plans) {
      expect(p.requiredDocuments.some((d) => d.name.includes('身份证'))).toBe(true);
      expect(p.filingDeadlineDays).toBeGreaterThan(0);
      expect(p.limits.maxPerClaim).toBeLessThanOrEqual(p.limits.maxPerYear);
    }
  });

  it('a broken file fails start-up with a message naming the field', () => {
    const broken = JSON.parse(JSON.stringify(file)) as { plans: Array<Record<string, unknown>> };
    delete broken.plans[0]?.filingDeadlineDays;
    expect(() => parsePlans(JSON.stringify(broken), 'plans.json')).toThrow(/plans\.0\.filingDeadlineDays/);
    expect(() => parsePlans('{ not json', 'plans.json')).toThrow(PlansConfigError);
    expect(() => loadPlans('/nonexistent/plans.json')).toThrow(/cannot read/);
    const dup = JSON.parse(JSON.stringify(file)) as { plans: unknown[] };
    dup.plans.push(dup.plans[0]);
    expect(() => parsePlans(JSON.stringify(dup))).toThrow(/unique/);
  });

  it('finds the plan a question names', () => {
    expect(planMentioned(file, '住院互助最高能报多少')?.id).toBe('hospital');
    expect(planMentioned(file, '乳腺癌能不能申请女职工特殊疾病互助')?.id).toBe('female_special');
    expect(planMentioned(file, '骨折算意外伤害互助的范围吗')?.id).toBe('accident');
    expect(planMentioned(file, '大病互助金额度是多少')?.id).toBe('critical_illness');
    expect(planMentioned(file, '互助保障有哪几种')).toBeUndefined();
  });

  it('estimates payouts by the rule, capped per claim', () => {
    const hospital = findPlan(file, 'hospital');
    const accident = findPlan(file, 'accident');
    const critical = findPlan(file, 'critical_illness');
    if (!hospital || !accident || !critical) throw new Error('plans missing');
    // 10 days × 50 = 500 vs (3500 − 500) × 50% = 1500 → 1500.
    expect(estimatePayoutCents(hospital, 350000, 10)).toBe(150000);
    // 30 days × 50 = 1500 vs (1000 − 500) × 50% = 250 → 1500.
    expect(estimatePayoutCents(hospital, 100000, 30)).toBe(150000);
    expect(estimatePayoutCents(hospital, 100_000_000, 10)).toBe(1_000_000);
    expect(estimatePayoutCents(accident, 20000, undefined)).toBe(8000);
    expect(estimatePayoutCents(critical, 1, undefined)).toBe(2_000_000);
  });
});

describe('claim_info answers from the data', () => {
  it('a question naming a plan and a topic answers that', () => {
    const t = text('住院互助需要出院小结吗，要准备什么材料');
    expect(t).toContain('【住院医疗互助】');
    expect(t).toContain('出院小结');
    expect(t).toContain('住院发票');
    expect(t).not.toContain('【意外伤害互助】');
  });
  it('limits and deadlines', () => {
    expect(text('大病互助金额度是多少')).toMatch(/20000 元/);
    expect(text('意外伤害互助申请时限是多久')).toContain('事故发生后 180 天内');
  });
  it('a general question gets the overview of all four plans and how to apply', () => {
    const t = text('职工互助保障是什么');
    for (const name of ['住院医疗互助', '重大疾病互助', '意外伤害互助', '女职工特殊疾病互助']) expect(t).toContain(name);
    expect(t).toContain('申请互助');
  });
  it('a topic without a plan answers it for every plan', () => {
    const t = text('报互助要哪些单据');
    expect(t).toContain('【女职工特殊疾病互助】');
    expect(t).toContain('病理报告');
  });
});
