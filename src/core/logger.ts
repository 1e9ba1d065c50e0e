/** pino logger that masks ID numbers, bank cards and mobile numbers wherever they appear in a log line. */
import { randomBytes } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { maskLogLine } from './text.ts';

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

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const OMIT = new Set(['level', 'time', 'pid', 'hostname', 'msg']);

/** One log line (JSON, already masked) as "12:03:04 INFO message key=value …", for a person at a terminal. */
export function prettyLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = typeof entry['time'] === 'number' ? new Date(entry['time']).toTimeString().slice(0, 8) : '';
  const level = LEVELS[Number(entry['level'])] ?? String(entry['level']);
  const rest = Object.entries(entry)
    .filter(([k]) => !OMIT.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return `${time} ${level.padEnd(5)} ${String(entry['msg'] ?? '')}${rest.length ? `  ${rest.join(' ')}` : ''}\n`;
}

/** A destination that writes each line pretty. */
export function prettyDestination(out: { write(s: string): unknown }): pino.DestinationStream {
  return { write: (line: string) => void out.write(prettyLine(line)) };
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      hooks: {
        // The finished line: message, interpolated arguments, serialized errors (message and stack) and
        // nested objects alike. Masking any earlier misses what pino adds later (err.message as msg, %o).
        streamWrite: (line) => maskLogLine(line),
      },
      formatters: {
        log: (obj) => withoutBytes(obj) as Record<string, unknown>,
      },
    },
    destination,
  );
}

/** Unique per process (random) and per message (a counter): cheap, and unique across processes. */
const processPart = randomBytes(4).toString('hex');
let requests = 0;

/**
 * A message's request id: the channel puts it on its own lines and hands it to the pipeline, whose turn log
 * (`TurnContext.log`) carries it into the router and the handlers.
 */
export function newRequestId(): string {
  return `${processPart}-${(++requests).toString(36)}`;
}
