/**
 * Field types every form uses: name, mobile, ID number (GB 11643), bank card (Luhn), free text, date,
 * date and time (明天下午3点), money (3万), count (100人), choice, yes/no. A form names the field,
 * words the question and the error messages (its texts.ts), and may add a rule of its own (`check`).
 * Personal numbers are sensitive: sealed in the session and masked in the summary.
 */
import type { Reply } from '../../core/message.ts';
import type { TurnContext } from '../../core/service.ts';
import { maskCard, maskId, maskPhone } from '../../core/text.ts';
import {
  chinaToday,
  formatYuan,
  parseAmountCents,
  parseDate,
  validateBankCard,
  validateBankName,
  validateFreeText,
  validateIdNumber,
  validateMobile,
  validateName,
  type Valid,
} from '../fields.ts';
import { formatDateTime, parseDateTime } from '../time.ts';
import { isNo, isYes } from '../words.ts';
import type { Answer, FieldSpec, FormView, Misfit } from './spec.ts';

export interface FieldOptions<T> {
  id: string;
  label: string;
  aliases?: readonly string[];
  /** The question: text, or a reply built from the answers so far. */
  ask: string | ((f: FormView, ctx: TurnContext) => Reply);
  /** The message for a validator's error code (see src/kit/fields.ts), e.g. 'mobile', 'id_checksum'. */
  error: (code: string, f: FormView) => string;
  /** A rule of the form's own on a valid value (a date within the filing deadline): an error text, or null. */
  check?: (value: T, f: FormView, ctx: TurnContext) => string | null;
  /** Answers that no longer fit once this one changes. */
  clears?: (value: T, f: FormView) => readonly string[];
  when?: FieldSpec['when'];
  show?: FieldSpec['show'];
  anyText?: boolean;
  submitWhenAnswered?: boolean;
  /** Answers that plainly belong elsewhere, besides the ones the type knows (a disease typed for a hospital). */
  misfits?: readonly Misfit[];
}

/** Answers of one type typed at a question of another: each type questions the ones it could be confused with. */
export const looksLike = {
  mobile: { like: '手机号', test: (t: string) => validateMobile(t).ok },
  idNumber: { like: '身份证号', test: (t: string) => validateIdNumber(t).ok },
  bankCard: { like: '银行卡号', test: (t: string) => validateBankCard(t).ok },
  /** A day in any form parseDate reads (5月1日, 上周三), even one in the future. */
  date: {
    like: '日期',
    test: (t: string, ctx: TurnContext) => {
      const r = parseDate(t, today(ctx), { relative: true });
      return r.ok || r.error !== 'date_format';
    },
  },
} satisfies Record<string, Misfit>;
const NUMBERS: readonly Misfit[] = [looksLike.mobile, looksLike.idNumber, looksLike.bankCard];

/** A field whose answer a validator turns into a value. */
function typed<T>(o: FieldOptions<T>, validate: (text: string, f: FormView, ctx: TurnContext) => Valid<T>, extra: Partial<FieldSpec> = {}): FieldSpec {
  const { ask, error, check, clears, misfits = [], ...rest } = o;
  return {
    ...extra,
    ...rest,
    misfits: [...(extra.misfits ?? []), ...misfits],
    ask: typeof ask === 'string' ? () => ({ text: ask }) : ask,
    parse(text, f, ctx): Answer {
      const r = validate(text, f, ctx);
      if (!r.ok) return { ok: false, error: error(r.error, f) };
      const problem = check?.(r.value, f, ctx);
      if (problem) return { ok: false, error: problem };
      return { ok: true, value: r.value, clear: clears?.(r.value, f) ?? [] };
    },
  };
}

const fail = <T>(error: string): Valid<T> => ({ ok: false, error });
const today = (ctx: TurnContext) => chinaToday(ctx.now);

