/** Every Chinese string of the small-talk service, in one place (closing words are recognized by src/nlu/closing.ts). */
export const UNKNOWN_TEXT = {
  notUnderstood: '抱歉，我没太明白您的意思。您可以换个说法，或者从下面选一项：',
  choices: ['查看菜单', '职工互助保障有哪些', '最近有什么活动', '转人工'],
  hint: '回复序号即可；劳动法问题请直接描述，例如“公司拖欠工资怎么办”。',
  /** A thank-you or an acknowledgement is not a request: answer it in kind, no "没明白". */
  thanks: '不客气！还有其他问题随时找我。',
  ack: '好的，还有其他问题随时找我。',
  bye: '再见！有需要随时找我。',
} as const;

/** For the optional LLM intent classifier. */
export const INTENT_DESCRIPTIONS = { unknown: '与工会服务无关的闲聊、无意义内容' } as const;
