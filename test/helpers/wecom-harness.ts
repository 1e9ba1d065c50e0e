/**
 * The official WeChat channels of the real engine (startChannels) against the fake WeCom / Official Account
 * server (fake-wecom.ts), on a fresh redis-server. `startWecomChannel` is a TestChannel (chat-paths.ts), so the
 * transcripts run over the WeCom app unchanged:
 *
 *   const ch = await startWecomChannel(env)        ch.dm(who).say(text, files)  → the replies message/send delivered
 *   ch.identity(who) = "wecom:<who>"               ch.notification(who, match)
 *   ch.fake, ch.app, ch.secrets.{wecom,kf,oa}      the fake server, the running app, the callback secrets
 *
 * A member's userid is their name. `say` posts the encrypted callback and waits until the message has left
 * the inbox and everything queued for the member has gone out (or `timeoutMs`).
 */
import type { Logger } from 'pino';
import { startChannels, type RunningApp } from '../../src/channels/index.ts';
import type { WecomChannel } from '../../src/channels/wecom/index.ts';
import type { InboundAttachment, Reply } from '../../src/core/message.ts';
import { startTestEngine, type TestEngine } from './engine.ts';
import { callback, FakeWecom, newAesKey, openReply, type CallbackResult, type CallbackSecrets, type Sent } from './fake-wecom.ts';
import type { ChatPath } from './transcript.ts';
import type { TestChannel } from './chat-paths.ts';

export const AGENT_ID = 1000002;

export interface OfficialSecrets {
  wecom: CallbackSecrets;
  kf: CallbackSecrets;
  oa: CallbackSecrets;
}

/** Settings for all three channels against `fake`; `which` picks the channels to turn on. */
export function officialEnv(fake: FakeWecom, secrets: OfficialSecrets, which: ('wecom' | 'wxkf' | 'wxoa')[] = ['wecom', 'wxkf', 'wxoa']): Record<string, string> {
  return {
    ...(which.includes('wecom') ? {
      WECOM_CORP_ID: fake.corpId, WECOM_AGENT_ID: String(AGENT_ID), WECOM_SECRET: fake.secret,
      WECOM_TOKEN: secrets.wecom.token, WECOM_ENCODING_AES_KEY: secrets.wecom.aesKey,
    } : {}),
    ...(which.includes('wxkf') ? {
      WXKF_CORP_ID: fake.corpId, WXKF_SECRET: fake.kfSecret, WXKF_TOKEN: secrets.kf.token, WXKF_ENCODING_AES_KEY: secrets.kf.aesKey,
    } : {}),
    ...(which.includes('wxoa') ? {
      WXOA_APP_ID: fake.oaAppId, WXOA_APP_SECRET: fake.oaSecret, WXOA_TOKEN: secrets.oa.token, WXOA_ENCODING_AES_KEY: secrets.oa.aesKey,
    } : {}),
    WECOM_API_ROOT: fake.url,
    WXOA_API_ROOT: fake.url,
  };
}

export const OPEN_KFID = 'wkfakeKfAccount01';

/** 微信客服's signal that messages wait (the bot then pulls them with sync_msg). */
export function kfSignal(botUrl: string, fake: FakeWecom, secrets: OfficialSecrets, openKfid = OPEN_KFID): Promise<CallbackResult> {
  return callback(botUrl, '/wxkf/callback', {
    ToUserName: fake.corpId, CreateTime: Math.floor(Date.now() / 1000), MsgType: 'event', Event: 'kf_msg_or_event',
    Token: `ENC${Math.random().toString(36).slice(2)}`, OpenKfId: openKfid,
  }, secrets.kf);
}

export function newSecrets(fake: FakeWecom): OfficialSecrets {
  return {
    wecom: { token: 'wecomToken123', aesKey: newAesKey(), receiveId: fake.corpId },
    kf: { token: 'kfToken456', aesKey: newAesKey(), receiveId: fake.corpId },
    oa: { token: 'oaToken789', aesKey: newAesKey(), receiveId: fake.oaAppId },
  };
}

export interface WecomTestChannel extends TestChannel {
  fake: FakeWecom;
  app: RunningApp;
  te: TestEngine;
  secrets: OfficialSecrets;
  wecom(): WecomChannel;
  /** Posts a message to /wecom/callback as `who` (fields beyond the defaults override them). */
  post(who: string, fields: Record<string, string | number>): Promise<CallbackResult>;
  /** Waits until the inbox is empty and nothing is queued for `who`. */
  settled(who: string, timeoutMs?: number): Promise<void>;
}

