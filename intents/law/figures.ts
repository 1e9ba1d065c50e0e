/**
 * The member's own figures in a message ("月薪6000，干了3年8个月", "周末加班了3天", "年假还剩5天没休"), and
 * which sum the message asks for. Pure functions; anything unreadable is simply not a figure.
 */
import { z } from 'zod';
import { normalizeText } from './lexicon.ts';

export const CALCULATORS = ['severance', 'overtime', 'annual_leave', 'medical_period', 'double_wage', 'retirement'] as const;
export type Calculator = (typeof CALCULATORS)[number];

export const figuresSchema = z.object({
  monthlyWage: z.number().positive().optional(),
  /** Months with this employer. */
  serviceMonths: z.number().nonnegative().optional(),
  /** Total years of work, all employers (工龄). */
  totalWorkYears: z.number().nonnegative().optional(),
  localAverageWage: z.number().positive().optional(),
  minimumWage: z.number().positive().optional(),
  workdayHours: z.number().nonnegative().optional(),
  restDayHours: z.number().nonnegative().optional(),
  holidayHours: z.number().nonnegative().optional(),
  unusedLeaveDays: z.number().nonnegative().optional(),
  /** Months worked without a written contract. */
  monthsWithoutContract: z.number().nonnegative().optional(),
  /** Birth year and month (1–12), for the retirement date. */
  birthYear: z.number().int().min(1900).max(2100).optional(),
  birthMonth: z.number().int().min(1).max(12).optional(),
  sex: z.enum(['male', 'female']).optional(),
  /** A woman's retirement age before 2025: 50 (workers) or 55 (cadres, managerial and professional posts). */
  originalRetirementAge: z.union([z.literal(50), z.literal(55)]).optional(),
});
export type Figures = z.infer<typeof figuresSchema>;

const CN_DIGIT: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
const CN_NUM = '[零〇一二两三四五六七八九十百千万]';
const NUM = `(?:\\d+(?:\\.\\d+)?|${CN_NUM}+)`;
const CN_AMOUNT = new RegExp(`^${CN_NUM}+$`);

/** "6000", "6千", "6k", "0.6万", "六千", "七千五", "一万二", "十二", "三" → number; undefined otherwise. */
export function parseAmount(raw: string): number | undefined {
  const s = raw.trim().toLowerCase();
  const digits = /^(\d+(?:\.\d+)?)\s*(万|千|k|w)?(\d)?$/.exec(s);
  if (digits) {
    const unit = digits[2] === '万' || digits[2] === 'w' ? 10_000 : digits[2] ? 1_000 : 1;
    const tail = digits[3] ? Number(digits[3]) * (unit / 10) : 0;
    return Number(digits[1]) * unit + tail;
  }
  if (!CN_AMOUNT.test(s)) return undefined;
  let total = 0;
  let section = 0;
  let digit = -1;
  let lastUnit = 1;
  for (const c of s) {
    if (c in CN_DIGIT) {
      digit = CN_DIGIT[c]!;
      continue;
    }
    const unit = c === '十' ? 10 : c === '百' ? 100 : c === '千' ? 1000 : 10_000;
    if (unit === 10_000) {
      total += (section + Math.max(digit, 0)) * 10_000;
      section = 0;
    } else {
      section += (digit < 0 ? 1 : digit) * unit;
    }
    lastUnit = unit;
    digit = -1;
  }
  // "七千五" = 7500, "一万二" = 12000: a trailing digit counts in the next smaller unit.
  if (digit >= 0) section += lastUnit >= 10 && s.length > 1 ? digit * (lastUnit / 10) : digit;
  return total + section;
}

// Every pattern is compiled once, at load: a member's message is read several times per turn.
/** An amount after one of `words`. */
const amountAfter = (words: string): RegExp => new RegExp(`(?:${words})[^\\d零〇一二两三四五六七八九十百千万]{0,6}(${NUM}\\s*(?:万|千|k|w)?\\d?)\\s*(?:元|块)?`, 'i');
/** An amount before one of `words`. */
const amountBefore = (words: string): RegExp => new RegExp(`(${NUM}\\s*(?:万|千|k|w)?\\d?)\\s*(?:元|块)?(?:钱)?\\s*(?:${words})`, 'i');
const amountBy = (re: RegExp, text: string): number | undefined => {
  const m = re.exec(text);
  return m ? parseAmount(m[1]!) : undefined;
};

