/**
 * A fake Telegram Bot API server (node:http) for tests: `${url}/bot<token>/<method>` and
 * `${url}/file/bot<token>/<path>`. It speaks enough of the protocol for telegraf:
 * getMe, deleteWebhook, setWebhook, getUpdates (long poll honouring offset, wait capped at 1 s),
 * sendMessage, sendDocument (multipart), getFile, answerCallbackQuery, plus file downloads.
 *
 * API:
 *   const tg = await FakeTelegram.start({ token?, bot? })
 *   tg.url                         apiRoot for TELEGRAM_API_ROOT
 *   tg.token, tg.bot               the bot's token and user ({ id, username, first_name, is_bot })
 *   tg.pushUpdate(update)          queues an update for getUpdates; assigns update_id if missing; returns it
 *   tg.message({ from, chat, text?, ... })  builds a message update (see MessageUpdateInput)
 *   tg.addFile(data, { path? })    stores a downloadable file; returns { file_id, file_size, file_path }
 *   tg.sent                        every message the bot sent (SentMessage), in order
 *   tg.waitForSent(pred, ms?)      resolves with the first sent message matching pred (past or future)
 *   tg.calls                       every API call { method, params }
 *   tg.webhook                     the last setWebhook { url, secret_token } (undefined after deleteWebhook)
 *   tg.confirmedOffset             highest offset the bot has acknowledged via getUpdates
 *   tg.failNext(method, code, description?, retryAfter?)  the next call of `method` fails like Telegram would
 *   tg.removeFrom(chatId)          the bot was kicked from that group: every send there answers 403
 *   tg.floodEvery(n, retryAfter)   every n-th send answers 429 with parameters.retry_after (seconds), like flood control
 *   tg.responseDelayMs             answers sends this much later (the message counts as sent when it arrives)
 *   tg.inflight                    sends received and not yet answered
 *   tg.overLimits(chats?)          sends (to chats matching the filter) beyond Telegram's limits: 30/s overall, 1/s per chat, 20/min per group
 *   tg.stop()
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TgUserLike {
  id: number;
  is_bot?: boolean;
  first_name?: string;
  last_name?: string;
  username?: string;
}
export interface TgChatLike {
  id: number;
  type: 'private' | 'group' | 'supergroup' | 'channel';
  title?: string;
}

export interface SentMessage {
  method: string;
  chatId: string;
  messageId: number;
  text?: string;
  caption?: string;
  /** The message this one quotes (reply_parameters.message_id or reply_to_message_id). */
  replyToMessageId?: number;
  replyMarkup?: unknown;
  entities?: unknown;
  document?: { filename: string; size: number; mimeType: string; data: Buffer };
  at: number;
}

export interface ApiCall {
  method: string;
  params: Record<string, unknown>;
}

export interface MessageUpdateInput {
  from: TgUserLike;
  chat?: TgChatLike;
  text?: string;
  caption?: string;
  entities?: unknown[];
  caption_entities?: unknown[];
  /** Seconds since epoch; default now. */
  date?: number;
  message_id?: number;
  reply_to_message?: { message_id: number; from?: TgUserLike };
  photo?: unknown[];
  document?: unknown;
  update_id?: number;
}

interface StoredFile {
  data: Buffer;
  path: string;
}

const DEFAULT_TOKEN = '123456:TEST-token_abc';

export class FakeTelegram {
  readonly sent: SentMessage[] = [];
  readonly calls: ApiCall[] = [];
  webhook: { url: string; secret_token?: string } | undefined;
  confirmedOffset = 0;
  private updates: { update_id: number }[] = [];
  private nextUpdateId = 1000;
  private nextMessageId = 1;
  private nextFile = 1;
  private readonly files = new Map<string, StoredFile>();
  private readonly chats = new Map<string, TgChatLike>();
  private pollWaiters = new Set<() => void>();
  private failures: { method: string; code: number; description: string; retryAfter?: number }[] = [];
  private sentWaiters = new Set<() => void>();
  private readonly removed = new Set<string>();
  private flood?: { every: number; retryAfter: number; count: number };
  responseDelayMs = 0;
  inflight = 0;
  /** Sends refused with 429 or 403 (not delivered). */
  readonly refused: { chatId: string; code: number; at: number }[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly token: string,
    readonly bot: Required<Pick<TgUserLike, 'id' | 'is_bot' | 'first_name' | 'username'>>,
  ) {}

