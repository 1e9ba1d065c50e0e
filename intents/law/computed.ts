/**
 * Computed answers: the member's figures run through calc.ts, shown with the working and the articles, or the one
 * figure still missing asked for. The pending state is plain versioned JSON kept in the dialog.
 */
import { z } from 'zod';
import type { Citation } from './card.ts';
import { annualLeaveDays, doubleWages, medicalPeriod, overtimePay, retirementDate, severance, sickPayFloor, unusedLeavePay } from './calc.ts';
import { CALCULATORS, figuresSchema, type Calculator, type Figures } from './figures.ts';
import { CALC_TEXT } from './texts.ts';

export const PENDING_CALC_VERSION = 1;
export const pendingCalcSchema = z.object({
  calculator: z.enum(CALCULATORS),
  figures: figuresSchema,
});
export type PendingCalc = z.infer<typeof pendingCalcSchema>;
export type AskedFigure = keyof typeof CALC_TEXT.ask;

export type CalcOutcome =
  | { kind: 'computed'; text: string; citations: Citation[] }
  | { kind: 'ask'; asking: AskedFigure; text: string; pending: PendingCalc };

const c = (law: string, article: number): Citation => ({ law, article });

/** What each sum rests on, most relevant first. */
export const CALC_CITATIONS: Record<Calculator, Citation[]> = {
  severance: [c('劳动合同法', 47), c('劳动合同法', 46), c('劳动合同法', 87), c('劳动合同法实施条例', 20)],
  overtime: [c('劳动法', 44), c('工资支付暂行规定', 13), c('全国年节及纪念日放假办法', 2)],
  annual_leave: [c('企业职工带薪年休假实施办法', 10), c('企业职工带薪年休假实施办法', 11), c('职工带薪年休假条例', 3)],
  medical_period: [c('企业职工患病或非因工负伤医疗期规定', 3), c('企业职工患病或非因工负伤医疗期规定', 4), c('贯彻执行劳动法若干问题的意见', 59)],
  double_wage: [c('劳动合同法', 82), c('劳动合同法实施条例', 6), c('劳动争议解释（二）', 6), c('劳动合同法', 14)],
  retirement: [c('国务院关于渐进式延迟法定退休年龄的办法', 1), c('国务院关于渐进式延迟法定退休年龄的办法', 3), c('国务院关于渐进式延迟法定退休年龄的办法', 2)],
};

/** What the yearly number of leave days rests on. */
const LEAVE_DAYS_CITATIONS = [c('职工带薪年休假条例', 3), c('企业职工带薪年休假实施办法', 4), c('企业职工带薪年休假实施办法', 3)];

const ask = (asking: AskedFigure, calculator: Calculator, figures: Figures): CalcOutcome => ({
  kind: 'ask',
  asking,
  text: CALC_TEXT.ask[asking],
  pending: { calculator, figures },
});

/** The computed answer for a calculator and the figures so far, or the question for the figure still missing. */
export function computeAnswer(calculator: Calculator, f: Figures): CalcOutcome {
  const done = (text: string): CalcOutcome => ({ kind: 'computed', text, citations: CALC_CITATIONS[calculator] });
  switch (calculator) {
    case 'severance': {
      if (f.monthlyWage === undefined) return ask('monthlyWage', calculator, f);
      if (f.serviceMonths === undefined) return ask('serviceMonths', calculator, f);
      const r = severance({ monthlyWage: f.monthlyWage, serviceMonths: f.serviceMonths, ...(f.localAverageWage ? { localAverageWage: f.localAverageWage } : {}) });
      if (r.capUnknown) return ask('localAverageWage', calculator, f);
      return done(CALC_TEXT.severance(f.monthlyWage, f.serviceMonths, r));
    }
    case 'overtime': {
      if (f.monthlyWage === undefined) return ask('monthlyWage', calculator, f);
      if (f.workdayHours === undefined && f.restDayHours === undefined && f.holidayHours === undefined) return ask('overtimeHours', calculator, f);
      return done(CALC_TEXT.overtime(f.monthlyWage, f, overtimePay({ monthlyWage: f.monthlyWage, ...f })));
    }
    case 'annual_leave': {
      // Years of work and nothing about pay: the member asks how many days, not what is owed. Days follow the
      // years worked anywhere; a member who says only "干了11年" gets those years, with that rule said.
      const workedMonths = f.totalWorkYears !== undefined ? f.totalWorkYears * 12 : f.serviceMonths;
      if (workedMonths !== undefined && f.monthlyWage === undefined && f.unusedLeaveDays === undefined) {
        return { kind: 'computed', text: CALC_TEXT.leaveEntitlement(workedMonths, annualLeaveDays(workedMonths / 12)), citations: LEAVE_DAYS_CITATIONS };
      }
      if (f.monthlyWage === undefined) return ask('monthlyWage', calculator, f);
      if (f.unusedLeaveDays === undefined) return ask('unusedLeaveDays', calculator, f);
      const entitled = f.totalWorkYears !== undefined ? annualLeaveDays(f.totalWorkYears) : undefined;
      return done(CALC_TEXT.annualLeave(f.monthlyWage, f.unusedLeaveDays, unusedLeavePay(f.monthlyWage, f.unusedLeaveDays), entitled));
    }
    case 'medical_period': {
      if (f.totalWorkYears === undefined) return ask('totalWorkYears', calculator, f);
      if (f.serviceMonths === undefined) return ask('serviceMonths', calculator, f);
      const p = medicalPeriod(f.totalWorkYears, f.serviceMonths / 12);
      return done(CALC_TEXT.medicalPeriod(f.totalWorkYears, f.serviceMonths, p, f.minimumWage !== undefined ? sickPayFloor(f.minimumWage) : undefined));
    }
    case 'double_wage': {
      const months = f.monthsWithoutContract ?? f.serviceMonths;
      if (f.monthlyWage === undefined) return ask('monthlyWage', calculator, f);
      if (months === undefined) return ask('monthsWithoutContract', calculator, f);
      return done(CALC_TEXT.doubleWage(f.monthlyWage, months, doubleWages(f.monthlyWage, months)));
    }
    case 'retirement': {
      if (f.birthYear === undefined || f.birthMonth === undefined) return ask('birthMonth', calculator, f);
      if (f.sex === undefined) return ask('sex', calculator, f);
      if (f.sex === 'female' && f.originalRetirementAge === undefined) return ask('originalRetirementAge', calculator, f);
      const group = f.sex === 'male' ? 'male' : f.originalRetirementAge === 55 ? 'female55' : 'female50';
      return done(CALC_TEXT.retirement(f.birthYear, f.birthMonth, retirementDate(f.birthYear, f.birthMonth, group)));
    }
  }
}
