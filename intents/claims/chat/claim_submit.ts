/** 互助申请: the guided application form (private chat only) and the member's 补充材料 command. */
import type { Dialog } from '../../../src/core/session.ts';
import type { IntentDefinition, TurnContext, TurnResult } from '../../../src/core/service.ts';
import { FORM_INTENT } from '../form.ts';
import { FIELD_LABELS, P } from '../texts.ts';
import { startSupplement, type ClaimsChat } from './commands.ts';

/** "我想补充一下申请材料", "材料要补交": adding to a claim, in any wording, never a new application. */
const SUPPLEMENT = /补(?:充|交|传|发|上)?(?:一下|下)?(?:申请)?(?:的)?(?:材料|资料|文件|照片|证明)|(?:材料|资料|证明|文件|照片)(?:要|需要|得)?补(?:充|交|传)?/;

/** "我要申请互助" typed mid-form: the member means this form, not a second one. */
const APPLY_AGAIN = /(?:申请|报|办).{0,4}互助|互助.{0,4}(?:申请|报销)/;

export function claimSubmit(chat: ClaimsChat): IntentDefinition {
  const { forms } = chat;
  const stillFilling = (ctx: TurnContext, dialog: Dialog): TurnResult => ({
    replies: [{ text: P.alreadyFilling }, ...(forms.formOf(dialog) ?? forms.application).reprompt(ctx, dialog).slice(1)],
  });
  return {
    id: 'claim_submit',
    privateOnly: true,
    // A form's turns read until its last step, a file, or its end (see ClaimForms.afterTurn).
    readsOnly: ['dialog'],
    commands: [{ names: ['补充材料', '补材料', '补交材料', '补充资料', '补资料', '补交资料', '补一下材料', '我要补材料', '我要补充材料', '我要补交材料', 'supplement'], summary: P.commands.supplement, run: (ctx, args) => startSupplement(chat, ctx, args) }],
    // Files, or words about adding documents, in a private chat outside any form belong to a claim waiting for more.
    matches: (ctx) => ctx.msg.chatType === 'private' && !ctx.session.dialog && ((ctx.msg.attachments.length > 0 && !ctx.text) || SUPPLEMENT.test(ctx.text)),
    async handle(ctx) {
      const active = ctx.session.dialog;
      if (active?.intent === FORM_INTENT) return stillFilling(ctx, active);
      // Files sent outside a form, or words about adding documents, go to the claim waiting for more documents.
      if (ctx.msg.attachments.length > 0 || SUPPLEMENT.test(ctx.text)) return startSupplement(chat, ctx, '');
      return forms.startApplication(ctx);
    },
    async continueDialog(ctx, dialog) {
      const form = forms.formOf(dialog);
      // A draft of an older form version (or under another key) cannot go on: start afresh, politely.
      if (!form) return forms.startApplication(ctx, [{ text: P.formRestarted }]);
      // At the plan question the words may name the plan ("申请住院互助"); elsewhere they mean this application.
      const answering = dialog.asking in FIELD_LABELS && dialog.asking !== 'plan';
      if (form === forms.application && answering && APPLY_AGAIN.test(ctx.text)) return stillFilling(ctx, dialog);
      const result = await form.continue(ctx, dialog);
      await forms.afterTurn(ctx, dialog, result);
      return result;
    },
    repromptDialog: (ctx, dialog) => forms.formOf(dialog)?.reprompt(ctx, dialog) ?? [{ text: P.formRestarted }],
  };
}
