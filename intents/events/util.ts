/** Parsing and matching helpers shared by the event intents (no user-facing text here). */
import { z } from 'zod';
import type { Address, InboundMessage } from '../../src/core/message.ts';
import { platformSchema } from '../../src/core/message.ts';
import type { TurnResult } from '../../src/core/service.ts';
import { parseCount } from '../../src/kit/forms/types.ts';
import type { EventDef, FieldSpec } from './model.ts';
import { DEFAULT_FIELDS, PROFILE_FIELDS } from './model.ts';

/** A one-message answer that ends any dialog. */
export const done = (text: string): TurnResult => ({ replies: [{ text }], dialog: null });

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
export function matchEvents<E extends { title: string }>(query: string, events: readonly E[]): E[] {
  const scored = events.map((e) => ({ e, s: titleScore(query, e.title) })).filter((x) => x.s >= 0.4);
  scored.sort((a, b) => b.s - a.s);
  const best = scored[0];
  if (!best) return [];
  return scored.filter((x) => best.s - x.s < 0.1).map((x) => x.e);
}

/** The events a form offers to pick from (kept in the form's meta). */
export const candidatesSchema = z.array(z.object({ id: z.string(), title: z.string() })).default([]);
export const candidatesOf = (events: readonly EventDef[]) => events.map((e) => ({ id: e.id, title: e.title }));
/** What a form shows of the picked event. */
export const eventBriefSchema = z.object({ title: z.string(), startAt: z.number(), endAt: z.number() });
export const briefOf = (ev: EventDef) => ({ title: ev.title, startAt: ev.startAt, endAt: ev.endAt });

/** The id of the candidate a reply picks: its number in the list, or a title only it matches. */
export function pickCandidate(text: string, candidates: readonly { id: string; title: string }[]): string | undefined {
  const n = parseCount(text);
  if (n !== null) return candidates[n - 1]?.id;
  const matches = matchEvents(text, candidates);
  return matches.length === 1 ? matches[0]?.id : undefined;
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

/** Where to notify a member: their private chat (on Telegram and WeChat the private chat id is the user id). */
export function privateAddress(msg: InboundMessage): Address {
  if (msg.chatType === 'private') return { platform: msg.platform, chatId: msg.chatId, chatType: 'private' };
  return { platform: msg.platform, chatId: msg.senderId, chatType: 'private' };
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

/** A group the bot has seen, as the /newevent wizard offers it. */
export interface GroupChoice {
  name: string;
  address: Address;
}

/**
 * Group addresses for announcements: "无", numbers or names from the offered groups, or
 * "telegram:-100123,wechat:123@chatroom".
 */
export function parseGroups(text: string, known: readonly GroupChoice[]): { ok: true; groups: Address[] } | { ok: false; bad: string } {
  const t = text.trim();
  if (/^(无|不需要|不用|不发|否)$/.test(t)) return { ok: true, groups: [] };
  const named = known.find((g) => g.name && g.name === t);
  if (named) return { ok: true, groups: [named.address] };
  const groups: Address[] = [];
  for (const part of t.split(/[,，、;；\s]+/).map((p) => p.trim()).filter(Boolean)) {
    const n = parseCount(part);
    const address = n !== null ? known[n - 1]?.address : (known.find((g) => g.name && g.name === part)?.address ?? typedAddress(part));
    if (!address) return { ok: false, bad: part };
    if (!groups.some((g) => g.platform === address.platform && g.chatId === address.chatId)) groups.push(address);
  }
  return groups.length > 0 ? { ok: true, groups } : { ok: false, bad: t };
}

/** "telegram:-100123" → that group, else null. */
function typedAddress(text: string): Address | null {
  const m = /^([a-z]+)[:：](.+)$/.exec(text);
  const platform = platformSchema.safeParse(m?.[1]);
  return m?.[2] && platform.success ? { platform: platform.data, chatId: m[2], chatType: 'group' } : null;
}
