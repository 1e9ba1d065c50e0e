/** Append-only audit log of admin and staff actions (who, when, what, before → after), in a Redis stream. */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Keys } from './keys.ts';
import { maskPersonalNumbers } from './text.ts';

export const auditEntrySchema = z.object({
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
  note: z.string().optional(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export class AuditLog {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  private get key() {
    return this.keys.k('audit');
  }

  async record(entry: Omit<AuditEntry, 'at'> & { at?: Date }): Promise<void> {
    // Notes and before/after can hold free text typed by staff (a reply to a member, a reason): the
    // append-only log never keeps an ID, bank card or phone number in clear. Actor and target are ids, kept as is.
    const mask = (v: unknown) => (v === undefined ? v : (JSON.parse(maskPersonalNumbers(JSON.stringify(v))) as unknown));
    const full: AuditEntry = {
      ...entry,
      at: (entry.at ?? new Date()).toISOString(),
      ...(entry.note !== undefined ? { note: maskPersonalNumbers(entry.note) } : {}),
      ...(entry.before !== undefined ? { before: mask(entry.before) } : {}),
      ...(entry.after !== undefined ? { after: mask(entry.after) } : {}),
    };
    await this.redis.xadd(this.key, '*', 'entry', JSON.stringify(full));
  }

  /** Most recent entries first. */
  async recent(count = 50): Promise<AuditEntry[]> {
    const rows = await this.redis.xrevrange(this.key, '+', '-', 'COUNT', count);
    return rows.map(([, fields]) => auditEntrySchema.parse(JSON.parse(fields[1] ?? '{}')));
  }
}
