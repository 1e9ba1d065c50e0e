/**
 * Telegram test harness: a real redis-server, the real engine and startChannels(), talking to a fake
 * Telegram Bot API server (test/helpers/fake-telegram.ts). Use it to run transcripts through Telegram.
 *
 *   const h = await startTelegramHarness({ env?, mode?: 'polling' | 'webhook' })
 *   await h.say(userId, text, { group?, chat?, mention?, name?, date? })  → string[]  texts the bot sent back to that chat
 *   await h.sendFile(userId, { name, data, mimeType?, caption?, photo? }, opts)  → string[]
 *   await h.press(userId, data, { group?, chat? })  → string[]   (press an inline button: callback data "1", "2", …)
 *   await h.push(update)  → SentMessage[]   raw update in, everything the bot sent while handling it
 *   h.tg        the FakeTelegram (sent messages, calls, waitForSent, addFile)
 *   h.engine    the Engine (outbox.notify, deps.redis, …);  h.app  the RunningApp (url, http)
 *   h.groupChat(n?)  a group chat object ({ id, type: 'supergroup', title }) for opts.chat
 *   await h.stop()
 *
 * `say` waits until the adapter has fully handled the update (replies sent or message dropped), so an
 * empty array means the bot stayed silent. In groups, `mention: true` prefixes "@<botusername> ".
 * Users: `userId` is a number; the sender's first_name is `name` (default "用户<id>").
 */
import { createEngine, type Engine } from '../../src/app/engine.ts';
import { loadConfig } from '../../src/core/config.ts';
import { createLogger } from '../../src/core/logger.ts';
import { startChannels, type RunningApp } from '../../src/channels/index.ts';
import type { TelegramChannel } from '../../src/channels/telegram/index.ts';
import { startRedis } from './redis.ts';
import { FakeTelegram, type SentMessage, type TgChatLike } from './fake-telegram.ts';

export interface SayOptions {
  /** Send in the harness's default group chat (or pass `chat`). */
  group?: boolean;
  chat?: TgChatLike;
  /** In a group: start the text with "@<botusername> " (a mention entity). */
  mention?: boolean;
  /** The sender's first name (default 用户<id>). */
  name?: string;
  /** Message date in seconds since epoch (default now). */
  date?: number;
  /** Quote (reply to) this message of the bot. */
  replyToBotMessageId?: number;
}

export interface TelegramHarness {
  tg: FakeTelegram;
  engine: Engine;
  app: RunningApp;
  channel: TelegramChannel;
  say(userId: number, text: string, opts?: SayOptions): Promise<string[]>;
  sendFile(userId: number, file: { name: string; data: Buffer; mimeType?: string; caption?: string; photo?: boolean }, opts?: SayOptions): Promise<string[]>;
  press(userId: number, data: string, opts?: SayOptions): Promise<string[]>;
  push(update: Record<string, unknown>): Promise<SentMessage[]>;
  groupChat(n?: number): TgChatLike;
  stop(): Promise<void>;
}

export const WEBHOOK_PATH = '/telegram/webhook';
export const WEBHOOK_SECRET = 'test-webhook-secret_123';

function isTelegramChannel(c: unknown): c is TelegramChannel {
  return typeof c === 'object' && c !== null && 'onHandled' in c && 'ready' in c;
}

