/**
 * The Official Account (公众号) in safe mode (安全模式): followers write to the account; the callback at
 * /wxoa/callback is written to the inbox, then answered passively (an encrypted reply in the HTTP response)
 * when the answer is ready within the 5 seconds WeChat waits. A slower answer gets an empty response and
 * follows as a 客服消息 (message/custom/send), which WeChat allows for 48 hours after the follower's last
 * message. Who answers passively is decided once in Redis (the handler offers the reply, the callback gives
 * up waiting: whichever comes first wins), so any process may handle the message. The access token comes
 * from stable_token and is shared by all processes.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Engine } from '../../app/engine.ts';
import type { Notice, Reply } from '../../core/message.ts';
import type { Config } from '../../core/config.ts';
import { CORE_TEXT } from '../../core/texts.ts';
import { newRequestId } from '../../core/logger.ts';
import { receive, startDelivery, type Channel, type ChannelPort } from '../channel.ts';
import { sleepMs } from '../backoff.ts';
import { ApiError, OfficialApi } from '../wecom/api.ts';
import { registerCallback } from '../wecom/callback.ts';
import { CallbackCrypto } from '../wecom/crypto.ts';
import { classify } from '../wecom/index.ts';
import { Inbox } from '../wecom/inbox.ts';
import { channelCipher, SealedValues } from '../wecom/sealed.ts';
import { jobFile, MAX_TEXT_BYTES, mediaType, repliesToJobs, type OfficialJob } from '../wecom/jobs.ts';
import { IN_ORDER, RecipientQueue, sentByPlatform, type DeliveryResult } from '../wecom/outqueue.ts';
import { OFFICIAL_TEXT } from '../wecom/texts.ts';
import { SharedToken } from '../wecom/token.ts';
import { buildXml } from '../wecom/xml.ts';

export const WXOA_CALLBACK_PATH = '/wxoa/callback';
/** WeChat waits 5 s for the callback's answer; the bot waits this long for a passive reply, then answers empty. */
export const PASSIVE_WAIT_MS = 4000;
/** 客服消息 may be sent this long after the follower's last message. */
export const OA_WINDOW_MS = 48 * 3600_000;
/** custom/send errcode: the 48-hour window has closed (or the follower left). */
const OUT_OF_WINDOW = 45015;
/** A passive slot (and the reply text in it) is forgotten after this; the callback reads it within seconds. */
const SLOT_SECONDS = 60;

const inboxSchema = z.object({
  id: z.string(),
  from: z.string().min(1).max(64),
  to: z.string().max(64),
  at: z.number(),
  type: z.string(),
  text: z.string().max(20_000).optional(),
  mediaId: z.string().max(512).optional(),
});
type InboxMessage = z.infer<typeof inboxSchema>;

const callbackSchema = z.object({
  ToUserName: z.string().max(64),
  FromUserName: z.string().min(1).max(64),
  CreateTime: z.string().regex(/^\d+$/),
  MsgType: z.string().max(32),
  Content: z.string().max(20_000).optional(),
  MsgId: z.string().max(64).optional(),
  MediaId: z.string().max(512).optional(),
  Event: z.string().max(64).optional(),
});

const stableTokenSchema = z.object({ errcode: z.number().optional(), errmsg: z.string().optional(), access_token: z.string().optional(), expires_in: z.number().optional() });

type TemplateSpec = Config['WXOA_TEMPLATES'][string];

/** WeChat caps template values by keyword type (thing1: 20 characters, phrase2: 5, …); a longer value is cut. */
const TEMPLATE_VALUE_MAX: [RegExp, number][] = [[/^thing/, 20], [/^phrase/, 5], [/^(character_string|number|letter|car_number)/, 32], [/^name/, 10]];

export function fillTemplate(key: string, pattern: string, fields: Record<string, string>): string {
  const value = pattern.replace(/\{(\w+)\}/g, (_, name: string) => fields[name] ?? '').trim();
  const max = TEMPLATE_VALUE_MAX.find(([re]) => re.test(key))?.[1] ?? 200;
  const chars = Array.from(value);
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : value || '—';
}

