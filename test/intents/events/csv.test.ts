import { describe, expect, it } from 'vitest';
import { csvField, toCsv } from '../../../src/kit/csv.ts';
import { maskName, maskPhone } from '../../../src/core/text.ts';
import { parseDateTime, formatIso } from '../../../src/kit/time.ts';
import { extractQuery, matchEvents, parseFieldSpec, parseGroups } from '../../../intents/events/util.ts';
import type { EventDef } from '../../../intents/events/model.ts';

describe('roster CSV', () => {
  it('writes UTF-8 with BOM, CRLF line ends, every field quoted', () => {
    const bytes = toCsv([
      ['姓名', '手机'],
      ['张三', '13800000000'],
    ]);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.subarray(3).toString('utf8')).toBe('"姓名","手机"\r\n"张三","13800000000"\r\n');
  });

  it('escapes quotes, keeps commas and newlines inside the field, and defuses formulas', () => {
    expect(csvField('说 "你好", 再见\n第二行')).toBe('"说 ""你好"", 再见\n第二行"');
    expect(csvField('=HYPERLINK("http://x","点我")')).toBe('"\'=HYPERLINK(""http://x"",""点我"")"');
    expect(csvField('+86 138')).toBe('"\'+86 138"');
    expect(csvField('-1')).toBe('"\'-1"');
    expect(csvField('@SUM(A1)')).toBe('"\'@SUM(A1)"');
    expect(csvField('\t=1')).toBe('"\'\t=1"');
    expect(csvField('a=1')).toBe('"a=1"');
    expect(csvField(null)).toBe('""');
    const bytes = toCsv([['=1+1', '李"四']]);
    expect(bytes.toString('utf8')).toBe('\uFEFF"\'=1+1","李""四"\r\n');
  });
});

describe('masking', () => {
  it('masks names and phones', () => {
    expect(maskName('张三')).toBe('张*');
    expect(maskName('张三丰')).toBe('张*丰');
    expect(maskName('欧阳娜娜')).toBe('欧**娜');
    expect(maskName('王')).toBe('*');
    expect(maskPhone('13812345678')).toBe('138****5678');
  });
});

describe('parsing', () => {
  const now = Date.UTC(2025, 4, 1, 2, 0); // 2025-05-01 10:00 China
  it('reads dates the way people type them, in China time', () => {
    expect(formatIso(parseDateTime('2025-06-01 09:00', now) ?? 0)).toBe('2025-06-01 09:00');
    expect(formatIso(parseDateTime('2025/6/1 9:30', now) ?? 0)).toBe('2025-06-01 09:30');
    expect(formatIso(parseDateTime('6月1日 下午3点', now) ?? 0)).toBe('2025-06-01 15:00');
    expect(formatIso(parseDateTime('6月1日9点半', now) ?? 0)).toBe('2025-06-01 09:30');
    expect(formatIso(parseDateTime('1月5日 9:00', now) ?? 0)).toBe('2026-01-05 09:00');
    expect(parseDateTime('6月1日', now, { defaultTime: null })).toBeNull();
    expect(formatIso(parseDateTime('6月1日', now, { defaultTime: { h: 23, mi: 59 } }) ?? 0)).toBe('2025-06-01 23:59');
    expect(parseDateTime('2月30日 9:00', now)).toBeNull();
    expect(formatIso(parseDateTime('11:30', now, { sameDayAs: Date.UTC(2025, 5, 1, 1, 0) }) ?? 0)).toBe('2025-06-01 11:30');
  });

  it('reads 今天 / 明天 / 后天 with a time, by the China date (staff type "明天下午3点")', () => {
    expect(formatIso(parseDateTime('明天下午3点', now) ?? 0)).toBe('2025-05-02 15:00');
    expect(formatIso(parseDateTime('后天 9:30', now) ?? 0)).toBe('2025-05-03 09:30');
    expect(formatIso(parseDateTime('今天晚上8点', now) ?? 0)).toBe('2025-05-01 20:00');
    // 2025-05-01 23:30 in China is still 15:30 UTC: "明天" is May 2nd.
    expect(formatIso(parseDateTime('明天 9:00', Date.UTC(2025, 4, 1, 15, 30)) ?? 0)).toBe('2025-05-02 09:00');
    expect(parseDateTime('明天', now, { defaultTime: null })).toBeNull();
    expect(formatIso(parseDateTime('明天', now, { defaultTime: { h: 23, mi: 59 } }) ?? 0)).toBe('2025-05-02 23:59');
    expect(parseDateTime('明天下班后', now)).toBeNull();
  });

  it('reads field lists and group addresses', () => {
    const f = parseFieldSpec('姓名,手机，衣服尺码:S/M/L/XL、备注');
    expect(f.ok && f.fields.map((x) => [x.key, x.kind, x.choices?.join('/')])).toEqual([
      ['name', 'name', undefined],
      ['phone', 'phone', undefined],
      ['c1', 'choice', 'S/M/L/XL'],
      ['c2', 'text', undefined],
    ]);
    expect(parseFieldSpec('尺码:S').ok).toBe(false);
    const g = parseGroups('telegram:-100123,wechat:123@chatroom', []);
    expect(g.ok && g.groups).toEqual([
      { platform: 'telegram', chatId: '-100123', chatType: 'group' },
      { platform: 'wechat', chatId: '123@chatroom', chatType: 'group' },
    ]);
    const known = [
      { name: '一车间群', address: { platform: 'telegram', chatId: '-1', chatType: 'group' } },
      { name: '工会委员群', address: { platform: 'wechat', chatId: '9@chatroom', chatType: 'group' } },
    ] as const;
    const committee = { platform: 'wechat', chatId: '9@chatroom', chatType: 'group' };
    expect(parseGroups('2', known)).toEqual({ ok: true, groups: [committee] });
    expect(parseGroups('工会委员群', known)).toEqual({ ok: true, groups: [committee] });
    expect(parseGroups('一车间群，2', known)).toMatchObject({ ok: true, groups: [{ chatId: '-1' }, committee] });
    expect(parseGroups('无', [])).toEqual({ ok: true, groups: [] });
    expect(parseGroups('qq:1', []).ok).toBe(false);
  });

  it('finds events by a fuzzy title', () => {
    const ev = (id: string, title: string) => ({ id, title }) as EventDef;
    const events = [ev('1', '2025职工运动会'), ev('2', '读书分享会'), ev('3', '亲子运动日')];
    expect(matchEvents('运动会', events).map((e) => e.id)).toEqual(['1']);
    expect(matchEvents('职工运动', events).map((e) => e.id)).toEqual(['1']);
    expect(matchEvents('读书会', events).map((e) => e.id)).toEqual(['2']);
    expect(matchEvents('火星', events)).toEqual([]);
    expect(extractQuery('我想报名参加运动会活动吧', /(报名|参加)/u)).toBe('运动会');
  });
});
