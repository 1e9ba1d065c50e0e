/** The claim form's dialog state: plain JSON in the session, sensitive draft values encrypted. */
import { z } from 'zod';
import { storedFileSchema } from './documents.ts';

/** Bump when the form's steps change incompatibly: an old draft then restarts politely. */
export const FORM_VERSION = 1;

const sealed = z.string().startsWith('v1:');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const draftDocSchema = storedFileSchema.extend({ docId: z.string() });
export type DraftDoc = z.infer<typeof draftDocSchema>;

export const applicationStateSchema = z.object({
  kind: z.literal('application'),
  /** Makes submission idempotent: the same draft never becomes two claims. */
  draftId: z.string().min(8),
  touchedAt: z.number(),
  consent: z.object({ version: z.string(), at: z.string() }).optional(),
  values: z.object({
    name: z.string().optional(),
    idNumber: sealed.optional(),
    mobile: sealed.optional(),
    workUnit: z.string().optional(),
    planId: z.string().optional(),
    admissionDate: isoDate.optional(),
    dischargeDate: isoDate.optional(),
    diagnosisDate: isoDate.optional(),
    accidentDate: isoDate.optional(),
    hospital: z.string().optional(),
    diagnosis: sealed.optional(),
    amountCents: z.number().int().positive().optional(),
    bankCard: sealed.optional(),
    bankName: z.string().optional(),
  }),
  docs: z.array(draftDocSchema),
  docsDone: z.boolean(),
  /** A document the member picked by number: the following files count as that document. */
  docTarget: z.string().optional(),
  /** Questions asked before the current one, for 返回. */
  trail: z.array(z.string()),
  /** Where to go back to from the cancel confirmation / field chooser. */
  resumeAt: z.string().optional(),
});
export type ApplicationState = z.infer<typeof applicationStateSchema>;

export const supplementStateSchema = z.object({
  kind: z.literal('supplement'),
  claimNo: z.string(),
  touchedAt: z.number(),
  docs: z.array(storedFileSchema),
});
export type SupplementState = z.infer<typeof supplementStateSchema>;

export const formStateSchema = z.discriminatedUnion('kind', [applicationStateSchema, supplementStateSchema]);
export type FormState = z.infer<typeof formStateSchema>;

export const SENSITIVE_FIELDS = ['idNumber', 'mobile', 'diagnosis', 'bankCard'] as const;
export type SensitiveField = (typeof SENSITIVE_FIELDS)[number];
export const isSensitive = (f: string): f is SensitiveField => (SENSITIVE_FIELDS as readonly string[]).includes(f);
