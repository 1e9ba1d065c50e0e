/** Every Chinese string of the help service, in one place. */
export const HELP_TEXT = {
  /** The member's menu: one phone screen, the words to type in quotes. */
  menu: [
    '您好，我是工会小助手，可以为您：',
    '· 劳动法：直接描述问题，如“公司拖欠工资怎么办”',
    '· 互助保障：“住院互助要什么材料”“申请互助”“我的申请进度”“补充材料”',
    '· 活动：“活动”“报名 运动会”“取消报名”“我的报名”',
    '· 找工作人员：“转人工”“我的工单”',
    '在群里请先 @我；涉及个人信息的事项请私聊我。',
  ].join('\n'),
  roleHeader: '工作人员命令：',
  roleFooter: '命令后接编号或内容，如“回复工单 编号 内容”；不带内容发送可看用法。/tickets 等英文命令照常可用。',
  /**
   * Staff and admin commands by topic, by their Chinese word. A word shows only when the viewer holds a command
   * of that name; role commands in no group are listed under `otherGroup`.
   */
  staffGroups: [
    { title: '活动', words: ['发布活动', '修改活动', '全部活动', '报名名单', '签到', '截止报名', '开放报名', '取消活动'] },
    { title: '通知', words: ['群发通知', '群发记录', '通过群发', '暂停群发', '恢复群发', '取消群发', '重发群发'] },
    { title: '工单', words: ['工单', '查看工单', '回复工单', '关闭工单'] },
    { title: '互助审核', words: ['审核列表', '申请详情', '批准', '驳回', '要求补充'] },
  ],
  otherGroup: '其他',
  groupLine: (title: string, words: string[]) => `${title}：${words.join(' / ')}`,
  /** The command's line in the menu. */
  summary: '查看菜单',
  whoamiSummary: '查看我的账号标识（工会管理员设置权限时需要）',
  whoami: (member: string) => `您的账号标识是：${member}\n工会管理员可以把它加入 BOT_ADMINS 或 BOT_STAFF，为您开通相应权限。`,
  whoamiPrivately: '账号标识请在与我的私聊中发送“我的ID”查看。',
} as const;

/** For the optional LLM intent classifier. */
export const INTENT_DESCRIPTIONS = { help: '打招呼、问机器人能做什么、要菜单' } as const;
