/**
 * Messages that are not direct replies (claim decisions, waitlist promotions, reminders, later broadcasts)
 * go through a durable per-platform queue in Redis; each platform's sender drains it at the pace the
 * platform tolerates. A crash between pop and send leaves the item in the processing list, which is
 * re-queued at start-up.
 */
import { z } from 'zod';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { addressSchema, type Address, type Platform, type Reply } from './message.ts';
import type { Keys } from './keys.ts';

const wireReplySchema = z.object({
  text: z.string().optional(),
  choices: z.array(z.string()).optional(),
  file: z.object({ name: z.string(), mimeType: z.string(), dataBase64: z.string() }).optional(),
});
const outboxItemSchema = z.object({
  id: z.string(),
  to: addressSchema,
  replies: z.array(wireReplySchema),
  queuedAt: z.number(),
});
export interface OutboxItem {
  id: string;
  to: Address;
  replies: Reply[];
  queuedAt: number;
}

export interface Notifier {
  /** Queues replies for an address; resolves once durably queued. */
  notify(to: Address, replies: Reply[]): Promise<void>;
}

export class RedisOutbox implements Notifier {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  private queue(p: Platform) {
    return this.keys.k('outbox', p);
  }
  private processing(p: Platform) {
    return this.keys.k('outbox', p, 'processing');
  }

  async notify(to: Address, replies: Reply[]): Promise<void> {
    const item = {
      id: `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`,
      to,
      queuedAt: Date.now(),
      replies: replies.map((r) => ({
        text: r.text,
        choices: r.choices,
        file: r.file && { name: r.file.name, mimeType: r.file.mimeType, dataBase64: r.file.data.toString('base64') },
      })),
    };
    await this.redis.lpush(this.queue(to.platform), JSON.stringify(item));
  }

  /** Moves items left in processing by a crashed sender back to the queue. */
  async recover(p: Platform): Promise<number> {
    let n = 0;
    while (await this.redis.lmove(this.processing(p), this.queue(p), 'RIGHT', 'RIGHT')) n++;
    return n;
  }

  /** Waits up to `timeoutSeconds` for the next item; call `ack` after sending it. */
  async next(p: Platform, timeoutSeconds: number, client: Redis): Promise<{ item: OutboxItem; raw: string } | null> {
    const raw = await client.blmove(this.queue(p), this.processing(p), 'RIGHT', 'LEFT', timeoutSeconds);
    if (!raw) return null;
    const parsed = outboxItemSchema.parse(JSON.parse(raw));
    const item: OutboxItem = {
      ...parsed,
      replies: parsed.replies.map((r) => ({
        text: r.text,
        choices: r.choices,
        file: r.file && { name: r.file.name, mimeType: r.file.mimeType, data: Buffer.from(r.file.dataBase64, 'base64') },
      })),
    };
    return { item, raw };
  }

  async ack(p: Platform, raw: string): Promise<void> {
    await this.redis.lrem(this.processing(p), 1, raw);
  }

  async pending(p: Platform): Promise<number> {
    return this.redis.llen(this.queue(p));
  }
}

/**
 * Drains one platform's outbox, sending at most one item per `minIntervalMs`
 * (WeChat bans fast senders; Telegram allows ~30/s overall and 20/min per group).
 */
export class OutboxSender {
  private stopped = false;
  private loop?: Promise<void>;

  constructor(
    private readonly outbox: RedisOutbox,
    private readonly platform: Platform,
    private readonly blockingClient: Redis,
    private readonly send: (to: Address, replies: Reply[]) => Promise<void>,
    private readonly logger: Logger,
    private readonly minIntervalMs: number,
  ) {}

  start(): void {
    this.loop = (async () => {
      await this.outbox.recover(this.platform);
      while (!this.stopped) {
        let next: Awaited<ReturnType<RedisOutbox['next']>> = null;
        try {
          next = await this.outbox.next(this.platform, 1, this.blockingClient);
        } catch (err) {
          if (this.stopped) break;
          this.logger.error({ err, platform: this.platform }, 'outbox read failed');
          await sleep(1000);
          continue;
        }
        if (!next) continue;
        const started = Date.now();
        try {
          await this.send(next.item.to, next.item.replies);
        } catch (err) {
          // Logged and dropped rather than retried forever: a blocked user must not jam the queue.
          this.logger.error({ err, platform: this.platform, chatId: next.item.to.chatId, id: next.item.id }, 'outbox send failed');
        }
        await this.outbox.ack(this.platform, next.raw);
        const wait = this.minIntervalMs - (Date.now() - started);
        if (wait > 0) await sleep(wait);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.blockingClient.disconnect();
    await this.loop?.catch(() => undefined);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
