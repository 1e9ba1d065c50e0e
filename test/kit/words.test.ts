/** The kit's vocabulary and parsers: a change of mind, "X错了，改成Y", relative days, bank short names. */
import { describe, expect, it } from 'vitest';
import { expandBankName, parseDate, validateBankName } from '../../src/kit/fields.ts';
import { parseDateTime, relativeDay } from '../../src/kit/time.ts';
import { changeRequest, isCancel, isCancelWord, isChangeOfMind, isNo } from '../../src/kit/words.ts';

describe('a change of mind', () => {
  it('anywhere in a short sentence cancels like 取消', () => {
    for (const t of ['算了不报了', '不想填了', '我不报了', '算了', '算了吧', '我不想报名了', '不申请了！', '不参加了', '不用填了', '放弃']) expect(isCancel(t), t).toBe(true);
  });
  it('never catches real answers, questions, or 算了一下', () => {
    for (const t of ['张三', '不', '否', '不要', '第一机床厂', '不报了会怎样？', '不报了可以吗', '我算了一下大概3000', '打算了解一下', '不锈钢厂', '报了']) expect(isCancel(t), t).toBe(false);
    expect(isCancelWord('算了不报了')).toBe(false);
    expect(isChangeOfMind('那算了，不发了', { leading: true })).toBe(true);
    expect(isChangeOfMind('下雨就不参加了', { leading: true })).toBe(false);
    expect(isCancelWord('取消')).toBe(true);
  });
  it('a plain no stays a no (不用了 answers a yes/no question)', () => {
    for (const t of ['不用了', '不要了', '不了', '不']) expect(isNo(t), t).toBe(true);
    expect(isCancel('不用了')).toBe(false);
  });
});

describe('changeRequest', () => {
  const aliases = new Map<string, readonly string[]>([
    ['place', ['地点', 'place']],
    ['capacity', ['名额', '人数']],
    ['mobile', ['手机号', '电话', '手机']],
  ]);
  it('"X错了，改成Y" and "把X改成Y" name the field and bring its new value', () => {
    expect(changeRequest('地点错了，改成厂区篮球场', aliases)).toEqual({ field: 'place', value: '厂区篮球场' });
    expect(changeRequest('活动地点不对，应该是职工之家', aliases)).toEqual({ field: 'place', value: '职工之家' });
    expect(changeRequest('把电话改成13812345678', aliases)).toEqual({ field: 'mobile', value: '13812345678' });
    expect(changeRequest('名额改为50人', aliases)).toEqual({ field: 'capacity', value: '50人' });
    expect(changeRequest('修改地点为三楼会议室', aliases)).toEqual({ field: 'place', value: '三楼会议室' });
  });
  it('without a value it is the field alone; a sentence that merely mentions a field is no change', () => {
    expect(changeRequest('改一下电话', aliases)).toEqual({ field: 'mobile' });
    expect(changeRequest('地点错了', aliases)).toEqual({ field: 'place' });
    expect(changeRequest('比赛地点改成了室内，请大家注意', aliases)).toBeNull();
    expect(changeRequest('厂区篮球场', aliases)).toBeNull();
  });
});

describe('relative days', () => {
  // 2026-11-22 is a Sunday.
  const today = '2026-11-22';
  it('in the past for a date up to today (opt-in)', () => {
    const past = (t: string) => parseDate(t, today, { relative: true });
    expect(past('昨天')).toEqual({ ok: true, value: '2026-11-21' });
    expect(past('前天')).toEqual({ ok: true, value: '2026-11-20' });
    expect(past('3天前')).toEqual({ ok: true, value: '2026-11-19' });
    expect(past('上个礼拜三')).toEqual({ ok: true, value: '2026-11-11' });
    expect(past('上周三')).toEqual({ ok: true, value: '2026-11-11' });
    expect(past('本周五')).toEqual({ ok: true, value: '2026-11-20' });
    expect(past('周三')).toEqual({ ok: true, value: '2026-11-18' });
    expect(past('明天')).toEqual({ ok: false, error: 'date_future' });
    expect(past('周三下午')).toEqual({ ok: false, error: 'date_format' });
    expect(parseDate('上周三', today)).toEqual({ ok: false, error: 'date_format' });
  });
  it('in the future for an event, with a time', () => {
    const now = Date.UTC(2026, 10, 22, 2); // Sunday 10:00 in China
    const at = (y: number, mo: number, d: number, h: number, mi = 0) => Date.UTC(y, mo - 1, d, h - 8, mi);
    expect(parseDateTime('下周六上午9点', now)).toBe(at(2026, 11, 28, 9));
    expect(parseDateTime('本周五 14:00', now)).toBe(at(2026, 11, 20, 14));
    expect(parseDateTime('周三下午3点', now)).toBe(at(2026, 11, 25, 15));
    expect(parseDateTime('3天后 9:30', now)).toBe(at(2026, 11, 25, 9, 30));
    expect(parseDateTime('大后天下午2点', now)).toBe(at(2026, 11, 25, 14));
    expect(parseDateTime('明天下午3点', now)).toBe(at(2026, 11, 23, 15));
    expect(parseDateTime('下周六', now)).toBeNull();
    expect(parseDateTime('下周六', now, { defaultTime: { h: 23, mi: 59 } })).toBe(at(2026, 11, 28, 23, 59));
  });
  it('leaves other text alone', () => {
    expect(relativeDay('下午3点', '2026-11-22', 'future')).toBeNull();
    expect(relativeDay('周五星', '2026-11-22', 'past')).toEqual({ day: '2026-11-20', rest: '星' });
  });
});

describe('bank short names', () => {
  it('are written out in full, branch kept', () => {
    expect(expandBankName('建行')).toBe('中国建设银行');
    expect(expandBankName('工行朝阳支行')).toBe('中国工商银行朝阳支行');
    expect(expandBankName('邮储')).toBe('中国邮政储蓄银行');
    expect(expandBankName('招商银行')).toBe('招商银行');
    expect(validateBankName('农行')).toEqual({ ok: true, value: '中国农业银行' });
    expect(validateBankName('中行 海淀支行')).toEqual({ ok: true, value: '中国银行海淀支行' });
    expect(validateBankName('不知道')).toEqual({ ok: false, error: 'bank_name' });
  });
});
