/**
 * The arithmetic of labor-law sums, pure and unit-tested: severance (经济补偿 N, N+1, 2N), overtime pay, unused
 * annual leave, the medical period (医疗期) and double wages without a written contract. Amounts in yuan, periods
 * in months. Each result carries its working as data; texts.ts turns it into Chinese.
 */

/** 21.75 paid days a month: the divisor for daily wages (工资支付 and 年休假 rules). */
export const PAID_DAYS_PER_MONTH = 21.75;
export const HOURS_PER_DAY = 8;
/** 劳动合同法第四十七条: the cap applies above three times the local average monthly wage, with at most 12 years. */
export const SEVERANCE_CAP_MULTIPLE = 3;
export const SEVERANCE_CAP_YEARS = 12;

/** Rounds to fen (two decimals) for display and comparison. */
export const yuan = (n: number): number => Math.round(n * 100) / 100;

/**
 * Months of wages owed as 经济补偿 for a length of service: one per full year; a remainder of six months or more
 * counts as a year, less than six months as half a month (劳动合同法第四十七条第一款).
 */
export function severanceMonths(serviceMonths: number): number {
  if (!Number.isFinite(serviceMonths) || serviceMonths <= 0) return 0;
  const years = Math.floor(serviceMonths / 12);
  const rest = serviceMonths - years * 12;
  return years + (rest >= 6 ? 1 : rest > 0 ? 0.5 : 0);
}

export interface SeveranceInput {
  /** Average monthly wage of the last 12 months before leaving (all wage items, before tax). */
  monthlyWage: number;
  serviceMonths: number;
  /** The local (city) average monthly wage of last year, when known. */
  localAverageWage?: number;
}

export interface SeveranceResult {
  /** N as months of wages (after the 12-year cap when it applies). */
  months: number;
  /** The wage each month of N is paid at (capped at three local averages when that applies). */
  base: number;
  /** The cap (base and 12 years) applied. */
  capped: boolean;
  /** The cap could apply but the local average wage is unknown (wage high enough to matter). */
  capUnknown: boolean;
  /** 经济补偿 N. */
  n: number;
  /** N+1: N plus one month's wage in lieu of 30 days' notice (实施条例第二十条: last month's wage; here the average). */
  nPlusOne: number;
  /** 2N: 赔偿金 for unlawful dismissal, instead of N (劳动合同法第八十七条, 实施条例第二十五条). */
  twoN: number;
}

/**
 * Lowest local average monthly wage that is plausible today: below three times this no city's cap can bite, so
 * the local figure is only needed for wages above it.
 */
export const CAP_CHECK_ABOVE = 18_000;

export function severance(input: SeveranceInput): SeveranceResult {
  const { monthlyWage, serviceMonths, localAverageWage } = input;
  const fullMonths = severanceMonths(serviceMonths);
  const capAt = localAverageWage !== undefined ? localAverageWage * SEVERANCE_CAP_MULTIPLE : undefined;
  const capped = capAt !== undefined && monthlyWage > capAt;
  const base = capped ? capAt : monthlyWage;
  const months = capped ? Math.min(fullMonths, SEVERANCE_CAP_YEARS) : fullMonths;
  const n = yuan(base * months);
  return {
    months,
    base: yuan(base),
    capped,
    capUnknown: localAverageWage === undefined && monthlyWage > CAP_CHECK_ABOVE,
    n,
    nPlusOne: yuan(n + monthlyWage),
    twoN: yuan(2 * n),
  };
}

export interface OvertimeInput {
  monthlyWage: number;
  /** Hours worked beyond the standard day on working days (150%). */
  workdayHours?: number;
  /** Hours on rest days without time off in lieu (200%). */
  restDayHours?: number;
  /** Hours on the 13 statutory holiday days (300%). */
  holidayHours?: number;
}

export interface OvertimeResult {
  hourlyWage: number;
  dailyWage: number;
  workday: number;
  restDay: number;
  holiday: number;
  total: number;
}

/** Overtime pay at 150%, 200% and 300% of the hourly wage (monthly wage ÷ 21.75 ÷ 8). */
export function overtimePay(input: OvertimeInput): OvertimeResult {
  const dailyWage = input.monthlyWage / PAID_DAYS_PER_MONTH;
  const hourly = dailyWage / HOURS_PER_DAY;
  const workday = yuan(hourly * 1.5 * (input.workdayHours ?? 0));
  const restDay = yuan(hourly * 2 * (input.restDayHours ?? 0));
  const holiday = yuan(hourly * 3 * (input.holidayHours ?? 0));
  return { hourlyWage: yuan(hourly), dailyWage: yuan(dailyWage), workday, restDay, holiday, total: yuan(workday + restDay + holiday) };
}

/** Annual leave days a year by total years of work (职工带薪年休假条例第三条): 0 under 1 year, 5, 10, 15. */
export function annualLeaveDays(totalWorkYears: number): number {
  if (totalWorkYears >= 20) return 15;
  if (totalWorkYears >= 10) return 10;
  if (totalWorkYears >= 1) return 5;
  return 0;
}

/**
 * Leave days still owed when leaving during the year: (days passed ÷ 365) × yearly days − days taken, whole
 * days only (企业职工带薪年休假实施办法第十二条).
 */
export function proratedLeaveDays(daysPassedThisYear: number, yearlyDays: number, daysTaken: number): number {
  return Math.max(0, Math.floor((daysPassedThisYear / 365) * yearlyDays - daysTaken));
}

export interface LeavePayResult {
  dailyWage: number;
  /** What is owed on top of the normal wage: 200% of the daily wage per unused day. */
  extra: number;
}

