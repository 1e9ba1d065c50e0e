import { maskCard, maskId, maskPhone } from '../../../src/core/text.ts';
import { describe, expect, it } from 'vitest';
import { FIELD_ALIASES, FIELD_LABELS, type FieldId } from '../../../intents/claims/texts.ts';
import {
  chinaToday,
  idCheckChar,
  looksLikeQuestion,
  luhnValid,
  parseAmountCents,
  parseDate,
  sniffDocumentType,
  validateBankCard,
  validateBankName,
  validateIdNumber,
  validateMobile,
  validateName,
} from '../../../src/kit/fields.ts';
import { fieldToChange } from '../../../src/kit/words.ts';
import { idEndingInX, luhnCard, validId } from './data.ts';

describe('resident ID (GB 11643)', () => {
  it('computes the check character from the weighted sum', () => {
    // Example from GB 11643-1999 annex: 11010519491231002X.
    expect(idCheckChar('11010519491231002')).toBe('X');
    expect(validateIdNumber('11010519491231002X')).toEqual({ ok: true, value: '11010519491231002X' });
  });
  it('accepts a lowercase x and spaces', () => {
    expect(validateIdNumber('110105 19491231 002x')).toEqual({ ok: true, value: '11010519491231002X' });
  });
  it('rejects a wrong check digit, a bad birth date and bad formats', () => {
    const good = validId();
    const wrong = good.slice(0, 17) + (good[17] === '1' ? '2' : '1');
    expect(validateIdNumber(wrong)).toEqual({ ok: false, error: 'id_checksum' });
    const feb30 = '110105199002301';
    expect(validateIdNumber(feb30 + '23' + idCheckChar(feb30 + '23'))).toEqual({ ok: false, error: 'id_birth' });
    expect(validateIdNumber('12345')).toEqual({ ok: false, error: 'id_format' });
    expect(validateIdNumber('1101051949123100A2')).toEqual({ ok: false, error: 'id_format' });
    const future = '11010520990101123';
    expect(validateIdNumber(future + idCheckChar(future), '2026-11-22')).toEqual({ ok: false, error: 'id_birth' });
  });
  it('masks as 110***********123X', () => {
    const id = idEndingInX();
    expect(maskId(id)).toBe(`110***********${id.slice(-4)}`);
    expect(maskId(id)).toHaveLength(18);
  });
});

describe('bank card (Luhn)', () => {
  it('accepts valid 16–19 digit numbers and rejects checksum errors', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    const card19 = luhnCard('622202123456789012');
    expect(card19).toHaveLength(19);
    expect(validateBankCard(card19.replace(/(\d{4})/g, '$1 '))).toEqual({ ok: true, value: card19 });
    expect(validateBankCard('4111111111111112')).toEqual({ ok: false, error: 'card_checksum' });
    expect(validateBankCard('411111111111')).toEqual({ ok: false, error: 'card_format' });
    expect(validateBankCard(luhnCard('62220212345678901234'))).toEqual({ ok: false, error: 'card_format' });
    expect(maskCard(card19)).toBe(`****${card19.slice(-4)}`);
  });
  it('bank name must name a bank', () => {
    expect(validateBankName('中国工商银行朝阳支行').ok).toBe(true);
    expect(validateBankName('农商行').ok).toBe(true);
    expect(validateBankName('不知道').ok).toBe(false);
  });
});

describe('mobile and name', () => {
  it('mobile 1[3-9]\\d{9}, +86 and spaces tolerated', () => {
    expect(validateMobile('13812345678')).toEqual({ ok: true, value: '13812345678' });
    expect(validateMobile('+86 138 1234 5678')).toEqual({ ok: true, value: '13812345678' });
    expect(validateMobile('12812345678').ok).toBe(false);
    expect(validateMobile('1381234567').ok).toBe(false);
    expect(maskPhone('13812345678')).toBe('138****5678');
  });
  it('names: Chinese, minority names with ·, English; not sentences', () => {
    expect(validateName('张三').ok).toBe(true);
    expect(validateName('阿依古丽·买买提').ok).toBe(true);
    expect(validateName('John Smith').ok).toBe(true);
    expect(validateName('张').ok).toBe(false);
    expect(validateName('我要申请互助').ok).toBe(false);
    expect(validateName('123').ok).toBe(false);
    expect(validateName('那能赔多少').ok).toBe(false);
    expect(validateName('是这样吗').ok).toBe(false);
  });
});

