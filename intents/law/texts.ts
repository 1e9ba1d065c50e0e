/** Every member-facing Chinese string of the labor_law capability, in one place. */

export const HANDOFF_CHOICE = '转人工';

export const PROMPTS = {
  basisPrefix: '依据：',
  /** 《劳动合同法》第八十二条、第十条 — one law's articles in the 依据 line; laws are joined by `citationSeparator`. */
  citationGroup: (law: string, articleLabels: string[]) => `《${law}》${articleLabels.join('、')}`,
  citationSeparator: '；',
  cardTitle: (title: string) => `【${title}】`,
  nextStep: (n: number, step: string) => `${n}. ${step}`,
  /** One article quoted briefly when no card fits the question. */
  articleExcerpt: (law: string, label: string, excerpt: string) => `· 《${law}》${label}：${excerpt}`,
  nextStepsTitle: '下一步可以这样做：',
  change2025Prefix: '2025年9月1日起：',
  disclaimer:
    '以上是一般性法律信息，不是针对您个人情况的法律意见。需要具体帮助，请联系所在工会的法律援助，或拨打职工维权服务热线 12351。',
  disclaimerCompact: '（一般性信息；具体情况请私聊我，或找工会法律援助、拨打 12351）',
  originalTextHint: (label: string) => `想看法条原文，可以回复“${label}原文”。`,
  lowConfidence:
    '这个问题我没有把握答准，不想随便猜。您可以回复“转人工”，请工会工作人员帮您看看；也可以换个说法，讲讲具体发生了什么（比如单位做了什么、干了多久、签没签合同）。',
  lowConfidenceCompact: '这个问题我没把握答准，建议私聊我说说具体情况，或回复“转人工”找工会工作人员。',
  articlesOnlyIntro: '我这里没有针对这个问题的现成解答，下面这些法条可能相关，供您参考：',
  articleQuoteHeader: (title: string, label: string) => `《${title}》${label}原文：`,
  articleNotFound: (law: string, label: string) => `没有找到《${law}》${label}。请核对法律名称和条号，例如“劳动合同法第三十八条原文”。`,
  whichArticle: '请告诉我想看哪一条，例如“劳动合同法第八十二条原文”。',
  /** After the quoted text of an article later law replaced. */
  supersededNote: (note: string) => `【注意：已被取代】${note}`,
  articleMoreHint: '还想了解怎么用这一条维权，可以直接问我，或回复“转人工”。',
  /** System prompt for the optional language model. */
  llmSystem: [
    '你是工会小助手，用通俗、准确、简短的中文回答职工的劳动法问题。',
    '只能依据下面提供的“资料”回答，不要编造资料里没有的规则、数额或条文。',
    '引用法条时只能使用资料中列出的条文，格式为《法律简称》第X条；资料里没有的条文一律不要提。',
    '回答控制在200字以内：先给结论，再说关键条件或数额。不要写“依据：”行，不要写免责声明，这些会由系统补上。',
  ].join('\n'),
  llmUser: (question: string, material: string) => `职工的问题：${question}\n\n资料：\n${material}`,
  /** The matching card as material for the model. */
  llmMaterialCard: (title: string, answer: string, change2025: string | undefined, nextSteps: string[]) =>
    `【要点】${title}\n${answer}${change2025 ? `\n2025年9月1日起：${change2025}` : ''}\n下一步：${nextSteps.join('；')}`,
  llmMaterialArticle: (law: string, label: string, text: string) => `《${law}》${label}：${text}`,
} as const;

/** For the optional LLM intent classifier. */
export const INTENT_DESCRIPTIONS = {
  labor_law: '劳动法律咨询：工资、劳动合同、加班、辞退、工伤、社保、休假、女职工权益、劳动仲裁等',
} as const;

/** When the operator has not installed the statute texts (`npm run laws -- install`): answers cite numbers only. */
export const STATUTES_MISSING = {
  articleText:
    '抱歉，条文原文未安装，暂时不能为您显示法条原文。您可以在国家法律法规数据库（flk.npc.gov.cn）按法律名称和条号查阅；也可以直接问我具体问题，或回复“转人工”。',
} as const;