/** "3年8个月", "三年零八个月", "两年半", "8个月", "5年" → months. */
const DURATION_PARTS = new RegExp(`(?:(${NUM})\\s*年\\s*(半)?)?\\s*(?:零|又)?\\s*(?:(${NUM}|半)\\s*个?\\s*月)?`);
function durationMonths(fragment: string): number | undefined {
  const m = DURATION_PARTS.exec(fragment);
  if (!m || (!m[1] && !m[3])) return undefined;
  const years = m[1] ? (parseAmount(m[1]) ?? 0) : 0;
  const months = m[3] === '半' ? 0.5 : m[3] ? (parseAmount(m[3]) ?? 0) : 0;
  return years * 12 + (m[2] ? 6 : 0) + months;
}

const DURATION = `(?:${NUM}\\s*年\\s*半?\\s*(?:零|又)?\\s*(?:${NUM}\\s*个?\\s*月)?|(?:${NUM}|半)\\s*个?\\s*月)`;
const DURATION_RE = new RegExp(DURATION);
const DURATION_ALL = new RegExp(DURATION, 'g');
/** A length of time after one of `words`. */
const durationAfter = (words: string): RegExp => new RegExp(`(?:${words})[^\\d零〇一二两三四五六七八九十半，。,;；]{0,6}(${DURATION})`);
/** A length of time before one of `words`. */
const durationBefore = (words: string): RegExp => new RegExp(`(${DURATION})\\s*(?:${words})`);
const durationBy = (re: RegExp, text: string): number | undefined => {
  const m = re.exec(text);
  return m ? durationMonths(m[1]!) : undefined;
};

/** Hours from "20小时", "3天" (8 hours a day), "半天" (4). */
const HOURS = new RegExp(`(${NUM}|半)\\s*(个)?\\s*(小时|钟头|天|日)`);
function hoursIn(fragment: string): number | undefined {
  const m = HOURS.exec(fragment);
  if (!m) return undefined;
  const n = m[1] === '半' ? 0.5 : parseAmount(m[1]!);
  if (n === undefined) return undefined;
  return m[3] === '天' || m[3] === '日' ? n * 8 : n;
}
/** Hours stated near one of `words` (after them, else just before). */
const hoursNear = (words: string): [RegExp, RegExp] => [
  new RegExp(`(?:${words})[^，。,;；]{0,8}?((?:${NUM}|半)\\s*个?\\s*(?:小时|钟头|天|日))`),
  new RegExp(`((?:${NUM}|半)\\s*个?\\s*(?:小时|钟头|天|日))[^，。,;；]{0,4}(?:${words})`),
];
const hoursBy = ([after, before]: [RegExp, RegExp], text: string): number | undefined => {
  const m = after.exec(text) ?? before.exec(text);
  return m ? hoursIn(m[1]!) : undefined;
};

const WAGE_WORDS = '月薪|月工资|工资|底薪|薪水|薪资|收入|月入|每月|每个月|一个月|一月';
const SERVICE_WORDS = '干了|做了|工作了|上了|待了|呆了|入职|在这家?(?:单位|公司|厂)?(?:干|做|工作)?了?|本单位(?:工作)?|这家(?:单位|公司)(?:干|做)?了?|在职|司龄|工作年限';
const TOTAL_WORDS = '总工龄|工龄|总共工作|一共工作|参加工作|累计工作|实际工作年限';
const WAGE_AFTER = amountAfter(WAGE_WORDS);
const WAGE_BEFORE = amountBefore('一个月|每月|每个月|的月薪|月薪|工资|底薪');
const AVERAGE_WAGE = amountAfter('社平工资|社会平均工资|平均工资|社平|职工月平均工资');
const MINIMUM_WAGE = amountAfter('最低工资标准|最低工资');
const TOTAL_AFTER = durationAfter(TOTAL_WORDS);
const SERVICE_AFTER = durationAfter(SERVICE_WORDS);
const SERVICE_BEFORE = durationBefore('了?(?:被|就|后|以后|之后|，|公司|单位|老板|厂)');
const NO_CONTRACT_BEFORE = durationBefore('了?，?(?:都|一直|也|还)?(?:没|没有|未|不)(?:跟我|和我|与我)?签');
const NO_CONTRACT_AFTER = durationAfter('(?:没|没有|未)签(?:劳动)?合同');
const WORKDAY_HOURS = hoursNear('工作日|平时|晚上|每天|下班后|延时');
const REST_DAY_HOURS = hoursNear('周末|休息日|星期六|星期天|周六|周日|双休');
const HOLIDAY_HOURS = hoursNear('法定节假日|法定假日|节假日|春节|国庆|元旦|五一|劳动节|清明|端午|中秋|除夕|初一|初二|初三');
/** Every figure holds a digit or a Chinese numeral (半 included): a text without one states none. */
const ANY_NUMBER = /[\d零〇一二两三四五六七八九十百千万半]/;

