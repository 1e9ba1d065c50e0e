/**
 * The group directory: group chats the bot serves (it has been addressed there), with their names and
 * when they were last seen. Events offer them as announcement targets; broadcasts send to them.
 * Only groups a platform vouches for are listed, and at most MAX_GROUPS of them (the oldest are dropped).
 */
import type { ChainableCommander, Redis } from 'ioredis';
import { z } from 'zod';
import type { Keys } from './keys.ts';
import type { Address, InboundMessage, Platform } from './message.ts';
import { platformSchema } from './message.ts';
import { readRecord, type RecordLogger } from './records.ts';

export interface KnownGroup {
  platform: Platform;
  chatId: string;
  /** The chat's title as the platform gave it last ('' when the platform gives none). */
  name: string;
  lastSeenAt: number;
}

const entrySchema = z.object({ name: z.string().max(200), at: z.number() });

/** The directory keeps this many groups, the most recently seen. */
export const MAX_GROUPS = 500;

// KEYS: names hash, seen zset. ARGV: field, entry JSON, seen ms, max groups.
const RECORD = `
redis.call('hset', KEYS[1], ARGV[1], ARGV[2])
redis.call('zadd', KEYS[2], ARGV[3], ARGV[1])
local over = redis.call('zcard', KEYS[2]) - tonumber(ARGV[4])
if over > 0 then
  local oldest = redis.call('zrange', KEYS[2], 0, over - 1)
  redis.call('zremrangebyrank', KEYS[2], 0, over - 1)
  redis.call('hdel', KEYS[1], unpack(oldest))
end
return 1`;

/** A process records a group it keeps hearing from at most this often (a name change at once). */
export const RECORD_EVERY_MS = 60_000;

const nameOf = (msg: InboundMessage): string => (msg.chatName ?? '').slice(0, 200);

export class GroupDirectory {
  /** What this process last recorded per group (`platform:chatId`): its name and when. */
  private readonly recorded = new Map<string, { name: string; at: number }>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly logger: RecordLogger,
  ) {}

  /**
   * Whether a message's group may be listed. Web chat ids are whatever the client says: on an open web
   * API anyone could plant a "group" among the staff's announcement targets, so web groups count only
   * behind WEB_API_TOKEN. The other platforms' groups exist there.
   */
  static listable(msg: InboundMessage, webApiGuarded: boolean): boolean {
    return msg.chatType === 'group' && (msg.platform !== 'web' || webApiGuarded);
  }

  /**
   * Whether a message's group is due to be recorded by this process: not recorded in the last RECORD_EVERY_MS
   * under the same name. A busy group then costs the directory a write a minute instead of one per message.
   */
  due(msg: InboundMessage, now: number): boolean {
    const field = `${msg.platform}:${msg.chatId}`;
    const name = nameOf(msg);
    const last = this.recorded.get(field);
    if (last && last.name === name && now - last.at < RECORD_EVERY_MS && now >= last.at) return false;
    this.recorded.delete(field);
    this.recorded.set(field, { name, at: now });
    // Bounded like the directory itself: the groups heard from least recently are forgotten first.
    if (this.recorded.size > MAX_GROUPS) this.recorded.delete(this.recorded.keys().next().value!);
    return true;
  }

  /** Adds to the pipeline's batch: remember the group a message came from (dropping the oldest when full). */
  record(batch: ChainableCommander, msg: InboundMessage, now: number): void {
    const entry = JSON.stringify({ name: nameOf(msg), at: now });
    batch.eval(RECORD, 2, this.keys.groups(), this.keys.groupsSeen(), `${msg.platform}:${msg.chatId}`, entry, now, MAX_GROUPS);
  }

  /** Known groups, most recently seen first. `log`: where an unreadable entry is reported (an operation passes its actor's). */
  async list(limit = 50, log: RecordLogger = this.logger): Promise<KnownGroup[]> {
    const h = await this.redis.hgetall(this.keys.groups());
    const out: KnownGroup[] = [];
    for (const [field, raw] of Object.entries(h)) {
      const m = /^([a-z]+):(.+)$/.exec(field);
      const platform = platformSchema.safeParse(m?.[1]);
      if (!m?.[2] || !platform.success) continue;
      // Before names were kept the value was a bare timestamp.
      const entry = /^\d+$/.test(raw) ? { name: '', at: Number(raw) } : readRecord(entrySchema, raw, log, `groups ${field}`);
      if (entry) out.push({ platform: platform.data, chatId: m[2], name: entry.name, lastSeenAt: entry.at });
    }
    return out.sort((a, b) => b.lastSeenAt - a.lastSeenAt).slice(0, limit);
  }

  static address(g: Pick<KnownGroup, 'platform' | 'chatId'>): Address {
    return { platform: g.platform, chatId: g.chatId, chatType: 'group' };
  }
}
