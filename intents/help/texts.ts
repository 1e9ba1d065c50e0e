/** Every Chinese string of the help service, in one place. */
export const HELP_TEXT = {
  menu: [
    '您好，我是工会小助手，可以为您：',
    '· 解答劳动法问题（如“公司拖欠工资怎么办”）',
    '· 介绍并申请职工互助保障（如“住院互助要什么材料”“我要申请住院互助”）',
    '· 查询互助申请进度（如“我的申请到哪一步了”）',
    '· 查看和报名工会活动（如“最近有什么活动”“报名运动会”“取消报名”“我的报名”）',
    '· 转人工：联系工会工作人员',
    '在群里请先 @我 再提问；涉及个人信息的事项请私聊我。',
  ].join('\n'),
  roleHeader: '您是工会工作人员，还可以使用以下命令：',
  /** The command's line in the menu. */
  summary: '查看菜单',
} as const;

/** For the optional LLM intent classifier. */
export const INTENT_DESCRIPTIONS = { help: '打招呼、问机器人能做什么、要菜单' } as const;