/** Every length of time stated ("12年", "3年8个月", "6个月"), in months, in order. */
export function durationsIn(raw: string): number[] {
  const text = normalizeText(raw);
  const out: number[] = [];
  for (const m of text.matchAll(DURATION_ALL)) {
    const months = durationMonths(m[0]);
    if (months !== undefined && months > 0) out.push(months);
  }
  return out;
}

/** Every figure the text states. Amounts below 100 are never a monthly wage ("干了3年" is no wage of 3). */
export function readFigures(raw: string): Figures {
  const text = normalizeText(raw).replace(/[，,]/g, '，');
  const f: Figures = {};
  if (!ANY_NUMBER.test(text)) return f;
  const wage = amountBy(WAGE_AFTER, text) ?? amountBy(WAGE_BEFORE, text);
  if (wage !== undefined && wage >= 100) f.monthlyWage = wage;
  const avg = amountBy(AVERAGE_WAGE, text);
  if (avg !== undefined && avg >= 100) f.localAverageWage = avg;
  const min = amountBy(MINIMUM_WAGE, text);
  if (min !== undefined && min >= 100) f.minimumWage = min;
  if (f.localAverageWage !== undefined && f.monthlyWage === f.localAverageWage) delete f.monthlyWage;
  if (f.minimumWage !== undefined && f.monthlyWage === f.minimumWage) delete f.monthlyWage;

  const total = durationBy(TOTAL_AFTER, text);
  if (total !== undefined) f.totalWorkYears = total / 12;
  const service = durationBy(SERVICE_AFTER, text) ?? durationBy(SERVICE_BEFORE, text);
  if (service !== undefined && (total === undefined || service !== total)) f.serviceMonths = service;
  else if (service === undefined && total === undefined) {
    const any = DURATION_RE.exec(text);
    const months = any ? durationMonths(any[0]) : undefined;
    if (months !== undefined && months > 0) f.serviceMonths = months;
  }
  const noContract = durationBy(NO_CONTRACT_BEFORE, text) ?? durationBy(NO_CONTRACT_AFTER, text);
  if (noContract !== undefined) f.monthsWithoutContract = noContract;

  const workday = hoursBy(WORKDAY_HOURS, text);
  const rest = hoursBy(REST_DAY_HOURS, text);
  const holiday = hoursBy(HOLIDAY_HOURS, text);
  if (workday !== undefined) f.workdayHours = workday;
  if (rest !== undefined) f.restDayHours = rest;
  if (holiday !== undefined) f.holidayHours = holiday;
  const leave = /(?:年假|年休假)[^，。]{0,8}?(?:剩|还有|没休|未休|没有休)[^\d零一二两三四五六七八九十]{0,3}(\d+|[零一二两三四五六七八九十]+)\s*天/.exec(text)
    ?? /(?:剩|还有|没休|未休)[^\d零一二两三四五六七八九十]{0,3}(\d+|[零一二两三四五六七八九十]+)\s*天[^，。]{0,4}(?:年假|年休假)/.exec(text);
  if (leave) {
    const days = parseAmount(leave[1]!);
    if (days !== undefined) f.unusedLeaveDays = days;
  }
  const birth = birthIn(text);
  // "1968年出生" without the month: the year is kept and the month asked for.
  const yearOnly = birth ? undefined : /(19\d{2}|20\d{2})\s*年?\s*(?:的)?\s*(?:出生|生人|生的)/.exec(text);
  if (birth || yearOnly) {
    if (birth) [f.birthYear, f.birthMonth] = birth;
    else f.birthYear = Number(yearOnly![1]);
    // A birth date is no length of service ("1972年5月出生" holds no "年…月" span worth reading).
    delete f.serviceMonths;
    const sex = sexIn(text);
    if (sex) f.sex = sex;
    const original = originalRetirementAgeIn(text);
    if (original) f.originalRetirementAge = original;
  }
  return f;
}

