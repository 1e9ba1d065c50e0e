/** Parsing and matching helpers shared by the event intents (no user-facing text here). */
import type { Address, InboundMessage } from '../../src/core/message.ts';
import { platformSchema } from '../../src/core/message.ts';
import type { EventDef, FieldSpec } from './model.ts';
import { DEFAULT_FIELDS, PROFILE_FIELDS } from './model.ts';
import { validateFreeText, validateName } from '../../src/kit/fields.ts';

const YES = /^(是|是的|确认|确定|好|好的|对|可以|行|嗯|要|需要|同意|提交|报名|加入|候补|加入候补|y|yes|ok)$/i;
const NO = /^(否|不|不是|不要|不用|不需要|算了|不同意|n|no)$/i;
const QUIT = /^(取消|退出|不报了|结束|quit|exit|cancel)$/i;
const strip = (t: string) => t.trim().replace(/[。.!！~～,，\s]+$/u, '');
export const isYes = (t: string) => YES.test(strip(t));
export const isNo = (t: string) => NO.test(strip(t));
export const isQuit = (t: string) => QUIT.test(strip(t));

/** Lower-cased, without spaces, punctuation and quote marks. */
export function normalize(s: string): string {
  return s.toLowerCase().replace(/[\s\p{P}\p{S}]+/gu, '');
}

function bigrams(s: string): string[] {
  const chars = Array.from(s);
  if (chars.length < 2) return chars;
  const out: string[] = [];
  for (let i = 0; i + 1 < chars.length; i++) out.push(`${chars[i]}${chars[i + 1]}`);
  return out;
}

/** 0..1 similarity of a query to a title: containment first, else bigram overlap (Dice). */
export function titleScore(query: string, title: string): number {
  const q = normalize(query);
  const t = normalize(title);
  if (!q || !t) return 0;
  if (q === t) return 1;
  if (t.includes(q)) return 0.9;
  if (q.includes(t)) return 0.85;
  // "读书会" for "读书分享会": every character of the query, in order.
  const tc = Array.from(t);
  let at = 0;
  for (const ch of Array.from(q)) {
    at = tc.indexOf(ch, at) + 1;
    if (at === 0) break;
  }
  if (at > 0 && Array.from(q).length >= 2) return 0.7;
  const a = bigrams(q);
  const b = bigrams(t);
  const pool = [...b];
  let hits = 0;
  for (const g of a) {
    const i = pool.indexOf(g);
    if (i >= 0) {
      hits++;
      pool.splice(i, 1);
    }
  }
  return (2 * hits) / (a.length + b.length);
}

/** Events matching a title query, best first; several when the best is not clearly better. */
export function matchEvents(query: string, events: EventDef[]): EventDef[] {
  const scored = events.map((e) => ({ e, s: titleScore(query, e.title) })).filter((x) => x.s >= 0.4);
  scored.sort((a, b) => b.s - a.s);
  const best = scored[0];
  if (!best) return [];
  return scored.filter((x) => best.s - x.s < 0.1).map((x) => x.e);
}

