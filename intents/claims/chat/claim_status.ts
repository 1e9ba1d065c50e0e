/** 互助进度查询 for members (own claims only) and the admin review commands. */
import type { IntentDefinition, IntentFactory } from '../../../src/core/service.ts';
import { adminCommands, memberStatus } from '../commands.ts';
import { claimsServices } from '../context.ts';
import { CLAIM_NO_RE } from '../store.ts';

const factory: IntentFactory = async (deps): Promise<IntentDefinition> => {
  const s = claimsServices(deps);
  return {
    id: 'claim_status',
    commands: adminCommands(deps, s),
    // A claim number in a message is always a status question.
    matches: (ctx) => CLAIM_NO_RE.test(ctx.text),
    handle: (ctx) => memberStatus(ctx, s),
  };
};
export default factory;
