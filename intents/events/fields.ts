/**
 * The one parse + validate rule per event field, shared by the /newevent wizard, /editevent and (later)
 * the console's forms, so a value accepted in one place is accepted in all of them.
 */
import { parseCount } from '../../src/kit/forms/types.ts';
import { parseDateTime } from '../../src/kit/time.ts';
import type { EventDef } from './model.ts';
import { FIELD_WORDS } from './texts.ts';

export const EDITABLE_FIELDS = ['title', 'description', 'startAt', 'endAt', 'place', 'capacity', 'deadline'] as const;
export type EditableField = (typeof EDITABLE_FIELDS)[number];
export type FieldValues = Pick<EventDef, EditableField>;
export type FieldError = 'title' | 'descriptionTooLong' | 'placeTooLong' | 'date' | 'past' | 'endBeforeStart' | 'capacity' | 'deadline';
export type FieldResult<T> = { ok: true; value: T } | { ok: false; error: FieldError };

/** What a rule compares against: the clock, and the event's start (for the end and the deadline). */
export interface FieldContext {
  now: number;
  startAt: number;
}

const NONE = /^(无|没有|不需要|不用|-|—)$/;
const AT_START = /^(默认|同开始时间|开始前)$/;
const MAX_CAPACITY = 100_000;
const MAX_DESCRIPTION = 500;
const MAX_PLACE = 100;

const ok = <T>(value: T): FieldResult<T> => ({ ok: true, value });
const fail = <T>(error: FieldError): FieldResult<T> => ({ ok: false, error });
const length = (s: string) => Array.from(s).length;

// Checks on values, used by the text rules below and on a whole event before it is created.
const titleError = (v: string): FieldError | null => (length(v) < 1 || length(v) > 50 ? 'title' : null);
const startError = (v: number, c: FieldContext): FieldError | null => (v <= c.now ? 'past' : null);
const endError = (v: number, c: FieldContext): FieldError | null => (v <= c.startAt ? 'endBeforeStart' : null);
const capacityError = (v: number): FieldError | null => (Number.isInteger(v) && v >= 1 && v <= MAX_CAPACITY ? null : 'capacity');
const deadlineError = (v: number, c: FieldContext): FieldError | null => (v > c.startAt || v <= c.now ? 'deadline' : null);
const descriptionError = (v: string): FieldError | null => (length(v) > MAX_DESCRIPTION ? 'descriptionTooLong' : null);
const placeError = (v: string): FieldError | null => (length(v) > MAX_PLACE ? 'placeTooLong' : null);

const checked = <T>(value: T, error: FieldError | null): FieldResult<T> => (error ? fail(error) : ok(value));
const date = (ms: number | null, check: (v: number) => FieldError | null): FieldResult<number> => (ms === null ? fail('date') : checked(ms, check(ms)));

/** Typed text → value, per field. */
export const FIELD_RULES: { [K in EditableField]: (raw: string, c: FieldContext) => FieldResult<FieldValues[K]> } = {
  title: (raw) => checked(raw.trim(), titleError(raw.trim())),
  description: (raw) => {
    const v = NONE.test(raw.trim()) ? '' : raw.trim();
    return checked(v, descriptionError(v));
  },
  place: (raw) => {
    const v = NONE.test(raw.trim()) ? '' : raw.trim();
    return checked(v, placeError(v));
  },
  startAt: (raw, c) => date(parseDateTime(raw, c.now, { defaultTime: null }), (v) => startError(v, c)),
  // "11:30" means that time on the start day.
  endAt: (raw, c) => date(parseDateTime(raw, c.now, { defaultTime: null, sameDayAs: c.startAt }), (v) => endError(v, c)),
  // A capacity is a count, not an ordinal: "第2个" is refused.
  capacity: (raw) => {
    const n = /^\s*第/.test(raw) ? null : parseCount(raw);
    return n === null ? fail('capacity') : checked(n, capacityError(n));
  },
  // "默认" closes sign-up at the start; a date alone means the end of that day.
  deadline: (raw, c) =>
    date(AT_START.test(raw.trim()) ? c.startAt : parseDateTime(raw, c.now, { defaultTime: { h: 23, mi: 59 } }), (v) => deadlineError(v, c)),
};

/** The first field of a complete event that breaks a rule (an event typed long ago may have gone stale), or null. */
export function invalidField(v: FieldValues, now: number): { field: EditableField; error: FieldError } | null {
  const c = { now, startAt: v.startAt };
  const errors: [EditableField, FieldError | null][] = [
    ['title', titleError(v.title)],
    ['description', descriptionError(v.description)],
    ['startAt', startError(v.startAt, c)],
    ['endAt', endError(v.endAt, c)],
    ['place', placeError(v.place)],
    ['capacity', capacityError(v.capacity)],
    ['deadline', deadlineError(v.deadline, c)],
  ];
  const found = errors.find(([, e]) => e !== null);
  return found?.[1] ? { field: found[0], error: found[1] } : null;
}

/** The field staff mean by a word ("名额", "开始", "截止"), or null. */
export function fieldNamed(word: string): EditableField | null {
  const w = word.trim().toLowerCase();
  return EDITABLE_FIELDS.find((f) => FIELD_WORDS[f].includes(w)) ?? null;
}
