/** 互助保障咨询: answers questions about the plans (材料、额度、时限、谁能参加) from knowledge/mutual-aid. */
import type { IntentDefinition } from '../../../src/core/service.ts';
import { answerPlanQuestion } from '../info.ts';
import { findPlan, planMentioned } from '../plans.ts';
import type { ClaimsChat } from './commands.ts';

const FOLLOW_UP_MS = 30 * 60_000;

export function claimInfo({ service: { plans } }: ClaimsChat): IntentDefinition {
  return {
    id: 'claim_info',
    readsOnly: ['handle'],
    async handle(ctx) {
      // The plan asked about last, for follow-ups within a short while ("女职工互助要什么材料" → "等待期多久").
      const mem = ctx.session.memory['claim_info'];
      const recent = typeof mem?.['at'] === 'number' && ctx.now.getTime() - mem['at'] <= FOLLOW_UP_MS;
      const previous = recent && typeof mem?.['planId'] === 'string' ? findPlan(plans, mem['planId']) : undefined;
      const plan = planMentioned(plans, ctx.text) ?? previous;
      return {
        replies: answerPlanQuestion(plans, ctx.text, previous),
        ...(plan ? { memory: { planId: plan.id, at: ctx.now.getTime() } } : {}),
      };
    },
  };
}
