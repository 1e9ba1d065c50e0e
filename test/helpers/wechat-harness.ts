/**
 * WeChat test harness: a real redis-server, the real engine and startWechat() on wechaty with
 * wechaty-puppet-mock. Use it to run transcripts through WeChat.
 *
 *   const h = await startWechatHarness({ env?, sendIntervalMs?, outboxIntervalMs?, backoff?, login? })
 *   await h.say(contactName, text, { room?, mention? })  → string[]  texts the bot sent back in that conversation
 *        room: a room topic (created on first use, ids contain "@"); mention: a real @mention of the bot
 *        (mentionIdList + "@工会小助手\u2005" in the text, as WeChat sends it).
 *        Room replies start with "@<contactName> " (the bot @mentions the asker).
 *   await h.sendFile(contactName, { name, data }, { room?, mention? })  → string[]  (.jpg/.png → Image, .pdf/.txt/.doc → Attachment)
 *   await h.push(payload)  → SentWechat[]  a raw message payload (see test/fixtures/wechat) in, the bot's sends out
 *   h.contact(name) / h.room(topic)  the mock ContactMock / RoomMock (created on first use)
 *   h.sent  every message the bot sent: { id, conversationId, roomId?, toContactId?, text?, fileName?, at }
 *   h.waitForSent(pred, ms?)  the first bot message matching pred (past or future)
 *   h.mocker, h.puppet, h.botContact, h.engine, h.channel
 *   await h.login()  log the bot in (done at start unless login: false);  await h.stop()
 *   h.requestFriendship(contactName, hello)  a friend request from that contact; h.acceptedFriendships  ids the bot accepted
 *
 * `say` waits until the adapter has handled the message (replies sent or message dropped): an empty
 * array means the bot stayed silent. Sends are paced by the adapter's queue (sendIntervalMs, default 20 ms here).
 */
import { FileBox } from 'file-box';
import { PuppetMock, mock } from 'wechaty-puppet-mock';
import { types } from 'wechaty-puppet';
import { createEngine, type Engine } from '../../src/app/engine.ts';
import { loadConfig } from '../../src/core/config.ts';
import { createLogger } from '../../src/core/logger.ts';
import { startWechat, type WechatChannel } from '../../src/channels/wechat/index.ts';
import type { BackoffOptions } from '../../src/channels/backoff.ts';
import { startRedis } from './redis.ts';

export const BOT_NAME = '工会小助手';

export interface SentWechat {
  id: string;
  conversationId: string;
  roomId?: string;
  toContactId?: string;
  text?: string;
  fileName?: string;
  at: number;
}

export interface WechatSayOptions {
  /** Room topic; the room is created on first use. */
  room?: string;
  /** @mention the bot. */
  mention?: boolean;
}

type Payload = Record<string, unknown> & { id: string };

