/**
 * Telegram channel (telegraf): long polling or webhook → zod-validated updates → pipeline → replies.
 * Notifications and broadcasts go through the delivery path at Telegram's limits (30/s overall, 1/s per chat,
 * 20/min per group, shared by every process); a 429 retry_after is obeyed, a 403 (bot kicked, user blocked) is final.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Telegraf, TelegramError } from 'telegraf';
import type { Engine } from '../../app/engine.ts';
import { CORE_TEXT } from '../../core/texts.ts';
import { receive, startDelivery, type Channel, type ChannelPort } from '../channel.ts';
import type { PacingLimits, SendFailure, SenderOptions } from '../../core/delivery/index.ts';
import { renderText, type InboundAttachment, type Reply } from '../../core/message.ts';
import { Reconnector, sleepMs, type BackoffOptions } from '../backoff.ts';
import { botInfoSchema, fileSchema, updateSchema, type BotInfo } from './schema.ts';
import { choiceKeyboard, mapUpdate, splitText, type FileRef } from './map.ts';

/** Files larger than this are not downloaded (the member is told; the text still goes through). */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
const ALLOWED_UPDATES = ['message', 'callback_query'] as const;


/**
 * Each window is this much longer than Telegram's: a send is counted here when it is taken and at Telegram when
 * it arrives, and the time in between varies by some milliseconds, which could squeeze 31 arrivals into a second.
 */
const ARRIVAL_GUARD_MS = 40;
/** Telegram's limits for bots (core.telegram.org/bots/faq): about 30 messages/s overall, 1/s per chat, 20/min per group. */
export const TELEGRAM_PACING: PacingLimits = {
  platform: [{ count: 30, perMs: 1000 + ARRIVAL_GUARD_MS, spread: true }],
  privateChat: [{ count: 1, perMs: 1000 + ARRIVAL_GUARD_MS }],
  groupChat: [
    { count: 1, perMs: 1000 + ARRIVAL_GUARD_MS },
    { count: 20, perMs: 60_000 + ARRIVAL_GUARD_MS },
  ],
};

export interface TelegramOptions {
  /** Limits for sending to many (default TELEGRAM_PACING). */
  pacing?: PacingLimits;
  /** The delivery sender's settings (tests: lease, poll). */
  delivery?: SenderOptions;
  /** Reconnect schedule after a failed start or a polling error (default 1 s … 5 min). */
  backoff?: BackoffOptions;
}

export type TelegramState = 'starting' | 'running' | 'error' | 'stopped';

export interface TelegramChannel extends Channel {
  /** Calls `listener` after each update has been fully handled (replies sent or dropped). For tests. */
  onHandled(listener: (updateId: number) => void): () => void;
  /** Resolves once the bot is running (polling started or webhook set). */
  ready(timeoutMs?: number): Promise<void>;
}

type Sendable = { chatId: string; quote?: number; mention?: { userId: number; name: string } };

