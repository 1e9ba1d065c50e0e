/**
 * 微信客服 (WeChat customer service of a WeCom corp): any WeChat user can write without installing WeCom.
 * The callback at /wxkf/callback only signals that messages wait; the bot pulls them with kf/sync_msg from
 * the stored next_cursor. Each page of messages and the cursor that follows it are written to Redis in
 * one step, so no message is lost or pulled twice across crashes and restarts; one process pulls at a
 * time, and a signal that arrives meanwhile makes it pull once more. Messages are then handled in order
 * per customer (the inbox). Replies go through kf/send_msg, which WeChat allows for 48 hours and 5
 * messages after the customer's last message; when that window has closed, a handoff ticket tells staff.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Engine } from '../../app/engine.ts';
import { LuaScript } from '../../core/lua.ts';
import { newRequestId } from '../../core/logger.ts';
import { CORE_TEXT } from '../../core/texts.ts';
import { randomUUID } from 'node:crypto';
import { receive, startDelivery, type Channel, type ChannelPort } from '../channel.ts';
import { ApiError, OfficialApi } from '../wecom/api.ts';
import { registerCallback } from '../wecom/callback.ts';
import { CallbackCrypto } from '../wecom/crypto.ts';
import { classify, wecomTokenFetcher } from '../wecom/index.ts';
import { Inbox } from '../wecom/inbox.ts';
import { channelCipher, SealedValues } from '../wecom/sealed.ts';
import { jobFile, mediaType, repliesToJobs, type OfficialJob } from '../wecom/jobs.ts';
import { IN_ORDER, RecipientQueue, sentByPlatform, type DeliveryResult } from '../wecom/outqueue.ts';
import { OFFICIAL_TEXT } from '../wecom/texts.ts';
import { SharedToken } from '../wecom/token.ts';

export const WXKF_CALLBACK_PATH = '/wxkf/callback';
/** WeChat lets the bot answer this long after the customer's last message … */
export const KF_WINDOW_MS = 48 * 3600_000;
/** … with at most this many messages. */
export const KF_WINDOW_MESSAGES = 5;
/** send_msg errcodes meaning the window has closed (too late, or too many messages). */
const WINDOW_CLOSED = new Set([95018, 95026]);
const PULL_LEASE_MS = 60_000;
/** The callback's Token lets sync_msg pull at a higher rate; it is valid for 10 minutes. */
const CALLBACK_TOKEN_SECONDS = 9 * 60;

const syncSchema = z.object({
  errcode: z.number().optional(),
  next_cursor: z.string().max(1024).default(''),
  has_more: z.union([z.number(), z.boolean()]).default(0),
  msg_list: z
    .array(
      z.looseObject({
        msgid: z.string().min(1).max(128),
        open_kfid: z.string().max(128).default(''),
        external_userid: z.string().max(128).optional(),
        send_time: z.number(),
        origin: z.number(),
        msgtype: z.string().max(32),
        text: z.object({ content: z.string().max(20_000) }).optional(),
        image: z.object({ media_id: z.string().max(512) }).optional(),
        file: z.object({ media_id: z.string().max(512) }).optional(),
        event: z.looseObject({ event_type: z.string().max(64), welcome_code: z.string().max(256).optional(), external_userid: z.string().max(128).optional() }).optional(),
      }),
    )
    .default([]),
});

const inboxSchema = z.object({
  id: z.string(),
  from: z.string().min(1),
  kfid: z.string(),
  at: z.number(),
  type: z.string(),
  text: z.string().optional(),
  mediaId: z.string().optional(),
  /** enter_session: the code that lets the bot greet the customer once (valid 20 s). */
  welcomeCode: z.string().optional(),
});
type InboxMessage = z.infer<typeof inboxSchema>;

const callbackSchema = z.looseObject({
  MsgType: z.string(),
  Event: z.string().optional(),
  Token: z.string().max(256).optional(),
  OpenKfId: z.string().max(128).optional(),
});

/** Messages from the customer (origin 3); system events and staff's own messages only move the cursor. */
const FROM_CUSTOMER = 3;

