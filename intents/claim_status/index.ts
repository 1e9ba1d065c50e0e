/** 互助进度查询 for members (own claims only) and the admin review commands. */
import type { IntentDefinition, IntentFactory } from '../../src/core/intent.ts';
import { adminCommands, memberStatus } from '../../src/claims/commands.ts';
import { readExamples } from '../../src/core/examples.ts';
import { claimsServices } from '../../src/claims/services.ts';
import { CLAIM_NO_RE } from '../../src/claims/store.ts';

const factory: IntentFactory = async (deps): Promise<IntentDefinition> => {
  const s = claimsServices(deps);
  return {
    id: 'claim_status',
    examples: await readExamples(import.meta.url),
    commands: adminCommands(deps, s),
    // A claim number in a message is always a status question.
    matches: (ctx) => CLAIM_NO_RE.test(ctx.text),
    handle: (ctx) => memberStatus(ctx, s),
  };
};
export default factory;
