/**
 * The same transcripts through every real channel: one `TestChannel` per platform wraps its harness and
 * is a `ChatPaths` (transcript.ts), so the transcripts of the in-process harness run unchanged on the web API,
 * Telegram and WeChat.
 *
 *   const ch = await startWebChannel(env) | startTelegramChannel(env) | startWechatChannel(env, { privileged })
 *   webClient(url)          the same paths against any running bot's web API (e.g. startBotProcess)
 *   ch.dm(who)              the member `who` in their private chat with the bot
 *   ch.group(who, group)    `who` writing in a group chat (no @mention; pass { mention: true } for one)
 *   ch.identity(who)        "platform:userId" for BOT_ADMINS / BOT_STAFF (known before start: see below)
 *   ch.groupAddress(group)  "platform:chatId" of a group, as staff type it in /newevent
 *   await ch.notification(who, match)        a later message (outbox) in who's private chat, matching `match`
 *   await ch.groupNotification(group, match) the same for a group chat
 *   ch.engine, await ch.stop()
 *
 * Identities: web user ids are the names themselves; Telegram user ids are a stable hash of the name
 * (`telegramUserId`); WeChat contacts of the mock puppet get random ids, so people who need a role are
 * listed as `privileged` and created up front with the id `wxid_<name>` (they talk through raw payloads,
 * everyone else through the harness's say/sendFile).
 * Replies come back as `Reply[]`; files the bot sent carry their bytes (web: downloaded from the file URL).
 */
import { FileBox } from 'file-box';
import { expect } from 'vitest';
import { startChannels, type RunningApp } from '../../src/channels/index.ts';
import type { InboundAttachment, Reply } from '../../src/core/message.ts';
import type { Engine } from '../../src/app/engine.ts';
import type { Logger } from 'pino';
import { textOf, type ChatPath, type ChatPaths } from './transcript.ts';
import { startTestEngine } from './engine.ts';
import type { SentMessage } from './fake-telegram.ts';
import { startTelegramHarness, type TelegramHarness } from './telegram-harness.ts';
import { startWechatHarness, type SentWechat, type WechatHarness } from './wechat-harness.ts';

/** ChatPaths plus the harness they run on. */
export interface TestChannel extends ChatPaths {
  engine: Engine;
  stop(): Promise<void>;
}

const matches = (text: string, m: string | RegExp) => (typeof m === 'string' ? text.includes(m) : m.test(text));

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (const ch of Buffer.from(s)) h = Math.imul(h ^ ch, 0x01000193) >>> 0;
  return h;
}
/** Stable Telegram user id for a name. */
export const telegramUserId = (who: string) => 100_000 + (fnv1a(who) % 900_000_000);
/** Stable Telegram supergroup id for a group name. */
export const telegramGroupId = (group: string) => -1_001_000_000_000 - (fnv1a(group) % 1_000_000_000);
/** WeChat contact id of a privileged person (see startWechatChannel). */
export const wechatPrivilegedId = (who: string) => `wxid_${who}`;

async function poll<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await fn();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---------------------------------------------------------------- web

type WireReply = { text?: string; choices?: string[]; file?: { name: string; mimeType: string; url: string } };

