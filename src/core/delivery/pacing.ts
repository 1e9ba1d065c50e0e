/**
 * Send pacing shared by every process: the limits live in Redis, so three processes together stay under
 * Telegram's 30/s exactly like one. Each limit is "at most `count` sends in any `perMs` window" (a sliding
 * log per scope, so no window of that length ever holds more, wherever it starts), spread evenly (at least
 * perMs / count apart: bursts would arrive bunched), plus an optional minimum
 * gap with random jitter (personal WeChat) and holds set by the platform (Telegram's 429 retry_after).
 * A platform's keys share one hash tag `{pace:<platform>}` (one Cluster slot per platform).
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from '../keys.ts';
import { LuaScript } from '../lua.ts';
import type { Address, Platform } from '../message.ts';

export interface Rate {
  count: number;
  perMs: number;
  /** Also at least perMs / count between two sends (Telegram's 30/s: a burst of 30 arrives bunched and can look like 31 in a second). */
  spread?: boolean;
}

/** What a platform allows, declared by its channel as data. */
export interface PacingLimits {
  /** All sends of the platform together (Telegram: 30 per second; WeChat: a daily cap). */
  platform?: Rate[];
  /** Per private chat (Telegram: 1 per second). */
  privateChat?: Rate[];
  /** Per group chat (Telegram: 1 per second and 20 per minute). */
  groupChat?: Rate[];
  /** At least this long between two sends of the platform (personal WeChat: 20 s) … */
  minGapMs?: number;
  /** … plus a random extra of up to this long, so sends do not come at a machine's rhythm. */
  jitterMs?: number;
}

/** A booked send slot: `at` is when it may leave; `ref` names it in the windows (to give it back). */
export interface Booking {
  booked: boolean;
  at: number;
  ref: string;
}

export const unpaced = (limits: PacingLimits): boolean =>
  !limits.platform?.length && !limits.privateChat?.length && !limits.groupChat?.length && !limits.minGapMs;

// KEYS: platform hold, chat hold, then one sliding-log zset per rate. ARGV: now, member, platform gap after the send
// (0 = none), longest wait to book, then (count, perMs, spread 0/1) per rate. The earliest time `t` ≥ now at which one more send
// breaks no window (t ≥ every hold, t ≥ the latest booked send (+ perMs / count when spread), t ≥ the count-th latest send + perMs):
// when it is within the longest wait, the send is booked at `t` in every window and {1, t} returned; else {0, t}.
const TAKE = new LuaScript(`
local now = tonumber(ARGV[1])
local t = now
for i = 1, 2 do
  local v = tonumber(redis.call('get', KEYS[i]) or '0')
  if v > t then t = v end
end
local rates = #KEYS - 2
for r = 1, rates do
  local key = KEYS[r + 2]
  local count = tonumber(ARGV[2 + r * 3])
  local per = tonumber(ARGV[3 + r * 3])
  redis.call('zremrangebyscore', key, '-inf', now - per)
  local n = redis.call('zcard', key)
  if n > 0 then
    -- Never before the latest booked send; spread: at least perMs / count after it.
    local last = redis.call('zrange', key, n - 1, n - 1, 'WITHSCORES')
    local spaced = tonumber(last[2])
    if ARGV[4 + r * 3] == '1' then spaced = spaced + math.floor(per / count) end
    if spaced > t then t = spaced end
  end
  if n >= count then
    local kth = redis.call('zrange', key, n - count, n - count, 'WITHSCORES')
    local free = tonumber(kth[2]) + per + 1
    if free > t then t = free end
  end
end
if t - now > tonumber(ARGV[4]) then return {0, t} end
for r = 1, rates do
  local key = KEYS[r + 2]
  redis.call('zadd', key, t, ARGV[2] .. ':' .. r)
  redis.call('pexpire', key, t - now + tonumber(ARGV[3 + r * 3]) + 1000)
end
local gap = tonumber(ARGV[3])
if gap > 0 then redis.call('set', KEYS[1], t + gap, 'PX', t - now + gap + 1000) end
return {1, t}`);

