/**
 * Append-only audit log of admin and staff actions (who, when, what, before → after), in a Redis stream.
 * The stream is capped by length and age; refused attempts (anyone can type a staff command) are
 * recorded at most `refusalsPerHour` times per actor and hour, the rest only counted.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Config } from './config.ts';
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

export interface AuditRetention {
  maxEntries: number;
  maxAgeDays: number;
  refusalsPerHour: number;
}
export const DEFAULT_AUDIT_RETENTION: AuditRetention = { maxEntries: 100_000, maxAgeDays: 365, refusalsPerHour: 20 };

export function auditRetention(config: Pick<Config, 'AUDIT_MAX_ENTRIES' | 'AUDIT_MAX_AGE_DAYS' | 'AUDIT_REFUSALS_PER_HOUR'>): AuditRetention {
  return { maxEntries: config.AUDIT_MAX_ENTRIES, maxAgeDays: config.AUDIT_MAX_AGE_DAYS, refusalsPerHour: config.AUDIT_REFUSALS_PER_HOUR };
}

/** The action the router records for a command refused for a missing role. */
const REFUSED = 'refused';
const HOUR_MS = 3600_000;

export class AuditLog {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly retention: AuditRetention = DEFAULT_AUDIT_RETENTION,
  ) {}

  private get key() {
    return this.keys.k('audit');
  }

  /** The counter of an actor's refused attempts in the hour containing `at` (kept a week). */
  refusalKey(actor: string, at: Date): string {
    return this.keys.k('audit', 'refusals', actor, Math.floor(at.getTime() / HOUR_MS));
  }

  /** How many refused attempts of `actor` were made in the hour containing `at`, recorded or not. */
  async refusals(actor: string, at: Date = new Date()): Promise<number> {
    return Number((await this.redis.get(this.refusalKey(actor, at))) ?? 0);
  }

  async record(entry: Omit<AuditEntry, 'at'> & { at?: Date }): Promise<void> {
    const at = entry.at ?? new Date();
    if (entry.action === REFUSED) {
      const key = this.refusalKey(entry.actor, at);
      const counted = await this.redis.multi().incr(key).expire(key, 7 * 24 * 3600).exec();
      const n = Number(counted?.[0]?.[1] ?? 0);
      const cap = this.retention.refusalsPerHour;
      if (n > cap) {
        // One entry says the cap was reached; refusals() tells how many followed.
        if (n === cap + 1) await this.append({ at: at.toISOString(), actor: entry.actor, action: `${REFUSED}.capped`, target: entry.actor, note: `more than ${cap} refused attempts this hour: the rest are counted, not recorded` });
        return;
      }
    }
    // Notes and before/after can hold free text typed by staff (a reply to a member, a reason): the
    // append-only log never keeps an ID, bank card or phone number in clear. Actor and target are ids, kept as is.
    const mask = (v: unknown) => (v === undefined ? v : (JSON.parse(maskPersonalNumbers(JSON.stringify(v))) as unknown));
    await this.append({
      ...entry,
      at: at.toISOString(),
      ...(entry.note !== undefined ? { note: maskPersonalNumbers(entry.note) } : {}),
      ...(entry.before !== undefined ? { before: mask(entry.before) } : {}),
      ...(entry.after !== undefined ? { after: mask(entry.after) } : {}),
    });
  }

  private async append(full: AuditEntry): Promise<void> {
    const { maxEntries, maxAgeDays } = this.retention;
    const oldest = Math.max(0, Date.now() - maxAgeDays * 24 * HOUR_MS);
    // Length trimming is approximate (~: whole nodes only, cheap on every append); age trimming removes
    // exactly the entries older than the limit.
    await this.redis
      .multi()
      .xadd(this.key, 'MAXLEN', '~', maxEntries, '*', 'entry', JSON.stringify(full))
      .xtrim(this.key, 'MINID', oldest)
      .exec();
  }

  /** Most recent entries first. */
  async recent(count = 50): Promise<AuditEntry[]> {
    const rows = await this.redis.xrevrange(this.key, '+', '-', 'COUNT', count);
    return rows.map(([, fields]) => auditEntrySchema.parse(JSON.parse(fields[1] ?? '{}')));
  }
}
