/** `unknown`: the fallback when nothing fits — offer the menu or a person, never guess. */
import type { IntentFactory } from '../../src/core/service.ts';
import { closingKind } from '../../src/nlu/index.ts';
import { UNKNOWN_TEXT } from './texts.ts';

function closingReply(text: string): string | null {
  const kind = closingKind(text);
  return kind ? UNKNOWN_TEXT[kind] : null;
}

const createUnknown: IntentFactory = async () => ({
  id: 'unknown',
  readsOnly: ['handle'],
  // Claimed before the classifier (which may read "thanks" as a greeting), but never inside a form, where "好的" is an answer.
  matches: (ctx) => !ctx.session.dialog && closingReply(ctx.text) !== null,
  handle: async (ctx) => {
    const closing = closingReply(ctx.text);
    if (closing) return { replies: [{ text: closing }] };
    return { replies: [{ text: UNKNOWN_TEXT.notUnderstood, choices: [...UNKNOWN_TEXT.choices] }, { text: UNKNOWN_TEXT.hint }] };
  },
});
export default createUnknown;
