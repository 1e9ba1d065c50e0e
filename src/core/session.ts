/**
 * Per-member conversation state: plain versioned JSON in Redis, parsed with zod on every read. The recent
 * turns live apart, in a capped Redis list a turn appends to: the session document stays small (the form in
 * progress and per-intent memory) and no turn re-writes the whole history.
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

export const sessionSchema = z.object({
  v: z.literal(SESSION_VERSION),
  ...storedFields,
  /** Recent turns, newest last, for handoff tickets and follow-up questions. */
  history: z.array(turnSchema),
});
export type Session = z.infer<typeof sessionSchema>;

export const HISTORY_LIMIT = 12;
/** Members' words are kept in full (up to a limit) for staff; the bot's own long answers only as a reminder. */
const TURN_TEXT_LIMIT = { member: 500, bot: 120 } as const;

export function emptySession(now: number): Session {
  return { v: SESSION_VERSION, dialog: null, history: [], memory: {}, updatedAt: now };
}

export interface ParsedSession {
  session: Session;
  /** The stored record was unreadable (or of an unknown version) and was replaced by a fresh one. */
  discarded: boolean;
  /** The history came from a version-1 document: the next save writes the whole list. */
  legacyHistory: boolean;
}

/** Parses a stored session and its history list; a missing, corrupt or unknown record starts fresh (`discarded` says so). */
export function parseSession(raw: string | null, now: number, history: readonly HistoryItem[] = []): ParsedSession {
  if (!raw) return { session: emptySession(now), discarded: false, legacyHistory: false };
  try {
    const json: unknown = JSON.parse(raw);
    // Only a document saying it is version 1 is tried as one (a failed parse is not cheap, and rare is this).
    if (isVersion1(json)) {
      const legacy = legacySchema.parse(json);
      return { session: { ...legacy, v: SESSION_VERSION }, discarded: false, legacyHistory: true };
    }
    return { session: withLazyHistory(storedSchema.parse(json), history), discarded: false, legacyHistory: false };
  } catch {
    return { session: emptySession(now), discarded: true, legacyHistory: false };
  }
}

/** History list items as read from Redis: JSON text, or UTF-8 bytes not decoded yet of one or more items joined by newlines. */
export type HistoryItem = string | Buffer;

const isVersion1 = (json: unknown): boolean => typeof json === 'object' && json !== null && (json as { v?: unknown }).v === 1;

/** Sessions whose history list is not parsed yet, with the turns added since (most turns never read it). */
const unparsed = new WeakMap<Session, { items: readonly HistoryItem[]; added: Turn[] }>();

/** The session with `history` parsed from the list items on first read. */
function withLazyHistory(stored: Omit<Session, 'history'>, items: readonly HistoryItem[]): Session {
  let turns: Turn[] = [];
  const session = { ...stored } as Session;
  Object.defineProperty(session, 'history', {
    enumerable: true,
    configurable: true,
    get: () => {
      const pending = unparsed.get(session);
      if (pending) {
        unparsed.delete(session);
        turns = [...parseHistory(pending.items), ...pending.added].slice(-HISTORY_LIMIT);
      }
      return turns;
    },
    set: (value: Turn[]) => {
      unparsed.delete(session);
      turns = value;
    },
  });
  unparsed.set(session, { items, added: [] });
  return session;
}

/** History list items (JSON turns, oldest first); an unreadable item is skipped. */
function parseHistory(items: readonly HistoryItem[]): Turn[] {
  const texts = items.flatMap((item) => (typeof item === 'string' ? [item] : item.toString().split('\n').filter(Boolean)));
  return texts.flatMap((item) => {
    try {
      const turn = turnSchema.safeParse(JSON.parse(item));
      return turn.success ? [turn.data] : [];
    } catch {
      return [];
    }
  });
}

/** The session document as stored: everything but the history, `updatedAt` last. */
export function storedSession(session: Session): string {
  // Named fields, not a rest spread: a spread would read `history` and parse the list for nothing.
  const stored: Omit<Session, 'history'> = { v: session.v, dialog: session.dialog, memory: session.memory, updatedAt: session.updatedAt };
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
 * Adds turns to the history and returns them as added. ID, bank card and phone numbers are masked first: the
 * history is plain JSON in Redis and is copied into handoff tickets, while form answers are kept (encrypted) by the form.
 */
export function appendTurns(session: Session, turns: Turn[]): Turn[] {
  const added = turns.map((t) => {
    const limit = TURN_TEXT_LIMIT[t.from];
    // Mask before cutting, so a number split at the limit is never left half-visible.
    const text = maskPersonalNumbers(t.text.slice(0, limit + 40)).slice(0, limit);
    return { ...t, text: text.length < t.text.length && t.from === 'bot' ? `${text}…` : text };
  });
  const pending = unparsed.get(session);
  if (pending) pending.added.push(...added);
  else {
    session.history.push(...added);
    if (session.history.length > HISTORY_LIMIT) session.history.splice(0, session.history.length - HISTORY_LIMIT);
  }
  return added;
}