/** Unused annual leave: 300% of the daily wage including the normal wage already paid, so 200% extra per day. */
export function unusedLeavePay(monthlyWageWithoutOvertime: number, unusedDays: number): LeavePayResult {
  const dailyWage = monthlyWageWithoutOvertime / PAID_DAYS_PER_MONTH;
  return { dailyWage: yuan(dailyWage), extra: yuan(dailyWage * 2 * Math.max(0, unusedDays)) };
}

export interface MedicalPeriod {
  months: number;
  /** The sick days of the period are counted within this many months (规定第四条). */
  withinMonths: number;
}

const WITHIN: Record<number, number> = { 3: 6, 6: 12, 9: 15, 12: 18, 18: 24, 24: 30 };

/**
 * The 医疗期 by total years of work and years with this employer (企业职工患病或非因工负伤医疗期规定第三条):
 * under 10 years in all, 3 months (under 5 here) or 6; 10 years or more in all, 6 / 9 / 12 / 18 / 24 months for
 * under 5, 5–10, 10–15, 15–20 and 20+ years here. "以上" is read as "满" (at least), as the provinces apply it.
 */
export function medicalPeriod(totalWorkYears: number, yearsWithEmployer: number): MedicalPeriod {
  const here = Math.min(yearsWithEmployer, totalWorkYears);
  let months: number;
  if (totalWorkYears < 10) months = here < 5 ? 3 : 6;
  else if (here < 5) months = 6;
  else if (here < 10) months = 9;
  else if (here < 15) months = 12;
  else if (here < 20) months = 18;
  else months = 24;
  return { months, withinMonths: WITHIN[months]! };
}

/** Sick pay may be below the minimum wage, but not below 80% of it (贯彻执行劳动法若干问题的意见第59条). */
export const sickPayFloor = (minimumWage: number): number => yuan(minimumWage * 0.8);

export interface DoubleWageResult {
  /** Months for which the extra wage is owed (from the day after the first month, at most 11). */
  months: number;
  /** The extra on top of the wages already paid. */
  extra: number;
  /** A year or more without a contract: the contract is deemed open-ended (劳动合同法第十四条第三款). */
  deemedOpenEnded: boolean;
}

/**
 * Double wages for months without a written contract: the second wage is owed from the day after the first month
 * until the day before one is signed, for at most 11 months (劳动合同法第八十二条, 实施条例第六条、第七条).
 */
export function doubleWages(monthlyWage: number, monthsWithoutContract: number): DoubleWageResult {
  const months = Math.min(11, Math.max(0, monthsWithoutContract - 1));
  return { months: yuan(months), extra: yuan(monthlyWage * months), deemedOpenEnded: monthsWithoutContract >= 12 };
}

/**
 * Statutory retirement under 国务院关于渐进式延迟法定退休年龄的办法 第一条: from 2025-01-01 men (originally 60) and women
 * originally retiring at 55 retire one month later for every four months their original retirement falls after
 * 2024-12, up to 63 and 58; women originally retiring at 50 one month later for every two months, up to 55.
 * "从其规定" exceptions (special work types, 第八条) and the flexible early/late options (第三条) are not computed.
 */
export type RetirementGroup = 'male' | 'female55' | 'female50';

export const RETIREMENT_RULES: Record<RetirementGroup, { originalAge: number; everyMonths: number; maxDelayMonths: number }> = {
  male: { originalAge: 60, everyMonths: 4, maxDelayMonths: 36 },
  female55: { originalAge: 55, everyMonths: 4, maxDelayMonths: 36 },
  female50: { originalAge: 50, everyMonths: 2, maxDelayMonths: 60 },
};

/** The first month the delay applies to (2025-01), as a month index (year × 12 + month − 1). */
const DELAY_START = 2025 * 12 + 0;

export interface RetirementResult {
  group: RetirementGroup;
  originalAge: number;
  /** Year and month (1–12) the member would have retired at the original age. */
  originalYear: number;
  originalMonth: number;
  /** Months of delay (0 when the original date is before 2025-01). */
  delayMonths: number;
  /** The new statutory retirement age. */
  ageYears: number;
  ageMonths: number;
  /** Year and month (1–12) of the new retirement. */
  year: number;
  month: number;
  /** The delay reached its ceiling (63 / 58 / 55). */
  capped: boolean;
}

/** The statutory retirement age and month for a birth year-month (month 1–12) and group. */
export function retirementDate(birthYear: number, birthMonth: number, group: RetirementGroup): RetirementResult {
  if (!Number.isInteger(birthYear) || !Number.isInteger(birthMonth) || birthMonth < 1 || birthMonth > 12) throw new RangeError(`retirementDate: ${birthYear}-${birthMonth}`);
  const rule = RETIREMENT_RULES[group];
  const original = birthYear * 12 + (birthMonth - 1) + rule.originalAge * 12;
  const after = original - DELAY_START;
  const delayMonths = after < 0 ? 0 : Math.min(rule.maxDelayMonths, Math.floor(after / rule.everyMonths) + 1);
  const retire = original + delayMonths;
  const ageInMonths = rule.originalAge * 12 + delayMonths;
  return {
    group,
    originalAge: rule.originalAge,
    originalYear: Math.floor(original / 12),
    originalMonth: (original % 12) + 1,
    delayMonths,
    ageYears: Math.floor(ageInMonths / 12),
    ageMonths: ageInMonths % 12,
    year: Math.floor(retire / 12),
    month: (retire % 12) + 1,
    capped: delayMonths === rule.maxDelayMonths,
  };
}
