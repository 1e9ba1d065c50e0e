/** Every user-facing Chinese text of the broadcasts service: the compose form, the preview, reports, subscriptions. */
import { formatDateTime } from '../../src/kit/time.ts';

export const INTENT_DESCRIPTIONS = {
  notice_subscription: '订阅或退订工会的通知（群发通知）',
};

export const AUDIENCE_WORDS = {
  allGroups: (n: number) => `全部群（${n}个）`,
  groups: '选择几个群',
  subscribers: '订阅了通知的会员',
  staff: '工作人员',
};

export const WHEN_WORDS = { now: '立即发送', at: '定时发送（一次）', daily: '每天定时', weekly: '每周定时' } as const;
export type WhenWord = keyof typeof WHEN_WORDS;

const WEEKDAYS = ['日', '一', '二', '三', '四', '五', '六'];
const hm = (ms: number) => formatDateTime(ms).replace(/^.*?(\d{1,2}:\d{2})$/, '$1');

export const FORM = {
  audience: '群发给谁？',
  audienceLabel: '发送对象',
  noGroups: '（还没有已知的群：机器人在群里被@过之后，群会出现在这里）',
  groups: (names: string[]) => `发到哪几个群？请回复编号，多个用逗号隔开（例如 1,3）：\n${names.map((n, i) => `${i + 1}. ${n}`).join('\n')}`,
  groupsLabel: '群',
  badGroups: (bad: string[]) => `没有找到：${bad.join('、')}。请回复列表里的编号，例如 1,3。`,
  event: '哪个活动的报名者（含候补）？',
  eventLabel: '活动',
  noEvents: '目前没有可选的活动。请回复“返回”换一个发送对象。',
  text: '请输入通知内容（成员将原样看到）：',
  textLabel: '内容',
  badText: '通知内容请在 1 到 1500 字之间。',
  file: '如需附一张图片或一个文件，请现在发送；不需要请回复“无”。',
  fileLabel: '附件',
  fileNone: '无',
  fileTooMany: '每条群发只能附一个图片或文件，已保留最新的一个。',
  fileReceived: (name: string) => `已收到附件：${name}`,
  fileContinue: '回复“完成”继续（再发一个会替换它）。',
  badFile: '请发送一张图片或一个文件，或者回复“无”。',
  when: '什么时候发？',
  whenLabel: '发送时间',
  at: (kind: WhenWord) => (kind === 'at' ? '请告诉我发送的日期和时间（北京时间，例如 12月5日下午3点）：' : kind === 'daily' ? '从哪天几点开始每天发送？（北京时间，例如 明天上午9点）' : '从哪天几点开始每周发送？（北京时间，例如 下周一上午9点）'),
  atLabel: '时间',
  badAt: '没看懂这个时间，请写成“12月5日下午3点”或“2026-12-05 15:00”这样，且要晚于现在。',
  confirmAgain: '请回复“确认”发送，“修改”改某一项，或“取消”。',
  pickNumber: (n: number) => `请回复编号 1–${n}。`,
  quit: '已取消这次群发，什么也没有发出。',
  restarted: '群发表格已更新，请重新发送 /broadcast。',
};

export const scheduleText = (kind: WhenWord, at: number | undefined, now: number): string => {
  if (kind === 'now' || at === undefined) return '确认后立即发送';
  if (kind === 'daily') return `每天 ${hm(at)}，从 ${formatDateTime(at, now)} 开始`;
  if (kind === 'weekly') return `每周${WEEKDAYS[new Date(at + 8 * 3600_000).getUTCDay()]} ${hm(at)}，从 ${formatDateTime(at, now)} 开始`;
  return formatDateTime(at, now);
};

export const PREVIEW = {
  heading: '预览（成员将看到下面这条消息）：',
  line: '————————',
  audience: (label: string, count: number | null) => `发送对象：${label}${count !== null ? `，共 ${count} 个` : ''}`,
  groupNames: (names: string[]) => `（${names.slice(0, 10).join('、')}${names.length > 10 ? ` 等 ${names.length} 个` : ''}）`,
  file: (name: string) => `附件：${name}`,
  when: (s: string) => `时间：${s}`,
  needsApproval: '这条群发需要另一位工作人员批准后才会发出。',
  choices: ['确认发送', '修改某一项', '取消'],
};

