/** Every user-facing text of the event_list intent (member listing and the staff event commands). */
import type { Address } from '../../../src/core/message.ts';
import type { EventDef, FieldSpec } from '../model.ts';
import { eventCard, fieldList, seatsLine, type EventCounts } from '../texts.ts';
import { formatDateTime, formatRange } from '../../../src/kit/time.ts';

const groupsText = (groups: Address[]) => (groups.length ? groups.map((g) => `${g.platform}:${g.chatId}`).join('，') : '不发布到群');

export const P = {
  summaries: {
    list: '查看正在报名的活动',
    mine: '查看我的报名',
    newEvent: '发布活动（引导填写）',
    edit: '修改活动：/editevent ID 字段 值',
    close: '截止报名：/closeevent ID',
    reopen: '重新开放报名：/openevent ID',
    cancel: '取消活动并通知报名者：/cancelevent ID 理由',
    roster: '导出报名名单（CSV）：/roster ID',
    checkin: '签到：/checkin ID 姓名或序号',
    all: '全部活动及 ID',
  },
  // ---- members ----
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
  // ---- staff ----
  privateOnly: '这个命令涉及报名者个人信息，请在与我的私聊中使用。',
  notStaff: '这个命令仅限工会工作人员使用。',
  usage: {
    edit: '用法：/editevent 活动ID 字段 新值\n字段：标题、简介、开始、结束、地点、名额、截止\n例：/editevent 3 名额 120',
    id: (cmd: string) => `用法：/${cmd} 活动ID（发送 /allevents 查看 ID）`,
    cancel: '用法：/cancelevent 活动ID 取消理由\n例：/cancelevent 3 场地临时维修',
    checkin: '用法：/checkin 活动ID 姓名或序号\n例：/checkin 3 张三 或 /checkin 3 12',
  },
  noSuchEvent: (id: string) => `没有 ID 为 ${id} 的活动。发送 /allevents 查看全部活动。`,
  allNone: '还没有发布过活动。发送 /newevent 发布。',
  allHeader: '全部活动（最近发布的在前）：',
  allItem: (ev: EventDef, c: EventCounts, now: number) =>
    `ID ${ev.id}｜${ev.title}｜${formatDateTime(ev.startAt, now)}｜${statusName[ev.status]}｜报名 ${c.registered}/${ev.capacity}，候补 ${c.waitlisted}`,
  wizard: {
    title: '发布新活动（随时发送「取消」退出）。\n第 1 步：活动名称是？',
    description: '第 2 步：活动简介（没有请回复「无」）：',
    start: '第 3 步：开始时间？例：6月1日 上午9点、明天下午2点，或 6-1 09:00',
    end: '第 4 步：结束时间？例：11:30（当天）或 6月2日 17:00',
    place: '第 5 步：活动地点（没有请回复「无」）：',
    capacity: '第 6 步：名额（人数）？',
    deadline: (start: number, now: number) => `第 7 步：报名截止时间？回复「默认」则到开始时间 ${formatDateTime(start, now)} 截止。`,
    groups: (known: string[]) =>
      `第 8 步：发布到哪些群？${known.length ? '回复序号（可多个，用逗号分隔），或' : '请'}按「平台:群ID」填写，如 telegram:-100123,wechat:123@chatroom；不发布回复「无」。${known.length ? '\n我见过的群：' : ''}`,
    fields: '第 9 步：报名需要填写哪些信息？回复「默认」= 姓名、手机、工作单位；或逐项列出，可带选项，如：\n姓名,手机,工作单位,衣服尺码:S/M/L/XL',
    confirm: (d: { title: string; description: string; startAt: number; endAt: number; place: string; capacity: number; deadline: number; groups: Address[]; fields: FieldSpec[] }, now: number) =>
      `请确认活动信息：\n名称：${d.title}\n时间：${formatRange(d.startAt, d.endAt, now)}\n地点：${d.place || '—'}\n名额：${d.capacity} 人\n报名截止：${formatDateTime(d.deadline, now)}\n发布到：${groupsText(d.groups)}\n报名信息：${fieldList(d.fields)}${d.description ? `\n简介：${d.description}` : ''}\n\n回复「发布」确认，「取消」放弃。`,
    confirmAgain: '请回复「发布」确认发布，或「取消」放弃。',
    quit: '已放弃发布活动。',
    bad: {
      title: '活动名称请写 1–50 个字：',
      date: '没看懂这个时间，请按「6月1日 下午2点」「明天下午2点」或「6-1 14:00」的格式输入：',
      past: '开始时间需要在将来，请重新输入：',
      endBeforeStart: '结束时间要晚于开始时间，请重新输入：',
      capacity: '名额请填 1–100000 之间的整数：',
      deadlineAfterStart: '报名截止时间不能晚于活动开始时间，也要在将来，请重新输入：',
      groups: (bad: string) => `「${bad}」不是有效的群。请回复序号，或「平台:群ID」（平台为 telegram / wechat / web），或「无」：`,
      fields: (bad: string) => `没看懂「${bad}」。可写：姓名、手机、工作单位，或「名称:选项1/选项2」，用逗号分隔：`,
      text: '内容太长了，请精简到 500 字以内：',
    },
    published: (ev: EventDef, groups: number) => `✅ 活动已发布（ID ${ev.id}）${groups ? `，已通知 ${groups} 个群` : ''}。\n${eventCard(ev, { registered: 0, waitlisted: 0 }, ev.createdAt)}`,
  },
  edit: {
    unknownField: (f: string) => `不能修改「${f}」。可修改：标题、简介、开始、结束、地点、名额、截止。`,
    cancelled: '活动已取消，不能再修改。',
    done: (ev: EventDef, what: string, notified: number, promoted: number, now: number) =>
      `✅ 已修改「${ev.title}」的${what}${notified ? `，已通知 ${notified} 位报名者` : ''}${promoted ? `，${promoted} 位候补已转正并收到通知` : ''}。\n${eventCard(ev, null, now)}`,
    capacityBelow: (n: number) => `（注意：目前已有 ${n} 人报名，超出的名额不会被取消，新报名将进入候补。）`,
  },
  closed: (ev: EventDef) => `✅ 「${ev.title}」已截止报名。`,
  notOpen: (ev: EventDef) => `「${ev.title}」当前不在报名中（${statusName[ev.status]}）。`,
  reopened: (ev: EventDef) => `✅ 「${ev.title}」已重新开放报名。`,
  notClosed: (ev: EventDef) => `「${ev.title}」当前是「${statusName[ev.status]}」，无需重新开放。`,
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
    notRegistered: (name: string) => `${name} 不在正式报名名单中（可能在候补）。`,
  },
  statusName: { open: '报名中', closed: '已截止', cancelled: '已取消' },
};
const statusName = P.statusName;
