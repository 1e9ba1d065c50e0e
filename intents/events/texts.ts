/** Every user-facing Chinese text of the events service: cards, notifications, the member intents and the staff commands. */
import type { Address } from '../../src/core/message.ts';
import { formatDateTime, formatRange } from '../../src/kit/time.ts';
import type { EditableField, FieldError } from './fields.ts';
import type { EventDef, EventStatus, FieldSpec } from './model.ts';

export interface EventCounts {
  registered: number;
  waitlisted: number;
}

/** Labels of the profile fields (name, phone, unit) as registrants see them. */
export const FIELD_LABELS = { name: '姓名', phone: '手机', unit: '工作单位' } as const;
/** Other words registrants use for them ("改一下电话"). */
export const FIELD_ALIASES = { name: ['名字'], phone: ['电话', '手机号'], unit: ['单位'] } as const;

/** What a sign-up shows of its event. */
export type EventBrief = Pick<EventDef, 'title' | 'startAt' | 'endAt'>;

/** What staff call each editable field (edit confirmations and change notices). */
export const EDITABLE_FIELD_NAMES: Record<EditableField, string> = {
  title: '标题',
  description: '简介',
  startAt: '开始时间',
  endAt: '结束时间',
  place: '地点',
  capacity: '名额',
  deadline: '报名截止时间',
};

/** The words staff use for each editable field (/editevent ID 名额 120, "改一下名额"), the names above among them. */
export const FIELD_WORDS: Record<EditableField, readonly string[]> = {
  title: ['标题', '名称', 'title'],
  description: ['简介', '描述', '说明', 'description'],
  startAt: ['开始', '开始时间', '时间', 'start'],
  endAt: ['结束', '结束时间', 'end'],
  place: ['地点', 'place'],
  capacity: ['名额', '人数', 'capacity'],
  deadline: ['截止', '截止时间', '报名截止', '报名截止时间', 'deadline'],
};

const STATUS_NAMES: Record<EventStatus, string> = { open: '报名中', closed: '已截止', cancelled: '已取消' };

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

const fieldList = (fields: FieldSpec[]) => fields.map((f) => (f.choices ? `${f.label}（${f.choices.join('/')}）` : f.label)).join('、') || '无';
const groupsText = (groups: Address[]) => (groups.length ? groups.map((g) => `${g.platform}:${g.chatId}`).join('，') : '不发布到群');
const minutesText = (m: number) => (m % 1440 === 0 ? `${m / 1440} 天` : m % 60 === 0 ? `${m / 60} 小时` : `${m} 分钟`);

/** Messages sent later through the outbox (announcements, promotions, reminders, change and cancel notices). */
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

/** The event list and "我的报名" (event_list). */
export const LIST_TEXT = {
  summaries: { list: '查看正在报名的活动', mine: '查看我的报名' },
  noEvents: '目前没有正在报名的活动，有新活动会在群里通知大家。',
  listHeader: '📅 正在报名的活动：',
  listItem: (i: number, ev: EventDef, c: EventCounts, now: number, showId: boolean) =>
    `${i}. ${ev.title}${showId ? `（ID ${ev.id}）` : ''}\n   ${formatRange(ev.startAt, ev.endAt, now)}${ev.place ? `｜${ev.place}` : ''}\n   ${seatsLine(ev, c)}｜截止 ${formatDateTime(ev.deadline, now)}`,
  listFooter: '回复「报名 序号」或「报名 活动名」即可报名；发送「我的报名」查看已报名的活动。',
  mineNone: '您还没有报名任何活动。发送「活动」看看正在报名的活动吧。',
  mineHeader: '📝 我的报名：',
  mineItem: (i: number, ev: EventDef, status: string, phone: string | null, now: number) =>
    `${i}. ${ev.title}｜${formatRange(ev.startAt, ev.endAt, now)}\n   ${status}${phone ? `｜登记手机 ${phone}` : ''}`,
  mineStatus: {
    registered: (seat: number) => `已报名（第 ${seat} 位）`,
    waitlisted: (pos: number) => `候补第 ${pos} 位`,
    cancelled: (reason: string) => `活动已取消${reason ? `：${reason}` : ''}`,
    ended: '活动已结束',
  },
  mineFooter: '如需取消，请发送「取消报名 活动名」。',
};

