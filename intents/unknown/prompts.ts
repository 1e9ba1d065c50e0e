export const UNKNOWN_TEXT = {
  notUnderstood: '抱歉，我没太明白您的意思。您可以换个说法，或者从下面选一项：',
  choices: ['劳动法问题咨询', '职工互助保障', '工会活动报名', '转人工'],
  hint: '直接回复文字即可，例如“公司拖欠工资怎么办”或“转人工”。',
} as const;
