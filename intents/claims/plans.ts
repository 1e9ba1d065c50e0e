/** Mutual-aid plan rules are data (knowledge/mutual-aid/plans.json), edited by each union and validated at start-up. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { daysBetween } from '../../src/kit/fields.ts';

const money = z.number().positive().max(100_000_000);

export const documentSpecSchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9_]*$/, 'document ids are lower_snake_case'),
  name: z.string().min(1),
  required: z.boolean().default(true),
  /** How many photos the document usually takes (身份证正反面: 2): after one, the form asks whether the next is another page. */
  pages: z.number().int().min(1).max(50).default(1),
});
export type DocumentSpec = z.infer<typeof documentSpecSchema>;

export const payoutRuleSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('fixed'), amount: money, description: z.string().min(1) }),
  z.object({
    type: z.literal('ratio'),
    ratio: z.number().gt(0).max(1),
    deductible: z.number().min(0),
    description: z.string().min(1),
  }),
  z.object({
    type: z.literal('per_day_or_ratio'),
    perDay: money,
    maxDays: z.number().int().positive(),
    ratio: z.number().gt(0).max(1),
    deductible: z.number().min(0),
    description: z.string().min(1),
  }),
]);
export type PayoutRule = z.infer<typeof payoutRuleSchema>;

/** Which dates the form asks for: the event date is the one the filing deadline counts from. */
export const EVENT_DATE_KINDS = ['discharge', 'diagnosis', 'accident'] as const;
export type EventDateKind = (typeof EVENT_DATE_KINDS)[number];

export const planSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9_]*$/),
    name: z.string().min(2),
    aliases: z.array(z.string().min(1)).default([]),
    eligibility: z.string().min(1),
    coverPeriod: z.string().min(1),
    waitingPeriodDays: z.number().int().min(0).max(3650),
    filingDeadlineDays: z.number().int().min(1).max(3650),
    eventDate: z.enum(EVENT_DATE_KINDS),
    requiredDocuments: z.array(documentSpecSchema).min(1),
    payout: payoutRuleSchema,
    limits: z.object({
      maxPerClaim: money,
      maxPerYear: money,
      /** Smallest self-paid amount a claim may report. */
      minAmount: money,
      /** Largest self-paid amount accepted (guards against typos). */
      maxReportedAmount: money,
    }),
    notes: z.string().default(''),
  })
  .superRefine((p, ctx) => {
    if (p.limits.maxPerClaim > p.limits.maxPerYear)
      ctx.addIssue({ code: 'custom', path: ['limits', 'maxPerClaim'], message: 'maxPerClaim must not exceed maxPerYear' });
    if (p.limits.minAmount > p.limits.maxReportedAmount)
      ctx.addIssue({ code: 'custom', path: ['limits', 'minAmount'], message: 'minAmount must not exceed maxReportedAmount' });
    const ids = p.requiredDocuments.map((d) => d.id);
    if (new Set(ids).size !== ids.length)
      ctx.addIssue({ code: 'custom', path: ['requiredDocuments'], message: 'document ids must be unique within a plan' });
  });
export type Plan = z.infer<typeof planSchema>;

export const plansFileSchema = z
  .object({
    version: z.string().min(1),
    organizer: z.string().min(1),
    howToApply: z.string().min(1),
    reviewDays: z.number().int().positive(),
    plans: z.array(planSchema).min(1),
  })
  .superRefine((f, ctx) => {
    const ids = f.plans.map((p) => p.id);
    if (new Set(ids).size !== ids.length) ctx.addIssue({ code: 'custom', path: ['plans'], message: 'plan ids must be unique' });
  });
export type PlansFile = z.infer<typeof plansFileSchema>;

export class PlansConfigError extends Error {}

/** Default location: `${KNOWLEDGE_DIR}/mutual-aid/plans.json`. */
export function plansPath(knowledgeDir: string): string {
  return path.resolve(knowledgeDir, 'mutual-aid', 'plans.json');
}

/** Reads and validates the plans file; throws PlansConfigError naming the file and every bad field. */
export function loadPlans(file: string): PlansFile {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PlansConfigError(`Mutual-aid plans: cannot read ${file}: ${(err as Error).message}`);
  }
  return parsePlans(raw, file);
}

/** Validates plans JSON text (exported for tests and for a future web console editor). */
export function parsePlans(raw: string, source = 'plans.json'): PlansFile {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new PlansConfigError(`Mutual-aid plans: ${source} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = plansFileSchema.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new PlansConfigError(`Mutual-aid plans: ${source} is invalid:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

export function findPlan(file: PlansFile, id: string): Plan | undefined {
  return file.plans.find((p) => p.id === id);
}

/** The plan a free text names (by name or alias), longest match wins; undefined when none or ambiguous. */
export function planMentioned(file: PlansFile, text: string): Plan | undefined {
  let best: { plan: Plan; len: number } | undefined;
  let tie = false;
  for (const plan of file.plans) {
    for (const word of [plan.name, ...plan.aliases]) {
      if (!text.includes(word)) continue;
      if (!best || word.length > best.len) {
        tie = false;
        best = { plan, len: word.length };
      } else if (word.length === best.len && best.plan.id !== plan.id) {
        tie = true;
      }
    }
  }
  return best && !tie ? best.plan : undefined;
}

/** How a payout follows from a plan's rule, step by step (the claim page shows it; the estimate is its total). */
export interface PayoutWorking {
  rule: PayoutRule;
  selfPaidCents: number;
  /** Hospital days counted (per_day_or_ratio), capped at the rule's maxDays. */
  days?: number;
  byDaysCents?: number;
  byRatioCents?: number;
  /** Before the per-claim cap. */
  beforeCapCents: number;
  capCents: number;
  cents: number;
}

export function payoutWorking(plan: Plan, selfPaidCents: number, hospitalDays?: number): PayoutWorking {
  const rule = plan.payout;
  const byRatio = (ratio: number, deductible: number) => Math.max(0, Math.round((selfPaidCents - deductible * 100) * ratio));
  const capCents = Math.round(plan.limits.maxPerClaim * 100);
  const done = (w: Omit<PayoutWorking, 'rule' | 'selfPaidCents' | 'capCents' | 'cents'>): PayoutWorking => ({ rule, selfPaidCents, capCents, cents: Math.min(w.beforeCapCents, capCents), ...w });
  switch (rule.type) {
    case 'fixed':
      return done({ beforeCapCents: Math.round(rule.amount * 100) });
    case 'ratio': {
      const r = byRatio(rule.ratio, rule.deductible);
      return done({ byRatioCents: r, beforeCapCents: r });
    }
    case 'per_day_or_ratio': {
      const days = Math.min(hospitalDays ?? 0, rule.maxDays);
      const byDaysCents = Math.round(days * rule.perDay * 100);
      const byRatioCents = byRatio(rule.ratio, rule.deductible);
      return done({ days, byDaysCents, byRatioCents, beforeCapCents: Math.max(byDaysCents, byRatioCents) });
    }
  }
}

/** Estimated payout in cents (capped at maxPerClaim); reviewers decide the real amount. */
export function estimatePayoutCents(plan: Plan, selfPaidCents: number, hospitalDays?: number): number {
  return payoutWorking(plan, selfPaidCents, hospitalDays).cents;
}

/** Hospital days the per-day rule counts: admission to discharge, at least one. */
export function hospitalDays(admission: string | undefined, discharge: string | undefined): number | undefined {
  return admission && discharge ? Math.max(1, daysBetween(admission, discharge)) : undefined;
}
