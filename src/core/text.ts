/** Defensive clean-up of member text: every message is hostile input until proven otherwise. */

// Control characters (except newline/tab), zero-width and bidi-override characters.
const UNSAFE = /[\u0000-\u0008\u000B-\u001F\u007F\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF]/g;

export function sanitizeText(raw: string): string {
  // Full-width digits and letters (１３８…, ｘ) become ASCII so validators see what members meant;
  // Chinese punctuation (？，（）) is kept as typed.
  return raw
    .replace(UNSAFE, '')
    .normalize('NFC')
    .replace(/[\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/\u3000/g, ' ')
    .replace(/\r\n?/g, '\n')
    .trim();
}

/** Removes a leading @mention or bot name ("@小助手 ", "小助手，") so intents see the question only. */
export function stripAddress(text: string, botNames: string[]): string {
  let t = text;
  for (const re of addressPatterns(botNames)) t = t.replace(re, '');
  return t.replace(/^@\S+[\s\u2005]+/, '').trim();
}

/** The bot names' patterns, built once per configured list (every message is stripped). */
const addressPatternsOf = new WeakMap<string[], RegExp[]>();
function addressPatterns(botNames: string[]): RegExp[] {
  let patterns = addressPatternsOf.get(botNames);
  if (!patterns) addressPatternsOf.set(botNames, (patterns = botNames.map((name) => new RegExp(`^@?${escapeRegExp(name)}[\\s,，:：\u2005]*`))));
  return patterns;
}

export function startsWithBotName(text: string, botNames: string[]): boolean {
  return botNames.some((n) => text.startsWith(n) || text.startsWith(`@${n}`));
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Masks a name for groups and lists: 张三 → 张*, 张三丰 → 张*丰, 欧阳娜娜 → 欧**娜, Alice → A***e. */
export function maskName(name: string): string {
  const chars = Array.from(name.trim());
  if (chars.length <= 1) return '*';
  if (chars.length === 2) return `${chars[0]}*`;
  return `${chars[0]}${'*'.repeat(chars.length - 2)}${chars[chars.length - 1]}`;
}

/** The digits of a typed number (and the X of an ID number): separators and country codes gone. */
const digitsOf = (s: string) => shadowDigits(s).replace(/[^\dXx]/g, '');
const withoutCountryCode = (digits: string) => digits.replace(/^(?:00)?86(?=1\d{10}$)/, '');

/** Masks a phone number: 13812345678 → 138****5678 (also "+86 138-1234-5678"). */
export function maskPhone(phone: string): string {
  const digits = withoutCountryCode(digitsOf(phone));
  if (digits.length < 7) return '*'.repeat(digits.length);
  return `${digits.slice(0, 3)}${'*'.repeat(digits.length - 7)}${digits.slice(-4)}`;
}

/** Masks a resident ID number: 110105194912310021 → 110***********0021. */
export function maskId(id: string): string {
  const digits = digitsOf(id);
  return digits.length > 7 ? `${digits.slice(0, 3)}${'*'.repeat(digits.length - 7)}${digits.slice(-4)}` : '****';
}

/** Masks a bank card number to its last four digits. */
export function maskCard(card: string): string {
  return `****${digitsOf(card).slice(-4)}`;
}

// Digits as members type them: ASCII, full-width, or Chinese (一三八…, 幺 for one, 大写 壹贰叁…). Each is one
// UTF-16 unit, so a copy with ASCII digits keeps every position of the original text.
const DIGIT_FORMS: Record<string, string> = {
  零: '0', 〇: '0', 一: '1', 幺: '1', 壹: '1', 二: '2', 两: '2', 贰: '2', 三: '3', 叁: '3', 四: '4', 肆: '4',
  五: '5', 伍: '5', 六: '6', 陆: '6', 七: '7', 柒: '7', 八: '8', 捌: '8', 九: '9', 玖: '9', '＋': '+', Ｘ: 'X', ｘ: 'x',
};
const DIGIT_FORM = new RegExp(`[\\uFF10-\\uFF19${Object.keys(DIGIT_FORMS).join('')}]`, 'g');
/** Full-width digits (and ＋, Ｘ) only: Chinese numerals stay words. */
const ARABIC_FORM = /[\uFF10-\uFF19＋Ｘｘ]/g;
function shadowDigits(text: string, form = DIGIT_FORM): string {
  return text.replace(form, (c) => DIGIT_FORMS[c] ?? String.fromCharCode(c.charCodeAt(0) - 0xfee0));
}

// Members type numbers with spaces, hyphens, dots, slashes, underscores and brackets ("138 1234 5678",
// "+86 (138) 1234-5678", "0086.138.1234.5678", "6222_0212_3456_7890"), up to two of them between digits, and
// the validators accept them so: the masks do too. Digits glued to letters ("ID11010519…") are masked; a longer
// digit run is not a match. Every pattern is linear: fixed repetition, and separators are never digits.
const SEP = '[\\s\\-./_()（）\\[\\]【】·•‐–—－．／＿]{0,2}';
const PERSONAL_NUMBERS: Array<{ pattern: RegExp; mask: (digits: string) => string; mayBeDates: boolean }> = [
  // Resident ID, 18 characters (the last may be X).
  { pattern: new RegExp(`(?<!\\d)\\d(?:${SEP}\\d){16}${SEP}[\\dXx](?![\\dXx])`, 'g'), mask: (d) => `${d.slice(0, 6)}********${d.slice(-4)}`, mayBeDates: false },
  // Bank card, 16–19 digits.
  { pattern: new RegExp(`(?<!\\d)\\d(?:${SEP}\\d){15,18}(?!\\d)`, 'g'), mask: (d) => `${d.slice(0, 4)}********${d.slice(-4)}`, mayBeDates: true },
  // Mobile, with or without +86 / 0086 / 86 (before the 15-digit ID: 0086 and a mobile are 15 digits).
  {
    pattern: new RegExp(`(?<!\\d)(?:(?:\\+|00)?${SEP}86${SEP})?1${SEP}[3-9](?:${SEP}\\d){9}(?!\\d)`, 'g'),
    mask: (d) => { const m = withoutCountryCode(d); return `${m.slice(0, 3)}****${m.slice(-4)}`; },
    mayBeDates: true,
  },
  // Resident ID of the first generation, 15 digits.
  { pattern: new RegExp(`(?<!\\d)\\d(?:${SEP}\\d){14}(?!\\d)`, 'g'), mask: (d) => `${d.slice(0, 6)}*****${d.slice(-4)}`, mayBeDates: true },
  // Landline with its area code set apart: 010-12345678, (0755) 1234 5678.
  { pattern: new RegExp(`(?<!\\d)0\\d{2,3}[\\s)）\\-－—–]{1,2}\\d(?:${SEP}\\d){6,7}(?!\\d)`, 'g'), mask: (d) => `${d.slice(0, d.length > 11 ? 4 : 3)}****${d.slice(-4)}`, mayBeDates: true },
];
// Dates ("2026.11.02-2026.12.01", "20261102-20261201") and IPv4 addresses read like long numbers; they are not personal.
const DATE_OR_ADDRESS = /(?:19|20)\d{2}[./\-_]\d{1,2}[./\-_]\d{1,2}|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}/;
const COMPACT_DATE = /^(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])$/;
const datesOrAddress = (candidate: string) => {
  const groups = candidate.split(/\D+/).filter(Boolean);
  return DATE_OR_ADDRESS.test(candidate) || (groups.length > 1 && groups.every((g) => COMPACT_DATE.test(g)));
};