/** "1972年5月", "72年5月", "1972.5", "1972-05", "1972/5" → [1972, 5]. Two-digit years are read as 19xx. */
function yearMonth(y: string, m: string): [number, number] | undefined {
  const year = y.length === 2 ? 1900 + Number(y) : Number(y);
  const month = Number(m);
  return year >= 1900 && year <= 2100 && month >= 1 && month <= 12 ? [year, month] : undefined;
}
const YEAR_MONTH = '(\\d{4}|\\d{2})\\s*(?:年|\\.|-|/)\\s*(\\d{1,2})\\s*(?:月份?)?';
const BIRTH_AFTER = new RegExp(`${YEAR_MONTH}\\s*(?:的)?\\s*(?:出生|生人|生的|生日|生)`);
const BIRTH_BEFORE = new RegExp(`(?:出生|生于|生日|出生年月|出生日期)[^\\d]{0,5}${YEAR_MONTH}`);
const BIRTH_BARE = new RegExp(`^\\D{0,4}${YEAR_MONTH}`);

/** Birth year and month stated with 出生/生 ("1972年5月出生", "出生年月：1972.5"); `bare` also takes "1972年5月" alone. */
export function birthIn(raw: string, bare = false): [number, number] | undefined {
  const text = normalizeText(raw);
  const m = BIRTH_AFTER.exec(text) ?? BIRTH_BEFORE.exec(text) ?? (bare ? BIRTH_BARE.exec(text.trim()) : null);
  if (m) return yearMonth(m[1]!, m[2]!);
  const compact = bare ? /^(\d{4})(\d{2})$/.exec(text.trim()) : null;
  return compact ? yearMonth(compact[1]!, compact[2]!) : undefined;
}

/** 男/女 as said of oneself ("我是女的", "男职工", "女，工人"); kinship words (女儿, 子女) are not a sex. */
export function sexIn(raw: string): 'male' | 'female' | undefined {
  const text = normalizeText(raw).replace(/女儿|儿女|子女|男女|女朋友|男朋友|女友|男友|妇女节/g, '');
  const female = /女/.test(text);
  const male = /男/.test(text);
  return female === male ? undefined : female ? 'female' : 'male';
}

/** A woman's original retirement age: stated (50 / 55), or from her post (工人 50, 干部/管理/专业技术岗位 55). */
export function originalRetirementAgeIn(raw: string): 50 | 55 | undefined {
  const text = normalizeText(raw);
  const stated = /(?:原|原来|本来|以前|之前|老规定)[^，。\d五]{0,8}(50|55|五十五|五十)\s*(?:周?岁)?|(50|55|五十五|五十)\s*周?岁\s*(?:就?退休|退)/.exec(text);
  const age = stated ? (stated[1] ?? stated[2]) : /^(50|55|五十五|五十)\s*(?:周?岁)?$/.exec(text.trim())?.[1];
  if (age) return age === '55' || age === '五十五' ? 55 : 50;
  if (/干部|管理岗|管理人员|专业技术|技术岗|职员/.test(text)) return 55;
  if (/工人|一线|车间|生产岗|操作工/.test(text)) return 50;
  return undefined;
}

const ASKS: Array<[Calculator, RegExp]> = [
  ['double_wage', /(?:没|没有|未|不)(?:跟我|和我|与我)?签(?:订)?(?:书面)?(?:劳动)?合同|二倍工资|双倍工资|两倍工资/],
  ['medical_period', /医疗期|病假|生病|患病|住院|看病/],
  ['annual_leave', /年假|年休假/],
  ['overtime', /加班/],
  ['severance', /经济补偿|补偿金|补偿|赔偿金|n\+1|2n|辞退|开除|裁员|解雇|解除|炒|不续签|不续订|遣散/],
  // Last: "距退休不足五年被辞退" asks about severance.
  ['retirement', /(?:几岁|多少岁|哪年|哪一年|什么时候|啥时候|几月|哪个月|何时|多大)\s*(?:能|可以|才能|才|就|该|要)?\s*退休|退休(?:年龄|时间|日期|年月)|延迟退休|延退|晚退/],
];

/** The sum the text asks about, by its words ("补偿", "加班", "年假" …); undefined when none. */
export function askedCalculator(raw: string): Calculator | undefined {
  const text = normalizeText(raw);
  return ASKS.find(([, re]) => re.test(text))?.[0];
}

/** The text gives at least one figure a calculator uses. */
export const hasFigures = (f: Figures): boolean => Object.keys(f).length > 0;
