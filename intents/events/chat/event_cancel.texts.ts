/** Every member-facing text of the event_cancel intent. */
import type { EventDef } from '../model.ts';
import { formatRange } from '../../../src/kit/time.ts';

export const P = {
  summary: '取消活动报名（如：取消报名 运动会）',
  nothing: '您目前没有报名或候补中的活动。',
  notFound: (q: string) => `您的报名里没有名称像「${q}」的活动。`,
  pick: '要取消哪个活动的报名？请回复序号：',
  pickAgain: '请回复列表中的序号，或发送「算了」退出。',
  confirm: (ev: EventDef, waitlisted: boolean, now: number) =>
    `确定要取消「${ev.title}」（${formatRange(ev.startAt, ev.endAt, now)}）的${waitlisted ? '候补' : '报名'}吗？（是/否）`,
  confirmAgain: '请回复「是」确认取消，或「否」保留报名。',
  kept: '好的，已为您保留报名。',
  cancelled: (ev: EventDef) => `已取消「${ev.title}」的报名，名额已让给其他会员。`,
  leftWaitlist: (ev: EventDef) => `已退出「${ev.title}」的候补名单。`,
  none: (ev: EventDef) => `您没有报名「${ev.title}」。`,
  groupCancelled: (who: string, ev: EventDef) => `${who} 已取消「${ev.title}」的报名。`,
  groupLeftWaitlist: (who: string, ev: EventDef) => `${who} 已退出「${ev.title}」的候补。`,
  formChanged: '请重新发送「取消报名」。',
};