export async function startTelegramHarness(opts: { env?: Record<string, string>; mode?: 'polling' | 'webhook' } = {}): Promise<TelegramHarness> {
  const redis = await startRedis();
  const cleanups: (() => Promise<void>)[] = [() => redis.stop()];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  };
  try {
    const tg = await FakeTelegram.start();
    cleanups.push(() => tg.stop());
    const mode = opts.mode ?? 'polling';
    const config = loadConfig({
      ...process.env,
      NODE_ENV: 'test',
      REDIS_URL: redis.url,
      LOG_LEVEL: 'silent',
      WARM_UP_PASSES: '0',
      ...(process.env.KNOWLEDGE_STATUTES_DIR ? { KNOWLEDGE_STATUTES_DIR: process.env.KNOWLEDGE_STATUTES_DIR } : {}),
      PORT: '0',
      HOST: '127.0.0.1',
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tg.url,
      TELEGRAM_MODE: mode,
      ...(mode === 'webhook' ? { TELEGRAM_WEBHOOK_URL: `https://bot.example.org${WEBHOOK_PATH}`, TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET } : {}),
      WECHATY_PUPPET: '',
      ...opts.env,
    });
    const engine = await createEngine(config, createLogger('silent'));
    cleanups.push(() => engine.close());
    const app = await startChannels(engine);
    cleanups.push(() => app.stop());
    const channel = app.channels.find((c) => c.name === 'telegram');
    if (!isTelegramChannel(channel)) throw new Error('telegram channel did not start');
    await channel.ready();

    const defaultGroup: TgChatLike = { id: -1001234567890, type: 'supergroup', title: '工会会员群' };

    const push = async (update: Record<string, unknown>): Promise<SentMessage[]> => {
      const before = tg.sent.length;
      if (mode === 'webhook') {
        const id = typeof update.update_id === 'number' ? update.update_id : Math.floor(Math.random() * 1e9);
        const res = await fetch(`${app.url}${WEBHOOK_PATH}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET },
          body: JSON.stringify({ ...update, update_id: id }),
        });
        if (!res.ok) throw new Error(`webhook answered ${res.status}`);
        return tg.sent.slice(before);
      }
      let done: (() => void) | undefined;
      let id = -1;
      const handled = new Promise<void>((resolve) => {
        done = channel.onHandled((u) => {
          if (u === id) resolve();
        });
      });
      id = tg.pushUpdate(update);
      await withTimeout(handled, 15_000, `update ${id} not handled`);
      done?.();
      return tg.sent.slice(before);
    };

    const chatOf = (userId: number, o: SayOptions): TgChatLike => o.chat ?? (o.group ? defaultGroup : { id: userId, type: 'private' });
    const textsTo = (sent: SentMessage[], chat: TgChatLike) => sent.filter((s) => s.chatId === String(chat.id)).map((s) => s.text ?? s.caption ?? `[file] ${s.document?.filename ?? ''}`);

    const harness: TelegramHarness = {
      tg,
      engine,
      app,
      channel,
      groupChat: (n = 1) => ({ id: -1001234567890 - n, type: 'supergroup', title: `工会群${n}` }),
      async say(userId, text, o = {}) {
        const chat = chatOf(userId, o);
        const handle = `@${tg.bot.username}`;
        const full = o.mention ? `${handle} ${text}` : text;
        const update = tg.message({
          from: { id: userId, first_name: o.name ?? `用户${userId}` },
          chat,
          text: full,
          entities: o.mention ? [{ type: 'mention', offset: 0, length: handle.length }] : undefined,
          date: o.date,
          reply_to_message: o.replyToBotMessageId ? { message_id: o.replyToBotMessageId, from: tg.bot } : undefined,
        });
        return textsTo(await push(update), chat);
      },
      async sendFile(userId, file, o = {}) {
        const chat = chatOf(userId, o);
        const stored = tg.addFile(file.data, { path: file.photo ? `photos/${file.name}` : `documents/${file.name}` });
        const handle = `@${tg.bot.username}`;
        const caption = o.mention ? `${handle} ${file.caption ?? ''}`.trim() : file.caption;
        const update = tg.message({
          from: { id: userId, first_name: o.name ?? `用户${userId}` },
          chat,
          caption,
          caption_entities: o.mention ? [{ type: 'mention', offset: 0, length: handle.length }] : undefined,
          ...(file.photo
            ? { photo: [{ ...stored, file_id: stored.file_id, width: 800, height: 600 }] }
            : { document: { file_id: stored.file_id, file_unique_id: stored.file_unique_id, file_name: file.name, mime_type: file.mimeType ?? 'application/octet-stream', file_size: stored.file_size } }),
        });
        return textsTo(await push(update), chat);
      },
      async press(userId, data, o = {}) {
        const chat = chatOf(userId, o);
        const last = [...tg.sent].reverse().find((s) => s.chatId === String(chat.id));
        const update = {
          callback_query: {
            id: `cq${Date.now()}${Math.floor(Math.random() * 1e6)}`,
            from: { id: userId, is_bot: false, first_name: o.name ?? `用户${userId}` },
            chat_instance: '1',
            data,
            message: { message_id: last?.messageId ?? 1, date: Math.floor(Date.now() / 1000), chat, from: tg.bot, text: last?.text ?? '' },
          },
        };
        return textsTo(await push(update), chat);
      },
      push,
      stop: cleanup,
    };
    return harness;
  } catch (err) {
    await cleanup();
    throw err;
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
