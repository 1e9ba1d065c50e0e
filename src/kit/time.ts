/** Dates as Chinese unions write them, in China Standard Time (UTC+8, no DST). */
const OFFSET_MS = 8 * 3600_000;
const WEEKDAYS = ['日', '一', '二', '三', '四', '五', '六'];

function parts(ms: number) {
  const d = new Date(ms + OFFSET_MS);
  return { y: d.getUTCFullYear(), mo: d.getUTCMonth() + 1, d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes(), wd: d.getUTCDay() };
}
const pad = (n: number) => String(n).padStart(2, '0');

/** "6月1日(周六) 09:00", with the year when it differs from `now`'s. */
export function formatDateTime(ms: number, now?: number): string {
  const p = parts(ms);
  const year = now !== undefined && parts(now).y === p.y ? '' : `${p.y}年`;
  return `${year}${p.mo}月${p.d}日(周${WEEKDAYS[p.wd] ?? ''}) ${pad(p.h)}:${pad(p.mi)}`;
}

/** "6月1日(周六) 09:00–11:30" (end date shown only when it differs). */
export function formatRange(start: number, end: number, now?: number): string {
  const a = parts(start);
  const b = parts(end);
  const sameDay = a.y === b.y && a.mo === b.mo && a.d === b.d;
  return `${formatDateTime(start, now)}–${sameDay ? `${pad(b.h)}:${pad(b.mi)}` : formatDateTime(end, now)}`;
}

/** Machine-friendly "2025-06-01 09:00" (rosters). */
export function formatIso(ms: number): string {
  const p = parts(ms);
  return `${p.y}-${pad(p.mo)}-${pad(p.d)} ${pad(p.h)}:${pad(p.mi)}`;
}

function toMs(y: number, mo: number, d: number, h: number, mi: number): number | null {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59) return null;
  const ms = Date.UTC(y, mo - 1, d, h, mi) - OFFSET_MS;
  const back = parts(ms);
  if (back.mo !== mo || back.d !== d) return null; // 2月30日
  return ms;
}

function parseClock(raw: string): { h: number; mi: number } | null {
  let s = raw.replace(/\s+/g, '').replace(/：/g, ':');
  const period = /^(上午|早上|中午|下午|晚上|傍晚)/.exec(s)?.[1];
  if (period) s = s.slice(period.length);
  const m = /^(\d{1,2})(?:(?::|点|时)(半|\d{1,2})?分?)?$/.exec(s);
  if (!m) return null;
  let h = Number(m[1]);
  const mi = m[2] === '半' ? 30 : m[2] ? Number(m[2]) : 0;
  // 下午3点 = 15:00; 中午1点 = 13:00 but 中午12点 stays 12:00.
  if ((period === '下午' || period === '晚上' || period === '傍晚' || (period === '中午' && h < 6)) && h < 12) h += 12;
  if (h > 23 || mi > 59) return null;
  return { h, mi };
}

const DAY_MS = 86400_000;
const DAY_WORDS: Record<string, number> = { 大前天: -3, 前天: -2, 昨天: -1, 昨日: -1, 今天: 0, 今日: 0, 明天: 1, 明日: 1, 后天: 2, 大后天: 3 };
const CN_NUMBERS: Record<string, number> = { 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 十: 10 };
const WEEK_OFFSETS: Record<string, number> = { 上上: -2, 上: -1, 这: 0, 本: 0, 下: 1, 下下: 2 };
const WEEKDAY_NUMBERS: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 日: 7, 天: 7 };

