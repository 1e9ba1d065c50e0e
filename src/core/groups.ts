/**
 * The group directory: group chats the bot serves (it has been addressed there), with their names and
 * when they were last seen. Events offer them as announcement targets; broadcasts send to them.
 */
import type { Redis } from 'ioredis';
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

export class GroupDirectory {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly logger: RecordLogger,
  ) {}

  /** Command for the pipeline's batch: remember the group a message came from. */
  recordArgs(msg: InboundMessage, now: number): [string, string, string] {
    const entry = JSON.stringify({ name: (msg.chatName ?? '').slice(0, 200), at: now });
    return [this.keys.groups(), `${msg.platform}:${msg.chatId}`, entry];
  }

  /** Known groups, most recently seen first. */
  async list(limit = 50): Promise<KnownGroup[]> {
    const h = await this.redis.hgetall(this.keys.groups());
    const out: KnownGroup[] = [];
    for (const [field, raw] of Object.entries(h)) {
      const m = /^([a-z]+):(.+)$/.exec(field);
      const platform = platformSchema.safeParse(m?.[1]);
      if (!m?.[2] || !platform.success) continue;
      // Before names were kept the value was a bare timestamp.
      const entry = /^\d+$/.test(raw) ? { name: '', at: Number(raw) } : readRecord(entrySchema, raw, this.logger, `groups ${field}`);
      if (entry) out.push({ platform: platform.data, chatId: m[2], name: entry.name, lastSeenAt: entry.at });
    }
    return out.sort((a, b) => b.lastSeenAt - a.lastSeenAt).slice(0, limit);
  }

  static address(g: Pick<KnownGroup, 'platform' | 'chatId'>): Address {
    return { platform: g.platform, chatId: g.chatId, chatType: 'group' };
  }
}