export const fieldTypes = {
  name: (o: FieldOptions<string>) => typed(o, (t) => validateName(t), { misfits: [...NUMBERS, looksLike.date] }),

  /** A Chinese mobile number (+86 and spaces tolerated); sensitive. */
  mobile: (o: FieldOptions<string>) =>
    typed(o, (t) => validateMobile(t), { sensitive: true, show: (f) => maybe(f.str(o.id), maskPhone), misfits: [looksLike.idNumber, looksLike.bankCard] }),

  /** A resident ID number with a valid birth date and GB 11643 check character; sensitive. */
  idNumber: (o: FieldOptions<string>) =>
    typed(o, (t, _f, ctx) => validateIdNumber(t, today(ctx)), { sensitive: true, show: (f) => maybe(f.str(o.id), maskId), misfits: [looksLike.mobile] }),

  /** A 16–19 digit card number passing the Luhn check; sensitive. An ID number that happens to pass Luhn is questioned. */
  bankCard: (o: FieldOptions<string>) =>
    typed(o, (t) => validateBankCard(t), { sensitive: true, show: (f) => maybe(f.str(o.id), maskCard), misfits: [looksLike.mobile, looksLike.idNumber] }),

  /** A bank's name (中国工商银行朝阳支行, 农商银行; short names such as 建行 are written out in full), 2–40 characters. */
  bankName: (o: FieldOptions<string>) => typed(o, (t) => validateBankName(t), { misfits: NUMBERS }),

  /** Words (not only digits, not a question), `min`–`max` characters; `sensitive` for e.g. a diagnosis. */
  text: (o: FieldOptions<string> & { min: number; max: number; sensitive?: boolean }) => {
    const { min, max, sensitive, ...rest } = o;
    return typed(rest, (t) => validateFreeText(t, min, max), { misfits: [...NUMBERS, looksLike.date], ...(sensitive ? { sensitive } : {}) });
  },

  /** A calendar day up to today (2026-11-02, 11月2日; with `relative`, also 昨天, 上个礼拜三 …) as YYYY-MM-DD. */
  date: (o: FieldOptions<string> & { relative?: boolean }) => {
    const { relative = false, ...rest } = o;
    return typed(rest, (t, _f, ctx) => parseDate(t, today(ctx), { relative }));
  },

  /** A date and time in China time (2026-06-01 9:00, 6月1日下午3点, 明天下午3点) as ms. */
  dateTime: (o: FieldOptions<number> & { defaultTime?: { h: number; mi: number } | null; sameDayAs?: (f: FormView) => number | undefined }) => {
    const { defaultTime = null, sameDayAs, ...rest } = o;
    return typed(
      rest,
      (t, f, ctx) => {
        const day = sameDayAs?.(f);
        const ms = parseDateTime(t, ctx.now.getTime(), { defaultTime, ...(day !== undefined ? { sameDayAs: day } : {}) });
        return ms === null ? fail('date_format') : { ok: true, value: ms };
      },
      { show: o.show ?? ((f) => maybe(f.num(o.id), (ms) => formatDateTime(ms))) },
    );
  },

  /** Yuan (3560.50, 3万, ¥1,200) as integer cents. */
  money: (o: FieldOptions<number>) => typed(o, (t) => parseAmountCents(t), { show: o.show ?? ((f) => maybe(f.num(o.id), (c) => `${formatYuan(c)} 元`)) }),

  /** A whole number (100, 100人, １００名) from `min` to `max`. */
  count: (o: FieldOptions<number> & { min: number; max: number }) => {
    const { min, max, ...rest } = o;
    return typed(rest, (t) => {
      const n = parseCount(t);
      return n !== null && n >= min && n <= max ? { ok: true, value: n } : fail('count');
    });
  },

  /** One of `options` (by number or by name). The question lists them as choices. */
  choice: (o: Omit<FieldOptions<string>, 'ask'> & { ask: string; options: (f: FormView) => readonly string[] }) => {
    const { options, ask, ...rest } = o;
    return typed(
      { ...rest, ask: (f: FormView) => ({ text: ask, choices: [...options(f)] }) },
      (t, f) => {
        const list = options(f);
        const n = parseCount(t);
        const hit = n !== null ? list[n - 1] : list.find((c) => c.toLowerCase() === t.trim().toLowerCase());
        return hit !== undefined ? { ok: true, value: hit } : fail('choice');
      },
    );
  },

  /** 是 / 否 as a boolean. */
  yesNo: (o: FieldOptions<boolean>) => typed(o, (t) => (isYes(t) ? { ok: true, value: true } : isNo(t) ? { ok: true, value: false } : fail('yes_no'))),
};

/** "100", "100人", "第2个", "１００名" → the number, else null. */
export function parseCount(raw: string): number | null {
  const s = raw.trim().replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
  const m = /^(?:第)?(\d{1,6})\s*[人名个位项号]?$/u.exec(s);
  return m ? Number(m[1]) : null;
}

const maybe = <T>(v: T | undefined, f: (v: T) => string): string | undefined => (v === undefined ? undefined : f(v));
