/** The arithmetic of labor-law sums and the reading of members' figures: pure functions, no engine. */
import { describe, expect, it } from 'vitest';
import { annualLeaveDays, doubleWages, medicalPeriod, overtimePay, proratedLeaveDays, severance, severanceMonths, sickPayFloor, unusedLeavePay } from '../../../intents/law/calc.ts';
import { askedCalculator, parseAmount, readFigures } from '../../../intents/law/figures.ts';

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
