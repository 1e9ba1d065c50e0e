/** Every Chinese string of the handoff service (to members and to staff), in one place. */
import { formatDateTime } from '../../src/kit/time.ts';

export const HANDOFF_TEXT = {
  created: (id: string) =>
    `已为您转人工，工单号 ${id}。工会工作人员会在工作日 9:00–17:30 内，在本对话中回复您（一般不超过 1 个工作日）。\n如情况紧急，可拨打职工服务热线 12351。`,
  /** Opened in a group: answers come in private. */
  createdPrivately: (id: string) => `已为您转人工，工单号 ${id}。为保护您的隐私，工作人员会在私聊中回复您。`,
  /** Opened in a group by someone the bot cannot write to privately yet. */
  createdAskPrivate: (id: string) =>
    `已为您转人工，工单号 ${id}。为保护您的隐私，工作人员的回复不会发在群里：请私聊我发一句话，之后的回复会发到私聊；也可以随时私聊我发送“我的工单”查看。`,
  answerWaitsInPrivate: (id: string) => `工作人员已回复您的工单 ${id}。为保护您的隐私，请私聊我发送“我的工单”查看。`,
  closedInGroup: (id: string) => `您的工单 ${id} 已处理完毕。如需查看回复，请私聊我发送“我的工单”。`,
  mineOnlyPrivately: '工单内容涉及您的个人情况，请私聊我发送“我的工单”查看。',
  mineNone: '您目前没有工单。需要工作人员帮助时，请回复“转人工”。',
  mine: (id: string, open: boolean, answers: string[]) =>
    [`您的工单 ${id}（${open ? '处理中' : '已处理完毕'}）`, ...(answers.length ? answers.map((a) => `【工作人员回复】${a}`) : ['工作人员还没有回复，请耐心等待。'])].join('\n'),
  alreadyOpen: (id: string) => `您已有一张待处理的工单 ${id}，工作人员会尽快在本对话回复您。补充的情况可以直接发给我，我会附在工单里。`,
  /** The member has more to say while the ticket is open. */
  added: (id: string) => `已转给工作人员（工单 ${id}），回复会发到本对话。想问我别的问题，直接问就行。`,
  /** "转人工" with nothing said yet: the ticket is open, its question comes next. */
  createdAsk: (id: string) =>
    `已为您转人工，工单号 ${id}。请简单说说您的问题，我会转给工会工作人员；工作人员会在工作日 9:00–17:30 内在本对话回复您。`,
  /** In the staff alert of a ticket whose member is being asked what it is about. */
  notDescribedYet: '（还没有说明，已请对方简单说说，说明后会再提醒您）',
  /** The member wrote to a ticket staff have closed since. */
  closedSince: (id: string) => `您的工单 ${id} 已处理完毕。如需工作人员继续帮助，请回复“转人工”；其他问题直接问我即可。`,
  staffAddition: (id: string, who: string, said: string) =>
    `【工单补充】${id}\n来自：${who}\n${said}\n查看全部：/ticket ${id}；回复：/reply ${id} 内容`,
  staffAlert: (id: string, who: string, last: string) => `【新转人工工单】${id}\n来自：${who}\n最近的问题：${last}\n查看：/ticket ${id}；回复：/reply ${id} 内容；关闭：/close ${id}`,
  noOpenTickets: '目前没有待处理的工单。',
  listHeader: (total: number, shown: number) => (shown < total ? `待处理工单 ${total} 张，以下是最早的 ${shown} 张（全部请在管理后台查看）：` : `待处理工单 ${total} 张：`),
  listLine: (id: string, who: string, platform: string, last: string) => `${id} · ${who} · ${platform} · ${last}`,
  viewHeader: (id: string, who: string, platform: string, open: boolean) => `工单 ${id}（${open ? '待处理' : '已关闭'}）· ${who} · ${platform}\n对话记录：`,
  viewTurn: (at: number, from: 'member' | 'bot' | 'staff', text: string, by?: string) =>
    `${formatDateTime(at)} ${from === 'member' ? '职工' : from === 'staff' ? `工作人员${by ? `（${by}）` : ''}` : '小助手'}：${text}`,
  usageView: '用法：/ticket 工单号',
  usageReply: '用法：/reply 工单号 回复内容',
  usageClose: '用法：/close 工单号',
  notFound: (id: string) => `找不到工单 ${id}。`,
  replyToMember: (id: string, text: string) => `【工会工作人员回复 · 工单 ${id}】\n${text}`,
  replied: (id: string) => `已回复工单 ${id} 的提问人。`,
  closed: (id: string) => `工单 ${id} 已关闭。`,
  closedToMember: (id: string) => `您的工单 ${id} 已处理完毕。如还有问题，随时回复“转人工”。`,
} as const;

/** One line each in the menu (members see the first; staff see all). */
export const COMMAND_SUMMARIES = {
  open: '联系工会工作人员',
  mine: '查看我的工单和工作人员的回复',
  list: '查看待处理的转人工工单',
  view: '查看工单的对话：/ticket 工单号',
  reply: '回复工单：/reply 工单号 内容',
  close: '关闭工单：/close 工单号',
} as const;

/** For the optional LLM intent classifier. */
export const INTENT_DESCRIPTIONS = { handoff: '要找人工、工会工作人员或负责人' } as const;

/** The web console's 工单 pages. */
export const CONSOLE = {
  nav: '工单',
  title: '工单',
  overviewTitle: '待处理的工单',
  overviewLine: (id: string, name: string) => `${id} · ${name}`,
  headers: ['工单号', '成员', '创建时间', '最近一条', '条数'],
  empty: '没有待处理的工单。',
  openCount: (n: number) => `共 ${n} 件待处理，最早的在前。`,
  ticketTitle: (id: string) => `工单 ${id}`,
  conversation: '对话记录',
  who: { member: '成员', bot: '小助手', staff: '工作人员' } as Record<string, string>,
  byStaff: (by: string) => `工作人员 ${by}`,
  reply: '回复成员（成员将在私聊中收到）',
  send: '发送回复',
  sent: '回复已发送给成员。',
  inGroup: '此工单来自群聊：成员会在私聊中通过「我的工单」查看回复。',
  close: '关闭工单',
  closed: (id: string) => `工单 ${id} 已关闭，已通知成员。`,
  isClosed: '此工单已关闭。',
  empty_reply: '请填写回复内容。',
  facts: { member: '成员', status: '状态', createdAt: '创建时间', chat: '来源' },
  status: { open: '处理中', closed: '已关闭' } as Record<string, string>,
  chat: { private: '私聊', group: '群聊' } as Record<string, string>,
  back: '返回工单列表',
} as const;
