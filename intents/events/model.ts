/** Event registration data shapes. Everything read back from Redis is parsed with these schemas. */
import { z } from 'zod';
import { addressSchema, type Address } from '../../src/core/message.ts';
import { FIELD_LABELS } from './texts.ts';

export const EVENT_STATUSES = ['open', 'closed', 'cancelled'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

/** A piece of information collected from each registrant. name/phone/unit can be reused from the member's saved profile. */
export const fieldSpecSchema = z.object({
  key: z.string().regex(/^[a-z][a-z0-9_]*$/),
  label: z.string().min(1).max(20),
  kind: z.enum(['name', 'phone', 'unit', 'text', 'choice']),
  choices: z.array(z.string().min(1)).optional(),
});
export type FieldSpec = z.infer<typeof fieldSpecSchema>;
export const PROFILE_KINDS = ['name', 'phone', 'unit'] as const;
export type ProfileKind = (typeof PROFILE_KINDS)[number];
export const isProfileKind = (k: FieldSpec['kind']): k is ProfileKind => (PROFILE_KINDS as readonly string[]).includes(k);

const jsonString = <T extends z.ZodType>(inner: T) =>
  z.string().transform((s, ctx) => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'invalid JSON' });
      return z.NEVER;
    }
  }).pipe(inner);

const ms = z.coerce.number().int().nonnegative();

/** The event hash as stored in Redis (every value is a string). */
export const eventHashSchema = z.object({
  title: z.string().min(1),
  description: z.string(),
  place: z.string(),
  startAt: ms,
  endAt: ms,
  capacity: z.coerce.number().int().min(1),
  deadline: ms,
  status: z.enum(EVENT_STATUSES),
  groups: jsonString(z.array(addressSchema)),
  fields: jsonString(z.array(fieldSpecSchema)),
  createdBy: z.string(),
  createdAt: ms,
  cancelReason: z.string().optional(),
});

export interface EventDef {
  id: string;
  title: string;
  description: string;
  place: string;
  startAt: number;
  endAt: number;
  capacity: number;
  deadline: number;
  status: EventStatus;
  groups: Address[];
  fields: FieldSpec[];
  createdBy: string;
  createdAt: number;
  cancelReason?: string;
}

/** What a staff member fills in to create an event. */
export type NewEvent = Omit<EventDef, 'id' | 'status' | 'createdAt' | 'cancelReason'>;

/** One registration (or waitlist entry); stored as JSON in the event's data hash. */
export const registrationSchema = z.object({
  member: z.string(),
  values: z.record(z.string(), z.string()),
  displayName: z.string(),
  /** Where to send notifications (the member's private chat). */
  address: addressSchema,
  at: z.number(),
});
export type Registration = z.infer<typeof registrationSchema>;

/** Saved profile; values are kept only when the member consented. */
export const profileSchema = z.object({
  consent: z.boolean(),
  name: z.string().optional(),
  phone: z.string().optional(),
  unit: z.string().optional(),
  updatedAt: z.number(),
});
export type Profile = z.infer<typeof profileSchema>;

/** A group registration that needs personal details, continued in private chat. */
export const pendingSchema = z.object({
  eventId: z.string(),
  fromChatId: z.string(),
  at: z.number(),
});
export type Pending = z.infer<typeof pendingSchema>;

export const PROFILE_FIELDS: Record<ProfileKind, FieldSpec> = {
  name: { key: 'name', label: FIELD_LABELS.name, kind: 'name' },
  phone: { key: 'phone', label: FIELD_LABELS.phone, kind: 'phone' },
  unit: { key: 'unit', label: FIELD_LABELS.unit, kind: 'unit' },
};
export const DEFAULT_FIELDS: FieldSpec[] = [PROFILE_FIELDS.name, PROFILE_FIELDS.phone, PROFILE_FIELDS.unit];
