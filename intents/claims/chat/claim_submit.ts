/** 互助申请: the guided application form (private chat only) and the member's 补充材料 command. */
import type { IntentDefinition, IntentFactory } from '../../../src/core/service.ts';
import { startSupplement } from '../commands.ts';
import { FORM_INTENT } from '../form.ts';
import { P } from '../texts.ts';
import { claimsServices } from '../context.ts';

const factory: IntentFactory = async (deps): Promise<IntentDefinition> => {
  const s = claimsServices(deps);
  return {
    id: 'claim_submit',
    privateOnly: true,
    commands: [
      {
        names: ['补充材料', 'supplement'],
        summary: '「补充材料 编号」：为需要补充的互助申请上传材料',
        run: (ctx, args) => startSupplement(ctx, s, args),
      },
    ],
    // Files sent in a private chat outside any form belong to a claim waiting for more documents.
    matches: (ctx) => ctx.msg.chatType === 'private' && ctx.msg.attachments.length > 0 && !ctx.text,
    async handle(ctx) {
      const active = ctx.session.dialog;
      if (active?.intent === FORM_INTENT) return { replies: [{ text: P.alreadyFilling }, ...s.form.reprompt(ctx, active).slice(1)] };
      // Files sent outside a form go to the member's claim that is waiting for more documents.
      if (ctx.msg.attachments.length > 0) return startSupplement(ctx, s, '');
      return s.form.start(ctx);
    },
    continueDialog: (ctx, dialog) => s.form.continue(ctx, dialog),
    repromptDialog: (ctx, dialog) => s.form.reprompt(ctx, dialog),
  };
};
export default factory;
