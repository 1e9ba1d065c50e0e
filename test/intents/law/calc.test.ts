/** The arithmetic of labor-law sums and the reading of members' figures: pure functions, no engine. */
import { describe, expect, it } from 'vitest';
import { annualLeaveDays, doubleWages, medicalPeriod, overtimePay, proratedLeaveDays, retirementDate, severance, severanceMonths, sickPayFloor, unusedLeavePay } from '../../../intents/law/calc.ts';
import { computeAnswer } from '../../../intents/law/computed.ts';
import { askedCalculator, birthIn, originalRetirementAgeIn, parseAmount, readFigures, sexIn } from '../../../intents/law/figures.ts';

describe('severance (劳动合同法第四十七条, 第八十七条)', () => {
  it.each([
    [0, 0],
    [3, 0.5],
    [5.9, 0.5],
    [6, 1],
    [12, 1],
    [44, 4], // 3 years 8 months: the 8 months count as a year
    [40, 3.5], // 3 years 4 months: half a month for the 4
    [36, 3],
  ])('%s months of service → N = %s months', (months, n) => {
    expect(severanceMonths(months)).toBe(n);
  });

  it('月薪6000，干了3年8个月: N 24000, N+1 30000, 2N 48000', () => {
    expect(severance({ monthlyWage: 6000, serviceMonths: 44 })).toEqual({ months: 4, base: 6000, capped: false, capUnknown: false, n: 24000, nPlusOne: 30000, twoN: 48000 });
  });

  it('above three local averages: base capped at 3× and at most 12 years', () => {
    const r = severance({ monthlyWage: 40000, serviceMonths: 15 * 12 + 2, localAverageWage: 10000 });
    expect(r).toMatchObject({ capped: true, base: 30000, months: 12, n: 360000, twoN: 720000, nPlusOne: 400000 });
    // Not above the cap: all years count.
    expect(severance({ monthlyWage: 25000, serviceMonths: 15 * 12, localAverageWage: 10000 })).toMatchObject({ capped: false, months: 15, n: 375000 });
  });

  it('asks for the local average only when the wage is high enough for the cap to matter', () => {
    expect(severance({ monthlyWage: 6000, serviceMonths: 44 }).capUnknown).toBe(false);
    expect(severance({ monthlyWage: 30000, serviceMonths: 44 }).capUnknown).toBe(true);
  });
});

describe('overtime, leave, medical period, double wages', () => {
  it('overtime at 150/200/300% of monthly ÷ 21.75 ÷ 8', () => {
    const r = overtimePay({ monthlyWage: 6000, workdayHours: 20, restDayHours: 16, holidayHours: 8 });
    expect(r.dailyWage).toBeCloseTo(275.86, 2);
    expect(r.hourlyWage).toBeCloseTo(34.48, 2);
    expect(r.workday).toBeCloseTo(1034.48, 2);
    expect(r.restDay).toBeCloseTo(1103.45, 2);
    expect(r.holiday).toBeCloseTo(827.59, 2);
    expect(r.total).toBeCloseTo(2965.52, 2);
  });

  it('annual leave days by total years and unused days at 200% extra', () => {
    expect([0.5, 1, 9, 10, 19, 20, 30].map(annualLeaveDays)).toEqual([0, 5, 5, 10, 10, 15, 15]);
    expect(unusedLeavePay(6000, 5).extra).toBeCloseTo(2758.62, 2);
    expect(proratedLeaveDays(200, 10, 2)).toBe(3); // 200/365×10 = 5.48 → 5, minus 2 taken
  });

  it.each([
    [5, 3, 3, 6],
    [8, 6, 6, 12],
    [12, 3, 6, 12],
    [12, 6, 9, 15],
    [15, 12, 12, 18],
    [25, 16, 18, 24],
    [30, 22, 24, 30],
  ])('医疗期: %s years in all, %s here → %s months within %s', (total, here, months, within) => {
    expect(medicalPeriod(total, here)).toEqual({ months, withinMonths: within });
  });

  it('sick pay floor is 80% of the minimum wage', () => {
    expect(sickPayFloor(2490)).toBe(1992);
  });

  it('double wages from the second month, at most 11; a year or more means an open-ended contract', () => {
    expect(doubleWages(6000, 8)).toEqual({ months: 7, extra: 42000, deemedOpenEnded: false });
    expect(doubleWages(6000, 20)).toEqual({ months: 11, extra: 66000, deemedOpenEnded: true });
    expect(doubleWages(6000, 1).extra).toBe(0);
  });
});