let msgSeq = 1_000_000;
export const nextMsgId = () => String(Date.now() * 1000 + (++msgSeq % 1000));

export async function startWecomChannel(env: Record<string, string>, opts: { fake?: FakeWecom; secrets?: OfficialSecrets; which?: ('wecom' | 'wxkf' | 'wxoa')[]; now?: () => Date; logger?: Logger } = {}): Promise<WecomTestChannel> {
  const fake = opts.fake ?? (await FakeWecom.start());
  const secrets = opts.secrets ?? newSecrets(fake);
  const te = await startTestEngine({ ...officialEnv(fake, secrets, opts.which), ...env }, { ...(opts.now ? { now: opts.now } : {}), ...(opts.logger ? { logger: opts.logger } : {}) });
  let app: RunningApp;
  try {
    app = await startChannels(te.engine);
  } catch (err) {
    await te.stop();
    if (!opts.fake) await fake.stop();
    throw err;
  }
  const wecom = () => app.channels.find((c) => c.name === 'wecom') as WecomChannel;

  const post = (who: string, fields: Record<string, string | number>) =>
    callback(app.url, '/wecom/callback', {
      ToUserName: fake.corpId, FromUserName: who, CreateTime: Math.floor(te.engine.deps.now().getTime() / 1000), MsgType: 'text', MsgId: nextMsgId(), AgentID: AGENT_ID,
      ...fields,
    }, secrets.wecom);

  const settled = async (who: string, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [inbox, queued] = await Promise.all([wecom().inbox.pending(), wecom().queue.pending(who)]);
      if (inbox === 0 && queued === 0) return;
      if (Date.now() > deadline) throw new Error(`WeCom: still ${inbox} in the inbox and ${queued} queued for ${who}`);
      await new Promise((r) => setTimeout(r, 30));
    }
  };

  const toReply = (s: Sent): Reply => (s.media ? { file: { name: s.media.name, mimeType: s.media.mimeType, data: s.media.data } } : { text: s.text });
  const matches = (text: string, m: string | RegExp) => (typeof m === 'string' ? text.includes(m) : m.test(text));

  const path = (who: string): ChatPath => ({
    async say(text: string, files: InboundAttachment[] = []) {
      const before = fake.sent.length;
      if (text || files.length === 0) {
        const r = await post(who, { MsgType: 'text', Content: text });
        if (r.status !== 200) throw new Error(`callback answered ${r.status}`);
        await settled(who);
      }
      for (const f of files) {
        const mediaId = fake.addMedia(f.data, f.name, f.mimeType);
        const image = /^image\//.test(f.mimeType);
        const r = await post(who, image ? { MsgType: 'image', PicUrl: `${fake.url}/pic/${mediaId}`, MediaId: mediaId } : { MsgType: 'file', MediaId: mediaId, FileName: f.name });
        if (r.status !== 200) throw new Error(`callback answered ${r.status}`);
        await settled(who);
      }
      return fake.sent.slice(before).filter((s) => s.touser === who && s.api === 'message/send').map(toReply);
    },
  });

  return {
    platform: 'wecom',
    engine: te.engine,
    te,
    fake,
    app,
    secrets,
    wecom,
    post,
    settled,
    dm: (who) => path(who),
    group: () => {
      throw new Error('the WeCom app has no group chats');
    },
    identity: (who) => `wecom:${who}`,
    groupAddress: (group) => `wecom:${group}`,
    notification: async (who, match, timeoutMs = 5000) =>
      (await fake.waitForSent((s) => s.touser === who && s.api === 'message/send' && matches(s.text ?? '', match), timeoutMs)).text ?? '',
    groupNotification: () => {
      throw new Error('the WeCom app has no group chats');
    },
    async stop() {
      await app.stop();
      await te.stop();
      if (!opts.fake) await fake.stop();
    },
  };
}

/** A follower's message to the Official Account callback (safe mode); the fake notes that the follower wrote (48-hour window). */
export function oaPost(botUrl: string, fake: FakeWecom, secrets: OfficialSecrets, openid: string, fields: Record<string, string | number>): Promise<CallbackResult> {
  fake.customerWrote(openid);
  return callback(botUrl, '/wxoa/callback', {
    ToUserName: 'gh_fakeaccount01', FromUserName: openid, CreateTime: Math.floor(Date.now() / 1000), MsgType: 'text', MsgId: nextMsgId(),
    ...fields,
  }, secrets.oa, { style: 'oa' });
}

/**
 * A 微信客服 customer as a ChatPath on a channel started with 'wxkf': each message is added to the fake's sync log
 * (pictures and PDFs uploaded to its media store first) and signalled; `say` returns what kf/send_msg delivered
 * to the customer once the message has been handled and nothing is queued for them.
 */
