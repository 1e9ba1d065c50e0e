/** Every member-facing text of the event_register intent. */
import type { EventDef, FieldSpec } from '../model.ts';
import { formatDateTime, formatRange } from '../../../src/kit/time.ts';

const minutesText = (m: number) => (m % 1440 === 0 ? `${m / 1440} 天` : m % 60 === 0 ? `${m / 60} 小时` : `${m} 分钟`);

export const P = {
  summary: '报名活动（如：报名 运动会）',
  forgetSummary: '删除我保存的报名资料',
  noEvents: '目前没有正在报名的活动。发送「活动」可查看活动列表。',
  pick: '您要报名哪个活动？请回复序号：',
  notFound: (q: string) => `没有找到名称像「${q}」的报名中活动。`,
  pickAgain: '请回复列表中的序号，或发送「取消」退出。',
  gone: '这个活动已不存在或已下线。',
  alreadyRegistered: (ev: EventDef, seat: number) => `您已经报名了「${ev.title}」（第 ${seat} 位），无需重复报名。发送「我的报名」可查看。`,
  alreadyWaitlisted: (ev: EventDef, pos: number) => `您已在「${ev.title}」的候补名单中，目前排第 ${pos} 位。有人取消时会按顺序递补并通知您。`,
  groupAlreadyRegistered: (who: string, ev: EventDef) => `${who} 已经报名了「${ev.title}」，无需重复报名。`,
  groupAlreadyWaitlisted: (who: string, ev: EventDef, pos: number) => `${who} 已在「${ev.title}」的候补名单中（第 ${pos} 位）。`,
  closed: (ev: EventDef) => `「${ev.title}」已停止报名。`,
  deadline: (ev: EventDef) => `「${ev.title}」的报名已于 ${formatDateTime(ev.deadline)} 截止。`,
  cancelled: (ev: EventDef) => `「${ev.title}」已取消，无法报名。`,
  askField: (ev: EventDef, f: FieldSpec) =>
    f.kind === 'choice' ? `报名「${ev.title}」：请选择${f.label}：` : `报名「${ev.title}」：请输入您的${f.label}：`,
  invalid: {
    name: '请输入报名人的真实姓名（2–20 个字，不含数字）：',
    phone: '手机号格式不对（应为 11 位，如 13812345678），请重新输入：',
    unit: '请输入您工作单位的名称（2–50 个字）：',
    text: '请输入 1–100 个字：',
    choice: '请从选项中选择（回复序号或选项）：',
  },
  askConsent: '要我记住您的姓名、手机和单位，下次报名自动填写吗？（是/否，随时发送「忘记我的资料」即可删除）',
  consentYes: '好的，已保存，下次报名会自动填写。',
  consentNo: '好的，不保存您的资料。',
  usedProfile: '（已自动填写您保存的资料；如需更改请回复「修改」）',
  confirm: (ev: EventDef, lines: string[], usedProfile: boolean, now: number) =>
    `请确认报名信息：\n活动：${ev.title}\n时间：${formatRange(ev.startAt, ev.endAt, now)}\n${lines.join('\n')}${usedProfile ? `\n${P.usedProfile}` : ''}\n\n回复「确认」提交，「修改」重新填写，「取消」放弃。`,
  confirmAgain: '请回复「确认」提交，「修改」重新填写，或「取消」放弃。',
  notSubmitted: '好的，没有提交报名。',
  quit: '已退出报名，填写的内容未提交。',
  registered: (ev: EventDef, seat: number, reminderMinutes: number, now: number) =>
    `✅ 报名成功！您是「${ev.title}」的第 ${seat} 位。\n时间：${formatRange(ev.startAt, ev.endAt, now)}${ev.place ? `\n地点：${ev.place}` : ''}\n活动开始前 ${minutesText(reminderMinutes)}我会提醒您。如不能参加，请发送「取消报名」。`,
  offerWaitlist: (ev: EventDef, waiting: number) =>
    `「${ev.title}」的名额已满${waiting > 0 ? `（已有 ${waiting} 人候补）` : ''}。要加入候补吗？有人取消时会按先后顺序递补并通知您。（是/否）`,
  waitlistAgain: '要加入候补吗？请回复「是」或「否」。',
  noWaitlist: '好的，没有加入候补。',
  waitlisted: (ev: EventDef, pos: number) => `🕒 已加入「${ev.title}」的候补，您排第 ${pos} 位。有人取消时会按顺序递补并通知您。`,
  groupRegistered: (who: string, ev: EventDef, left: number) => `✅ ${who} 已报名「${ev.title}」${left > 0 ? `，还剩 ${left} 个名额` : '，名额已满'}。`,
  groupWaitlisted: (who: string, ev: EventDef, pos: number) => `🕒 ${who} 已加入「${ev.title}」候补，第 ${pos} 位。`,
  groupGoPrivate: (who: string, ev: EventDef, missing: string) =>
    `${who}，报名「${ev.title}」还需要填写：${missing}。个人信息请私聊我填写——私聊发送「报名」即可继续（名额以提交时为准）。`,
  formChanged: '报名表已更新，请重新发送「报名」开始。',
  forgotten: '已删除您保存的报名资料。',
  nothingToForget: '您没有保存过报名资料。',
};