// KEYS: hold. ARGV: until ms, now. Raises the hold (never lowers it).
const HOLD = new LuaScript(`
local v = tonumber(redis.call('get', KEYS[1]) or '0')
local u = tonumber(ARGV[1])
if u > v then redis.call('set', KEYS[1], u, 'PX', math.max(1, u - tonumber(ARGV[2])) + 1000) end
return 1`);

// KEYS: platform hold, chat hold, then one sliding-log zset per rate (as TAKE). ARGV: now, booking ref, then (count,
// perMs, least gap) per rate. Moves a booked slot to `now` (its send is leaving late) when no window of any rate that
// contains `now` then holds more than `count` (slots booked later included), no other slot is within the least gap
// (a spread rate: a quarter of its spacing, so late sends do not go out in a burst) and no hold is on; else gives the slot
// back. Returns 1 when moved, 0 when given back.
const MOVE = new LuaScript(`
local now = tonumber(ARGV[1])
local ok = 1
for i = 1, 2 do
  if tonumber(redis.call('get', KEYS[i]) or '0') > now then ok = 0 end
end
local rates = #KEYS - 2
for r = 1, rates do
  local key = KEYS[r + 2]
  redis.call('zrem', key, ARGV[2] .. ':' .. r)
  if ok == 1 then
    local count = tonumber(ARGV[r * 3])
    local per = tonumber(ARGV[1 + r * 3])
    local gap = tonumber(ARGV[2 + r * 3])
    local near = redis.call('zrangebyscore', key, '(' .. (now - per), '(' .. (now + per), 'WITHSCORES')
    local t = {}
    for j = 2, #near, 2 do
      local v = tonumber(near[j])
      if math.abs(v - now) < gap then ok = 0 end
      t[#t + 1] = v
    end
    t[#t + 1] = now
    table.sort(t)
    -- Every window [t[j], t[j] + per) that starts at or before now and reaches past it.
    local hi = 1
    for lo = 1, #t do
      if t[lo] > now then break end
      if hi < lo then hi = lo end
      while hi + 1 <= #t and t[hi + 1] < t[lo] + per do hi = hi + 1 end
      if t[lo] + per > now and hi - lo + 1 > count then ok = 0 end
    end
  end
end
if ok == 1 then
  for r = 1, rates do
    local key = KEYS[r + 2]
    redis.call('zadd', key, now, ARGV[2] .. ':' .. r)
    redis.call('pexpire', key, tonumber(ARGV[1 + r * 3]) + 1000)
  end
end
return ok`);

