/** Per-member conversation state: plain versioned JSON in Redis, parsed with zod on every read. */
import { z } from 'zod';
import { maskPersonalNumbers } from './text.ts';

export const SESSION_VERSION = 1;

/**
 * A form in progress, like a wizard cursor: which intent owns it, which field it is asking,
 * what is filled so far. `v` is the owning form's own version: a bump restarts old forms politely.
 */
export const dialogSchema = z.object({
  v: z.number().int(),
  intent: z.string(),
  asking: z.string(),
  filled: z.record(z.string(), z.unknown()),
  expiresAt: z.number(),
});
export type Dialog = z.infer<typeof dialogSchema>;

const turnSchema = z.object({ at: z.number(), from: z.enum(['member', 'bot']), text: z.string() });
export type Turn = z.infer<typeof turnSchema>;

export const sessionSchema = z.object({
  v: z.literal(SESSION_VERSION),
  dialog: dialogSchema.nullable(),
  /** Recent turns, newest last, for handoff tickets and follow-up questions. */
  history: z.array(turnSchema),
  /** Small per-intent memory (e.g. the last labor-law topic), keyed by intent id. */
  memory: z.record(z.string(), z.record(z.string(), z.unknown())),
  updatedAt: z.number(),
});
export type Session = z.infer<typeof sessionSchema>;

export const HISTORY_LIMIT = 12;
/** Members' words are kept in full (up to a limit) for staff; the bot's own long answers only as a reminder. */
const TURN_TEXT_LIMIT = { member: 500, bot: 120 } as const;

export function emptySession(now: number): Session {
  return { v: SESSION_VERSION, dialog: null, history: [], memory: {}, updatedAt: now };
}

/** Parses a stored session; a missing, corrupt or old-version record starts fresh (`discarded` says so). */
export function parseSession(raw: string | null, now: number): { session: Session; discarded: boolean } {
  if (!raw) return { session: emptySession(now), discarded: false };
  try {
    return { session: sessionSchema.parse(JSON.parse(raw)), discarded: false };
  } catch {
    return { session: emptySession(now), discarded: true };
  }
}

/**
 * Adds turns to the history. ID, bank card and phone numbers are masked first: the session is plain JSON in
 * Redis and its history is copied into handoff tickets, while form answers are kept (encrypted) by the form.
 */
export function appendTurns(session: Session, turns: Turn[]): void {
  for (const t of turns) {
    const limit = TURN_TEXT_LIMIT[t.from];
    // Mask before cutting, so a number split at the limit is never left half-visible.
    const text = maskPersonalNumbers(t.text.slice(0, limit + 40)).slice(0, limit);
    session.history.push({ ...t, text: text.length < t.text.length && t.from === 'bot' ? `${text}…` : text });
  }
  if (session.history.length > HISTORY_LIMIT) session.history.splice(0, session.history.length - HISTORY_LIMIT);
}