describe("reading the member's figures", () => {
  it.each([
    ['6000', 6000],
    ['6千', 6000],
    ['6k', 6000],
    ['0.6万', 6000],
    ['六千', 6000],
    ['七千五', 7500],
    ['一万二', 12000],
    ['8千5', 8500],
    ['十二', 12],
  ])('%s = %s', (raw, n) => {
    expect(parseAmount(raw)).toBe(n);
  });

  it.each([
    ['月薪6000，干了3年8个月，被辞退能拿多少补偿', { monthlyWage: 6000, serviceMonths: 44 }],
    ['我一个月工资七千五，在公司做了两年半', { monthlyWage: 7500, serviceMonths: 30 }],
    ['工作了5年，每月8000块，公司要裁员', { monthlyWage: 8000, serviceMonths: 60 }],
    ['入职8个月了一直没签合同，工资5000', { monthlyWage: 5000, serviceMonths: 8, monthsWithoutContract: 8 }],
    ['总工龄12年，在本单位工作了6年，生病能休多久', { totalWorkYears: 12, serviceMonths: 72 }],
    ['月薪6000，上个月工作日加班20小时，周末加班2天，国庆加班1天', { monthlyWage: 6000, workdayHours: 20, restDayHours: 16, holidayHours: 8 }],
    ['年假还剩5天没休，月薪6000', { monthlyWage: 6000, unusedLeaveDays: 5 }],
    ['月薪30000，当地社平工资9000，干了15年', { monthlyWage: 30000, localAverageWage: 9000, serviceMonths: 180 }],
  ])('%s', (text, expected) => {
    expect(readFigures(text)).toEqual(expected);
  });

  it('a figure without a unit is no wage; a plain question has no figures', () => {
    expect(readFigures('干了3年被辞退')).toEqual({ serviceMonths: 36 });
    expect(readFigures('被辞退了有补偿吗')).toEqual({});
  });

  it.each([
    ['月薪6000干了3年8个月被辞退能拿多少', 'severance'],
    ['开除能拿多少补偿', 'severance'],
    ['加班费怎么算，月薪6000加了20小时', 'overtime'],
    ['年假没休完能给多少钱', 'annual_leave'],
    ['病假能休多久', 'medical_period'],
    ['干了8个月没签合同能赔多少', 'double_wage'],
    ['公积金怎么交', undefined],
  ])('%s asks about %s', (text, calc) => {
    expect(askedCalculator(text)).toBe(calc);
  });
});

