/** User-facing text of the engine itself (intents keep theirs in their own folders). */
export const CORE_TEXT = {
  rateLimited: '您发消息有点快，请稍等一分钟再继续，我会接着为您服务。',
  tooLong: (max: number) => `消息太长了（超过 ${max} 字），请精简后再发给我。`,
  greetingInGroup: '您好，我是工会小助手。请在 @我 后面直接写问题，例如：@小助手 公司拖欠工资怎么办',
  apology: '抱歉，系统刚才出了点问题，您的消息没有处理成功。请稍后再试，或回复“转人工”。',
  notAllowed: '抱歉，这个操作需要工会工作人员权限。如有需要，请联系您的工会。',
  /** To staff trying an admin command: they are 工作人员, so the generic text would contradict itself. */
  adminOnly: '抱歉，这个操作需要互助审核（管理员）权限，您的账号只有工作人员权限。如需审核，请联系工会管理员。',
  /** A file over the channels' 10 MB cap was not downloaded (the text of the message still goes through). */
  fileTooBig: '文件超过 10 MB，没有收到。请压缩后重新发送，或分几次发送。',
  commandPrivateOnly: '这个操作请在私聊中进行。',
  /** The console's page links under a long list (any service's). */
  pager: { prev: '上一页', next: '下一页', of: (p: number, n: number) => `第 ${p} / ${n} 页` },
  /** A personal matter asked in a group was answered in the member's private chat. */
  sentPrivately: '已私信您，请在与我的私聊中查看。',
  /** A personal matter asked in a group by someone the bot cannot write to privately yet. */
  askPrivately: '这涉及您的个人信息，为保护您的隐私，请私聊我查询（点我的头像发消息即可）。',
  /** Said once to a member who posts an ID, phone or bank-card number in a group. */
  numberInGroup: '温馨提示：请不要在群里发送身份证号、手机号、银行卡号等个人信息。如需办理业务，请私聊我。',
  inviteToPrivate: '这项服务需要填写个人信息，为保护您的隐私，请私聊我继续办理（点我的头像发消息即可）。',
  finishFormFirst: '您还有一张表没有填完。请先完成或回复“取消”，再办理新的事项。',
  /** To a new WeChat friend, right after the bot accepted the request. */
  friendWelcome: '您好，我是工会小助手，已通过您的好友申请。请发送“菜单”查看我能为您做什么。',
  fallback: '抱歉，我没太明白您的意思。回复“菜单”查看我能做什么，或回复“转人工”联系工会工作人员。',
} as const;