export class Pacer {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly random: () => number = Math.random,
  ) {}

  private base(platform: Platform): string {
    return this.keys.tagged(`pace:${platform}`);
  }
  private chatScope(to: Pick<Address, 'chatType' | 'chatId'>): string {
    return `${to.chatType === 'group' ? 'g' : 'p'}:${to.chatId}`;
  }

  /** Takes one send for `to` now, or says how long to wait (nothing is taken then). */
  async take(platform: Platform, limits: PacingLimits, to: Pick<Address, 'chatType' | 'chatId'>, now: number, client: Redis = this.redis): Promise<number> {
    const r = await this.book(platform, limits, to, now, 0, client);
    return r.booked ? 0 : r.at - now;
  }

  /**
   * Books the earliest moment one more send to `to` breaks no limit, when it is at most `maxWaitMs` away (the
   * caller sends then: booked slots follow each other without the delay of asking again); otherwise books nothing
   * and says when that moment is.
   */
  async book(platform: Platform, limits: PacingLimits, to: Pick<Address, 'chatType' | 'chatId'>, now: number, maxWaitMs: number, client: Redis = this.redis): Promise<Booking> {
    if (unpaced(limits)) return { booked: true, at: now, ref: '' };
    const keys = this.rateKeys(platform, limits, to);
    const ref = `${now}:${randomUUID()}`;
    const args: (string | number)[] = [now, ref, limits.minGapMs ? limits.minGapMs + Math.floor(this.random() * (limits.jitterMs ?? 0)) : 0, maxWaitMs];
    for (const r of [...(limits.platform ?? []), ...this.chatRates(limits, to)]) args.push(r.count, r.perMs, r.spread ? 1 : 0);
    const base = this.base(platform);
    const [booked, at] = (await TAKE.run(client, [`${base}:hold`, `${base}:hold:${this.chatScope(to)}`, ...keys], args)) as [number, number];
    return { booked: booked === 1, at: Number(at), ref };
  }

  /**
   * Gives a booked slot back (its send did not go: it would have left late). Later bookings were spread from it
   * and stay where they are; the windows count one send less. A minimum gap it set (personal WeChat) stays.
   */
  async unbook(platform: Platform, limits: PacingLimits, to: Pick<Address, 'chatType' | 'chatId'>, booking: Booking, client: Redis = this.redis): Promise<void> {
    if (!booking.booked || !booking.ref) return;
    const batch = client.multi();
    this.rateKeys(platform, limits, to).forEach((key, i) => batch.zrem(key, `${booking.ref}:${i + 1}`));
    await batch.exec();
  }

  /**
   * Its send leaves late: moves the slot to `now` when that still breaks no window (counting every slot booked
   * before and after it), so a late wake-up costs no slot; otherwise gives the slot back (the caller books again).
   */
  async move(platform: Platform, limits: PacingLimits, to: Pick<Address, 'chatType' | 'chatId'>, booking: Booking, now: number, client: Redis = this.redis): Promise<boolean> {
    if (!booking.booked || !booking.ref) return true;
    const base = this.base(platform);
    const args: (string | number)[] = [now, booking.ref];
    for (const r of [...(limits.platform ?? []), ...this.chatRates(limits, to)]) args.push(r.count, r.perMs, r.spread ? Math.floor(r.perMs / r.count / 4) : 0);
    const moved = Number(await MOVE.run(client, [`${base}:hold`, `${base}:hold:${this.chatScope(to)}`, ...this.rateKeys(platform, limits, to)], args)) === 1;
    if (moved) booking.at = now;
    return moved;
  }

  private chatRates(limits: PacingLimits, to: Pick<Address, 'chatType'>): Rate[] {
    return (to.chatType === 'group' ? limits.groupChat : limits.privateChat) ?? [];
  }

  /** The sliding-log keys of every rate that applies to a send to `to`, in TAKE's order. */
  private rateKeys(platform: Platform, limits: PacingLimits, to: Pick<Address, 'chatType' | 'chatId'>): string[] {
    const base = this.base(platform);
    const chat = this.chatScope(to);
    return [...(limits.platform ?? []).map((_, i) => `${base}:all:${i}`), ...this.chatRates(limits, to).map((_, i) => `${base}:${chat}:${i}`)];
  }

  /** Records sends that went out without asking (direct answers to a member): later sends are paced around them. */
  async note(platform: Platform, limits: PacingLimits, to: Pick<Address, 'chatType' | 'chatId'>, now: number, count = 1, client: Redis = this.redis): Promise<void> {
    if (unpaced(limits)) return;
    const base = this.base(platform);
    const chat = this.chatScope(to);
    const batch = client.multi();
    const add = (key: string, perMs: number) => {
      for (let i = 0; i < count; i++) batch.zadd(key, now, `${now}:${randomUUID()}`);
      batch.pexpire(key, perMs + 1000);
    };
    (limits.platform ?? []).forEach((r, i) => add(`${base}:all:${i}`, r.perMs));
    ((to.chatType === 'group' ? limits.groupChat : limits.privateChat) ?? []).forEach((r, i) => add(`${base}:${chat}:${i}`, r.perMs));
    await batch.exec();
  }

  /** The platform asked us to wait (429 retry_after): nothing more goes to this chat (or, without one, anywhere on the platform) before `until`. */
  async hold(platform: Platform, to: Pick<Address, 'chatType' | 'chatId'> | null, until: number, now: number, client: Redis = this.redis): Promise<void> {
    const base = this.base(platform);
    await HOLD.run(client, [to ? `${base}:hold:${this.chatScope(to)}` : `${base}:hold`], [until, now]);
  }
}
