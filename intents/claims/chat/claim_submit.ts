/** 互助申请: the guided application form (private chat only) and the member's 补充材料 command. */
import type { IntentDefinition } from '../../../src/core/service.ts';
import { FORM_INTENT } from '../form.ts';
import { P } from '../texts.ts';
import { startSupplement, type ClaimsChat } from './commands.ts';

export function claimSubmit(chat: ClaimsChat): IntentDefinition {
  const { form } = chat;
  return {
    id: 'claim_submit',
    privateOnly: true,
    commands: [{ names: ['补充材料', 'supplement'], summary: P.commands.supplement, run: (ctx, args) => startSupplement(chat, ctx, args) }],
    // Files sent in a private chat outside any form belong to a claim waiting for more documents.
    matches: (ctx) => ctx.msg.chatType === 'private' && ctx.msg.attachments.length > 0 && !ctx.text,
    async handle(ctx) {
      const active = ctx.session.dialog;
      if (active?.intent === FORM_INTENT) return { replies: [{ text: P.alreadyFilling }, ...form.reprompt(ctx, active).slice(1)] };
      // Files sent outside a form go to the member's claim that is waiting for more documents.
      if (ctx.msg.attachments.length > 0) return startSupplement(chat, ctx, '');
      return form.start(ctx);
    },
    continueDialog: (ctx, dialog) => form.continue(ctx, dialog),
    repromptDialog: (ctx, dialog) => form.reprompt(ctx, dialog),
  };
}
