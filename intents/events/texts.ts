/** Chinese text shared by the event intents and the reminder worker (notifications, event cards). */
import type { EventDef, FieldSpec } from './model.ts';
import { formatDateTime, formatRange } from '../../src/kit/time.ts';

export interface EventCounts {
  registered: number;
  waitlisted: number;
}

export function seatsLine(ev: EventDef, c: EventCounts): string {
  if (ev.status === 'cancelled') return '已取消';
  const left = Math.max(0, ev.capacity - c.registered);
  if (left > 0) return `剩余 ${left}/${ev.capacity} 个名额`;
  return `已满（${ev.capacity} 人），候补 ${c.waitlisted} 人`;
}

/** Multi-line description of an event. */
export function eventCard(ev: EventDef, c: EventCounts | null, now: number): string {
  const lines = [`【${ev.title}】`, `时间：${formatRange(ev.startAt, ev.endAt, now)}`];
  if (ev.place) lines.push(`地点：${ev.place}`);
  if (c) lines.push(`名额：${seatsLine(ev, c)}`);
  else lines.push(`名额：${ev.capacity} 人`);
  lines.push(`报名截止：${formatDateTime(ev.deadline, now)}`);
  if (ev.description) lines.push(ev.description);
  return lines.join('\n');
}

export const fieldList = (fields: FieldSpec[]) =>
  fields.map((f) => (f.choices ? `${f.label}（${f.choices.join('/')}）` : f.label)).join('、') || '无';

export const notices = {
  announce: (ev: EventDef, now: number) =>
    `📢 新活动报名\n${eventCard(ev, null, now)}\n\n在群里发送「报名 ${ev.title}」，或私聊我发送「报名」即可报名。`,
  promoted: (ev: EventDef, now: number) =>
    `🎉 候补转正：您已获得「${ev.title}」的名额！\n时间：${formatRange(ev.startAt, ev.endAt, now)}${ev.place ? `\n地点：${ev.place}` : ''}\n如不能参加，请发送「取消报名」把名额让给其他人。`,
  reminder: (ev: EventDef, now: number) =>
    `⏰ 活动提醒：「${ev.title}」将于 ${formatDateTime(ev.startAt, now)} 开始${ev.place ? `，地点：${ev.place}` : ''}。\n如不能参加，请发送「取消报名」。`,
  eventCancelled: (ev: EventDef, reason: string) =>
    `⚠️ 活动取消：很抱歉，「${ev.title}」已取消${reason ? `，原因：${reason}` : ''}。您的报名/候补随之取消。`,
  eventChanged: (ev: EventDef, what: string, now: number) =>
    `ℹ️ 活动变更：「${ev.title}」的${what}已更新。\n时间：${formatRange(ev.startAt, ev.endAt, now)}${ev.place ? `\n地点：${ev.place}` : ''}`,
};

/** For the optional LLM intent classifier. */
export const INTENT_DESCRIPTIONS = {
  event_list: '询问工会有哪些活动（运动会、联谊、培训、义诊、招聘会、观影、亲子活动等）',
  event_register: '报名参加某个工会活动',
  event_cancel: '取消已报名的活动',
} as const;