const shiftIso = (iso: string, days: number) => new Date(Date.parse(`${iso}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/**
 * A day said relative to `today` (YYYY-MM-DD, China) at the start of `input`: 昨天/前天/明天, "3天前", "两天后",
 * "上周三", "上个礼拜三", "本周五", "下周六" (weeks start on Monday). A bare "周三" is the nearest one in
 * `direction` (the past for a discharge date, the future for an event). Returns the day and the rest of the text.
 */
export function relativeDay(input: string, today: string, direction: 'past' | 'future'): { day: string; rest: string } | null {
  const s = input.trim();
  let m = /^(大前天|前天|昨天|昨日|今天|今日|明天|明日|大后天|后天)/.exec(s);
  if (m?.[1]) return { day: shiftIso(today, DAY_WORDS[m[1]] ?? 0), rest: s.slice(m[1].length).trim() };
  m = /^(\d{1,3}|[一二两三四五六七八九十])\s*天(?:以|之)?(前|后)/.exec(s);
  if (m?.[1] && m[2]) {
    const n = CN_NUMBERS[m[1]] ?? Number(m[1]);
    return { day: shiftIso(today, m[2] === '前' ? -n : n), rest: s.slice(m[0].length).trim() };
  }
  m = /^(上上|下下|上|下|这|本)?(?:个|一)?(?:周|星期|礼拜)([一二三四五六日天1-7])/.exec(s);
  if (!m?.[2]) return null;
  const weekday = WEEKDAY_NUMBERS[m[2]] ?? Number(m[2]);
  const todayWeekday = new Date(`${today}T00:00:00Z`).getUTCDay() || 7;
  const rest = s.slice(m[0].length).trim();
  if (m[1] === undefined) {
    const ahead = (weekday - todayWeekday + 7) % 7;
    return { day: shiftIso(today, direction === 'future' ? ahead : ahead === 0 ? 0 : ahead - 7), rest };
  }
  return { day: shiftIso(today, (WEEK_OFFSETS[m[1]] ?? 0) * 7 + weekday - todayWeekday), rest };
}

/**
 * Parses "2025-06-01 09:00", "2025/6/1 9:00", "2025年6月1日 下午3点", "6月1日9点半", "6-1 14:00", "明天下午3点", "下周六上午9点".
 * Without a year the next such date from `now` is used. `defaultTime` applies when no time is given
 * (null = a time is required). `sameDayAs` lets "11:30" mean that day.
 */
export function parseDateTime(
  input: string,
  now: number,
  opts: { defaultTime?: { h: number; mi: number } | null; sameDayAs?: number } = {},
): number | null {
  const s = input.trim().replace(/\s+/g, ' ');
  if (opts.sameDayAs !== undefined) {
    const clock = parseClock(s);
    if (clock) {
      const p = parts(opts.sameDayAs);
      return toMs(p.y, p.mo, p.d, clock.h, clock.mi);
    }
  }
  // "明天下午3点", "下周六上午9点", "3天后 14:00": a day relative to today in China time.
  const today = parts(now);
  const rel = relativeDay(s, `${today.y}-${pad(today.mo)}-${pad(today.d)}`, 'future');
  if (rel) {
    const [y, mo, d] = rel.day.split('-').map(Number);
    const clock = rel.rest === '' ? (opts.defaultTime ?? null) : parseClock(rel.rest);
    return clock && y && mo && d ? toMs(y, mo, d, clock.h, clock.mi) : null;
  }
  const m = /^(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?\s*(.*)$/.exec(s);
  if (!m) return null;
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const rest = (m[4] ?? '').trim();
  let clock: { h: number; mi: number } | null;
  if (rest === '') {
    if (!opts.defaultTime) return null;
    clock = opts.defaultTime;
  } else {
    clock = parseClock(rest);
    if (!clock) return null;
  }
  if (m[1]) return toMs(Number(m[1]), mo, d, clock.h, clock.mi);
  const y = parts(now).y;
  const thisYear = toMs(y, mo, d, clock.h, clock.mi);
  if (thisYear === null) return toMs(y + 1, mo, d, clock.h, clock.mi);
  // A date more than a month in the past most likely means next year.
  return thisYear < now - 31 * 86400_000 ? toMs(y + 1, mo, d, clock.h, clock.mi) : thisYear;
}
