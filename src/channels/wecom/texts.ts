/** What the official WeChat channels (WeCom app, 微信客服, Official Account) say themselves. */
export const OFFICIAL_TEXT = {
  /** A voice note, video, location, link or sticker: the bot reads text, pictures and files. */
  unsupported: '抱歉，我暂时只能读文字、图片和文件。请用文字描述您的问题，或发送“菜单”查看我能做什么。',
  /** 微信客服: replies could not go out because the 48-hour / 5-message window had closed; staff take over. */
  windowClosedHandoff: (undelivered: string) =>
    `转人工 （系统）微信客服的回复窗口（成员最后一条消息后 48 小时、5 条）已关闭，这条回复未能送达：“${undelivered}”。请工作人员另行联系这位成员。`,
  /** Official Account: like windowClosedHandoff, for 客服消息 (48 hours after the follower's last message). */
  oaWindowClosedHandoff: (undelivered: string) =>
    `转人工 （系统）公众号的客服消息窗口（成员最后一条消息后 48 小时）已关闭，这条消息未能送达：“${undelivered}”。请工作人员另行联系这位成员。`,
  /** Official Account 客服消息 carry no documents. */
  fileNotSendable: (name: string) => `文件“${name}”无法通过公众号发送，请在网页聊天或工作人员处查看。`,
  /** 微信客服: a customer opened the chat. */
  kfWelcome: '您好，我是工会小助手，可以解答劳动法问题、办理互助申请、报名工会活动。请直接输入您的问题，或发送“菜单”查看我能做什么。',
  /** How a group robot appears among the groups staff pick from. */
  robotGroupName: (name: string) => `${name}（群机器人）`,
  /** Official Account: a new follower. */
  welcome: '您好，欢迎关注！我是工会小助手，可以解答劳动法问题、办理互助申请、报名工会活动。发送“菜单”查看我能做什么。',
} as const;