describe('dates', () => {
  const today = '2026-11-22';
  it('accepts the four formats, 11月2日 meaning this year', () => {
    for (const s of ['2026-11-02', '2026/11/2', '2026年11月2日', '11月2日', '2026.11.2', '2026年11月2号'])
      expect(parseDate(s, today), s).toEqual({ ok: true, value: '2026-11-02' });
  });
  it('rejects future, impossible and unreadable dates', () => {
    expect(parseDate('2026-11-23', today)).toEqual({ ok: false, error: 'date_future' });
    expect(parseDate('12月1日', today)).toEqual({ ok: false, error: 'date_future' });
    expect(parseDate('2026-02-30', today)).toEqual({ ok: false, error: 'date_invalid' });
    expect(parseDate('上周三', today)).toEqual({ ok: false, error: 'date_format' });
  });
  it('today is computed in China time', () => {
    expect(chinaToday(new Date('2026-11-21T16:30:00Z'))).toBe('2026-11-22');
    expect(chinaToday(new Date('2026-11-21T15:30:00Z'))).toBe('2026-11-21');
  });
});

describe('amounts', () => {
  it('yuan with ≤ 2 decimals to cents', () => {
    expect(parseAmountCents('3560.5')).toEqual({ ok: true, value: 356050 });
    expect(parseAmountCents('¥1,234.56元')).toEqual({ ok: true, value: 123456 });
    expect(parseAmountCents('12.345')).toEqual({ ok: false, error: 'amount_decimals' });
    expect(parseAmountCents('0')).toEqual({ ok: false, error: 'amount_zero' });
    expect(parseAmountCents('-5')).toEqual({ ok: false, error: 'amount_format' });
    expect(parseAmountCents('三千')).toEqual({ ok: false, error: 'amount_format' });
    // 万 as people say sums in the tens of thousands.
    expect(parseAmountCents('3万')).toEqual({ ok: true, value: 3_000_000 });
    expect(parseAmountCents('1.25万元')).toEqual({ ok: true, value: 1_250_000 });
    expect(parseAmountCents('0万')).toEqual({ ok: false, error: 'amount_zero' });
    expect(parseAmountCents('1.23456万')).toEqual({ ok: false, error: 'amount_format' });
  });
});

describe('files are recognized by content', () => {
  it('jpeg/png/pdf magic bytes; a .jpg that is really text is refused', () => {
    expect(sniffDocumentType(Buffer.from([0xff, 0xd8, 0xff, 0xdb, 0]))).toBe('image/jpeg');
    expect(sniffDocumentType(Buffer.from('%PDF-1.7'))).toBe('application/pdf');
    expect(sniffDocumentType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe('image/png');
    expect(sniffDocumentType(Buffer.from('<html>not an image'))).toBeNull();
  });
});

describe('form helpers', () => {
  it('edit requests name the field by the claims’ words for it', () => {
    const words = new Map(Object.entries(FIELD_ALIASES).map(([id, aliases]) => [id, [FIELD_LABELS[id as FieldId], ...aliases]]));
    const fieldNamed = (text: string) => fieldToChange(text, words);
    expect(fieldNamed('改一下电话')).toBe('mobile');
    expect(fieldNamed('修改银行卡')).toBe('bankCard');
    expect(fieldNamed('我想修改一下开户行')).toBe('bankName');
    expect(fieldNamed('身份证号填错了')).toBe('idNumber');
    expect(fieldNamed('改出院日期')).toBe('dischargeDate');
    expect(fieldNamed('北京协和医院')).toBeNull();
  });
  it('questions are recognized', () => {
    expect(looksLikeQuestion('公司拖欠工资怎么办')).toBe(true);
    expect(looksLikeQuestion('加班费怎么算？')).toBe(true);
    expect(looksLikeQuestion('北京协和医院')).toBe(false);
  });
});
