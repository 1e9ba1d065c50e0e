/**
 * Pure validators for the claim form. Each returns either a normalized value or an error code;
 * the Chinese wording for each code lives in prompts.ts.
 */
import { relativeDay } from './time.ts';

export type Valid<T> = { ok: true; value: T } | { ok: false; error: string };
const ok = <T>(value: T): Valid<T> => ({ ok: true, value });
const fail = <T>(error: string): Valid<T> => ({ ok: false, error });

// ---------- name ----------
const NAME_RE = /^[\u4e00-\u9fa5\u3400-\u4dbf]{2,10}(?:[·•][\u4e00-\u9fa5\u3400-\u4dbf]{1,10})*$|^[A-Za-z][A-Za-z .'-]{1,39}$/;
/** Words that never appear in a real name but often in a sentence typed into the name box. */
const NOT_A_NAME = /申请|互助|报销|工会|什么|怎么|为什么|你好|您好|谢谢|不知道|是不是|可以|我要|我想|帮我|请问/;

export function validateName(input: string): Valid<string> {
  const v = input.replace(/\s+/g, input.match(/[A-Za-z]/) ? ' ' : '').trim();
  if (!NAME_RE.test(v) || NOT_A_NAME.test(v) || looksLikeQuestion(v) || isSmallTalk(v)) return fail('name');
  return ok(v);
}

// ---------- resident ID (GB 11643-1999) ----------
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** The GB 11643 check character for the first 17 digits. */
export function idCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (ID_WEIGHTS[i] ?? 0);
  return ID_CHECK[sum % 11] ?? '';
}

export function validateIdNumber(input: string, today?: string): Valid<string> {
  const v = input.replace(/\s+/g, '').toUpperCase();
  if (!/^\d{17}[\dX]$/.test(v)) return fail('id_format');
  const birth = `${v.slice(6, 10)}-${v.slice(10, 12)}-${v.slice(12, 14)}`;
  if (!isRealDate(birth) || birth < '1900-01-01' || (today !== undefined && birth > today)) return fail('id_birth');
  if (idCheckChar(v.slice(0, 17)) !== v[17]) return fail('id_checksum');
  return ok(v);
}

// ---------- mobile ----------
export function validateMobile(input: string): Valid<string> {
  const v = input.replace(/[\s-]/g, '').replace(/^(?:\+?86)(?=1\d{10}$)/, '');
  return /^1[3-9]\d{9}$/.test(v) ? ok(v) : fail('mobile');
}

// ---------- free text ----------
export function validateFreeText(input: string, min: number, max: number): Valid<string> {
  const v = input.replace(/\s+/g, ' ').trim();
  if ([...v].length < min) return fail('too_short');
  if ([...v].length > max) return fail('too_long');
  if (looksLikeQuestion(v) || isSmallTalk(v)) return fail('question');
  // A unit, hospital or diagnosis has words: "2026-05-01" or "13800138000" here is an answer meant for another question.
  if (!/[\p{L}]/u.test(v)) return fail('no_words');
  return ok(v);
}

const SMALL_TALK = /^(?:你好|您好|你好呀|在吗|在不在|有人吗|hi|hello|哈喽|嗨|喂|早|早上好|中午好|下午好|晚上好|谢谢|好的|嗯|嗯嗯|哦|ok)[!！。.~～?？]*$/i;

const GREETING = /^(?:你好|您好|你好呀|在吗|在不在|有人吗|hi|hello|哈喽|嗨|喂|早|早上好|中午好|下午好|晚上好)[!！。.~～?？]*$/i;

/** A greeting: a member coming back mid-form, not a wrong answer. */
export function isGreeting(text: string): boolean {
  return GREETING.test(text.trim());
}

/** Greetings and acknowledgements: never an answer to a free-text question. */
export function isSmallTalk(text: string): boolean {
  return SMALL_TALK.test(text.trim());
}

// ---------- dates ----------
export function isRealDate(iso: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === iso;
}

/** Today's date in China (UTC+8, no daylight saving) as YYYY-MM-DD. */
export function chinaToday(now: Date): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/** When a China date (YYYY-MM-DD) begins, in ms since the epoch. */
export function chinaDayStart(date: string): number {
  return Date.parse(`${date}T00:00:00+08:00`);
}

/** A stored instant (ISO, UTC) as China time "YYYY-MM-DD HH:MM", as reviewers read it. */
export function chinaDateTime(iso: string): string {
  return new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
}

