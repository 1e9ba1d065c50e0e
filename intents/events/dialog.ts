/** Dialog helpers for the event intents: each question asked is kept in the dialog so it can be re-asked without Redis. */
import { z } from 'zod';
import type { TurnResult } from '../../src/core/service.ts';
import type { Reply } from '../../src/core/message.ts';
import type { Dialog } from '../../src/core/session.ts';

const questionSchema = z.object({ text: z.string(), choices: z.array(z.string()).optional() });

/** Replies (before the question) + the question, with the dialog that remembers it. */
export function ask(
  base: { intent: string; v: number; now: number; resumeHours: number },
  asking: string,
  filled: Record<string, unknown>,
  question: Reply & { text: string },
  before: Reply[] = [],
): TurnResult {
  const q = { text: question.text, ...(question.choices ? { choices: question.choices } : {}) };
  return {
    replies: [...before, q],
    dialog: { v: base.v, intent: base.intent, asking, filled: { ...filled, q }, expiresAt: base.now + base.resumeHours * 3600_000 },
  };
}

/** The question the dialog last asked (for repromptDialog). */
export function lastQuestion(dialog: Dialog): Reply[] {
  const q = questionSchema.safeParse(dialog.filled['q']);
  return q.success ? [q.data] : [];
}

export const end = (replies: Reply[]): TurnResult => ({ replies, dialog: null });
export const say = (text: string): Reply => ({ text });