/** Where a reply goes: the follower, and the message whose callback may still answer passively. */
interface OaTarget {
  openid: string;
  passiveFor?: string;
}

export interface OfficialAccountChannel extends Channel {
  inbox: Inbox;
  queue: RecipientQueue;
  token: SharedToken;
}

export async function startOfficialAccount(engine: Engine, http: FastifyInstance): Promise<OfficialAccountChannel> {
  const { config, redis, keys, files } = engine.deps;
  const appId = config.WXOA_APP_ID;
  const appSecret = config.WXOA_APP_SECRET;
  if (!appId || !appSecret || !config.WXOA_TOKEN || !config.WXOA_ENCODING_AES_KEY) throw new Error('the Official Account is not configured (WXOA_*)');
  const log = engine.deps.logger.child({ platform: 'wxoa' });
  const cipher = channelCipher(config, log);
  const sealedPassive = new SealedValues(cipher, 'wxoa:passive');
  const now = () => engine.deps.now().getTime();
  const k = (...parts: string[]) => keys.tagged('wxoa', ...parts);
  const apiRoot = config.WXOA_API_ROOT.replace(/\/+$/, '');
  const crypto = new CallbackCrypto(config.WXOA_TOKEN, config.WXOA_ENCODING_AES_KEY, appId);

  /** stable_token: the same token for every caller until it expires; forced anew only when WeChat refused it. */
  const fetchStableToken = async (refused: string | undefined) => {
    let res: Response;
    try {
      res = await fetch(`${apiRoot}/cgi-bin/stable_token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'client_credential', appid: appId, secret: appSecret, force_refresh: refused !== undefined }),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (err) {
      throw new ApiError('/cgi-bin/stable_token', undefined, err instanceof Error ? err.message : String(err), true);
    }
    const body = stableTokenSchema.safeParse(await res.json().catch(() => null));
    if (!body.success || !body.data.access_token || (body.data.errcode ?? 0) !== 0) {
      throw new ApiError('/cgi-bin/stable_token', body.data?.errcode, body.data?.errmsg ?? `HTTP ${res.status}`, false);
    }
    return { token: body.data.access_token, expiresInSeconds: body.data.expires_in ?? 7200 };
  };
  const token = new SharedToken(redis, k('token', appId), k('token', appId, 'lease'), fetchStableToken, log);
  const api = new OfficialApi(apiRoot, token);

  async function deliver(openid: string, job: OfficialJob): Promise<DeliveryResult> {
    try {
      if (job.text !== undefined) {
        await api.post('/cgi-bin/message/custom/send', { touser: openid, msgtype: 'text', text: { content: job.text } });
      } else if (job.file) {
        const file = await jobFile(job, files);
        if (!file) return { drop: 'the file is no longer available to its viewer' };
        if (mediaType(file.mimeType) === 'image') {
          const mediaId = await api.upload('/cgi-bin/media/upload', 'image', file);
          await api.post('/cgi-bin/message/custom/send', { touser: openid, msgtype: 'image', image: { media_id: mediaId } });
        } else {
          // 客服消息 carry no documents: the follower is told where to read it.
          await api.post('/cgi-bin/message/custom/send', { touser: openid, msgtype: 'text', text: { content: OFFICIAL_TEXT.fileNotSendable(file.name) } });
        }
      }
      return { sent: true };
    } catch (err) {
      if (err instanceof ApiError && err.errcode === OUT_OF_WINDOW) {
        const template = job.notice ? config.WXOA_TEMPLATES[job.notice.kind] : undefined;
        if (job.notice && template) return sendTemplate(openid, job.notice, template);
        await handOff(openid, job);
        return { drop: err.message };
      }
      return classify(err);
    }
  }

  /** An important notice as the union's template message: allowed outside the 48-hour window. */
  async function sendTemplate(openid: string, notice: Notice, template: TemplateSpec): Promise<DeliveryResult> {
    try {
      await api.post('/cgi-bin/message/template/send', {
        touser: openid,
        template_id: template.id,
        ...(template.url ? { url: template.url } : {}),
        data: Object.fromEntries(Object.entries(template.data).map(([key, pattern]) => [key, { value: fillTemplate(key, pattern, notice.fields) }])),
      });
      log.info({ openid, kind: notice.kind }, 'notice sent as a template message (the 48-hour window had closed)');
      return { sent: true };
    } catch (err) {
      return classify(err);
    }
  }

  /** A message that can no longer reach the follower: staff are told through a handoff ticket (once per 48 h window). */
  async function handOff(openid: string, job: OfficialJob): Promise<void> {
    const preview = job.text ? job.text.slice(0, 200) : job.file ? `[${job.file.name}]` : '';
    const last = (await redis.get(k('lastwrote', openid))) ?? '0';
    // One request id for this line and the pipeline's.
    const reqId = newRequestId();
    const outcome = await engine.pipeline.handle({
      platform: 'wxoa', chatId: openid, chatType: 'private', senderId: openid, senderName: openid,
      text: OFFICIAL_TEXT.oaWindowClosedHandoff(preview), mentionsBot: false, repliesToBot: false, attachments: [],
      messageId: `window-closed-${last}`, sentAt: now(), fromSelf: false,
    }, reqId);
    log.warn({ reqId, openid, dropped: outcome.dropped }, 'Official Account: the 48-hour window has closed, message not delivered, staff alerted by a handoff');
  }

  const queue = new RecipientQueue(redis, keys, 'wxoa', new SealedValues(cipher, 'wxoa:outqueue'), deliver, [], log, now);

  /** Offers the replies for the passive answer; true when the callback will carry them. */
  async function offerPassive(msgId: string, replies: Reply[]): Promise<boolean> {
    const jobs = repliesToJobs(replies);
    const only = jobs.length === 1 ? jobs[0] : undefined;
    const passive = only?.text !== undefined && Buffer.byteLength(only.text) <= MAX_TEXT_BYTES ? only.text : undefined;
    // 'none' tells a waiting callback at once that the answer comes as 客服消息.
    const won = await redis.set(k('passive', msgId), passive !== undefined ? `reply:${sealedPassive.seal(passive)}` : 'none', 'EX', SLOT_SECONDS, 'NX');
    return won === 'OK' && passive !== undefined;
  }

  const port: ChannelPort<OaTarget | null> = {
    platform: 'wxoa',
    capabilities: { groups: false, buttons: false, replyWindowMs: OA_WINDOW_MS },
    log,
    async send(target, replies, inReplyTo) {
      if (!target) return;
      if (target.passiveFor && (await offerPassive(target.passiveFor, replies))) return;
      await queue.enqueue(target.openid, repliesToJobs(replies), inReplyTo);
    },
    // Notices and broadcasts: sent from the ledger (its result is the platform's): 客服消息 in the window, else a template.
    ...sentByPlatform({ pacing: { privateChat: [IN_ORDER] }, refusal: (to) => (to.chatType !== 'private' ? 'the Official Account writes to followers only' : undefined), send: deliver, progress: { redis, key: (openid, pieces) => k('parts', openid, cipher.fingerprint(pieces, 'wxoa:parts')) } }),
    fileTooBigText: CORE_TEXT.fileTooBig,
  };

  const download = (m: InboxMessage) => (m.mediaId ? api.mediaAttachment(m.mediaId, (ext) => `image-${m.id}.${ext}`) : Promise.resolve([]));

  const inbox = new Inbox(redis, keys, 'wxoa', new SealedValues(cipher, 'wxoa:inbox'), async (body) => {
    const parsed = inboxSchema.safeParse(JSON.parse(body));
    if (!parsed.success) {
      log.error('unreadable inbox entry dropped');
      return;
    }
    const m = parsed.data;
    const target: OaTarget = { openid: m.from, passiveFor: m.id };
    if (!['text', 'image'].includes(m.type)) {
      await port.send(target, [{ text: OFFICIAL_TEXT.unsupported }]);
      return;
    }
    await receive(engine, port, {
      msg: {
        platform: 'wxoa', chatId: m.from, chatType: 'private', senderId: m.from, senderName: m.from,
        text: m.text ?? '', mentionsBot: false, repliesToBot: false, attachments: [], messageId: m.id, sentAt: m.at, fromSelf: false,
      },
      target,
      files: m.mediaId ? () => download(m) : undefined,
      logContext: { msgId: m.id },
    });
    // Nothing to say: the waiting callback answers empty at once.
    await redis.set(k('passive', m.id), 'none', 'EX', SLOT_SECONDS, 'NX');
  }, log);

  /** The passive reply the handler offered within the wait, or '' (then it goes as 客服消息). */
  async function awaitPassive(msgId: string): Promise<string | undefined> {
    const slot = k('passive', msgId);
    const deadline = Date.now() + PASSIVE_WAIT_MS;
    // The reply text leaves Redis once read.
    const taken = (value: string | null) => {
      if (!value?.startsWith('reply:')) return undefined;
      void redis.set(slot, 'taken', 'EX', SLOT_SECONDS).catch(() => undefined);
      try {
        return sealedPassive.open(value.slice(6));
      } catch (err) {
        // Not readable here (a key another process has and this one lacks): the reply is lost to the passive answer.
        log.error({ msgId, err: err instanceof Error ? err.message : String(err) }, 'passive reply unreadable');
        return undefined;
      }
    };
    for (;;) {
      const value = await redis.get(slot);
      if (value !== null) return taken(value);
      if (Date.now() >= deadline) break;
      await sleepMs(40);
    }
    // Too late: the slot is closed, unless the handler took it in the meantime.
    if ((await redis.set(slot, 'closed', 'EX', SLOT_SECONDS, 'NX')) === 'OK') return undefined;
    return taken(await redis.get(slot));
  }

  /** The encrypted passive reply envelope. */
  function passiveXml(m: { from: string; to: string }, text: string): string {
    const inner = buildXml({ ToUserName: m.from, FromUserName: m.to, CreateTime: Math.floor(now() / 1000), MsgType: 'text', Content: text });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(8).toString('hex');
    const sealed = crypto.seal(inner, timestamp, nonce);
    return buildXml({ Encrypt: sealed.encrypted, MsgSignature: sealed.signature, TimeStamp: Number(timestamp), Nonce: nonce });
  }

  registerCallback(http, {
    path: WXOA_CALLBACK_PATH,
    crypto,
    log,
    urlCheck: 'plain',
    async onMessage(fields) {
      const parsed = callbackSchema.safeParse(fields);
      if (!parsed.success) {
        log.warn({ issues: parsed.error.issues.slice(0, 3).map((i) => i.path.join('.')) }, 'Official Account callback not understood: ignored');
        return 'success';
      }
      const c = parsed.data;
      if (c.MsgType === 'event') {
        if (c.Event === 'subscribe') return passiveXml({ from: c.FromUserName, to: c.ToUserName }, OFFICIAL_TEXT.welcome);
        return 'success';
      }
      const entry: InboxMessage = {
        id: c.MsgId ?? `${c.FromUserName}-${c.CreateTime}`,
        from: c.FromUserName,
        to: c.ToUserName,
        at: Number(c.CreateTime) * 1000,
        type: c.MsgType,
        ...(c.Content !== undefined ? { text: c.Content } : {}),
        ...(c.MediaId ? { mediaId: c.MediaId } : {}),
      };
      // The follower wrote: 客服消息 are allowed for 48 hours from now.
      await redis.set(k('lastwrote', entry.from), String(entry.at), 'PX', OA_WINDOW_MS);
      const queued = await inbox.push([{ id: entry.id, member: entry.from, body: JSON.stringify(entry) }]);
      if (!queued) return 'success'; // WeChat's retry of a message already taken: its answer is on its way
      const text = await awaitPassive(entry.id);
      return text !== undefined ? passiveXml(entry, text) : 'success';
    },
  });

  inbox.start();
  queue.start();
  const sender = startDelivery(engine, port, { now });
  log.info({ path: WXOA_CALLBACK_PATH }, 'Official Account channel ready');

  return {
    name: 'wxoa',
    inbox,
    queue,
    token,
    status: () => ({ state: 'ready', callback: WXOA_CALLBACK_PATH, tokenRefreshes: token.refreshes }),
    async stop() {
      await sender.stop();
      await inbox.stop();
      await queue.stop();
    },
  };
}