/** Signing up (event_register). */
export const REGISTER_TEXT = {
  summary: '报名活动（如：报名 运动会）',
  forgetSummary: '删除我保存的报名资料',
  noEvents: '目前没有正在报名的活动。发送「活动」可查看活动列表。',
  pick: '您要报名哪个活动？请回复序号：',
  pickLabel: '活动',
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
  askField: (ev: EventBrief, f: FieldSpec) =>
    f.kind === 'choice' ? `报名「${ev.title}」：请选择${f.label}：` : `报名「${ev.title}」：请输入您的${f.label}：`,
  invalid: {
    name: '请输入报名人的真实姓名（2–20 个字，不含数字）：',
    phone: '手机号格式不对（应为 11 位，如 13812345678），请重新输入：',
    unit: '请输入您工作单位的名称（2–50 个字）：',
    text: '请输入 1–100 个字：',
    choice: '请从选项中选择（回复序号或选项）：',
  },
  askConsent: '要我记住您的姓名、手机和单位，下次报名自动填写吗？（是/否，随时发送「忘记我的资料」即可删除）',
  consentLabel: '记住我的资料',
  consentAgain: '请回复「是」或「否」。',
  consentShown: (remember: boolean) => (remember ? '是' : '否'),
  consentYes: '好的，已保存，下次报名会自动填写。',
  consentNo: '好的，不保存您的资料。',
  confirm: (ev: EventBrief, lines: string[], usedProfile: boolean, waitlist: boolean, now: number) =>
    `请确认报名信息：\n活动：${ev.title}\n时间：${formatRange(ev.startAt, ev.endAt, now)}\n${lines.join('\n')}${usedProfile ? '\n（已自动填写您保存的资料；如需更改请回复「修改」）' : ''}${waitlist ? '\n（名额已满：提交后加入候补，有人取消时按顺序递补）' : ''}\n\n回复「确认」提交，「修改」更改某一项，「取消」放弃。`,
  confirmAgain: '请回复「确认」提交，「修改」更改某一项，或「取消」放弃。',
  notSubmitted: '好的，没有提交报名。',
  quit: '已退出报名，填写的内容未提交。',
  registered: (ev: EventDef, seat: number, reminderMinutes: number, now: number) =>
    `✅ 报名成功！您是「${ev.title}」的第 ${seat} 位。\n时间：${formatRange(ev.startAt, ev.endAt, now)}${ev.place ? `\n地点：${ev.place}` : ''}\n活动开始前 ${minutesText(reminderMinutes)}我会提醒您。如不能参加，请发送「取消报名」。`,
  offerWaitlist: (ev: EventBrief, waiting: number) =>
    `「${ev.title}」的名额已满${waiting > 0 ? `（已有 ${waiting} 人候补）` : ''}。要加入候补吗？有人取消时会按先后顺序递补并通知您。（是/否）`,
  waitlistLabel: '加入候补',
  waitlistAgain: '要加入候补吗？请回复「是」或「否」。',
  noWaitlist: '好的，没有加入候补。',
  waitlisted: (ev: EventDef, pos: number) => `🕒 已加入「${ev.title}」的候补，您排第 ${pos} 位。有人取消时会按顺序递补并通知您。`,
  groupRegistered: (who: string, ev: EventDef, left: number) => `✅ ${who} 已报名「${ev.title}」${left > 0 ? `，还剩 ${left} 个名额` : '，名额已满'}。`,
  groupWaitlisted: (who: string, ev: EventDef, pos: number) => `🕒 ${who} 已加入「${ev.title}」候补，第 ${pos} 位。`,
  groupGoPrivate: (who: string, ev: EventDef, left: number, missing: string) =>
    `${who}，报名「${ev.title}」还需要填写：${missing}。目前还剩 ${left} 个名额，提交后才算报上——个人信息请私聊我填写，私聊发送「报名」即可继续。`,
  groupGoPrivateFull: (who: string, ev: EventDef, waiting: number, missing: string) =>
    `${who}，「${ev.title}」的名额已满${waiting > 0 ? `（已有 ${waiting} 人候补）` : ''}。要加入候补，请私聊我发送「报名」，还需要填写：${missing}。有人取消时按顺序递补并通知您。`,
  fullAtStart: (ev: EventBrief, waiting: number) =>
    `「${ev.title}」的名额已满${waiting > 0 ? `（已有 ${waiting} 人候补）` : ''}。要加入候补吗？填写报名信息后排队，有人取消时按先后顺序递补并通知您。（是/否）`,
  formChanged: '报名表已更新，请重新发送「报名」开始。',
  forgotten: '已删除您保存的报名资料。',
  nothingToForget: '您没有保存过报名资料。',
};