export interface WechatHarness {
  mocker: mock.Mocker;
  puppet: PuppetMock;
  botContact: mock.ContactMock;
  engine: Engine;
  channel: WechatChannel;
  sent: SentWechat[];
  contact(name: string): mock.ContactMock;
  room(topic: string): mock.RoomMock;
  say(contactName: string, text: string, opts?: WechatSayOptions): Promise<string[]>;
  sendFile(contactName: string, file: { name: string; data: Buffer }, opts?: WechatSayOptions): Promise<string[]>;
  push(payload: Record<string, unknown>): Promise<SentWechat[]>;
  waitForSent(pred: (m: SentWechat) => boolean, timeoutMs?: number): Promise<SentWechat>;
  login(): Promise<void>;
  /** A friend request with this hello message; returns its id. */
  requestFriendship(contactName: string, hello: string): Promise<string>;
  acceptedFriendships: string[];
  waitForState(state: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startWechatHarness(
  opts: { env?: Record<string, string>; sendIntervalMs?: number; outboxIntervalMs?: number; backoff?: BackoffOptions; login?: boolean } = {},
): Promise<WechatHarness> {
  const redis = await startRedis();
  const cleanups: (() => Promise<void>)[] = [() => redis.stop()];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  };
  try {
    const config = loadConfig({
      ...process.env,
      NODE_ENV: 'test',
      REDIS_URL: redis.url,
      LOG_LEVEL: 'silent',
      WARM_UP_PASSES: '0',
      ...(process.env.KNOWLEDGE_STATUTES_DIR ? { KNOWLEDGE_STATUTES_DIR: process.env.KNOWLEDGE_STATUTES_DIR } : {}),
      TELEGRAM_BOT_TOKEN: '',
      WECHATY_PUPPET: 'wechaty-puppet-mock',
      ...opts.env,
    });
    const engine = await createEngine(config, createLogger('silent'));
    cleanups.push(() => engine.close());

    const mocker = new mock.Mocker();
    const puppet = new PuppetMock({ mocker });
    const botContact = mocker.createContact({ name: BOT_NAME });
    const contacts = new Map<string, mock.ContactMock>();
    const rooms = new Map<string, mock.RoomMock>();
    const sent: SentWechat[] = [];
    const sentWaiters = new Set<() => void>();
    const injected = new Set<string>(); // payloads pushed by the test, not sent by the bot
    const acceptedFriendships: string[] = [];
    puppet.friendshipAccept = async (id: string) => {
      acceptedFriendships.push(id);
    };

    // Every message the bot sends comes back from the mock as a puppet 'message' event.
    puppet.on('message', ({ messageId }) => {
      const p = mocker.messagePayload(messageId) as unknown as Payload & { talkerId?: string; roomId?: string; listenerId?: string; text?: string };
      if (p.talkerId !== botContact.id || injected.has(messageId)) return;
      const file = mocker.cacheFileBoxPayload.get(messageId) as { name?: string } | undefined;
      sent.push({
        id: p.id,
        conversationId: p.roomId ?? p.listenerId ?? '',
        roomId: p.roomId,
        toContactId: p.roomId ? undefined : p.listenerId,
        text: file ? undefined : p.text,
        fileName: file?.name,
        at: Date.now(),
      });
      for (const wake of sentWaiters) wake();
    });

    const channel = await startWechat(engine, {
      puppet,
      sendIntervalMs: opts.sendIntervalMs ?? 20,
      // Tests do not wait WeChat's real 20 s between notifications.
      pacing: { platform: [{ count: 1, perMs: opts.outboxIntervalMs ?? 50 }] },
      delivery: { pollMs: 50 },
      backoff: opts.backoff ?? { baseMs: 20, maxMs: 200 },
      printQr: false,
    });
    cleanups.push(() => channel.stop());

    const handled = new Set<string>();
    const handledWaiters = new Map<string, () => void>();
    channel.onHandled((id) => {
      handled.add(id);
      handledWaiters.get(id)?.();
    });
    const waitHandled = (id: string, timeoutMs = 15_000) =>
      new Promise<void>((resolve, reject) => {
        if (handled.has(id)) return resolve();
        const timer = setTimeout(() => reject(new Error(`message ${id} not handled within ${timeoutMs} ms`)), timeoutMs);
        handledWaiters.set(id, () => {
          clearTimeout(timer);
          handledWaiters.delete(id);
          resolve();
        });
      });

    const waitFor = async (cond: () => boolean, what: string, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      while (!cond()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };

    const contact = (name: string) => {
      let c = contacts.get(name);
      if (!c) {
        c = mocker.createContact({ name });
        contacts.set(name, c);
      }
      return c;
    };
    const room = (topic: string) => {
      let r = rooms.get(topic);
      if (!r) {
        r = mocker.createRoom({ topic, memberIdList: [botContact.id] });
        rooms.set(topic, r);
      }
      return r;
    };
    const lastMessageId = () => [...mocker.cacheMessagePayload.keys()].at(-1) ?? '';

    /** Sends `something` from a contact and returns the bot's messages in that conversation. */
    const speak = async (name: string, something: string | FileBox, o: WechatSayOptions): Promise<SentWechat[]> => {
      const c = contact(name);
      const r = o.room ? room(o.room) : undefined;
      const before = sent.length;
      const said = typeof something === 'string' && o.mention && r ? `@${BOT_NAME}\u2005${something}` : something;
      c.say(said, o.mention && r ? [botContact] : []).to(r ?? botContact);
      await waitHandled(lastMessageId());
      return sent.slice(before).filter((s) => (r ? s.roomId === r.id : s.toContactId === c.id));
    };
    const texts = (list: SentWechat[]) => list.map((s) => s.text ?? `[file] ${s.fileName ?? ''}`);

    const harness: WechatHarness = {
      mocker,
      puppet,
      botContact,
      engine,
      channel,
      sent,
      contact,
      room,
      async say(name, text, o = {}) {
        return texts(await speak(name, text, o));
      },
      async sendFile(name, file, o = {}) {
        // The mock can only serialize base64 (not buffer) file boxes.
        const box = FileBox.fromBase64(file.data.toString('base64'), file.name);
        // The mock types a message as Attachment only from the extension when the media type is generic.
        if (!box.mediaType.startsWith('image/')) Object.assign(box, { _mediaType: 'application/octet-stream' });
        return texts(await speak(name, box, o));
      },
      async push(payload) {
        const id = typeof payload.id === 'string' ? payload.id : `fixture${Date.now()}${Math.floor(Math.random() * 1e6)}`;
        const before = sent.length;
        injected.add(id);
        mocker.MessageMock.create({ ...payload, id } as unknown as ConstructorParameters<typeof mock.MessageMock>[0]);
        puppet.emit('message', { messageId: id });
        await waitHandled(id);
        return sent.slice(before);
      },
      async waitForSent(pred, timeoutMs = 5000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const found = sent.find(pred);
          if (found) return found;
          const left = deadline - Date.now();
          if (left <= 0) throw new Error(`no matching WeChat message within ${timeoutMs} ms; sent: ${JSON.stringify(sent.map((s) => s.text ?? s.fileName))}`);
          await new Promise<void>((resolve) => {
            const wake = () => {
              clearTimeout(timer);
              sentWaiters.delete(wake);
              resolve();
            };
            const timer = setTimeout(wake, left);
            sentWaiters.add(wake);
          });
        }
      },
      async login() {
        mocker.login(botContact);
        await waitFor(() => channel.status().state === 'logged-in', 'login');
      },
      acceptedFriendships,
      async requestFriendship(name, hello) {
        const id = `friendship-${name}-${Date.now()}`;
        await puppet.friendshipPayload(id, { id, contactId: contact(name).id, hello, type: types.Friendship.Receive, timestamp: Date.now(), ticket: '' });
        puppet.emit('friendship', { friendshipId: id });
        return id;
      },
      async waitForState(state, timeoutMs = 5000) {
        await waitFor(() => channel.status().state === state, `state ${state} (now ${String(channel.status().state)})`, timeoutMs);
      },
      stop: cleanup,
    };
    if (opts.login !== false) await harness.login();
    return harness;
  } catch (err) {
    await cleanup();
    throw err;
  }
}