export function kfPath(ch: WecomTestChannel, customer: string): ChatPath {
  const kf = () => ch.app.channels.find((c) => c.name === 'wxkf') as unknown as { inbox: { pending(): Promise<number> }; queue: { pending(who: string): Promise<number> } };
  const handled = async (msgid: string) => {
    const { redis, keys } = ch.engine.deps;
    const deadline = Date.now() + 15_000;
    for (;;) {
      const [done, inbox, queued] = await Promise.all([redis.get(keys.dedup('wxkf', customer, msgid)), kf().inbox.pending(), kf().queue.pending(customer)]);
      if (done?.startsWith('done') && inbox === 0 && queued === 0) return;
      if (Date.now() > deadline) throw new Error(`微信客服 message ${msgid} not handled`);
      await new Promise((r) => setTimeout(r, 30));
    }
  };
  const send = async (m: Parameters<FakeWecom['addKfMessage']>[0]) => {
    const msg = ch.fake.addKfMessage(m);
    const r = await kfSignal(ch.app.url, ch.fake, ch.secrets);
    if (r.status !== 200) throw new Error(`kf callback answered ${r.status}`);
    await handled(msg.msgid);
  };
  return {
    async say(text: string, files: InboundAttachment[] = []) {
      const before = ch.fake.sent.length;
      if (text || files.length === 0) await send({ open_kfid: OPEN_KFID, external_userid: customer, msgtype: 'text', text: { content: text } });
      for (const f of files) {
        const mediaId = ch.fake.addMedia(f.data, f.name, f.mimeType);
        const image = /^image\//.test(f.mimeType);
        await send({ open_kfid: OPEN_KFID, external_userid: customer, msgtype: image ? 'image' : 'file', ...(image ? { image: { media_id: mediaId } } : { file: { media_id: mediaId } }) });
      }
      return ch.fake.sent.slice(before).filter((s) => s.touser === customer && s.api === 'kf/send_msg').map(toReply);
    },
  };
}

const toReply = (s: Sent): Reply => (s.media ? { file: { name: s.media.name, mimeType: s.media.mimeType, data: s.media.data } } : { text: s.text });

/**
 * An Official Account follower as a ChatPath on a channel started with 'wxoa': text and pictures (followers cannot
 * send documents) go to /wxoa/callback; `say` returns the passive reply (decrypted with the fake's own crypto) and any
 * 客服消息 that followed once the message has been handled.
 */
export function oaPath(ch: WecomTestChannel, openid: string): ChatPath {
  const oa = () => ch.app.channels.find((c) => c.name === 'wxoa') as unknown as { inbox: { pending(): Promise<number> }; queue: { pending(who: string): Promise<number> } };
  const post = async (fields: Record<string, string | number>): Promise<Reply[]> => {
    const msgId = nextMsgId();
    const r = await oaPost(ch.app.url, ch.fake, ch.secrets, openid, { CreateTime: Math.floor(ch.engine.deps.now().getTime() / 1000), MsgId: msgId, ...fields });
    if (r.status !== 200) throw new Error(`OA callback answered ${r.status}`);
    const { redis, keys } = ch.engine.deps;
    const deadline = Date.now() + 15_000;
    for (;;) {
      const [done, inbox, queued] = await Promise.all([redis.get(keys.dedup('wxoa', openid, msgId)), oa().inbox.pending(), oa().queue.pending(openid)]);
      if (done?.startsWith('done') && inbox === 0 && queued === 0) break;
      if (Date.now() > deadline) throw new Error(`OA message ${msgId} not handled`);
      await new Promise((res) => setTimeout(res, 30));
    }
    return r.body.startsWith('<xml>') ? [{ text: openReply(r.body, ch.secrets.oa).Content }] : [];
  };
  return {
    async say(text: string, files: InboundAttachment[] = []) {
      const before = ch.fake.sent.length;
      const replies: Reply[] = [];
      if (text || files.length === 0) replies.push(...(await post({ MsgType: 'text', Content: text })));
      for (const f of files) {
        if (!/^image\//.test(f.mimeType)) throw new Error('Official Account followers send pictures only');
        replies.push(...(await post({ MsgType: 'image', PicUrl: `${ch.fake.url}/pic`, MediaId: ch.fake.addMedia(f.data, f.name, f.mimeType) })));
      }
      return [...replies, ...ch.fake.sent.slice(before).filter((s) => s.touser === openid && s.api === 'custom/send').map(toReply)];
    },
  };
}