/** Cancelling one's own registration (event_cancel). */
export const CANCEL_TEXT = {
  summary: '取消活动报名（如：取消报名 运动会）',
  nothing: '您目前没有报名或候补中的活动。',
  notFound: (q: string) => `您的报名里没有名称像「${q}」的活动。`,
  pick: '要取消哪个活动的报名？请回复序号：',
  pickLabel: '活动',
  pickAgain: '请回复列表中的序号，或发送「算了」退出。',
  confirm: (ev: EventBrief, waitlisted: boolean, now: number) =>
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

/** Why a value typed for an event field was refused (the /newevent wizard and /editevent alike). */
export const FIELD_ERRORS: Record<FieldError, string> = {
  title: '活动名称请写 1–50 个字：',
  descriptionTooLong: '内容太长了，请精简到 500 字以内：',
  placeTooLong: '地点太长了，请精简到 100 字以内：',
  date: '没看懂这个时间，请按「6月1日 下午2点」「明天下午2点」或「6-1 14:00」的格式输入：',
  past: '开始时间需要在将来，请重新输入：',
  endBeforeStart: '结束时间要晚于开始时间，请重新输入：',
  capacity: '名额请填 1–100000 之间的整数：',
  deadline: '报名截止时间不能晚于活动开始时间，也要在将来，请重新输入：',
};

/** Staff event management (/newevent, /editevent, /closeevent, /openevent, /cancelevent, /roster, /checkin, /allevents). */
export const STAFF_TEXT = {
  summaries: {
    newEvent: '发布活动（引导填写）',
    edit: '修改活动：/editevent ID（或 /editevent ID 字段 值）',
    close: '截止报名：/closeevent ID',
    reopen: '重新开放报名：/openevent ID',
    cancel: '取消活动并通知报名者：/cancelevent ID 理由',
    roster: '导出报名名单（CSV）：/roster ID',
    checkin: '签到：/checkin ID 姓名或序号（可多个，用逗号分隔）',
    all: '全部活动及 ID',
  },
  notStaff: '这个命令仅限工会工作人员使用。',
  usage: {
    edit: '用法：/editevent 活动ID，或 /editevent 活动ID 字段 新值\n字段：标题、简介、开始、结束、地点、名额、截止\n例：/editevent 3 名额 120',
    id: (cmd: string) => `用法：/${cmd} 活动ID（发送 /allevents 查看 ID）`,
    cancel: '用法：/cancelevent 活动ID 取消理由\n例：/cancelevent 3 场地临时维修',
    checkin: '用法：/checkin 活动ID 姓名或序号（可多个，用逗号分隔）\n例：/checkin 3 张三 或 /checkin 3 12 或 /checkin 3 张三,李四,15',
  },
  noSuchEvent: (id: string) => `没有 ID 为 ${id} 的活动。发送 /allevents 查看全部活动。`,
  allNone: '还没有发布过活动。发送 /newevent 发布。',
  allHeader: '全部活动（最近发布的在前）：',
  allItem: (ev: EventDef, c: EventCounts, now: number) =>
    `ID ${ev.id}｜${ev.title}｜${formatDateTime(ev.startAt, now)}｜${STATUS_NAMES[ev.status]}｜报名 ${c.registered}/${ev.capacity}，候补 ${c.waitlisted}`,
  wizard: {
    title: '发布新活动（随时发送「取消」退出）。\n第 1 步：活动名称是？',
    description: '第 2 步：活动简介（没有请回复「无」）：',
    start: '第 3 步：开始时间？例：6月1日 上午9点、明天下午2点，或 6-1 09:00',
    end: '第 4 步：结束时间？例：11:30（当天）或 6月2日 17:00',
    place: '第 5 步：活动地点（没有请回复「无」）：',
    capacity: '第 6 步：名额（人数）？',
    deadline: (start: number, now: number) => `第 7 步：报名截止时间？回复「默认」则到开始时间 ${formatDateTime(start, now)} 截止。`,
    groups: (known: readonly string[]) =>
      `第 8 步：发布到哪些群？${known.length ? '回复序号（可多个，用逗号分隔），或' : '请'}按「平台:群ID」填写，如 telegram:-100123,wechat:123@chatroom；不发布回复「无」。${known.length ? '\n我见过的群：' : ''}`,
    fields: '第 9 步：报名需要填写哪些信息？回复「默认」= 姓名、手机、工作单位；或逐项列出，可带选项，如：\n姓名,手机,工作单位,衣服尺码:S/M/L/XL',
    confirm: (d: { title: string; description: string; startAt: number; endAt: number; place: string; capacity: number; deadline: number; groups: Address[]; fields: FieldSpec[] }, now: number) =>
      `请确认活动信息：\n名称：${d.title}\n时间：${formatRange(d.startAt, d.endAt, now)}\n地点：${d.place || '—'}\n名额：${d.capacity} 人\n报名截止：${formatDateTime(d.deadline, now)}\n发布到：${groupsText(d.groups)}\n报名信息：${fieldList(d.fields)}${d.description ? `\n简介：${d.description}` : ''}\n\n回复「发布」确认，「修改」更改某一项，「取消」放弃。`,
    confirmAgain: '请回复「发布」确认发布，「修改」更改某一项，或「取消」放弃。',
    quit: '已放弃发布活动。',
    restarted: '发布活动的表单已更新，之前填写的内容无法继续使用，请重新发送 /newevent。',
    groupsLabel: '发布到',
    timeLike: '时间',
    fieldsLabel: '报名信息',
    shown: {
      text: (v: string) => v || '无',
      time: (ms: number) => formatDateTime(ms),
      capacity: (n: number) => `${n} 人`,
      groups: (groups: Address[]) => groupsText(groups),
      fields: (fields: FieldSpec[]) => fieldList(fields),
    },
    badGroups: (bad: string) => `「${bad}」不是有效的群。请回复序号，或「平台:群ID」（平台为 telegram / wechat / web），或「无」：`,
    badFields: (bad: string) => `没看懂「${bad}」。可写：姓名、手机、工作单位，或「名称:选项1/选项2」，用逗号分隔：`,
    published: (ev: EventDef, groups: number) => `✅ 活动已发布（ID ${ev.id}）${groups ? `，已通知 ${groups} 个群` : ''}。\n${eventCard(ev, { registered: 0, waitlisted: 0 }, ev.createdAt)}`,
  },
  edit: {
    which: (title: string) => `要修改「${title}」的哪一项？回复编号或名称：`,
    whichLabel: '修改项',
    whichUnclear: '没找到这一项，请回复列表中的编号或名称：',
    value: (name: string, current: string) => `${name}目前是：${current || '无'}\n请输入新的${name}：`,
    valueLabel: '新的值',
    quit: '好的，没有修改活动。',
    restarted: '修改活动的表单已更新，请重新发送 /editevent 活动ID。',
    unknownField: (f: string) => `不能修改「${f}」。可修改：标题、简介、开始、结束、地点、名额、截止。`,
    cancelled: '活动已取消，不能再修改。',
    done: (ev: EventDef, field: EditableField, notified: number, promoted: number, now: number) =>
      `✅ 已修改「${ev.title}」的${EDITABLE_FIELD_NAMES[field]}${notified ? `，已通知 ${notified} 位报名者` : ''}${promoted ? `，${promoted} 位候补已转正并收到通知` : ''}。\n${eventCard(ev, null, now)}`,
    capacityBelow: (n: number) => `（注意：目前已有 ${n} 人报名，超出的名额不会被取消，新报名将进入候补。）`,
  },
  closed: (ev: EventDef) => `✅ 「${ev.title}」已截止报名。`,
  notOpen: (ev: EventDef) => `「${ev.title}」当前不在报名中（${STATUS_NAMES[ev.status]}）。`,
  reopened: (ev: EventDef) => `✅ 「${ev.title}」已重新开放报名。`,
  notClosed: (ev: EventDef) => `「${ev.title}」当前是「${STATUS_NAMES[ev.status]}」，无需重新开放。`,
  cancelAsk: {
    label: '确认取消活动',
    question: (title: string, reason: string, people: number, groups: number) =>
      `确定要取消「${title}」吗？取消后无法恢复。\n理由：${reason}\n将通知 ${people} 位报名/候补者${groups ? `和 ${groups} 个群` : ''}。`,
    choices: ['确定取消活动', '不取消'],
    unclear: '请回复 1 确定取消活动，或 2 不取消。',
    kept: '好的，活动没有取消。',
    restarted: '请重新发送 /cancelevent 活动ID 理由。',
  },
  eventCancelled: (ev: EventDef, notified: number) => `✅ 「${ev.title}」已取消，已通知 ${notified} 位报名/候补者。`,
  alreadyCancelled: (ev: EventDef) => `「${ev.title}」之前已经取消了。`,
  roster: (ev: EventDef, c: EventCounts & { checkedIn: number }) =>
    `「${ev.title}」名单：报名 ${c.registered}/${ev.capacity}，候补 ${c.waitlisted}，已签到 ${c.checkedIn}。CSV 文件可直接用 Excel 打开。`,
  rosterHeader: ['序号', '状态', '姓名', '手机', '工作单位'],
  rosterTail: ['报名时间', '签到时间', '会员ID'],
  rosterState: { registered: '已报名', waitlisted: '候补' },
  rosterFile: (ev: EventDef) => `报名名单-${ev.id}-${ev.title.replace(/[\\/:*?"<>|\s]+/g, '_')}.csv`,
  checkin: {
    ok: (name: string, n: number, total: number) => `✅ ${name} 已签到（已签到 ${n}/${total}）。`,
    already: (name: string, at: number) => `${name} 已于 ${formatDateTime(at)} 签到过了。`,
    notFound: (q: string) => `报名名单里没有「${q}」。可用 /roster 查看名单及序号。`,
    ambiguous: (q: string, lines: string[]) => `有多位「${q}」，请用序号签到：\n${lines.join('\n')}`,
    candidate: (seat: number, name: string, maskedPhone: string) => `${seat}. ${name} ${maskedPhone}`,
    notRegistered: (name: string) => `${name} 不在正式报名名单中（可能在候补）。`,
    waitlisted: (name: string, pos: number) => `${name} 是候补（第 ${pos} 位），还没有正式名额，未签到。`,
    done: (name: string) => `✅ ${name} 已签到`,
    total: (n: number, total: number) => `已签到 ${n}/${total}。`,
  },
};

/** For the optional LLM intent classifier. */
export const INTENT_DESCRIPTIONS = {
  event_list: '询问工会有哪些活动（运动会、联谊、培训、义诊、招聘会、观影、亲子活动等）',
  event_register: '报名参加某个工会活动',
  event_cancel: '取消已报名的活动',
} as const;

/** The web console's 活动 pages. */
export const CONSOLE = {
  nav: '活动',
  title: '活动',
  overviewTitle: '即将开始的活动',
  overviewLine: (title: string, when: string, registered: number, capacity: number) => `${when} ${title}（${registered}/${capacity}）`,
  newEvent: '发布活动',
  headers: ['ID', '活动', '开始时间', '地点', '状态', '报名/名额', '候补', '签到'],
  empty: '还没有活动。',
  status: STATUS_NAMES,
  statusLabel: '状态',
  fieldHint: '时间可写「2026-12-20 09:00」「12月20日 上午9点」「下周六上午9点」，与聊天中的规则相同。',
  fields: { ...EDITABLE_FIELD_NAMES, deadline: '报名截止时间（「默认」= 开始时间）' } as Record<EditableField, string>,
  groups: '发布后通知这些群',
  noGroups: '机器人还没有在任何群里被呼叫过，暂无可通知的群。',
  collect: '报名需填写（「默认」= 姓名、手机、工作单位；或如：姓名,手机,衣服尺码:S/M/L/XL）',
  badCollect: (bad: string) => `没看懂「${bad}」。可写：姓名、手机、工作单位，或「名称:选项1/选项2」，用逗号分隔。`,
  publish: '发布',
  published: (id: string, groups: number) => `活动已发布（ID ${id}）${groups ? `，已通知 ${groups} 个群` : ''}。`,
  eventTitle: (title: string) => `活动：${title}`,
  details: '活动信息',
  edit: '修改活动',
  save: '保存修改',
  saved: (names: string[], notified: number) => (names.length ? `已修改：${names.join('、')}${notified ? `，已通知 ${notified} 位报名者` : ''}。` : '没有改动。'),
  overCapacity: (n: number) => `注意：目前已有 ${n} 人报名，超出的名额不会被取消，新报名将进入候补。`,
  roster: '报名名单',
  rosterSearch: '查找姓名或手机',
  search: '查找',
  checkInSelected: '为选中的人签到',
  checkInTyped: '按姓名或序号签到（可多个，用逗号或空格分隔）',
  checkIn: '签到',
  pick: (name: string) => `选择 ${name}`,
  checkResults: {
    'checked-in': (name: string) => `✅ ${name} 已签到`,
    already: (name: string) => `${name} 之前已签到`,
    'not-found': (name: string) => `没有找到「${name}」`,
    waitlisted: (name: string) => `${name} 在候补名单中，未签到`,
    ambiguous: (name: string) => `「${name}」有重名，请勾选或用序号签到`,
    'not-registered': (name: string) => `${name} 未报名`,
  } as Record<string, (name: string) => string>,
  counts: (checkedIn: number, registered: number) => `已签到 ${checkedIn} / ${registered} 人`,
  exportRoster: '导出名单 CSV',
  close: '截止报名',
  reopen: '重新开放报名',
  cancel: '取消活动',
  cancelReason: '取消原因（会通知所有报名者和群）',
  cancelConfirm: (title: string, people: number, groups: number) => `确认取消「${title}」？将通知 ${people} 位报名/候补者和 ${groups} 个群。`,
  confirm: '确认取消活动',
  back: '返回',
  cancelled: (notified: number) => `活动已取消，已通知 ${notified} 人。`,
  needReason: '请填写取消原因。',
  closed: '已截止报名。',
  reopened: '已重新开放报名。',
  notChanged: '状态未改变。',
  isCancelled: '此活动已取消，不能再修改。',
} as const;

/** How an event appears as a broadcast audience (the broadcasts service lists these). */
export const AUDIENCE_TEXT = {
  title: '某个活动的报名者（含候补）',
  label: (ev: EventDef, now: number) => `${ev.title}（${formatDateTime(ev.startAt, now)}）`,
};
