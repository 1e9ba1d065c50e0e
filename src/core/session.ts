/**
 * Per-member conversation state: plain versioned JSON in Redis, parsed with zod on every read. The recent
 * turns live apart, in a capped Redis list a turn appends to: the session document stays small (the form in
 * progress and per-intent memory), no turn re-writes the whole history, and only a turn that needs it reads it.
 */
import { z } from 'zod';
import { maskPersonalNumbers } from './text.ts';

export const SESSION_VERSION = 2;

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

const storedFields = {
  dialog: dialogSchema.nullable(),
  /** Small per-intent memory (e.g. the last labor-law topic), keyed by intent id. */
  memory: z.record(z.string(), z.record(z.string(), z.unknown())),
  updatedAt: z.number(),
};
/** What is stored under the session key (the history is in its own list). */
const storedSchema = z.object({ v: z.literal(SESSION_VERSION), ...storedFields });
/** Version 1 kept the history inside the document; read once, then written as version 2 and a list. */
const legacySchema = z.object({ v: z.literal(1), ...storedFields, history: z.array(turnSchema) });

/** The session as handlers see it: the stored document. The recent turns are read apart, when asked for (`TurnContext.history`). */
export const sessionSchema = storedSchema;
export type Session = z.infer<typeof sessionSchema>;

export const HISTORY_LIMIT = 12;
/** Members' words are kept in full (up to a limit) for staff; the bot's own long answers only as a reminder. */
const TURN_TEXT_LIMIT = { member: 500, bot: 120 } as const;

export function emptySession(now: number): Session {
  return { v: SESSION_VERSION, dialog: null, memory: {}, updatedAt: now };
}

export interface ParsedSession {
  session: Session;
  /** The stored record was unreadable (or of an unknown version) and was replaced by a fresh one. */
  discarded: boolean;
  /** The history kept inside a version-1 document: the next save writes it as the whole list. */
  legacyHistory: Turn[] | null;
}

/**
 * Parses a stored session; a missing, corrupt or unknown record starts fresh (`discarded` says so). A `known`
 * document (one this process saved, or read and checked, before) is not checked again: most turns continue one.
 */
export function parseSession(raw: string | null, now: number, known = false): ParsedSession {
  if (!raw) return { session: emptySession(now), discarded: false, legacyHistory: null };
  try {
    const json: unknown = JSON.parse(raw);
    if (known && (json as { v?: unknown }).v === SESSION_VERSION) return { session: json as Session, discarded: false, legacyHistory: null };
    // Only a document saying it is version 1 is tried as one (a failed parse is not cheap, and rare is this).
    if (isVersion1(json)) {
      const { history, ...legacy } = legacySchema.parse(json);
      return { session: { ...legacy, v: SESSION_VERSION }, discarded: false, legacyHistory: history };
    }
    return { session: storedSchema.parse(json), discarded: false, legacyHistory: null };
  } catch {
    return { session: emptySession(now), discarded: true, legacyHistory: null };
  }
}

const isVersion1 = (json: unknown): boolean => typeof json === 'object' && json !== null && (json as { v?: unknown }).v === 1;

/** History list items (JSON turns, oldest first); an unreadable item is skipped. */
export function parseHistory(items: readonly string[]): Turn[] {
  return items.flatMap((item) => {
    try {
      const turn = turnSchema.safeParse(JSON.parse(item));
      return turn.success ? [turn.data] : [];
    } catch {
      return [];
    }
  });
}

/** The session document as stored, `updatedAt` last. */
export function storedSession(session: Session): string {
  const stored: Session = { v: session.v, dialog: session.dialog, memory: session.memory, updatedAt: session.updatedAt };
  return JSON.stringify(stored);
}

const UPDATED_AT = ',"updatedAt":';
const withoutUpdatedAt = (doc: string) => doc.slice(0, doc.lastIndexOf(UPDATED_AT));

/**
 * The document to save after a turn, or '' when it would only move `updatedAt` (the pipeline then just renews
 * its expiry): most turns (a menu, a law answer read again, a list) change nothing, and the write is skipped.
 * With a form open it is always saved: a short group answer counts from the last turn (see the pipeline).
 */
export function sessionToSave(session: Session, loaded: string): string {
  const doc = storedSession(session);
  return session.dialog === null && loaded !== '' && withoutUpdatedAt(doc) === withoutUpdatedAt(loaded) ? '' : doc;
}

/**
 * The turns as kept in the history. ID, bank card and phone numbers are masked first (unless the caller already
 * masked the texts whole): the history is plain JSON in Redis and is copied into handoff tickets, while form
 * answers are kept (encrypted) by the form.
 */
export function historyTurns(turns: Turn[], textsMasked = false): Turn[] {
  return turns.map((t) => {
    const limit = TURN_TEXT_LIMIT[t.from];
    // Mask before cutting, so a number split at the limit is never left half-visible.
    const text = (textsMasked ? t.text : maskPersonalNumbers(t.text.slice(0, limit + 40))).slice(0, limit);
    return { ...t, text: text.length < t.text.length && t.from === 'bot' ? `${text}…` : text };
  });
}