export const STAFF = {
  immediately: '立即',
  usage: '群发通知：发送 /broadcast 按步骤填写；或一行发送“/broadcast 全部群 通知内容”直接预览。\n查看记录：/broadcasts；查看某条：/broadcast 编号。',
  emptyShortcut: '请在“全部群”后面写上通知内容，例如：/broadcast 全部群 本周五下午三点开会',
  created: (id: number, schedule: string) => `✅ 群发 #${id} 已安排：${schedule}。发送进度：/broadcast ${id}`,
  startedNow: (id: number, total: number) => `✅ 群发 #${id} 开始发送，共 ${total} 个对象。进度：/broadcast ${id}`,
  awaitingApproval: (id: number) => `📝 群发 #${id} 已提交，等待另一位工作人员批准（/bcapprove ${id}）。批准后即按计划发送。`,
  approvalRequest: (id: number, author: string, preview: string) => `📝 ${author} 提交了群发 #${id}，需要您批准：\n${preview}\n批准请回复 /bcapprove ${id}，不同意可以 /bccancel ${id}。`,
  approved: (id: number) => `✅ 已批准群发 #${id}。`,
  approvedToAuthor: (id: number, by: string) => `✅ 您的群发 #${id} 已由 ${by} 批准。`,
  selfApproval: '不能批准自己提交的群发，请另一位工作人员批准。',
  notPending: (id: number) => `群发 #${id} 不在等待批准的状态。`,
  missing: (id: string) => `没有找到群发 #${id}。发送 /broadcasts 查看最近的群发。`,
  needId: (cmd: string) => `请写上群发编号，例如：${cmd} 12`,
  paused: (id: number) => `⏸ 群发 #${id} 已暂停。恢复：/bcresume ${id}`,
  resumed: (id: number) => `▶️ 群发 #${id} 已恢复发送。`,
  cancelled: (id: number, skipped: number) => `⏹ 群发 #${id} 已取消${skipped ? `，${skipped} 个对象不再发送` : ''}。`,
  cannot: (id: number, status: string) => `群发 #${id} 现在是“${status}”，不能这样操作。`,
  none: '还没有群发记录。发送 /broadcast 开始第一条。',
  listHeading: '最近的群发：',
  progress: (sent: number, total: number, failed: number, skipped: number) =>
    `${sent}/${total} 已发送${failed ? `，${failed} 失败` : ''}${skipped ? `，${skipped} 跳过` : ''}`,
  listLine: (id: number, status: string, snippet: string, progress: string) => `#${id} ${status} · ${progress} · ${snippet}`,
  reportHeading: (id: number, status: string, audience: string, schedule: string) => `群发 #${id}（${status}）\n对象：${audience}\n时间：${schedule}`,
  reportRun: (run: number, progress: string) => `第 ${run} 次发送：${progress}`,
  reportNoRun: '尚未开始发送。',
  reportLine: (n: number, target: string, state: string) => `${n}. ${target} — ${state}`,
  reportMore: (n: number) => `……另有 ${n} 个对象未列出`,
  finished: (id: number, progress: string) => `📣 群发 #${id} 已发送完毕：${progress}。详情：/broadcast ${id}`,
  refusedAudience: '没有找到可发送的对象。',
  resendNone: (id: number) => `群发 #${id} 最近一次发送没有中断的对象，不需要重发。`,
  resendAsk: (id: number, n: number, list: string) =>
    `群发 #${id} 有 ${n} 个对象在发送途中被中断（机器人进程意外停止），无法确认他们是否已收到：\n${list}\n重发后，其中已经收到的会再收到一次。确认重发请回复：/bcresend ${id} 确认`,
  resent: (id: number, n: number) => `🔁 已为群发 #${id} 重新发送 ${n} 个中断的对象，发送完毕后会通知您。进度：/broadcast ${id}`,
};

export const STATUS_WORDS: Record<string, string> = {
  pending: '待批准',
  scheduled: '已安排',
  sending: '发送中',
  paused: '已暂停',
  done: '已完成',
  cancelled: '已取消',
};

export const STATE_WORDS = {
  queued: '排队中',
  claimed: '发送中',
  sending: '发送中',
  sent: '已发送',
  failed: (reason: string) => `失败（${reason === 'interrupted' ? '发送中断，未自动重发以免重复；可用 /bcresend 确认后重发' : reason}）`,
  skipped: (reason: string) => `跳过（${reason === 'opted-out' ? '已退订' : reason === 'cancelled' ? '已取消' : reason}）`,
};