/** A client of the web chat API at `url` (any running bot: an in-process engine or the real process). */
export function webClient(url: string): ChatPaths {
  const inbox = new Map<string, WireReply[]>();
  const toReplies = async (wire: WireReply[]): Promise<Reply[]> =>
    Promise.all(
      wire.map(async (r) => {
        if (!r.file) return { text: r.text, choices: r.choices };
        const res = await fetch(`${url}${r.file.url}`);
        expect(res.status, `download ${r.file.url}`).toBe(200);
        const data = Buffer.from(await res.arrayBuffer());
        return { text: r.text, choices: r.choices, file: { name: r.file.name, mimeType: r.file.mimeType, data } };
      }),
    );
  const post = async (body: Record<string, unknown>, files: InboundAttachment[] = []): Promise<Reply[]> => {
    const res = await fetch(`${url}/api/web/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        ...body,
        ...(files.length ? { attachments: files.map((f) => ({ name: f.name, mimeType: f.mimeType, dataBase64: f.data.toString('base64') })) } : {}),
      }),
    });
    const json = (await res.json()) as { replies?: WireReply[]; error?: string };
    if (res.status !== 200 || !json.replies) throw new Error(`web api answered ${res.status}: ${json.error ?? ''}`);
    return toReplies(json.replies);
  };
  /** Drains the web inbox of a chat into a local buffer, then searches it. */
  const fromInbox = (chatId: string, match: string | RegExp, timeoutMs: number) =>
    poll(`web notification to ${chatId} matching ${String(match)}`, timeoutMs, async () => {
      const res = await fetch(`${url}/api/web/messages?chatId=${encodeURIComponent(chatId)}`);
      const items = ((await res.json()) as { items: Array<{ id: string; replies: WireReply[] }> }).items;
      // Acknowledged as the page does once it has shown them; kept here until a test looks for them.
      if (items.length) {
        const ack = await fetch(`${url}/api/web/messages/ack`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ chatId, ids: items.map((i) => i.id) }) });
        expect(ack.status).toBe(200);
      }
      const buf = [...(inbox.get(chatId) ?? []), ...items.flatMap((i) => i.replies)];
      inbox.set(chatId, buf);
      const i = buf.findIndex((r) => matches(textOf([{ text: r.text, choices: r.choices }]), match));
      if (i < 0) return undefined;
      const [hit] = buf.splice(i, 1);
      return hit?.text ?? '';
    });
  return {
    platform: 'web',
    dm: (who) => ({ say: (text, files) => post({ userId: who, displayName: who, chatType: 'private', text }, files) }),
    group: (who, group, o = {}) => ({
      say: (text, files) => post({ userId: who, displayName: who, chatId: group, chatType: 'group', text, mentionsBot: o.mention ?? false }, files),
    }),
    identity: (who) => `web:${who}`,
    groupAddress: (group) => `web:${group}`,
    notification: (who, match, timeoutMs = 5000) => fromInbox(who, match, timeoutMs),
    groupNotification: (group, match, timeoutMs = 5000) => fromInbox(group, match, timeoutMs),
  };
}

/** The web chat API of the real engine (startChannels), on a fresh redis-server. */
export async function startWebChannel(env: Record<string, string>, opts: { logger?: Logger } = {}): Promise<TestChannel & { url: string; app: RunningApp }> {
  const te = await startTestEngine(env, opts);
  const app = await startChannels(te.engine).catch(async (err: unknown) => {
    await te.stop();
    throw err;
  });
  return {
    ...webClient(app.url),
    engine: te.engine,
    url: app.url,
    app,
    async stop() {
      await app.stop();
      await te.stop();
    },
  };
}

// ---------------------------------------------------------------- telegram

/** The Telegram channel (fake Bot API server, long polling) of the real engine. */
export async function startTelegramChannel(env: Record<string, string>): Promise<TestChannel & { h: TelegramHarness }> {
  const h = await startTelegramHarness({ env });
  const toReplies = (sent: SentMessage[]): Reply[] =>
    sent.map((s) =>
      s.method === 'sendDocument' && s.document ? { text: s.caption, file: { name: s.document.filename, mimeType: s.document.mimeType, data: s.document.data } } : { text: s.text ?? s.caption },
    );
  const chatOf = (who: string, group?: string) =>
    group ? { id: telegramGroupId(group), type: 'supergroup' as const, title: group } : { id: telegramUserId(who), type: 'private' as const };
  const path = (who: string, group?: string, mention = false): ChatPath => ({
    async say(text, files = []) {
      const chat = chatOf(who, group);
      const opts = { chat, name: who, mention };
      const before = h.tg.sent.length;
      if (files.length === 0) await h.say(telegramUserId(who), text, opts);
      for (const [i, f] of files.entries()) {
        // JPEGs go as photos (what phones send), everything else as documents.
        const photo = f.mimeType === 'image/jpeg';
        await h.sendFile(telegramUserId(who), { name: f.name, data: f.data, mimeType: f.mimeType, photo, caption: i === 0 && text ? text : undefined }, opts);
      }
      return toReplies(h.tg.sent.slice(before).filter((s) => s.chatId === String(chat.id)));
    },
  });
  const waitIn = async (chatId: number, match: string | RegExp, timeoutMs: number) =>
    (await h.tg.waitForSent((s) => s.chatId === String(chatId) && matches(s.text ?? '', match), timeoutMs)).text ?? '';
  return {
    platform: 'telegram',
    engine: h.engine,
    h,
    dm: (who) => path(who),
    group: (who, group, o = {}) => path(who, group, o.mention),
    identity: (who) => `telegram:${telegramUserId(who)}`,
    groupAddress: (group) => `telegram:${telegramGroupId(group)}`,
    notification: (who, match, timeoutMs = 5000) => waitIn(telegramUserId(who), match, timeoutMs),
    groupNotification: (group, match, timeoutMs = 5000) => waitIn(telegramGroupId(group), match, timeoutMs),
    stop: () => h.stop(),
  };
}

// ---------------------------------------------------------------- wechat

/**
 * The WeChat channel (wechaty + mock puppet) of the real engine. `privileged` names get the contact id
 * `wxid_<name>` (use `ch.identity(name)` in BOT_ADMINS / BOT_STAFF) and send text as raw payloads.
 */
export async function startWechatChannel(env: Record<string, string>, opts: { privileged?: string[] } = {}): Promise<TestChannel & { h: WechatHarness }> {
  const privileged = new Set(opts.privileged ?? []);
  const h = await startWechatHarness({ env });
  for (const who of privileged) h.mocker.createContact({ id: wechatPrivilegedId(who), name: who });
  const contactId = (who: string) => (privileged.has(who) ? wechatPrivilegedId(who) : h.contact(who).id);
  const toReplies = async (sent: SentWechat[]): Promise<Reply[]> =>
    Promise.all(
      sent.map(async (s): Promise<Reply> => {
        if (s.fileName === undefined) return { text: s.text };
        // The mock keeps what the bot sent as a FileBox JSON.
        const json = h.mocker.cacheFileBoxPayload.get(s.id) as Parameters<typeof FileBox.fromJSON>[0] | undefined;
        const box = json ? FileBox.fromJSON(json) : undefined;
        return { file: { name: s.fileName, mimeType: box?.mediaType ?? '', data: box ? await box.toBuffer() : Buffer.alloc(0) } };
      }),
    );
  const path = (who: string, room?: string, mention = false): ChatPath => ({
    async say(text, files = []) {
      const r = room ? h.room(room) : undefined;
      if (privileged.has(who)) {
        if (files.length) throw new Error('privileged WeChat people send text only');
        const sent = await h.push({
          talkerId: wechatPrivilegedId(who),
          ...(r ? { roomId: r.id } : { listenerId: h.botContact.id }),
          timestamp: Date.now(),
          type: 7, // Text
          text,
        });
        return toReplies(sent.filter((s) => (r ? s.roomId === r.id : s.toContactId === wechatPrivilegedId(who))));
      }
      const o = { room, mention };
      const before = h.sent.length;
      // WeChat sends text and files as separate messages.
      if (text || files.length === 0) await h.say(who, text, o);
      for (const f of files) await h.sendFile(who, { name: f.name, data: f.data }, o);
      const c = h.contact(who);
      return toReplies(h.sent.slice(before).filter((s) => (r ? s.roomId === r.id : s.toContactId === c.id)));
    },
  });
  const waitFor = async (pred: (s: SentWechat) => boolean, match: string | RegExp, timeoutMs: number) =>
    (await h.waitForSent((s) => pred(s) && matches(s.text ?? '', match), timeoutMs)).text ?? '';
  return {
    platform: 'wechat',
    engine: h.engine,
    h,
    dm: (who) => path(who),
    group: (who, group, o = {}) => path(who, group, o.mention),
    identity: (who) => `wechat:${contactId(who)}`,
    groupAddress: (group) => `wechat:${h.room(group).id}`,
    notification: (who, match, timeoutMs = 5000) => waitFor((s) => s.toContactId === contactId(who), match, timeoutMs),
    groupNotification: (group, match, timeoutMs = 5000) => waitFor((s) => s.roomId === h.room(group).id, match, timeoutMs),
    stop: () => h.stop(),
  };
}

// ---------------------------------------------------------------- event transcripts
