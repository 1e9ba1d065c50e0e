/**
 * Send pacing shared by every process: the limits live in Redis, so three processes together stay under
 * Telegram's 30/s exactly like one. Each limit is "at most `count` sends in any `perMs` window" (a sliding
 * log per scope, so no window of that length ever holds more, wherever it starts), plus an optional minimum
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

export const unpaced = (limits: PacingLimits): boolean =>
  !limits.platform?.length && !limits.privateChat?.length && !limits.groupChat?.length && !limits.minGapMs;

// KEYS: platform hold, chat hold, then one sliding-log zset per rate. ARGV: now, member, platform hold after success (0 = none),
// then (count, perMs) per rate. Returns 0 when the send may go now (and records it), else the wait in ms.
const TAKE = new LuaScript(`
local now = tonumber(ARGV[1])
local wait = 0
for i = 1, 2 do
  local v = tonumber(redis.call('get', KEYS[i]) or '0')
  if v > now and v - now > wait then wait = v - now end
end
local rates = #KEYS - 2
for r = 1, rates do
  local key = KEYS[r + 2]
  local count = tonumber(ARGV[2 + r * 2])
  local per = tonumber(ARGV[3 + r * 2])
  redis.call('zremrangebyscore', key, '-inf', now - per)
  local n = redis.call('zcard', key)
  if n >= count then
    local oldest = redis.call('zrange', key, n - count, n - count, 'WITHSCORES')
    local w = tonumber(oldest[2]) + per - now + 1
    if w > wait then wait = w end
  end
end
if wait > 0 then return wait end
for r = 1, rates do
  local key = KEYS[r + 2]
  redis.call('zadd', key, now, ARGV[2] .. ':' .. r)
  redis.call('pexpire', key, tonumber(ARGV[3 + r * 2]) + 1000)
end
local gap = tonumber(ARGV[3])
if gap > 0 then redis.call('set', KEYS[1], now + gap, 'PX', gap + 1000) end
return 0`);

// KEYS: hold. ARGV: until ms, now. Raises the hold (never lowers it).
const HOLD = new LuaScript(`
local v = tonumber(redis.call('get', KEYS[1]) or '0')
local u = tonumber(ARGV[1])
if u > v then redis.call('set', KEYS[1], u, 'PX', math.max(1, u - tonumber(ARGV[2])) + 1000) end
return 1`);

export class Pacer {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly random: () => number = Math.random,
  ) {}

  private base(platform: Platform): string {
    return `${this.keys.prefix}{pace:${platform}}`;
  }
  private chatScope(to: Pick<Address, 'chatType' | 'chatId'>): string {
    return `${to.chatType === 'group' ? 'g' : 'p'}:${to.chatId}`;
  }

  /** Takes one send for `to` now, or says how long to wait (nothing is taken then). */
  async take(platform: Platform, limits: PacingLimits, to: Pick<Address, 'chatType' | 'chatId'>, now: number, client: Redis = this.redis): Promise<number> {
    if (unpaced(limits)) return 0;
    const base = this.base(platform);
    const chat = this.chatScope(to);
    const chatRates = (to.chatType === 'group' ? limits.groupChat : limits.privateChat) ?? [];
    const keys = [`${base}:hold`, `${base}:hold:${chat}`];
    const args: (string | number)[] = [now, `${now}:${randomUUID()}`, limits.minGapMs ? limits.minGapMs + Math.floor(this.random() * (limits.jitterMs ?? 0)) : 0];
    (limits.platform ?? []).forEach((r, i) => {
      keys.push(`${base}:all:${i}`);
      args.push(r.count, r.perMs);
    });
    chatRates.forEach((r, i) => {
      keys.push(`${base}:${chat}:${i}`);
      args.push(r.count, r.perMs);
    });
    return Number(await TAKE.run(client, keys, args));
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
