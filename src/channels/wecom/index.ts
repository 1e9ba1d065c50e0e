/**
 * WeCom (企业微信) self-built app: members of the union's WeCom write to the app; the callback at
 * /wecom/callback is acknowledged at once (after the message is written to the inbox) and the bot's
 * replies go out through message/send, paced per member (30/min, 1000/h) by the recipient queue.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Engine } from '../../app/engine.ts';
import { CORE_TEXT } from '../../core/texts.ts';
import { receive, startDelivery, type Channel, type ChannelPort } from '../channel.ts';
import { ApiError, OfficialApi } from './api.ts';
import { registerCallback } from './callback.ts';
import { CallbackCrypto } from './crypto.ts';
import { Inbox } from './inbox.ts';
import { channelCipher, SealedValues } from './sealed.ts';
import { jobFile, mediaType, repliesToJobs, type OfficialJob } from './jobs.ts';
import { IN_ORDER, RecipientQueue, sentByPlatform, type DeliveryResult } from './outqueue.ts';
import { OFFICIAL_TEXT } from './texts.ts';
import { SharedToken } from './token.ts';

export const WECOM_CALLBACK_PATH = '/wecom/callback';
const MINUTE = 60_000;

/** A message as kept in the inbox: the fields of the decrypted callback the bot uses. */
const inboxSchema = z.object({
  id: z.string(),
  from: z.string().min(1).max(64),
  at: z.number(),
  type: z.string(),
  text: z.string().max(20_000).optional(),
  mediaId: z.string().max(512).optional(),
  fileName: z.string().max(512).optional(),
});
type InboxMessage = z.infer<typeof inboxSchema>;

/** The decrypted callback of the self-built app (text, image, file, other types; events). */
const callbackSchema = z.object({
  ToUserName: z.string(),
  FromUserName: z.string().min(1).max(64),
  CreateTime: z.string().regex(/^\d+$/),
  MsgType: z.string().max(32),
  Content: z.string().max(20_000).optional(),
  MsgId: z.string().max(64).optional(),
  MediaId: z.string().max(512).optional(),
  FileName: z.string().max(512).optional(),
  Event: z.string().max(64).optional(),
  AgentID: z.string().optional(),
});

export interface WecomChannel extends Channel {
  /** Messages waiting in the inbox and the per-member send queues (for tests). */
  inbox: Inbox;
  queue: RecipientQueue;
  token: SharedToken;
}

const tokenSchema = z.object({ errcode: z.number().optional(), errmsg: z.string().optional(), access_token: z.string().optional(), expires_in: z.number().optional() });

/** The WeCom token fetcher: gettoken with the corp id and an app's (or 微信客服's) secret. */
export function wecomTokenFetcher(apiRoot: string, corpId: string, secret: string) {
  return async () => {
    const url = new URL(`${apiRoot.replace(/\/+$/, '')}/cgi-bin/gettoken`);
    url.searchParams.set('corpid', corpId);
    url.searchParams.set('corpsecret', secret);
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
    } catch (err) {
      throw new ApiError('/cgi-bin/gettoken', undefined, err instanceof Error ? err.message : String(err), true);
    }
    const body = tokenSchema.safeParse(await res.json().catch(() => null));
    if (!body.success || !body.data.access_token || (body.data.errcode ?? 0) !== 0) {
      throw new ApiError('/cgi-bin/gettoken', body.data?.errcode, body.data?.errmsg ?? `HTTP ${res.status}`, false);
    }
    return { token: body.data.access_token, expiresInSeconds: body.data.expires_in ?? 7200 };
  };
}

/** How a failed send is handled: wait and try again when that can help, otherwise give up with the reason. */
export function classify(err: unknown): DeliveryResult {
  if (err instanceof ApiError) return err.retryable ? { retryInMs: err.errcode === 45009 ? 60_000 : 5000, reason: err.message } : { drop: err.message };
  return { retryInMs: 5000, reason: err instanceof Error ? err.message : String(err) };
}

