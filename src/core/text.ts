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
  for (const name of botNames) {
    const re = new RegExp(`^@?${escapeRegExp(name)}[\\s,，:：\u2005]*`);
    t = t.replace(re, '');
  }
  return t.replace(/^@\S+[\s\u2005]+/, '').trim();
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

/** Masks a phone number: 13812345678 → 138****5678. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 7) return '*'.repeat(digits.length);
  return `${digits.slice(0, 3)}${'*'.repeat(digits.length - 7)}${digits.slice(-4)}`;
}

/** Masks a resident ID number: 110105194912310021 → 110***********0021. */
export function maskId(id: string): string {
  return id.length > 7 ? `${id.slice(0, 3)}${'*'.repeat(id.length - 7)}${id.slice(-4)}` : '****';
}

/** Masks a bank card number to its last four digits. */
export function maskCard(card: string): string {
  return `****${card.slice(-4)}`;
}

// Members type numbers with spaces or hyphens ("138 1234 5678", "+86 138-1234-5678", "6222 0212 3456 7890"),
// and the validators accept them so: the masks do too. Digits glued to letters ("ID11010519…") are masked;
// a longer digit run is not a match. Every pattern is linear (fixed repetition, no nested quantifiers).
const ID_NUMBER = /(?<!\d)\d(?:[ -]?\d){16}[ -]?[\dXx](?!\d)/g;
const BANK_CARD = /(?<!\d)\d(?:[ -]?\d){15,18}(?!\d)/g;
const MOBILE = /(?<!\d)(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d){8}(?!\d)/g;
const digitsOf = (s: string) => s.replace(/[^\dXx]/g, '');

/** Masks ID, bank card and mobile numbers in free text (logs, group messages, lists, text sent to an LLM). */
export function maskPersonalNumbers(text: string): string {
  return text
    .replace(ID_NUMBER, (m) => { const d = digitsOf(m); return `${d.slice(0, 6)}********${d.slice(-4)}`; })
    .replace(BANK_CARD, (m) => { const d = digitsOf(m); return `${d.slice(0, 4)}********${d.slice(-4)}`; })
    .replace(MOBILE, (m) => { const d = digitsOf(m).replace(/^86(?=1\d{10}$)/, ''); return `${d.slice(0, 3)}****${d.slice(-4)}`; });
}