  static async start(opts: { token?: string; bot?: { id?: number; username?: string; first_name?: string } } = {}): Promise<FakeTelegram> {
    const token = opts.token ?? DEFAULT_TOKEN;
    const botId = opts.bot?.id ?? Number(token.split(':')[0]);
    const bot = { id: botId, is_bot: true, first_name: opts.bot?.first_name ?? '工会小助手', username: opts.bot?.username ?? 'union_helper_bot' };
    const holder: { fake?: FakeTelegram } = {};
    const server = createServer((req, res) => {
      holder.fake?.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error_code: 500, description: String(err) }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    holder.fake = new FakeTelegram(server, `http://127.0.0.1:${port}`, token, bot);
    return holder.fake;
  }

  /** Queues an update for the bot's next getUpdates. Returns its update_id. */
  pushUpdate(update: Record<string, unknown>): number {
    const id = typeof update.update_id === 'number' ? update.update_id : this.nextUpdateId++;
    if (id >= this.nextUpdateId) this.nextUpdateId = id + 1;
    const full = { ...update, update_id: id };
    const chat = (full as { message?: { chat?: TgChatLike } }).message?.chat;
    if (chat) this.chats.set(String(chat.id), chat);
    this.updates.push(full);
    for (const wake of this.pollWaiters) wake();
    return id;
  }

  /** Builds a message update (private chat with the sender unless `chat` is given). */
  message(input: MessageUpdateInput): Record<string, unknown> {
    const chat = input.chat ?? { id: input.from.id, type: 'private' as const };
    const message: Record<string, unknown> = {
      message_id: input.message_id ?? this.nextMessageId++,
      date: input.date ?? Math.floor(Date.now() / 1000),
      chat: chat.type === 'private' ? { ...chat, first_name: input.from.first_name } : chat,
      from: { is_bot: false, ...input.from },
    };
    for (const key of ['text', 'caption', 'entities', 'caption_entities', 'reply_to_message', 'photo', 'document'] as const) {
      if (input[key] !== undefined) message[key] = input[key];
    }
    return { ...(input.update_id !== undefined ? { update_id: input.update_id } : {}), message };
  }

  /** Makes the next call of `method` fail with this error code (e.g. 409 for getUpdates, 429 for sendMessage). */
  failNext(method: string, code: number, description = 'injected failure', retryAfter?: number): void {
    this.failures.push({ method, code, description, retryAfter });
  }

  /** The bot was removed from the group: sends there answer 403 like Telegram does. */
  removeFrom(chatId: string | number): void {
    this.removed.add(String(chatId));
  }

  /** Every n-th send answers 429 Too Many Requests with retry_after seconds. */
  floodEvery(every: number, retryAfter: number): void {
    this.flood = { every, retryAfter, count: 0 };
  }

  /**
   * Sends that broke a limit, counted in every window wherever it starts: more than 30 in any second
   * overall, more than 1 in any second to one chat, more than 20 in any minute to one group (negative chat id).
   */
  overLimits(chats: (chatId: string) => boolean = () => true): { overall: number; perChat: number; perGroup: number } {
    const sends = this.sent.filter((s) => (s.method === 'sendMessage' || s.method === 'sendDocument') && chats(s.chatId));
    const over = (times: number[], perMs: number, max: number) => {
      const t = [...times].sort((a, b) => a - b);
      let n = 0;
      let lo = 0;
      for (let hi = 0; hi < t.length; hi++) {
        while (t[hi]! - t[lo]! >= perMs) lo++;
        if (hi - lo + 1 > max) n++;
      }
      return n;
    };
    const byChat = new Map<string, number[]>();
    for (const s of sends) byChat.set(s.chatId, [...(byChat.get(s.chatId) ?? []), s.at]);
    let perChat = 0;
    let perGroup = 0;
    for (const [chat, times] of byChat) {
      perChat += over(times, 1000, 1);
      if (chat.startsWith('-')) perGroup += over(times, 60_000, 20);
    }
    return { overall: over(sends.map((s) => s.at), 1000, 30), perChat, perGroup };
  }

  /** Stores a file the bot can fetch with getFile + download. */
  addFile(data: Buffer, opts: { path?: string } = {}): { file_id: string; file_unique_id: string; file_size: number; file_path: string } {
    const n = this.nextFile++;
    const file_id = `FILE${n}`;
    const path = opts.path ?? `documents/file_${n}.bin`;
    this.files.set(file_id, { data, path });
    return { file_id, file_unique_id: `U${n}`, file_size: data.length, file_path: path };
  }

  /** The first sent message matching `pred`, waiting up to `timeoutMs` for it. */
  async waitForSent(pred: (m: SentMessage) => boolean, timeoutMs = 5000): Promise<SentMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.sent.find(pred);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message sent within ${timeoutMs} ms; sent: ${JSON.stringify(this.sent.map((s) => s.text ?? s.document?.filename))}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.sentWaiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.sentWaiters.add(wake);
      });
    }
  }

  async stop(): Promise<void> {
    for (const wake of this.pollWaiters) wake();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private reply(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
  private ok(res: ServerResponse, result: unknown): void {
    this.reply(res, 200, { ok: true, result });
  }
  private fail(res: ServerResponse, code: number, description: string): void {
    this.reply(res, code, { ok: false, error_code: code, description });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const fileMatch = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (fileMatch) {
      if (fileMatch[1] !== this.token) return this.fail(res, 401, 'Unauthorized');
      const path = decodeURIComponent(fileMatch[2] ?? '');
      const file = [...this.files.values()].find((f) => f.path === path);
      if (!file) return this.fail(res, 404, 'Not Found');
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(file.data.length) });
      res.end(file.data);
      return;
    }
    const match = /^\/bot([^/]+)\/(\w+)$/.exec(url.pathname);
    if (!match) return this.fail(res, 404, 'Not Found');
    if (match[1] !== this.token) return this.fail(res, 401, 'Unauthorized');
    const method = match[2] ?? '';
    // A send counts from when its request arrived (reading the body takes event-loop turns).
    const arrivedAt = Date.now();
    const params = await readParams(req, url);
    this.calls.push({ method, params });
    const failure = this.failures.findIndex((f) => f.method === method);
    if (failure >= 0) {
      const [f] = this.failures.splice(failure, 1);
      return this.reply(res, f!.code, { ok: false, error_code: f!.code, description: f!.description, ...(f!.retryAfter !== undefined ? { parameters: { retry_after: f!.retryAfter } } : {}) });
    }

    switch (method) {
      case 'getMe':
        return this.ok(res, { ...this.bot, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false });
      case 'deleteWebhook':
        this.webhook = undefined;
        return this.ok(res, true);
      case 'setWebhook':
        this.webhook = { url: String(params.url ?? ''), secret_token: params.secret_token === undefined ? undefined : String(params.secret_token) };
        return this.ok(res, true);
      case 'getUpdates':
        return this.ok(res, await this.getUpdates(params));
      case 'answerCallbackQuery':
        return this.ok(res, true);
      case 'getFile': {
        const id = String(params.file_id ?? '');
        const file = this.files.get(id);
        if (!file) return this.fail(res, 400, 'Bad Request: invalid file_id');
        return this.ok(res, { file_id: id, file_unique_id: `U${id}`, file_size: file.data.length, file_path: file.path });
      }
      case 'sendMessage':
      case 'sendDocument': {
        const chatId = String(params.chat_id ?? '');
        if (this.removed.has(chatId)) {
          this.refused.push({ chatId, code: 403, at: Date.now() });
          return this.fail(res, 403, 'Forbidden: bot was kicked from the group chat');
        }
        if (this.flood && ++this.flood.count % this.flood.every === 0) {
          this.refused.push({ chatId, code: 429, at: Date.now() });
          return this.reply(res, 429, { ok: false, error_code: 429, description: `Too Many Requests: retry after ${this.flood.retryAfter}`, parameters: { retry_after: this.flood.retryAfter } });
        }
        const result = this.recordSend(method, params, arrivedAt);
        if (this.responseDelayMs > 0) {
          this.inflight++;
          await new Promise((r) => setTimeout(r, this.responseDelayMs));
          this.inflight--;
        }
        return this.ok(res, result);
      }
      default:
        return this.fail(res, 404, 'Not Found: method not found');
    }
  }

  private async getUpdates(params: Record<string, unknown>): Promise<unknown[]> {
    const offset = Number(params.offset ?? 0);
    const limit = Math.min(100, Number(params.limit ?? 100) || 100);
    const timeoutMs = Math.min(1, Number(params.timeout ?? 0)) * 1000;
    if (offset > 0) {
      // Like Telegram: an offset confirms (and forgets) every earlier update.
      this.confirmedOffset = Math.max(this.confirmedOffset, offset);
      this.updates = this.updates.filter((u) => u.update_id >= offset);
    }
    const pending = () => this.updates.filter((u) => u.update_id >= offset).slice(0, limit);
    if (pending().length === 0 && timeoutMs > 0) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.pollWaiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, timeoutMs);
        this.pollWaiters.add(wake);
      });
    }
    return pending();
  }

  private recordSend(method: string, params: Record<string, unknown>, at = Date.now()): unknown {
    const chatId = String(params.chat_id ?? '');
    const replyParams = parseMaybeJson(params.reply_parameters) as { message_id?: number } | undefined;
    const replyTo = replyParams?.message_id ?? (params.reply_to_message_id === undefined ? undefined : Number(params.reply_to_message_id));
    const doc = params.document instanceof FileUpload ? params.document : undefined;
    const entry: SentMessage = {
      method,
      chatId,
      messageId: this.nextMessageId++,
      text: typeof params.text === 'string' ? params.text : undefined,
      caption: typeof params.caption === 'string' ? params.caption : undefined,
      replyToMessageId: replyTo === undefined ? undefined : Number(replyTo),
      replyMarkup: parseMaybeJson(params.reply_markup),
      entities: parseMaybeJson(params.entities),
      document: doc && { filename: doc.filename, size: doc.data.length, mimeType: doc.mimeType, data: doc.data },
      at,
    };
    this.sent.push(entry);
    for (const wake of this.sentWaiters) wake();
    const chat = this.chats.get(chatId) ?? { id: Number(chatId), type: 'private' as const };
    return {
      message_id: entry.messageId,
      date: Math.floor(entry.at / 1000),
      chat,
      from: this.bot,
      ...(entry.text !== undefined ? { text: entry.text } : {}),
      ...(entry.document ? { document: { file_id: `SENT${entry.messageId}`, file_unique_id: `S${entry.messageId}`, file_name: entry.document.filename } } : {}),
    };
  }
}

/** A file part of a multipart request. */
export class FileUpload {
  constructor(
    readonly filename: string,
    readonly mimeType: string,
    readonly data: Buffer,
  ) {}
}

function parseMaybeJson(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

async function readParams(req: IncomingMessage, url: URL): Promise<Record<string, unknown>> {
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  if (body.length === 0) return params;
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('application/json')) return { ...params, ...(JSON.parse(body.toString('utf8')) as Record<string, unknown>) };
  if (type.startsWith('multipart/form-data')) {
    // undici (Node's fetch) parses multipart bodies for us.
    const form = await new Response(body, { headers: { 'content-type': type } }).formData();
    for (const [key, value] of form.entries()) {
      if (typeof value === 'string') params[key] = value;
      else params[key] = new FileUpload(value.name, value.type, Buffer.from(await value.arrayBuffer()));
    }
    return params;
  }
  if (type.startsWith('application/x-www-form-urlencoded')) return { ...params, ...Object.fromEntries(new URLSearchParams(body.toString('utf8'))) };
  return params;
}
