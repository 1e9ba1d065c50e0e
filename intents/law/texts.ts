/** Every member-facing Chinese string of the labor_law capability, in one place. */

export const HANDOFF_CHOICE = '转人工';

export const PROMPTS = {
  basisPrefix: '依据：',
  /** A card resting on provincial rules only (no national article in the folder). */
  provincialBasis: '依据：各省规定（没有全国统一的法规条文，以当地人社部门公布的为准）',
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
  disclaimerShort: '（一般性信息；具体帮助可找工会或拨打12351）',
  choiceMore: '详细',
  choiceOriginal: '原文',
  /** Under a private card answer: the router maps "1" to the first choice. */
  cardChoices: ['详细', '原文', HANDOFF_CHOICE] as readonly string[],
  clarify: '您问的情况我不能确定对应哪个问题，不想答偏。请回复数字选一个最接近的，或者换个说法讲讲具体发生了什么：',
  clarifyCompact: (titles: string[]) => `您问的可能是：${titles.map((t) => `“${t}”`).join('、')}。请私聊我说说具体情况，我帮您对准问题。`,
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
  articleRestInPrivate: '……（全文较长，请私聊我回复同样的问题查看）',
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

const money = (n: number) => `${n.toLocaleString('zh-CN', { maximumFractionDigits: 2 })}元`;
const span = (months: number) => {
  const y = Math.floor(months / 12);
  const m = Math.round((months - y * 12) * 10) / 10;
  return `${y ? `${y}年` : ''}${m ? `${m}个月` : y ? '' : '0个月'}`;
};
const monthsOf = (n: number) => (n === 0.5 ? '半个月' : `${n}个月`);

/** Computed answers (calc.ts figures) and the questions for a missing figure. */
export const CALC_TEXT = {
  ask: {
    monthlyWage: '帮您算一下。请问您的月工资大约多少（税前，按离职前12个月的平均数，含奖金、津贴）？直接回复数字即可，例如：6000。',
    serviceMonths: '请问您在这家单位干了多久？例如：3年8个月。',
    totalWorkYears: '请问您的总工龄（在所有单位累计工作的年限）是多少？例如：12年。',
    localAverageWage: '您的工资较高，补偿可能按“当地上年度职工月平均工资的3倍”封顶。请问您所在城市公布的上年度职工月平均工资是多少？（可在当地人社局网站查到，例如：9000）',
    overtimeHours: '请问您加班了多少？分别说工作日延时、休息日、法定节假日各几小时或几天，例如：工作日20小时，周末2天。',
    unusedLeaveDays: '请问您还有几天年假没休？例如：5天。',
    monthsWithoutContract: '请问您入职多久一直没签书面合同？例如：8个月。',
    birthMonth: '帮您算退休时间。请问您的出生年月？例如：1972年5月。',
    sex: '请问您是男职工还是女职工？回复“男”或“女”即可。',
    originalRetirementAge: '请问您原来的法定退休年龄是50岁还是55岁？一般女工人是50岁，女干部（管理、专业技术岗位）是55岁。回复“50”或“55”即可。',
  },
  /** Shown before the asked figure, so the member knows the bot waits for a number. */
  askAgain: '（直接回复数字即可；想问别的也可以直接问。）',
  groupPrivate: '涉及您个人工资、出生年月等的具体计算，请私聊我，我帮您一步步算。',
  hint: '告诉我您的月工资和工作年限（例如：月薪6000，干了3年8个月），我可以帮您算出具体金额。',
  /** The hint of a card whose sum needs other figures than wage and service. */
  hints: {
    overtime: '告诉我您的月工资和加班时长（例如：月薪6000，工作日加班20小时，周末2天），我可以帮您算出加班费。',
    annual_leave: '告诉我您累计工作了几年（例如：工作了11年），我帮您算每年几天年假；没休的年假，再告诉我月工资和没休的天数，我帮您算单位该补多少钱。',
    medical_period: '告诉我您的总工龄和在现单位工作的年限（例如：总共工作12年，在现单位6年），我帮您算医疗期有几个月。',
    double_wage: '告诉我您的月工资和没签书面合同的月数（例如：月薪6000，8个月没签），我帮您算二倍工资。',
    retirement: '告诉我您的出生年月和性别，女职工再说原来是50岁还是55岁退休（例如：1972年5月出生，女，工人），我帮您算出退休年龄和退休年月。',
  } as Partial<Record<string, string>>,
  severance: (wage: number, months: number, r: { months: number; base: number; capped: boolean; n: number; nPlusOne: number; twoN: number }) =>
    [
      `按您说的：月工资${money(wage)}，在本单位工作${span(months)}。`,
      `· 经济补偿N：${span(months)}计${monthsOf(r.months)}${r.capped ? `（按当地月平均工资3倍${money(r.base)}封顶，最多12年）` : ''}，${money(r.base)}×${r.months} = ${money(r.n)}。`,
      `· N+1：无过失辞退又没提前30天书面通知的，再加1个月工资，共${money(r.nPlusOne)}。`,
      `· 2N：违法解除的赔偿金${money(r.twoN)}（拿赔偿金就不再拿补偿）。`,
      `计法：满1年付1个月，6个月以上按1年，不满6个月付半个月。${r.capped ? '' : '月工资超过当地上年职工月平均工资3倍的，按3倍封顶、最多12年。'}`,
      '个税：补偿在当地上年职工平均工资3倍以内的部分免个税，超过部分单独计税、不并入当年综合所得（财税〔2018〕164号，本库未收原文，以税务机关为准）。个人所得税法本身没有专门规定经济补偿：第四条列的免税所得里没有它（第七项的“退职费”是另一回事）。',
    ].join('\n'),
  overtime: (wage: number, f: { workdayHours?: number; restDayHours?: number; holidayHours?: number }, r: { hourlyWage: number; workday: number; restDay: number; holiday: number; total: number }) =>
    [
      `按您说的：月工资${money(wage)}，小时工资 = ${money(wage)}÷21.75÷8 ≈ ${money(r.hourlyWage)}。`,
      ...(f.workdayHours ? [`· 工作日延时${f.workdayHours}小时×150% = ${money(r.workday)}`] : []),
      ...(f.restDayHours ? [`· 休息日${f.restDayHours}小时×200% = ${money(r.restDay)}（已安排补休的不付）`] : []),
      ...(f.holidayHours ? [`· 法定节假日${f.holidayHours}小时×300% = ${money(r.holiday)}（不能用补休代替）`] : []),
      `合计至少${money(r.total)}。法定节假日每年13天（春节4天、国庆3天、劳动节2天，元旦、清明、端午、中秋各1天）；三八、五四的半天假安排工作的，一般不另付加班费。基数按合同约定的工资，不能低于最低工资。`,
    ].join('\n'),
  leaveEntitlement: (workedMonths: number, days: number) =>
    [
      `按您说的：工作${span(workedMonths)}，每年带薪年休假${days}天（满1年不满10年5天，满10年不满20年10天，满20年15天）。`,
      '工龄按在所有单位累计的年限算，不只是现在这家；国家法定节假日、休息日不算在年假里。新入职的，在连续工作满12个月后享受。',
      '没休的年假，告诉我月工资和没休的天数，我帮您算单位该补多少钱。',
    ].join('\n'),
  annualLeave: (wage: number, days: number, r: { dailyWage: number; extra: number }, entitled: number | undefined) =>
    [
      `按您说的：月工资${money(wage)}（不含加班费），还有${days}天年假没休。`,
      `日工资 = ${money(wage)}÷21.75 ≈ ${money(r.dailyWage)}；未休年假按日工资的300%付，其中100%是已发的正常工资，单位还应另付200%：${money(r.dailyWage)}×200%×${days} = ${money(r.extra)}。`,
      ...(entitled !== undefined ? [`按您的工龄，每年应休${entitled}天。`] : []),
      '您本人书面提出不休的，单位可以只付正常工资；离职时按当年已过天数折算，不足1整天的不付。',
    ].join('\n'),
  medicalPeriod: (total: number, serviceMonths: number, p: { months: number; withinMonths: number }, floor: number | undefined) =>
    [
      `按您说的：总工龄${span(total * 12)}，在本单位${span(serviceMonths)}，医疗期是${p.months}个月，按${p.withinMonths}个月内累计病休时间计算。`,
      '医疗期内单位不能以无过失辞退或裁员方式解除合同，合同到期的顺延到医疗期满。',
      floor !== undefined ? `病假工资可以低于最低工资，但不能低于其80%，即每月不少于${money(floor)}。` : '病假工资可以低于当地最低工资标准，但不能低于它的80%。',
    ].join('\n'),
  doubleWage: (wage: number, months: number, r: { months: number; extra: number; deemedOpenEnded: boolean }) =>
    [
      `按您说的：月工资${money(wage)}，入职${span(months)}没签书面合同。`,
      `二倍工资从入职满1个月的次日算到补签前一日，最多11个月：您可主张约${r.months}个月，另付${money(wage)}×${r.months} = ${money(r.extra)}（不满一个月的按实际工作日算）。`,
      r.deemedOpenEnded ? '满一年仍未签的，视为已订立无固定期限劳动合同，之后不再按月算二倍工资。' : '单位能证明是不可抗力或您本人故意、重大过失才没签的除外。',
      '仲裁时效一般为一年，尽早主张。',
    ].join('\n'),
  retirement: (
    birthYear: number,
    birthMonth: number,
    r: { group: 'male' | 'female55' | 'female50'; originalAge: number; originalYear: number; originalMonth: number; delayMonths: number; ageYears: number; ageMonths: number; year: number; month: number; capped: boolean },
  ) => {
    const who = r.group === 'male' ? '男职工' : `女职工，原法定退休年龄${r.originalAge}岁`;
    const step = r.group === 'female50' ? '每2个月延迟1个月，最多到55岁' : r.group === 'male' ? '每4个月延迟1个月，最多到63岁' : '每4个月延迟1个月，最多到58岁';
    const age = `${r.ageYears}岁${r.ageMonths ? `${r.ageMonths}个月` : ''}`;
    const nth = (r.originalYear - 2025) * 12 + r.originalMonth;
    const every = r.group === 'female50' ? 2 : 4;
    const ym = (y: number, m: number) => `${y}年${m}月`;
    return [
      `按您说的：${ym(birthYear, birthMonth)}出生，${who}。`,
      `· 原退休时间：${ym(r.originalYear, r.originalMonth)}（满${r.originalAge}周岁）。`,
      r.delayMonths === 0
        ? '· 原退休时间在2025年1月之前，不延迟。'
        : `· 2025年1月起，原退休时间${step}：您的原退休时间是2025年1月起第${nth}个月，延迟（${nth}−1）÷${every}取整后加1 = ${Math.floor((nth - 1) / every) + 1}个月${r.capped ? `，超过上限，按${r.delayMonths}个月` : ''}。`,
      `· 法定退休年龄：${age}，退休时间：${ym(r.year, r.month)}。`,
      '缴费满最低年限的，可以自愿弹性提前退休（最多提前3年，不早于原退休年龄），到龄后与单位协商一致也可以弹性延迟（最多3年）；特殊工种等国家另有规定的从其规定，以社保经办机构核定为准。',
    ].join('\n');
  },
} as const;