export const MEMBER = {
  subscribed: '✅ 已订阅工会通知。以后有通知会私信您；不想再收到时回复“退订”。',
  alreadySubscribed: '您已经订阅了工会通知。不想再收到时回复“退订”。',
  unsubscribed: '✅ 已退订，以后不会再私信您群发通知（您所在的群里的通知不受影响）。想再收到时回复“订阅通知”。',
  notSubscribed: '您没有订阅通知，不会收到私信群发。想订阅时回复“订阅通知”。',
  unclear: '想订阅工会通知请回复“订阅通知”，不想再收到请回复“退订”。',
};

export const COMMAND_SUMMARIES = {
  broadcast: '/broadcast（群发通知）：群发通知给群、活动报名者、订阅者或工作人员；/broadcast 编号 查看发送报告',
  broadcasts: '/broadcasts（群发记录）：最近的群发和进度',
  approve: '/bcapprove 编号（通过群发）：批准另一位工作人员的群发',
  pause: '/bcpause 编号（暂停群发），/bcresume 编号（恢复群发）',
  cancel: '/bccancel 编号（取消群发）：停止后续发送',
  resend: '/bcresend 编号（重发群发）：查看因故障中断的发送对象，确认后重发',
  subscribe: '订阅通知：以后私信收到工会群发通知',
  unsubscribe: '退订：不再私信收到群发通知',
};

/** The web console's 群发 pages. */
export const CONSOLE = {
  nav: '群发',
  title: '群发通知',
  subscribersNav: '订阅成员',
  subscribersTitle: '订阅了通知的成员',
  subscribersHeaders: ['成员', '平台', '通知发往'],
  subscribersEmpty: '还没有成员订阅通知。',
  privateChat: '私聊',
  subscribersCount: (n: number) => `共 ${n} 位`,
  optedOut: (n: number) => `另有 ${n} 位退订了通知（群发给会员时会跳过）。`,
  overviewTitle: '进行中的群发',
  overviewLine: (id: number, status: string, progress: string) => `#${id} ${status} ${progress}`,
  compose: '撰写群发',
  text: '通知内容',
  audience: '发送对象',
  groups: '选择的群（发送对象为「选择几个群」时）',
  noGroups: '机器人还没有在任何群里被呼叫过。',
  when: '发送时间',
  at: '定时时间（定时/每天/每周时填写，如「明天上午9点」「2026-12-20 09:00」）',
  preview: '预览',
  previewTitle: '群发预览',
  send: '确认发送',
  edit: '返回修改',
  listTitle: '最近的群发',
  headers: ['编号', '内容', '发送对象', '时间', '状态', '进度', '撰写人'],
  empty: '还没有群发。',
  reportTitle: (id: number) => `群发 #${id}`,
  reportSection: '逐个对象的发送情况（最近一次）',
  reportHeaders: ['发送对象', '状态'],
  reportEmpty: '尚未开始发送。',
  facts: { status: '状态', audience: '发送对象', when: '时间', author: '撰写人', approvedBy: '批准人', progress: '进度', text: '内容' },
  approve: '批准发送',
  pause: '暂停',
  resume: '继续',
  cancel: '取消群发',
  cancelConfirm: '确认取消这条群发？尚未发出的不会再发。',
  resend: (n: number) => `重发中断的对象（${n} 个）`,
  resendConfirm: (n: number) => `有 ${n} 个对象在发送途中被中断（机器人进程意外停止），无法确认他们是否已收到。重发后，其中已经收到的会再收到一次。确认重发？`,
  confirmResend: '确认重发',
  confirmCancel: '确认取消',
  back: '返回',
  errors: { text: '请填写通知内容。', groups: '请至少选择一个群。', at: '没看懂定时时间，请按「明天上午9点」或「2026-12-20 09:00」填写，且需在将来。', audience: '请选择发送对象。' },
  outcomes: {
    pending: '已保存，等待另一位工作人员批准后发送。',
    scheduled: '已安排，到时间会自动发送。',
    started: (n: number) => `已开始发送，共 ${n} 个对象。`,
    'no-audience': '发送对象为空，没有发出。',
    approved: '已批准。',
    paused: '已暂停。',
    resumed: '已继续发送。',
    cancelled: (n?: number) => `已取消${n ? `，${n} 个对象不再发送` : ''}。`,
    'self-approval': '不能批准自己撰写的群发，请请另一位工作人员批准。',
    'not-allowed': '当前状态下不能这样操作。',
    'nothing-to-resend': '最近一次发送没有中断的对象，不需要重发。',
    resent: '已重新发送中断的对象，发送完毕后会通知撰写人。',
  },
  refresh: '刷新进度',
} as const;
