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

/** Masks a Chinese name for group display: 张三 → 张*, 欧阳娜娜 → 欧**娜. */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length <= 1) return '*';
  if (chars.length === 2) return `${chars[0]}*`;
  return `${chars[0]}${'*'.repeat(chars.length - 2)}${chars[chars.length - 1]}`;
}

/** Masks a mainland mobile number: 13812345678 → 138****5678. */
export function maskPhone(phone: string): string {
  return phone.length >= 7 ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : '****';
}

const ID_NUMBER = /\b(\d{6})\d{8}(\d{3}[\dXx])\b/g;
const BANK_CARD = /\b(\d{4})\d{8,11}(\d{4})\b/g;
const MOBILE = /\b(1[3-9]\d)\d{4}(\d{4})\b/g;

/** Masks ID, bank card and mobile numbers in free text (logs, group messages, lists, text sent to an LLM). */
export function maskPersonalNumbers(text: string): string {
  return text.replace(ID_NUMBER, '$1********$2').replace(BANK_CARD, '$1********$2').replace(MOBILE, '$1****$2');
}