export async function startWecom(engine: Engine, http: FastifyInstance): Promise<WecomChannel> {
  const { config, redis, keys, files } = engine.deps;
  const corpId = config.WECOM_CORP_ID;
  const agentId = config.WECOM_AGENT_ID;
  const secret = config.WECOM_SECRET;
  if (!corpId || !agentId || !secret || !config.WECOM_TOKEN || !config.WECOM_ENCODING_AES_KEY) throw new Error('the WeCom app is not configured (WECOM_*)');
  const log = engine.deps.logger.child({ platform: 'wecom' });
  const cipher = channelCipher(config, log);
  const token = new SharedToken(redis, keys.tagged('wecom', 'token', corpId, agentId), keys.tagged('wecom', 'token', corpId, agentId, 'lease'), wecomTokenFetcher(config.WECOM_API_ROOT, corpId, secret), log);
  const api = new OfficialApi(config.WECOM_API_ROOT, token);

  async function deliver(userId: string, job: OfficialJob): Promise<DeliveryResult> {
    try {
      if (job.text !== undefined) {
        await api.post('/cgi-bin/message/send', { touser: userId, agentid: agentId, msgtype: 'text', text: { content: job.text } });
      } else if (job.file) {
        const file = await jobFile(job, files);
        if (!file) return { drop: 'the file is no longer available to its viewer' };
        const type = mediaType(file.mimeType);
        const mediaId = await api.upload('/cgi-bin/media/upload', type, file);
        await api.post('/cgi-bin/message/send', { touser: userId, agentid: agentId, msgtype: type, [type]: { media_id: mediaId } });
      }
      return { sent: true };
    } catch (err) {
      return classify(err);
    }
  }

  const queue = new RecipientQueue(
    redis,
    keys,
    'wecom',
    new SealedValues(cipher, 'wecom:outqueue'),
    deliver,
    // Replies and the ledger's notices count against the same per-member limits (takeSlot).
    [
      { count: config.WECOM_PER_MEMBER_PER_MINUTE, windowMs: MINUTE },
      { count: config.WECOM_PER_MEMBER_PER_HOUR, windowMs: 60 * MINUTE },
    ],
    log,
    () => engine.deps.now().getTime(),
  );

  const port: ChannelPort<string | null> = {
    platform: 'wecom',
    capabilities: { groups: false, buttons: false },
    log,
    async send(userId, replies, inReplyTo) {
      if (userId) await queue.enqueue(userId, repliesToJobs(replies), inReplyTo);
    },
    // Notices and broadcasts: sent from the ledger, paced per member (30/min, 1000/h) with the replies.
    ...sentByPlatform({
      pacing: { privateChat: [IN_ORDER] },
      slot: (userId) => queue.takeSlot(userId),
      refusal: (to) => (to.chatType === 'group' ? 'the WeCom app writes to members only' : undefined),
      send: deliver,
      progress: { redis, key: (userId, pieces) => keys.tagged('wecom', 'parts', userId, cipher.fingerprint(pieces, 'wecom:parts')) },
    }),
    fileTooBigText: CORE_TEXT.fileTooBig,
  };

  const download = (m: InboxMessage) => (m.mediaId ? api.mediaAttachment(m.mediaId, (ext) => `${m.type}-${m.id}.${ext}`, m.fileName) : Promise.resolve([]));

  const inbox = new Inbox(redis, keys, 'wecom', new SealedValues(cipher, 'wecom:inbox'), async (body) => {
    const parsed = inboxSchema.safeParse(JSON.parse(body));
    if (!parsed.success) {
      log.error('unreadable inbox entry dropped');
      return;
    }
    const m = parsed.data;
    if (!['text', 'image', 'file'].includes(m.type)) {
      await port.send(m.from, [{ text: OFFICIAL_TEXT.unsupported }]);
      return;
    }
    await receive(engine, port, {
      msg: {
        platform: 'wecom', chatId: m.from, chatType: 'private', senderId: m.from, senderName: m.from,
        text: m.text ?? '', mentionsBot: false, repliesToBot: false, attachments: [], messageId: m.id, sentAt: m.at, fromSelf: false,
      },
      target: m.from,
      files: m.mediaId ? () => download(m) : undefined,
      logContext: { msgId: m.id },
    });
  }, log);

  registerCallback(http, {
    path: WECOM_CALLBACK_PATH,
    crypto: new CallbackCrypto(config.WECOM_TOKEN, config.WECOM_ENCODING_AES_KEY, corpId),
    log,
    urlCheck: 'encrypted',
    async onMessage(fields) {
      const parsed = callbackSchema.safeParse(fields);
      if (!parsed.success || (parsed.data.AgentID !== undefined && parsed.data.AgentID !== String(agentId))) {
        log.warn({ issues: parsed.error?.issues.slice(0, 3).map((i) => i.path.join('.')) }, 'WeCom callback not for this app: ignored');
        return '';
      }
      const c = parsed.data;
      if (c.MsgType === 'event') return ''; // entering the app, menu clicks: nothing to answer
      const entry: InboxMessage = {
        id: c.MsgId ?? `${c.FromUserName}-${c.CreateTime}`,
        from: c.FromUserName,
        at: Number(c.CreateTime) * 1000,
        type: c.MsgType,
        ...(c.Content !== undefined ? { text: c.Content } : {}),
        ...(c.MediaId ? { mediaId: c.MediaId } : {}),
        ...(c.FileName ? { fileName: c.FileName } : {}),
      };
      // Acknowledged only once written: WeChat retries an unanswered callback, and the inbox queues an id once.
      await inbox.push([{ id: entry.id, member: entry.from, body: JSON.stringify(entry) }]);
      return '';
    },
  });

  inbox.start();
  queue.start();
  const sender = startDelivery(engine, port, { now: () => engine.deps.now().getTime() });
  log.info({ path: WECOM_CALLBACK_PATH, agentId }, 'WeCom app channel ready');

  return {
    name: 'wecom',
    inbox,
    queue,
    token,
    status: () => ({ state: 'ready', callback: WECOM_CALLBACK_PATH, tokenRefreshes: token.refreshes }),
    async stop() {
      await sender.stop();
      await inbox.stop();
      await queue.stop();
    },
  };
}