// KEYS: window. ARGV: customer message time, kfid, ttl ms. A customer message reopens the window (send times are
// whole seconds: one sent in the same second as the last counts as newer, like a message WeChat just delivered).
const OPEN_WINDOW = new LuaScript(`
local at = tonumber(redis.call('hget', KEYS[1], 'at') or '0')
if tonumber(ARGV[1]) >= at then redis.call('hset', KEYS[1], 'at', ARGV[1], 'sent', 0) end
redis.call('hset', KEYS[1], 'kfid', ARGV[2])
redis.call('pexpire', KEYS[1], ARGV[3])
return 1`);
// KEYS: window. ARGV: now, window ms, max messages. → {1, kfid} and the send counted, or {0, at} when closed.
const TAKE_WINDOW = new LuaScript(`
local at = tonumber(redis.call('hget', KEYS[1], 'at') or '0')
local kfid = redis.call('hget', KEYS[1], 'kfid') or ''
if at == 0 or tonumber(ARGV[1]) - at > tonumber(ARGV[2]) then return {0, tostring(at)} end
local sent = redis.call('hincrby', KEYS[1], 'sent', 1)
if sent > tonumber(ARGV[3]) then return {0, tostring(at)} end
return {1, kfid}`);

export interface WxkfChannel extends Channel {
  inbox: Inbox;
  queue: RecipientQueue;
  token: SharedToken;
  /** Pulls now (what a callback does); resolves when the pull, and any it was asked to repeat, is done. */
  pull(): Promise<void>;
}

