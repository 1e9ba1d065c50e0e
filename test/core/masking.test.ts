import { describe, expect, it } from 'vitest';
import { maskCard, maskId, maskPersonalNumbers, maskPhone } from '../../src/core/text.ts';
import { validateIdNumber, validateMobile } from '../../src/kit/fields.ts';

describe('maskPersonalNumbers: every format the validators accept', () => {
  const phones = ['138 1234 5678', '138-1234-5678', '+86 13812345678', '+8613812345678', '8613812345678', '+86-138-1234-5678'];
  it.each(phones)('masks the phone %s', (p) => {
    expect(validateMobile(p).ok).toBe(true);
    const out = maskPersonalNumbers(`电话 ${p} 谢谢`);
    expect(out.replace(/\D/g, '')).not.toMatch(/1234/);
    expect(out).toContain('138****5678');
  });

  const ids = ['110105 19491231 002X', '1101 0519 4912 3100 2x', '110105-19491231-002X'];
  it.each(ids)('masks the ID number %s', (id) => {
    if (!id.includes('-')) expect(validateIdNumber(id).ok).toBe(true);
    expect(maskPersonalNumbers(`身份证 ${id}`)).not.toMatch(/1949/);
  });

  const cards = ['6222 0212 3456 7890 123', '6222-0212-3456-7890', '6222 0212 3456 7890'];
  it.each(cards)('masks the bank card %s', (card) => {
    expect(maskPersonalNumbers(`卡号 ${card}`)).not.toMatch(/3456/);
  });

  // The shortest numbers of each kind, in every digit form: a text with fewer than 10 digits skips the patterns.
  it.each([
    ['010-1234567', '010****4567'],
    ['０１０－１２３４５６７', '010****4567'],
    ['零幺零-幺二三四五六七', '010****4567'],
    ['幺三八幺二三四五六七八', '138****5678'],
    ['壹叁捌壹贰叁肆伍陆柒捌', '138****5678'],
    ['(010) 1234-567', '(010****4567'],
    ['+86 (138) 1234-5678', '138****5678'],
  ])('masks the shortest number %s', (number, masked) => {
    expect(maskPersonalNumbers(`请打 ${number} 找我`)).toBe(`请打 ${masked} 找我`);
  });

  it('leaves a text with fewer digits than any number unchanged', () => {
    for (const text of ['您好，我是工会小助手', '活动 3 月 12 日 9 点', '一二三四五六七八九', '第三十八条、第四十条、第八十二条', '2008年1月1日起施行，第1至3项'])
      expect(maskPersonalNumbers(text)).toBe(text);
  });

  it('masks numbers glued to letters', () => {
    expect(maskPersonalNumbers('ID110105194912310021')).not.toMatch(/19491231/);
    expect(maskPersonalNumbers('tel13812345678ok')).toContain('138****5678');
  });

  it('leaves claim numbers, ticket numbers, dates and ordinary numbers alone', () => {
    const text = '编号 HZ-20261122-0001，工单 RG-20261122-0002，2026-11-22 14:30，金额 12345.67 元，报名 2';
    expect(maskPersonalNumbers(text)).toBe(text);
  });

  it('is linear on long hostile digit runs', () => {
    const hostile = ['1'.repeat(50_000), '1 '.repeat(25_000), '1-'.repeat(25_000) + 'x', '+86 '.repeat(10_000)];
    const started = performance.now();
    for (const h of hostile) maskPersonalNumbers(h);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('the field masks read separators and the country code', () => {
    expect(maskPhone('+86 138-1234-5678')).toBe('138****5678');
    expect(maskPhone('0086 138 1234 5678')).toBe('138****5678');
    expect(maskId('110105 19491231 002X')).toBe('110***********002X');
    expect(maskCard('6222 0212 3456 7890')).toBe('****7890');
  });
});