describe('retirement date (国务院关于渐进式延迟法定退休年龄的办法 第一条)', () => {
  const r = (y: number, m: number, g: 'male' | 'female55' | 'female50') => {
    const x = retirementDate(y, m, g);
    return `${x.ageYears}岁${x.ageMonths}个月 ${x.year}-${x.month}`;
  };

  it.each([
    // Men: +1 month for every 4 months of original retirement from 2025-01, up to 63.
    [1964, 12, 'male', '60岁0个月 2024-12'], // original retirement before 2025: no delay
    [1965, 1, 'male', '60岁1个月 2025-2'], // first cohort
    [1965, 4, 'male', '60岁1个月 2025-5'], // last month of the first 4-month group
    [1965, 5, 'male', '60岁2个月 2025-7'], // next group
    [1970, 5, 'male', '61岁5个月 2031-10'],
    [1976, 8, 'male', '62岁11个月 2039-7'], // last cohort below the cap
    [1976, 9, 'male', '63岁0个月 2039-9'], // cap reached
    [1985, 6, 'male', '63岁0个月 2048-6'], // beyond the transition: 63
    // Women originally 55: the same steps, up to 58.
    [1969, 12, 'female55', '55岁0个月 2024-12'],
    [1970, 1, 'female55', '55岁1个月 2025-2'],
    [1972, 5, 'female55', '55岁8个月 2028-1'],
    [1981, 8, 'female55', '57岁11个月 2039-7'],
    [1981, 9, 'female55', '58岁0个月 2039-9'],
    // Women originally 50: +1 month every 2 months, up to 55.
    [1974, 12, 'female50', '50岁0个月 2024-12'],
    [1975, 1, 'female50', '50岁1个月 2025-2'],
    [1975, 2, 'female50', '50岁1个月 2025-3'],
    [1975, 3, 'female50', '50岁2个月 2025-5'],
    [1984, 10, 'female50', '54岁11个月 2039-9'],
    [1984, 11, 'female50', '55岁0个月 2039-11'], // cap reached
    [1990, 1, 'female50', '55岁0个月 2045-1'],
  ] as const)('%s-%s %s → %s', (y, m, g, want) => {
    expect(r(y, m, g)).toBe(want);
  });

  it('reports the original date, the delay and whether the cap applied', () => {
    expect(retirementDate(1970, 5, 'male')).toMatchObject({ originalYear: 2030, originalMonth: 5, delayMonths: 17, capped: false });
    expect(retirementDate(1976, 9, 'male')).toMatchObject({ delayMonths: 36, capped: true });
    expect(() => retirementDate(1970, 13, 'male')).toThrow(RangeError);
  });

  it('reads a birth date, sex and a woman\'s original retirement age from a message', () => {
    expect(birthIn('我是1972年5月出生的')).toEqual([1972, 5]);
    expect(birthIn('出生年月：1972.05')).toEqual([1972, 5]);
    expect(birthIn('72年5月生人')).toEqual([1972, 5]);
    expect(birthIn('2020年3月入职')).toBeUndefined();
    expect(birthIn('1972年5月', true)).toEqual([1972, 5]);
    expect(birthIn('197205', true)).toEqual([1972, 5]);
    expect(sexIn('女，工人')).toBe('female');
    expect(sexIn('我是男职工')).toBe('male');
    expect(sexIn('我女儿在厂里')).toBeUndefined();
    expect(originalRetirementAgeIn('女干部')).toBe(55);
    expect(originalRetirementAgeIn('我是车间工人')).toBe(50);
    expect(originalRetirementAgeIn('原来55岁退休')).toBe(55);
    expect(originalRetirementAgeIn('50')).toBe(50);
    expect(readFigures('我1975年3月出生，女，工人，几岁退休')).toEqual({ birthYear: 1975, birthMonth: 3, sex: 'female', originalRetirementAge: 50 });
    expect(askedCalculator('我什么时候退休')).toBe('retirement');
    expect(askedCalculator('延迟退休后几岁退休')).toBe('retirement');
    // Severance words win: "距退休不足五年被辞退" asks about compensation.
    expect(askedCalculator('退休年龄快到了被辞退，补偿多少')).toBe('severance');
  });

  it('asks for the one missing figure, then shows the working and cites 第一条', () => {
    expect(computeAnswer('retirement', {})).toMatchObject({ kind: 'ask', asking: 'birthMonth' });
    expect(computeAnswer('retirement', { birthYear: 1972, birthMonth: 5 })).toMatchObject({ kind: 'ask', asking: 'sex' });
    expect(computeAnswer('retirement', { birthYear: 1972, birthMonth: 5, sex: 'female' })).toMatchObject({ kind: 'ask', asking: 'originalRetirementAge' });
    const male = computeAnswer('retirement', { birthYear: 1970, birthMonth: 5, sex: 'male' });
    expect(male.kind).toBe('computed');
    if (male.kind !== 'computed') return;
    expect(male.text).toContain('原退休时间：2030年5月');
    expect(male.text).toContain('第65个月');
    expect(male.text).toContain('（65−1）÷4取整后加1 = 17个月');
    expect(male.text).toContain('法定退休年龄：61岁5个月，退休时间：2031年10月');
    expect(male.citations[0]).toEqual({ law: '国务院关于渐进式延迟法定退休年龄的办法', article: 1 });
    const capped = computeAnswer('retirement', { birthYear: 1984, birthMonth: 12, sex: 'female', originalRetirementAge: 50 });
    expect(capped.kind === 'computed' && capped.text).toContain('超过上限，按60个月');
    const early = computeAnswer('retirement', { birthYear: 1964, birthMonth: 12, sex: 'male' });
    expect(early.kind === 'computed' && early.text).toContain('不延迟');
  });
});