export function addDays(iso: string, days: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function daysBetween(fromIso: string, toIso: string): number {
  return Math.round((Date.parse(`${toIso}T00:00:00Z`) - Date.parse(`${fromIso}T00:00:00Z`)) / 86400_000);
}

/**
 * Accepts 2026-11-02, 2026/11/2, 2026.11.2, 2026年11月2日 (号) and 11月2日 (this year, China time); with `relative`,
 * also days said relative to today (昨天, 3天前, 上个礼拜三; a bare 周三 is the last one).
 */
export function parseDate(input: string, today: string, opts: { relative?: boolean } = {}): Valid<string> {
  const v = input.replace(/\s+/g, '');
  const relative = opts.relative ? relativeDay(v, today, 'past') : null;
  if (relative?.rest === '') return relative.day > today ? fail('date_future') : ok(relative.day);
  let y: number, mo: number, d: number;
  let m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?$/.exec(v);
  if (m) {
    y = Number(m[1]);
    mo = Number(m[2]);
    d = Number(m[3]);
  } else if ((m = /^(\d{1,2})月(\d{1,2})[日号]?$/.exec(v))) {
    y = Number(today.slice(0, 4));
    mo = Number(m[1]);
    d = Number(m[2]);
  } else if ((m = /^(\d{4})(\d{2})(\d{2})$/.exec(v))) {
    y = Number(m[1]);
    mo = Number(m[2]);
    d = Number(m[3]);
  } else {
    return fail('date_format');
  }
  const iso = `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  if (!isRealDate(iso)) return fail('date_invalid');
  if (iso > today) return fail('date_future');
  if (iso < '2000-01-01') return fail('date_invalid');
  return ok(iso);
}

// ---------- money ----------
/** Yuan with at most two decimals (commas, "元", "¥" tolerated) → integer cents. */
export function parseAmountCents(input: string): Valid<number> {
  const v = input.replace(/[\s,，]/g, '').replace(/^[¥￥]/, '').replace(/(?:元|块|rmb|RMB)$/, '');
  // "3万", "1.25万元": how people say sums in the tens of thousands.
  const wan = /^(\d{1,8})(?:\.(\d{1,4}))?万$/.exec(v);
  if (wan) {
    const cents = Number(wan[1]) * 1_000_000 + Number((wan[2] ?? '').padEnd(4, '0')) * 100;
    return cents > 0 ? ok(cents) : fail('amount_zero');
  }
  if (!/^\d+(?:\.\d{1,2})?$/.test(v)) {
    if (/^\d+\.\d{3,}$/.test(v)) return fail('amount_decimals');
    return fail('amount_format');
  }
  const [intPart = '0', frac = ''] = v.split('.');
  if (intPart.length > 12) return fail('amount_format');
  const cents = Number(intPart) * 100 + Number(frac.padEnd(2, '0'));
  if (cents <= 0) return fail('amount_zero');
  return ok(cents);
}

export function formatYuan(cents: number): string {
  return (cents / 100).toFixed(2).replace(/\.00$/, '');
}

// ---------- bank card ----------
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let n = Number(digits[i]);
    if (double) {
      n *= 2;
      if (n > 9) n -= 9;
    }
    sum += n;
    double = !double;
  }
  return sum % 10 === 0;
}

export function validateBankCard(input: string): Valid<string> {
  const v = input.replace(/[\s-]/g, '');
  if (!/^\d{16,19}$/.test(v)) return fail('card_format');
  if (!luhnValid(v)) return fail('card_checksum');
  return ok(v);
}

/** Short names members type for the big banks, longest first within a prefix (邮储银行 before 邮储). */
const BANK_SHORT_NAMES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^(?:中国)?工行/, '中国工商银行'],
  [/^(?:中国)?建行/, '中国建设银行'],
  [/^(?:中国)?农行/, '中国农业银行'],
  [/^中行/, '中国银行'],
  [/^交行/, '交通银行'],
  [/^招行/, '招商银行'],
  [/^(?:中国)?邮(?:政)?储(?:蓄)?(?:银行)?/, '中国邮政储蓄银行'],
  [/^浦发(?:银行)?/, '上海浦东发展银行'],
];

/** "建行" → "中国建设银行", "工行朝阳支行" → "中国工商银行朝阳支行"; other names unchanged. */
export function expandBankName(input: string): string {
  const v = input.replace(/\s+/g, '');
  for (const [short, full] of BANK_SHORT_NAMES) if (short.test(v)) return v.replace(short, full);
  return input;
}

export function validateBankName(input: string): Valid<string> {
  const v = validateFreeText(expandBankName(input), 2, 40);
  if (!v.ok) return v;
  if (!/银行|信用社|农商|农信|邮储|储蓄|bank/i.test(v.value)) return fail('bank_name');
  return v;
}

// ---------- files ----------
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;
export type DocumentMime = 'image/jpeg' | 'image/png' | 'application/pdf';

/** The real type from the first bytes; the declared MIME type is not trusted. */
export function sniffDocumentType(data: Buffer): DocumentMime | null {
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
  if (data.length >= 8 && data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (data.length >= 5 && data.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  return null;
}

// ---------- masking ----------
export function maskText(text: string): string {
  const chars = [...text];
  return chars.length <= 1 ? '*' : `${chars[0]}${'*'.repeat(Math.min(chars.length - 1, 6))}`;
}

// ---------- interruptions ----------
const QUESTION_RE = /[?？]|怎么|怎样|如何|什么|为什么|吗|呢$|能不能|可不可以|是否|多少|哪些|哪里|有没有|咨询|请问/;

/** A message that is probably a question to the bot rather than an answer to the form. */
export function looksLikeQuestion(text: string): boolean {
  const t = text.trim();
  return QUESTION_RE.test(t) || [...t].length > 40;
}
