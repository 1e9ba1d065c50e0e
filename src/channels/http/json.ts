/**
 * JSON request bodies are checked by one linear scan before JSON.parse: nesting depth, the bytes outside
 * file data, and long strings only where file data goes. A hostile body (deeply nested, huge, a 10 MB
 * "text") is refused after a scan that stops at the first violation, before any parsing work.
 */

/** Bytes of JSON a request may carry besides file data. */
export const SMALL_JSON_BYTES = 128 * 1024;
/** Deepest nesting accepted (the web API needs 3, a Telegram update about 6). */
export const MAX_JSON_DEPTH = 32;
/** The only key whose string value may be longer than SMALL_JSON_BYTES: a file's base64 data. */
export const FILE_DATA_KEY = 'dataBase64';
/** At most this many file-data strings per body. */
export const MAX_FILE_STRINGS = 10;

export class JsonLimitError extends Error {
  constructor(
    message: string,
    readonly statusCode: 400 | 413,
  ) {
    super(message);
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** Index of the quote closing the string that opens at `start`, or -1. */
function stringEnd(text: string, start: number): number {
  let j = start + 1;
  for (;;) {
    j = text.indexOf('"', j);
    if (j < 0) return -1;
    let slashes = 0;
    while (text.charCodeAt(j - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return j;
    j++;
  }
}

/** A key's escapes decoded; a malformed one is left as written (JSON.parse refuses the body later with a 400). */
function decodeKey(raw: string): string {
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}

/** Throws JsonLimitError when `text` breaks a limit; malformed JSON is left to JSON.parse. */
export function checkJsonLimits(text: string): void {
  let depth = 0;
  let small = 0;
  let fileStrings = 0;
  let lastKey = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (end < 0) return;
      const length = end - i + 1;
      let k = end + 1;
      while (isSpace(text.charCodeAt(k))) k++;
      if (text[k] === ':') {
        if (length > 256) throw new JsonLimitError('body: key too long', 413);
        // A key without escapes is its text (most are); one with escapes is decoded as JSON would.
        const raw = text.slice(i + 1, end);
        lastKey = raw.includes('\\') ? decodeKey(raw) : raw;
        if (lastKey === '__proto__') throw new JsonLimitError('body: forbidden key __proto__', 400);
        small += length;
      } else if (length > SMALL_JSON_BYTES) {
        if (lastKey !== FILE_DATA_KEY) throw new JsonLimitError(`body: ${lastKey || 'a value'} is too long`, 413);
        if (++fileStrings > MAX_FILE_STRINGS) throw new JsonLimitError('body: too many files', 413);
      } else {
        small += length;
      }
      i = end;
    } else {
      if (c === 0x7b || c === 0x5b) {
        if (++depth > MAX_JSON_DEPTH) throw new JsonLimitError(`body: nested deeper than ${MAX_JSON_DEPTH}`, 413);
      } else if (c === 0x7d || c === 0x5d) {
        depth--;
      }
      small++;
    }
    if (small > SMALL_JSON_BYTES) throw new JsonLimitError(`body: more than ${SMALL_JSON_BYTES} bytes besides file data`, 413);
  }
}

/** checkJsonLimits, then JSON.parse; a syntax error is a 400. */
export function parseLimitedJson(text: string): unknown {
  checkJsonLimits(text);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new JsonLimitError(`body: not JSON (${err instanceof Error ? err.message : String(err)})`, 400);
  }
}