/**
 * Every pattern above needs at least 10 digits (a landline: 0, a 2-digit area code, 7 digits) with at most 2
 * characters between one digit and the next. A text without such a run of digits in any form (ASCII,
 * full-width, Chinese) has nothing to mask — most texts, law answers with their article numbers included: the
 * check is one pass over the characters, the patterns are five.
 */
const FEWEST_DIGITS = 10;
const MOST_BETWEEN_DIGITS = 2;
/** 1 for every UTF-16 unit that is a digit in some form (ASCII, full-width, the Chinese forms above). */
const IS_DIGIT = new Uint8Array(0x10000);
for (let c = 0x30; c <= 0x39; c++) IS_DIGIT[c] = 1;
for (let c = 0xff10; c <= 0xff19; c++) IS_DIGIT[c] = 1;
for (const form of Object.keys(DIGIT_FORMS)) IS_DIGIT[form.charCodeAt(0)] = 1;
function mayHoldNumber(text: string): boolean {
  if (text.length < FEWEST_DIGITS) return false;
  // Read as UTF-16 units from a copy: once a function has seen strings of every shape V8 makes (sliced, joined,
  // one- or two-byte), as this one does in the pipeline, charCodeAt ran 4.5 times slower than this copy and loop.
  const units = Buffer.from(text, 'utf16le');
  let digits = 0;
  let between = 0;
  for (let i = 0; i < units.length; i += 2) {
    if (IS_DIGIT[units[i]! | (units[i + 1]! << 8)] === 1) {
      if (++digits >= FEWEST_DIGITS) return true;
      between = 0;
    } else if (digits > 0 && ++between > MOST_BETWEEN_DIGITS) {
      digits = 0;
      between = 0;
    }
  }
  return false;
}

/** Masks ID, bank card, mobile and landline numbers in free text (logs, group messages, tickets, text sent to an LLM). */
export function maskPersonalNumbers(text: string): string {
  return maskNumbers(text, text);
}

const ESCAPED_WHITESPACE = /\\[nrt]/g;
/**
 * The same for a log line, which is JSON: a line break or tab between digit groups is written there as two
 * characters (`\n`), and separates them as the space it stands for does.
 */
export function maskLogLine(line: string): string {
  return maskNumbers(line, line.includes('\\') ? line.replace(ESCAPED_WHITESPACE, '  ') : line);
}

/** Masks in `text` the numbers found in `read`, a copy of it with the same length (positions carry over). */
function maskNumbers(text: string, read: string): string {
  if (!mayHoldNumber(read)) return text;
  const masks: Array<{ index: number; end: number; text: string }> = [];
  // Chinese numerals read as words first: beside a number they are a name or a word (张三13812345678,
  // 13812345678一定回电), not more of its digits, which would make a run no pattern matches (they match whole
  // digit runs only). Then read as digits, for numbers written with them (一三八…).
  const arabic = shadowDigits(read, ARABIC_FORM);
  const every = shadowDigits(read);
  for (const digits of arabic === every ? [every] : [arabic, every]) {
    let shadow = digits;
    for (const k of masks) shadow = shadow.slice(0, k.index) + '*'.repeat(k.end - k.index) + shadow.slice(k.end);
    for (const { pattern, mask, mayBeDates } of PERSONAL_NUMBERS) {
      // Masked spans are hidden from the later patterns.
      shadow = shadow.replace(pattern, (m: string, index: number) => {
        if (mayBeDates && datesOrAddress(m)) return m;
        masks.push({ index, end: index + m.length, text: mask(m.replace(/[^\dXx]/g, '')) });
        return '*'.repeat(m.length);
      });
    }
  }
  if (masks.length === 0) return text;
  let out = '';
  let at = 0;
  for (const k of masks.sort((a, b) => a.index - b.index)) {
    out += text.slice(at, k.index) + k.text;
    at = k.end;
  }
  return out + text.slice(at);
}
