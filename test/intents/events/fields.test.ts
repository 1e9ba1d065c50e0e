/** The one rule per event field that /newevent, /editevent and the console share. */
import { describe, expect, it } from 'vitest';
import { formatIso } from '../../../src/kit/time.ts';
import { FIELD_RULES, invalidField } from '../../../intents/events/fields.ts';

const now = Date.UTC(2025, 4, 1, 2, 0); // 2025-05-01 10:00 China
const startAt = Date.UTC(2025, 5, 1, 1, 0); // 2025-06-01 09:00 China
const c = { now, startAt };
const value = <T>(r: { ok: true; value: T } | { ok: false }) => (r.ok ? r.value : null);
const error = (r: { ok: true } | { ok: false; error: string }) => (r.ok ? null : r.error);

describe('event field rules', () => {
  it('capacity: a whole number, with or without 人/名/个/位, full-width digits too; words and zero are refused', () => {
    expect(['100', '100人', '1000人', '２０名', '5 位'].map((s) => value(FIELD_RULES.capacity(s, c)))).toEqual([100, 100, 1000, 20, 5]);
    expect(['两个', '0', '100001', '-3', '1.5', '第2个'].map((s) => error(FIELD_RULES.capacity(s, c)))).toEqual(Array(6).fill('capacity'));
  });

  it('deadline: 默认 is the start, a bare date is the end of that day; after the start or already past is refused', () => {
    expect(value(FIELD_RULES.deadline('默认', c))).toBe(startAt);
    expect(formatIso(value(FIELD_RULES.deadline('5月31日', c)) ?? 0)).toBe('2025-05-31 23:59');
    expect(error(FIELD_RULES.deadline('6月2日', c))).toBe('deadline');
    expect(error(FIELD_RULES.deadline('2025年4月30日', c))).toBe('deadline');
    expect(error(FIELD_RULES.deadline('下周', c))).toBe('date');
  });

  it('start and end: a time is required, the start lies ahead, the end after the start ("11:30" is on the start day)', () => {
    expect(error(FIELD_RULES.startAt('6月1日', c))).toBe('date');
    expect(error(FIELD_RULES.startAt('2025年4月1日 9:00', c))).toBe('past');
    expect(formatIso(value(FIELD_RULES.startAt('明天下午3点', c)) ?? 0)).toBe('2025-05-02 15:00');
    expect(formatIso(value(FIELD_RULES.endAt('11:30', c)) ?? 0)).toBe('2025-06-01 11:30');
    expect(error(FIELD_RULES.endAt('8:00', c))).toBe('endBeforeStart');
  });

  it('texts: 无 clears the description and the place; lengths are limited', () => {
    expect(value(FIELD_RULES.description('无', c))).toBe('');
    expect(value(FIELD_RULES.place(' 市体育馆 ', c))).toBe('市体育馆');
    expect(error(FIELD_RULES.description('字'.repeat(501), c))).toBe('descriptionTooLong');
    expect(error(FIELD_RULES.place('字'.repeat(101), c))).toBe('placeTooLong');
    expect(error(FIELD_RULES.title('字'.repeat(51), c))).toBe('title');
  });

  it('a whole event: the first broken rule is named', () => {
    const ok = { title: '运动会', description: '', place: '', startAt, endAt: startAt + 3600_000, capacity: 10, deadline: startAt };
    expect(invalidField(ok, now)).toBeNull();
    expect(invalidField({ ...ok, deadline: now - 1 }, now)).toEqual({ field: 'deadline', error: 'deadline' });
    expect(invalidField({ ...ok, capacity: 0 }, now)).toEqual({ field: 'capacity', error: 'capacity' });
    expect(invalidField(ok, startAt + 1)).toEqual({ field: 'startAt', error: 'past' });
  });
});