export async function startWxkf(engine: Engine, http: FastifyInstance): Promise<WxkfChannel> {
  const { config, redis, keys, files } = engine.deps;
  const corpId = config.WXKF_CORP_ID ?? config.WECOM_CORP_ID;
  const secret = config.WXKF_SECRET;
  if (!corpId || !secret || !config.WXKF_TOKEN || !config.WXKF_ENCODING_AES_KEY) throw new Error('微信客服 is not configured (WXKF_*)');
  const log = engine.deps.logger.child({ platform: 'wxkf' });
  const cipher = channelCipher(config, log);
  const sealedName = new SealedValues(cipher, 'wxkf:nickname');
  const now = () => engine.deps.now().getTime();
  // One hash tag for the channel: a pulled page is written with its cursor in one script (the inbox's key space).
  const k = (...parts: string[]) => keys.tagged('wxkf', ...parts);
  const token = new SharedToken(redis, k('token', corpId), k('token', corpId, 'lease'), wecomTokenFetcher(config.WECOM_API_ROOT, corpId, secret), log);
  const api = new OfficialApi(config.WECOM_API_ROOT, token);
  let stopped = false;

  /** The window closed before these replies could go: staff are told through a handoff (once per window). */
  async function handOff(customer: string, windowAt: string, job: OfficialJob): Promise<void> {
    const preview = job.text ? job.text.slice(0, 200) : job.file ? `[${job.file.name}]` : '';
    // One request id for this line and the pipeline's.
    const reqId = newRequestId();
    const outcome = await engine.pipeline.handle({
      platform: 'wxkf', chatId: customer, chatType: 'private', senderId: customer, senderName: await nameOf(customer),
      text: OFFICIAL_TEXT.windowClosedHandoff(preview), mentionsBot: false, repliesToBot: false, attachments: [],
      messageId: `window-closed-${windowAt}`, sentAt: now(), fromSelf: false,
    }, reqId);
    // What the bot would say back cannot reach the customer either.
    log.warn({ reqId, customer, dropped: outcome.dropped }, '微信客服 window closed: replies not delivered, staff alerted by a handoff');
  }

  async function deliver(customer: string, job: OfficialJob): Promise<DeliveryResult> {
    const [open, detail] = (await TAKE_WINDOW.run(redis, [k('window', customer)], [now(), KF_WINDOW_MS, KF_WINDOW_MESSAGES])) as [number, string];
    if (!open) {
      await handOff(customer, detail, job);
      return { drop: 'the 48-hour / 5-message window has closed' };
    }
    const kfid = detail;
    try {
      const base = { touser: customer, open_kfid: kfid, msgid: randomUUID().replace(/-/g, '') };
      if (job.text !== undefined) {
        await api.post('/cgi-bin/kf/send_msg', { ...base, msgtype: 'text', text: { content: job.text } });
      } else if (job.file) {
        const file = await jobFile(job, files);
        if (!file) return { drop: 'the file is no longer available to its viewer' };
        const type = mediaType(file.mimeType);
        const mediaId = await api.upload('/cgi-bin/media/upload', type, file);
        await api.post('/cgi-bin/kf/send_msg', { ...base, msgtype: type, [type]: { media_id: mediaId } });
      }
      return { sent: true };
    } catch (err) {
      if (err instanceof ApiError && err.errcode !== undefined && WINDOW_CLOSED.has(err.errcode)) {
        const at = await redis.hget(k('window', customer), 'at');
        await handOff(customer, at ?? '0', job);
        return { drop: err.message };
      }
      return classify(err);
    }
  }

  const queue = new RecipientQueue(redis, keys, 'wxkf', new SealedValues(cipher, 'wxkf:outqueue'), deliver, [], log, now);

  const port: ChannelPort<string | null> = {
    platform: 'wxkf',
    capabilities: { groups: false, buttons: false, replyWindowMs: KF_WINDOW_MS },
    log,
    async send(customer, replies, inReplyTo) {
      if (customer) await queue.enqueue(customer, repliesToJobs(replies), inReplyTo);
    },
    // Notices and broadcasts: sent from the ledger (its result is the platform's), within the reply window.
    ...sentByPlatform({ pacing: { privateChat: [IN_ORDER] }, refusal: (to) => (to.chatType !== 'private' ? '微信客服 writes to customers only' : undefined), send: deliver, progress: { redis, key: (customer, pieces) => k('parts', customer, cipher.fingerprint(pieces, 'wxkf:parts')) } }),
    fileTooBigText: CORE_TEXT.fileTooBig,
  };

  const download = (m: InboxMessage) => (m.mediaId ? api.mediaAttachment(m.mediaId, (ext) => `${m.type}-${m.id}.${ext}`) : Promise.resolve([]));

  const customerSchema = z.object({ customer_list: z.array(z.looseObject({ external_userid: z.string(), nickname: z.string().max(200).optional() })).default([]) });
  /** The customer's WeChat nickname (for staff), asked once a day; their id when WeChat does not say. */
  async function nameOf(customer: string): Promise<string> {
    const cached = await redis.get(k('name', customer));
    if (cached !== null) {
      try {
        return sealedName.open(cached) || customer;
      } catch {
        // sealed with a key no longer configured: asked again
      }
    }
    let name = '';
    try {
      const result = customerSchema.parse(await api.post('/cgi-bin/kf/customer/batchget', { external_userid_list: [customer], need_enter_session_context: 0 }));
      name = result.customer_list.find((c) => c.external_userid === customer)?.nickname ?? '';
    } catch (err) {
      log.warn({ customer, err: err instanceof Error ? err.message : String(err) }, '微信客服 nickname not available');
    }
    await redis.set(k('name', customer), sealedName.seal(name), 'EX', 86_400);
    return name || customer;
  }

  const inbox = new Inbox(redis, keys, 'wxkf', new SealedValues(cipher, 'wxkf:inbox'), async (body) => {
    const parsed = inboxSchema.safeParse(JSON.parse(body));
    if (!parsed.success) {
      log.error('unreadable inbox entry dropped');
      return;
    }
    const m = parsed.data;
    if (m.type === 'welcome') {
      // A customer opened the chat: greeted once through the event's code (outside the 5-message window).
      await api.post('/cgi-bin/kf/send_msg_on_event', { code: m.welcomeCode, msgtype: 'text', text: { content: OFFICIAL_TEXT.kfWelcome } }).catch((err: unknown) => {
        log.warn({ customer: m.from, err: err instanceof Error ? err.message : String(err) }, '微信客服 welcome not sent');
      });
      return;
    }
    await OPEN_WINDOW.run(redis, [k('window', m.from)], [m.at, m.kfid, KF_WINDOW_MS + 3600_000]);
    if (!['text', 'image', 'file'].includes(m.type)) {
      await port.send(m.from, [{ text: OFFICIAL_TEXT.unsupported }]);
      return;
    }
    await receive(engine, port, {
      msg: {
        platform: 'wxkf', chatId: m.from, chatType: 'private', senderId: m.from, senderName: await nameOf(m.from),
        text: m.text ?? '', mentionsBot: false, repliesToBot: false, attachments: [], messageId: m.id, sentAt: m.at, fromSelf: false,
      },
      target: m.from,
      files: m.mediaId ? () => download(m) : undefined,
      logContext: { msgId: m.id },
    });
  }, log);

  // ---------------------------------------------------------------- pulling

  const pullLease = k('pull', 'lease');
  const pullAgain = k('pull', 'again');
  const cursorKey = (kfid: string) => k('cursor', kfid);
  const RELEASE = new LuaScript(`if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`);

  /** Pulls every waiting page for one kf account, storing each page with its cursor in one step. */
  async function pullAccount(kfid: string): Promise<number> {
    let queued = 0;
    for (;;) {
      const cursor = (await redis.get(cursorKey(kfid))) ?? '';
      const callbackToken = (await redis.get(k('pull', 'token', kfid))) ?? undefined;
      const result = syncSchema.parse(await api.post('/cgi-bin/kf/sync_msg', { cursor, ...(callbackToken ? { token: callbackToken } : {}), limit: 1000, open_kfid: kfid }));
      const welcomes = result.msg_list.flatMap((m) => {
        const customer = m.event?.external_userid ?? m.external_userid;
        if (m.msgtype !== 'event' || m.event?.event_type !== 'enter_session' || !m.event.welcome_code || !customer) return [];
        const entry: InboxMessage = { id: m.msgid, from: customer, kfid: m.open_kfid || kfid, at: m.send_time * 1000, type: 'welcome', welcomeCode: m.event.welcome_code };
        return [{ id: entry.id, member: entry.from, body: JSON.stringify(entry) }];
      });
      const entries = result.msg_list
        .filter((m) => m.origin === FROM_CUSTOMER && m.external_userid)
        .map((m) => {
          const entry: InboxMessage = {
            id: m.msgid, from: m.external_userid!, kfid: m.open_kfid || kfid, at: m.send_time * 1000, type: m.msgtype,
            ...(m.text ? { text: m.text.content } : {}),
            ...(m.image ? { mediaId: m.image.media_id } : m.file ? { mediaId: m.file.media_id } : {}),
          };
          return { id: entry.id, member: entry.from, body: JSON.stringify(entry) };
        });
      queued += await inbox.push([...welcomes, ...entries], result.next_cursor ? { key: cursorKey(kfid), value: result.next_cursor } : undefined);
      if (!result.has_more || !result.next_cursor || result.next_cursor === cursor) return queued;
    }
  }

  /** One process pulls at a time; a signal during a pull is remembered and pulled after it. */
  async function pull(): Promise<void> {
    const owner = randomUUID();
    if (!(await redis.set(pullLease, owner, 'PX', PULL_LEASE_MS, 'NX'))) return;
    try {
      for (let round = 0; round < 20 && !stopped; round++) {
        await redis.del(pullAgain);
        const accounts = await redis.smembers(k('accounts'));
        for (const kfid of accounts) {
          const n = await pullAccount(kfid);
          if (n) log.info({ kfid, queued: n }, '微信客服 messages pulled');
        }
        if (!(await redis.exists(pullAgain))) break;
      }
    } finally {
      await RELEASE.run(redis, [pullLease], [owner]).catch(() => undefined);
    }
    // A signal that arrived after the last check but before the release is pulled now.
    if (!stopped && (await redis.exists(pullAgain))) await pull();
  }

  const pulling = new Set<Promise<void>>();
  const pullSoon = () => {
    if (stopped) return;
    const run = pull()
      .catch((err: unknown) => log.error({ err: err instanceof Error ? err.message : String(err) }, '微信客服 pull failed'))
      .finally(() => pulling.delete(run));
    pulling.add(run);
  };

  registerCallback(http, {
    path: WXKF_CALLBACK_PATH,
    crypto: new CallbackCrypto(config.WXKF_TOKEN, config.WXKF_ENCODING_AES_KEY, corpId),
    log,
    urlCheck: 'encrypted',
    async onMessage(fields) {
      const c = callbackSchema.safeParse(fields);
      if (!c.success || c.data.MsgType !== 'event' || c.data.Event !== 'kf_msg_or_event' || !c.data.OpenKfId) return '';
      const kfid = c.data.OpenKfId;
      // Written before the acknowledgement: the pull (here or in another process, now or after a crash) finds it.
      const batch = redis.multi().sadd(k('accounts'), kfid).set(pullAgain, '1', 'EX', 3600);
      if (c.data.Token) batch.set(k('pull', 'token', kfid), c.data.Token, 'EX', CALLBACK_TOKEN_SECONDS);
      await batch.exec();
      pullSoon();
      return 'success';
    },
  });

  inbox.start();
  queue.start();
  const sender = startDelivery(engine, port, { now });
  // A signal left by a crash (or received by a process that died) is pulled at start and then now and again.
  const sweep = setInterval(() => {
    void redis.exists(pullAgain).then((n) => (n ? pullSoon() : undefined), () => undefined);
  }, 5000);
  pullSoon();
  log.info({ path: WXKF_CALLBACK_PATH }, '微信客服 channel ready');

  return {
    name: 'wxkf',
    inbox,
    queue,
    token,
    pull,
    status: () => ({ state: 'ready', callback: WXKF_CALLBACK_PATH, tokenRefreshes: token.refreshes }),
    async stop() {
      stopped = true;
      clearInterval(sweep);
      await Promise.all(pulling);
      await sender.stop();
      await inbox.stop();
      await queue.stop();
    },
  };
}
