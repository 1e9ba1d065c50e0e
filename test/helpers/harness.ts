/**
 * The one harness for service tests: the real engine (all services, real classifier, router and role
 * checks, real redis-server) driven in process through the pipeline, with a clock tests can move.
 * It is a `ChatPaths`, so the same transcripts also run over the real channels (chat-paths.ts).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { createEngine, type Engine } from '../../src/app/engine.ts';
import type { AuditEntry } from '../../src/core/audit.ts';
import { loadConfig } from '../../src/core/config.ts';
import { createLogger } from '../../src/core/logger.ts';
import { addressSchema, type InboundAttachment, type InboundMessage, type Platform, type Reply } from '../../src/core/message.ts';
import { startRedis } from './redis.ts';
import { textOf, type ChatPath, type ChatPaths } from './transcript.ts';

export const TEST_KEY_HEX = 'a1'.repeat(32);

const outboxItemSchema = z.object({ id: z.string(), to: addressSchema, replies: z.array(z.object({ text: z.string().optional() }).passthrough()) });
export type QueuedNotification = z.infer<typeof outboxItemSchema>;

export interface HarnessOptions {
  /** Extra settings (BOT_ADMINS, BOT_STAFF …); identities are `telegram:<who>` by default. */
  env?: Record<string, string>;
  /** The clock's start (default: now). */
  now?: Date;
  platform?: Platform;
  /** Reuse a redis-server (e.g. to restart against the same data). */
  redisUrl?: string;
}

export class Harness implements ChatPaths {
  readonly platform: Platform;
  engine!: Engine;
  readonly clock: { now: Date };
  private readonly dataDir = mkdtempSync(path.join(tmpdir(), 'ua-harness-'));
  /** Outbox item ids already taken by `notification` / `groupNotification`. */
  private readonly taken = new Set<string>();

  private constructor(
    readonly redisUrl: string,
    private readonly env: Record<string, string>,
    now: Date,
    platform: Platform,
    private readonly stopRedis: () => Promise<void>,
  ) {
    this.clock = { now };
    this.platform = platform;
  }

  static async start(opts: HarnessOptions = {}): Promise<Harness> {
    const redis = opts.redisUrl ? { url: opts.redisUrl, stop: async () => undefined } : await startRedis();
    const h = new Harness(redis.url, opts.env ?? {}, opts.now ?? new Date(), opts.platform ?? 'telegram', () => redis.stop());
    await h.boot();
    return h;
  }

  /** Builds the engine like a process start (new connection, new services). */
  private async boot(): Promise<void> {
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      ...(process.env.KNOWLEDGE_STATUTES_DIR ? { KNOWLEDGE_STATUTES_DIR: process.env.KNOWLEDGE_STATUTES_DIR } : {}),
      REDIS_URL: this.redisUrl,
      DATA_DIR: this.dataDir,
      DATA_ENCRYPTION_KEY: TEST_KEY_HEX,
      RATE_LIMIT_PER_MINUTE: '10000',
      // Engines are built by the hundred in the suite: the warm-up has tests of its own.
      WARM_UP_PASSES: '0',
      ...this.env,
    });
    this.engine = await createEngine(config, createLogger('silent'), { now: () => this.clock.now });
  }

  /** A process restart: the engine is rebuilt on the same Redis and data folder. */
  async restart(): Promise<void> {
    await this.engine.close();
    await this.boot();
  }

  async stop(): Promise<void> {
    await this.engine.close();
    await this.stopRedis();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  advance(ms: number): void {
    this.clock.now = new Date(this.clock.now.getTime() + ms);
  }

  /** Sends one message through the pipeline as a channel would. */
  async send(over: Partial<InboundMessage> & { senderId: string; text: string }): Promise<Reply[]> {
    const msg: InboundMessage = {
      platform: this.platform,
      chatId: over.senderId,
      chatType: 'private',
      senderName: over.senderId,
      mentionsBot: false,
      repliesToBot: false,
      attachments: [],
      messageId: randomUUID(),
      sentAt: this.clock.now.getTime(),
      fromSelf: false,
      ...over,
    };
    return (await this.engine.pipeline.handle(msg)).replies;
  }

  dm(who: string): ChatPath {
    return { say: (text: string, files: InboundAttachment[] = []) => this.send({ senderId: who, text, attachments: files }) };
  }

  group(who: string, group: string, opts: { mention?: boolean } = {}): ChatPath {
    return {
      say: (text: string, files: InboundAttachment[] = []) =>
        this.send({ senderId: who, senderName: who, chatId: group, chatType: 'group', chatName: group, mentionsBot: opts.mention ?? false, text, attachments: files }),
    };
  }

  identity(who: string): string {
    return `${this.platform}:${who}`;
  }

  groupAddress(group: string): string {
    return `${this.platform}:${group}`;
  }

  /** Notifications queued for this platform and not yet taken by `notification`, oldest first. */
  async outbox(): Promise<QueuedNotification[]> {
    const items = (await this.engine.outbox.pending(this.platform)).map((i) => outboxItemSchema.parse(i));
    return items.filter((i) => !this.taken.has(i.id));
  }

  notification(who: string, match: string | RegExp): Promise<string> {
    return this.take((i) => i.to.chatType === 'private' && i.to.chatId === who, match);
  }

  groupNotification(group: string, match: string | RegExp): Promise<string> {
    return this.take((i) => i.to.chatType === 'group' && i.to.chatId === group, match);
  }

  private async take(where: (i: QueuedNotification) => boolean, match: string | RegExp): Promise<string> {
    const found = (await this.outbox()).find((i) => where(i) && (typeof match === 'string' ? textOf(i.replies).includes(match) : match.test(textOf(i.replies))));
    if (!found) throw new Error(`no queued notification matching ${String(match)}`);
    this.taken.add(found.id);
    return textOf(found.replies);
  }

  async audit(): Promise<AuditEntry[]> {
    return this.engine.deps.audit.recent(500);
  }
}
