/** pino logger that masks ID numbers, bank cards and mobile numbers wherever they appear in a log line. */
import pino, { type Logger } from 'pino';
import { maskPersonalNumbers } from './text.ts';

const MAX_DEPTH = 8;

/**
 * Replaces bytes with their length (a Buffer would otherwise be logged as an array of byte values, which
 * no text mask can see). Only plain objects and arrays are walked: errors and other instances are left to
 * pino's serializers, which run after this formatter.
 */
function withoutBytes(value: unknown, depth = 0): unknown {
  if (value instanceof Uint8Array) return `[${value.length} bytes]`;
  if (depth >= MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => withoutBytes(v, depth + 1));
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutBytes(v, depth + 1)]));
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      hooks: {
        // The finished line: message, interpolated arguments, serialized errors (message and stack) and
        // nested objects alike. Masking any earlier misses what pino adds later (err.message as msg, %o).
        streamWrite: (line) => maskPersonalNumbers(line),
      },
      formatters: {
        log: (obj) => withoutBytes(obj) as Record<string, unknown>,
      },
    },
    destination,
  );
}
