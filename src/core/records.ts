/**
 * The one way to read a stored JSON record: parsed with zod; a corrupt or outdated record is logged
 * and treated as missing, never a crash (a bad record must not stop every turn that touches it).
 */
import type { z } from 'zod';

export interface RecordLogger {
  warn(obj: object, msg?: string): void;
}

export function readRecord<T extends z.ZodType>(schema: T, raw: string | null | undefined, logger: RecordLogger, what: string): z.infer<T> | null {
  if (raw === null || raw === undefined || raw === '') return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    logger.warn({ record: what }, 'corrupt record ignored (not JSON)');
    return null;
  }
  return checkRecord(schema, json, logger, what);
}

/** The same for a value Redis already split (a hash read with HGETALL). */
export function checkRecord<T extends z.ZodType>(schema: T, value: unknown, logger: RecordLogger, what: string): z.infer<T> | null {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  logger.warn({ record: what, issues: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`) }, 'corrupt record ignored');
  return null;
}