/** What is left of "我要报名运动会" once the verbs (`verbs`, matched anywhere) and filler are gone: "运动会". */
export function extractQuery(text: string, verbs: RegExp): string {
  const anywhere = new RegExp(verbs.source.replace(/^\^/, ''), 'giu');
  let q = text.trim().replace(anywhere, ' ');
  q = q.replace(/^[\s\p{P}]*(请|麻烦)?(你)?(帮我|给我|替我)?(我)?(想|要|想要|准备|打算)?(一下|下)?(参加|参与)?/u, '');
  q = q.replace(/[「」“”"'《》【】]/gu, '');
  q = q.replace(/[\s\p{P}]+$/u, '').replace(/(的)?(活动)?(吧|呢|啊|哈|呀|了)?$/u, '').replace(/[\s\p{P}]+$/u, '');
  return q.trim();
}

/** A positive whole number typed as a choice ("2", "第2个", "２"). */
export function parseIndex(text: string): number | null {
  const s = text.trim().replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
  const m = /^(?:第)?(\d{1,3})(?:个|项|号)?$/.exec(s);
  return m ? Number(m[1]) : null;
}

/** Where to notify a member: their private chat (on Telegram and WeChat the private chat id is the user id). */
export function privateAddress(msg: InboundMessage): Address {
  if (msg.chatType === 'private') return { platform: msg.platform, chatId: msg.chatId, chatType: 'private' };
  return { platform: msg.platform, chatId: msg.senderId, chatType: 'private' };
}

export type FieldCheck = { ok: true; value: string } | { ok: false; reason: 'name' | 'phone' | 'unit' | 'text' | 'choice' };

/** Validates one answer for a registration field. */
export function checkField(field: FieldSpec, raw: string): FieldCheck {
  const text = raw.trim();
  switch (field.kind) {
    case 'name': {
      // 好的 / 😀😀 / 我要申请住院互助 are not names (the claim form's rules).
      const name = validateName(text);
      return name.ok && Array.from(name.value).length <= 20 ? { ok: true, value: name.value } : { ok: false, reason: 'name' };
    }
    case 'phone': {
      let digits = text.replace(/[\s\-()（）]/g, '');
      if (/^(\+?86)1\d{10}$/.test(digits)) digits = digits.replace(/^\+?86/, '');
      return /^1[3-9]\d{9}$/.test(digits) ? { ok: true, value: digits } : { ok: false, reason: 'phone' };
    }
    case 'unit': {
      // A unit has words: not 好的, an emoji or a question.
      const unit = validateFreeText(text, 2, 50);
      return unit.ok ? { ok: true, value: unit.value } : { ok: false, reason: 'unit' };
    }
    case 'text': {
      const len = Array.from(text).length;
      return len >= 1 && len <= 100 ? { ok: true, value: text } : { ok: false, reason: 'text' };
    }
    case 'choice': {
      const choices = field.choices ?? [];
      const idx = parseIndex(text);
      if (idx !== null && idx >= 1 && idx <= choices.length) return { ok: true, value: choices[idx - 1] ?? '' };
      const hit = choices.find((c) => c.toLowerCase() === text.toLowerCase());
      return hit ? { ok: true, value: hit } : { ok: false, reason: 'choice' };
    }
  }
}

/** What staff may type for the profile fields. */
const KNOWN_FIELDS: Record<string, FieldSpec> = {
  姓名: PROFILE_FIELDS.name,
  名字: PROFILE_FIELDS.name,
  手机: PROFILE_FIELDS.phone,
  手机号: PROFILE_FIELDS.phone,
  电话: PROFILE_FIELDS.phone,
  单位: PROFILE_FIELDS.unit,
  工作单位: PROFILE_FIELDS.unit,
};

/**
 * "默认" → name, phone, unit; "姓名,手机,衣服尺码:S/M/L/XL,备注" → those fields
 * (a label with ':' and '/'-separated choices is a choice field, a bare new label is free text).
 */
export function parseFieldSpec(text: string): { ok: true; fields: FieldSpec[] } | { ok: false; bad: string } {
  const t = text.trim();
  if (/^(默认|好|是|确认|ok)$/i.test(t)) return { ok: true, fields: DEFAULT_FIELDS };
  if (/^(无|不需要|不用)$/.test(t)) return { ok: true, fields: [] };
  const fields: FieldSpec[] = [];
  let custom = 0;
  for (const part of t.split(/[,，、;；\n]+/).map((p) => p.trim()).filter(Boolean)) {
    const known = KNOWN_FIELDS[part];
    if (known) {
      if (!fields.some((f) => f.key === known.key)) fields.push(known);
      continue;
    }
    const m = /^([^:：]{1,20})(?:[:：](.+))?$/.exec(part);
    if (!m?.[1]) return { ok: false, bad: part };
    const label = m[1].trim();
    const choices = m[2]?.split(/[/／|｜]/).map((c) => c.trim()).filter(Boolean);
    if (m[2] !== undefined && (!choices || choices.length < 2)) return { ok: false, bad: part };
    custom++;
    fields.push(choices ? { key: `c${custom}`, label, kind: 'choice', choices } : { key: `c${custom}`, label, kind: 'text' });
  }
  return fields.length > 0 ? { ok: true, fields } : { ok: false, bad: t };
}

/**
 * Group addresses for announcements: "无", numbers from the offered list of known groups, or
 * "telegram:-100123,wechat:123@chatroom".
 */
export function parseGroups(text: string, known: string[]): { ok: true; groups: Address[] } | { ok: false; bad: string } {
  const t = text.trim();
  if (/^(无|不需要|不用|不发|否)$/.test(t)) return { ok: true, groups: [] };
  const groups: Address[] = [];
  for (const part of t.split(/[,，、;；\s]+/).map((p) => p.trim()).filter(Boolean)) {
    const idx = parseIndex(part);
    const spec = idx !== null ? known[idx - 1] : part;
    if (!spec) return { ok: false, bad: part };
    const m = /^([a-z]+)[:：](.+)$/.exec(spec);
    const platform = platformSchema.safeParse(m?.[1]);
    if (!m?.[2] || !platform.success) return { ok: false, bad: part };
    if (!groups.some((g) => g.platform === platform.data && g.chatId === m[2])) {
      groups.push({ platform: platform.data, chatId: m[2], chatType: 'group' });
    }
  }
  return groups.length > 0 ? { ok: true, groups } : { ok: false, bad: t };
}
