/** 互助保障咨询: answers questions about the plans (材料、额度、时限、谁能参加) from knowledge/mutual-aid. */
import type { IntentDefinition, IntentFactory } from '../../src/core/intent.ts';
import { answerPlanQuestion } from '../../src/claims/info.ts';
import { readExamples } from '../../src/core/examples.ts';
import { claimsServices } from '../../src/claims/services.ts';

const factory: IntentFactory = async (deps): Promise<IntentDefinition> => {
  const s = claimsServices(deps);
  return {
    id: 'claim_info',
    examples: await readExamples(import.meta.url),
    async handle(ctx) {
      return { replies: answerPlanQuestion(s.plans, ctx.text) };
    },
  };
};
export default factory;