export async function startTelegram(engine: Engine, http: FastifyInstance, opts: TelegramOptions = {}): Promise<TelegramChannel> {
  const { config } = engine.deps;
  const token = config.TELEGRAM_BOT_TOKEN;
  if (!token) throw new Error('TELEGRAM_BOT_TOKEN is not set');
  const log = engine.deps.logger.child({ platform: 'telegram' });
  const apiRoot = config.TELEGRAM_API_ROOT.replace(/\/+$/, '');
  const mode = config.TELEGRAM_MODE;
  // webhookReply off: every send is a normal API call, so a failed send is seen and logged.
  const bot = new Telegraf(token, { telegram: { apiRoot, webhookReply: false }, handlerTimeout: 120_000 });
  const api = bot.telegram;
  // Network errors quote the request URL, which carries the token: never log it.
  const redact = (s: string) => s.split(token).join('<token>');
  const errText = (err: unknown): string =>
    redact(err instanceof TelegramError ? `${err.code} ${err.description}` : err instanceof Error ? err.message : String(err));

  const status: { state: TelegramState; mode: typeof mode; username?: string; error?: string; restarts: number } = { state: 'starting', mode, restarts: 0 };
  let stopped = false;
  let botInfo: BotInfo | undefined;
  let polling: Promise<void> | undefined;
  const handledListeners = new Set<(updateId: number) => void>();
  const readyWaiters = new Set<() => void>();

  const setState = (state: TelegramState, error?: string) => {
    status.state = state;
    status.error = error;
    if (state === 'running') for (const w of readyWaiters) w();
  };

  /** API call with Telegram's flood control (429 retry_after) and transient network errors retried twice. */
  async function call<T>(what: string, fn: () => Promise<T>, retries = 2): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (retries === 0) throw err;
        const retryAfter = err instanceof TelegramError && err.code === 429 ? (err.parameters?.retry_after ?? 1) : undefined;
        const transient = !(err instanceof TelegramError) || err.code >= 500;
        if (attempt >= retries || (retryAfter === undefined && !transient)) throw err;
        const wait = retryAfter !== undefined ? Math.min(retryAfter, 60) * 1000 : 1000 * (attempt + 1);
        log.warn({ what, attempt, wait, err: errText(err) }, 'telegram call failed, retrying');
        await sleepMs(wait);
      }
    }
  }

  /** `retries` 0: one attempt per call (the delivery ledger retries, so a message never goes out twice). */
  async function sendReplies(to: Sendable, replies: Reply[], retries = 2): Promise<void> {
    let first = true;
    for (const reply of replies) {
      const quote = first && to.quote !== undefined ? { reply_parameters: { message_id: to.quote, allow_sending_without_reply: true } } : {};
      let text = renderText(reply);
      let entities: { type: 'text_mention'; offset: number; length: number; user: { id: number; is_bot: false; first_name: string } }[] | undefined;
      if (first && to.mention && text) {
        // A notification in a group names the member with a real mention (works without a username).
        const label = to.mention.name || '您';
        text = `${label} ${text}`;
        entities = [{ type: 'text_mention', offset: 0, length: label.length, user: { id: to.mention.userId, is_bot: false, first_name: label } }];
      }
      if (text) {
        const chunks = splitText(text);
        for (const [i, chunk] of chunks.entries()) {
          const last = i === chunks.length - 1;
          const keyboard = last && reply.choices?.length ? choiceKeyboard(reply.choices) : undefined;
          await call('sendMessage', () =>
            api.sendMessage(to.chatId, chunk, {
              ...(i === 0 ? quote : {}),
              ...(i === 0 && entities ? { entities } : {}),
              ...(keyboard ? { reply_markup: keyboard } : {}),
            }),
            retries,
          );
          first = false;
        }
      }
      if (reply.file) {
        const file = reply.file;
        await call('sendDocument', () => api.sendDocument(to.chatId, { source: file.data, filename: file.name }, text ? {} : quote), retries);
        first = false;
      }
    }
  }

  /** Downloads a member's file; 'too-big' when over the cap (checked before, during and after the download). */
  async function download(ref: FileRef): Promise<InboundAttachment | 'too-big'> {
    if (ref.size !== undefined && ref.size > MAX_FILE_BYTES) return 'too-big';
    const file = fileSchema.parse(await call('getFile', () => api.getFile(ref.fileId)));
    if (file.file_size !== undefined && file.file_size > MAX_FILE_BYTES) return 'too-big';
    if (!file.file_path) throw new Error('getFile returned no file_path');
    const path = file.file_path.split('/').map(encodeURIComponent).join('/');
    const res = await fetch(`${apiRoot}/file/bot${token}/${path}`, { signal: AbortSignal.timeout(60_000) });
    if (!res.ok || !res.body) throw new Error(`file download failed: HTTP ${res.status}`);
    if (Number(res.headers.get('content-length') ?? 0) > MAX_FILE_BYTES) {
      await res.body.cancel();
      return 'too-big';
    }
    const parts: Buffer[] = [];
    let total = 0;
    for await (const chunk of res.body) {
      total += chunk.byteLength;
      if (total > MAX_FILE_BYTES) return 'too-big'; // leaving the loop cancels the stream
      parts.push(Buffer.from(chunk));
    }
    return { name: ref.name, mimeType: ref.mimeType, data: Buffer.concat(parts) };
  }

  const port: ChannelPort<Sendable> = {
    platform: 'telegram',
    capabilities: { groups: true, buttons: true },
    log,
    send: (to, replies) => sendReplies(to, replies),
    pacing: opts.pacing ?? TELEGRAM_PACING,
    concurrency: 8,
    // Queued items wait in the ledger while Telegram is unreachable.
    ready: () => status.state === 'running' && !stopped,
    async deliver(to, reply) {
      const userId = Number(to.mentionUserId);
      const mention = to.chatType === 'group' && Number.isSafeInteger(userId) && to.mentionUserId ? { userId, name: to.mentionName ?? '' } : undefined;
      await sendReplies({ chatId: to.chatId, mention }, [reply], 0);
    },
    classify: classifyTelegramError,
    fileTooBigText: CORE_TEXT.fileTooBig,
    redact,
  };

  /** One failed download does not lose the others. */
  async function downloadEach(refs: FileRef[], updateId: number | undefined): Promise<Array<InboundAttachment | 'too-big'>> {
    const out: Array<InboundAttachment | 'too-big'> = [];
    for (const ref of refs) {
      try {
        out.push(await download(ref));
      } catch (err) {
        log.warn({ updateId, err: errText(err) }, 'attachment download failed');
      }
    }
    return out;
  }

  async function handleUpdate(raw: unknown): Promise<void> {
    const updateId = typeof raw === 'object' && raw !== null && 'update_id' in raw && typeof raw.update_id === 'number' ? raw.update_id : undefined;
    const parsed = updateSchema.safeParse(raw);
    if (!parsed.success) {
      log.warn({ updateId, issues: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`) }, 'malformed update dropped');
      return;
    }
    const info = botInfo ?? botInfoSchema.parse(bot.botInfo);
    const mapped = mapUpdate(parsed.data, info, Date.now());
    if (!mapped) return;
    if (mapped.callbackQueryId) {
      const id = mapped.callbackQueryId;
      await call('answerCallbackQuery', () => api.answerCbQuery(id)).catch((err: unknown) => log.warn({ updateId, err: errText(err) }, 'answerCallbackQuery failed'));
    }
    await receive(engine, port, {
      msg: mapped.msg,
      target: { chatId: mapped.msg.chatId, quote: mapped.quoteMessageId },
      files: mapped.files.length ? () => downloadEach(mapped.files, updateId) : undefined,
      logContext: { updateId },
    });
  }

  bot.catch((err, ctx) => log.error({ err: errText(err), updateId: ctx.update.update_id }, 'telegram update failed'));
  bot.use(async (ctx) => {
    const raw: unknown = ctx.update;
    try {
      await handleUpdate(raw);
    } finally {
      for (const listener of handledListeners) listener(ctx.update.update_id);
    }
  });

  // Webhook route first: startChannels listens right after this function returns.
  let webhook: { url: string; secret: string } | undefined;
  if (mode === 'webhook') {
    if (!config.TELEGRAM_WEBHOOK_URL) throw new Error('TELEGRAM_WEBHOOK_URL is required when TELEGRAM_MODE=webhook');
    const url = new URL(config.TELEGRAM_WEBHOOK_URL);
    // Without a configured secret, derive a stable one from the token: a webhook must never be open.
    const secret = config.TELEGRAM_WEBHOOK_SECRET ?? createHash('sha256').update(`webhook:${token}`).digest('hex');
    if (!config.TELEGRAM_WEBHOOK_SECRET) log.warn('TELEGRAM_WEBHOOK_SECRET not set: using a secret derived from the bot token');
    webhook = { url: url.href, secret };
    const callback = bot.webhookCallback(url.pathname + url.search, { secretToken: secret });
    http.post(url.pathname, async (req, reply) => {
      const given = req.headers['x-telegram-bot-api-secret-token'];
      if (!secretMatches(typeof given === 'string' ? given : '', secret)) {
        log.warn({ ip: req.ip }, 'telegram webhook: missing or wrong secret token');
        return reply.code(401).send({ error: 'unauthorized' });
      }
      reply.hijack();
      // telegraf types the body as an Update; it is only checked later (zod in handleUpdate).
      const rawReq = Object.assign(req.raw, { body: req.body }) as Parameters<typeof callback>[0];
      try {
        await callback(rawReq, reply.raw);
      } catch (err) {
        log.error({ err: errText(err) }, 'telegram webhook failed');
        if (!reply.raw.headersSent) reply.raw.writeHead(500);
        reply.raw.end();
      }
    });
  }

  async function connect(): Promise<void> {
    if (stopped) return;
    setState('starting');
    const me = await api.getMe();
    botInfo = botInfoSchema.parse(me);
    bot.botInfo = me;
    status.username = botInfo.username;
    if (webhook) {
      await api.setWebhook(webhook.url, { secret_token: webhook.secret, allowed_updates: [...ALLOWED_UPDATES] });
      setState('running');
      log.info({ username: botInfo.username, url: webhook.url }, 'telegram webhook set');
      reconnector.succeeded();
      return;
    }
    await api.deleteWebhook();
    setState('running');
    log.info({ username: botInfo.username }, 'telegram long polling started');
    // launch() resolves only when polling stops: never awaited here.
    polling = bot.launch({ allowedUpdates: [...ALLOWED_UPDATES] }).then(
      () => {
        if (!stopped) {
          setState('error', 'polling stopped');
          reconnector.schedule();
        }
      },
      (err: unknown) => {
        if (stopped) return;
        log.error({ err: errText(err) }, 'telegram polling failed');
        if (err instanceof TelegramError && err.code === 401) {
          setState('error', 'unauthorized: check TELEGRAM_BOT_TOKEN');
          return;
        }
        setState('error', errText(err));
        reconnector.schedule();
      },
    );
    reconnector.succeeded();
  }

  const reconnector = new Reconnector(
    async () => {
      status.restarts++;
      await connect();
    },
    (err) => {
      log.error({ err: errText(err) }, 'telegram reconnect failed');
      setState('error', errText(err));
    },
    opts.backoff,
  );

  try {
    await connect();
  } catch (err) {
    // Telegram unreachable at start-up must not take the other channels down: retry in the background.
    log.error({ err: errText(err) }, 'telegram start failed, will retry');
    if (err instanceof TelegramError && err.code === 401) setState('error', 'unauthorized: check TELEGRAM_BOT_TOKEN');
    else {
      setState('error', errText(err));
      reconnector.schedule();
    }
  }

  const sender = startDelivery(engine, port, opts.delivery);

  return {
    name: 'telegram',
    status: () => ({ state: status.state, mode: status.mode, username: status.username, restarts: status.restarts, ...(status.error ? { error: status.error } : {}) }),
    onHandled(listener) {
      handledListeners.add(listener);
      return () => handledListeners.delete(listener);
    },
    ready(timeoutMs = 10_000) {
      if (status.state === 'running') return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          readyWaiters.delete(done);
          reject(new Error(`telegram not running after ${timeoutMs} ms (state ${status.state})`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          readyWaiters.delete(done);
          resolve();
        };
        readyWaiters.add(done);
      });
    },
    async stop() {
      stopped = true;
      reconnector.stop();
      await sender.stop();
      if (polling) {
        try {
          bot.stop('shutdown');
        } catch {
          // not running: nothing to stop
        }
        await polling;
      }
      setState('stopped');
    },
  };
}

/** How a failed Bot API call reads for the delivery path. */
export function classifyTelegramError(err: unknown): SendFailure {
  if (err instanceof TelegramError) {
    const reason = `${err.code} ${err.description}`.slice(0, 120);
    if (err.code === 429) return { kind: 'retry-after', ms: Math.max(1, err.parameters?.retry_after ?? 1) * 1000, reason };
    // 403: bot kicked from the group, blocked by the user, user deactivated; 400: chat not found, not enough rights …
    if (err.code === 403 || err.code === 400 || err.code === 401 || err.code === 404) return { kind: 'permanent', reason };
    return { kind: 'transient', reason };
  }
  return { kind: 'transient', reason: (err instanceof Error ? err.message : String(err)).replace(/bot\d+:[\w-]+/g, 'bot<token>').slice(0, 120) };
}

function secretMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

