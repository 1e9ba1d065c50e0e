/**
 * A fake of Tencent's WeCom (qyapi.weixin.qq.com) and Official Account (api.weixin.qq.com) servers for tests,
 * and the platform's side of the callbacks. Its crypto is written here from the protocol description with
 * node:crypto alone (not @wecom/crypto, which the bot uses), so a bug on either side shows:
 *   signature = sha1(sort([token, timestamp, nonce, encrypt]).join(''))
 *   encrypt   = base64(AES-256-CBC(key = base64(EncodingAESKey + '='), iv = key[0..16],
 *               PKCS#7 to 32-byte blocks of random(16) ‖ uint32be(len) ‖ message ‖ receiveId))
 *
 * Server side (one HTTP server serves both hosts):
 *   GET  /cgi-bin/gettoken?corpid&corpsecret         WeCom token (per secret)
 *   POST /cgi-bin/stable_token                       Official Account token {appid, secret, force_refresh}
 *   POST /cgi-bin/message/send                       WeCom app → member; enforces 30/min per member like WeCom;
 *                                                    81013 for unknownUsers, -1 (busy) for the next busyNext calls
 *   POST /cgi-bin/media/upload?type                  multipart `media` → media_id;  GET /cgi-bin/media/get?media_id
 *   POST /cgi-bin/kf/sync_msg                        微信客服 messages from `next_cursor` (the callback token is required)
 *   POST /cgi-bin/kf/customer/batchget               微信客服 customers' nicknames (kfNames)
 *   POST /cgi-bin/kf/send_msg_on_event               微信客服 welcome with an enter_session code (kfEnterSession)
 *   POST /cgi-bin/kf/send_msg                        微信客服 reply: only within 48 h and 5 messages of the customer's last message
 *   POST /cgi-bin/message/custom/send                Official Account 客服消息, within 48 h
 *   POST /cgi-bin/message/template/send              Official Account template message
 *   POST /cgi-bin/webhook/send?key, /cgi-bin/webhook/upload_media?key   group robots (robotKeys), 20 a minute each
 * Every API call needs a valid access_token; `expireTokens()` makes the current ones answer 42001.
 *
 * Platform side: `callback(botUrl, path, fields, secrets)` encrypts and signs a message and posts it the way
 * WeChat does; `verifyUrl(...)` performs the URL check; `openReply(...)` decrypts a passive reply.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CallbackSecrets {
  token: string;
  aesKey: string;
  /** corp id (WeCom, 微信客服) or AppID (Official Account) */
  receiveId: string;
}

// ------------------------------------------------------------------ crypto, written from the protocol

export function sign(token: string, timestamp: string, nonce: string, encrypted: string): string {
  return createHash('sha1').update([token, timestamp, nonce, encrypted].sort().join('')).digest('hex');
}

function keyOf(aesKey: string): Buffer {
  const key = Buffer.from(`${aesKey}=`, 'base64');
  if (key.length !== 32) throw new Error('EncodingAESKey must decode to 32 bytes');
  return key;
}

export function encryptFor(aesKey: string, message: string, receiveId: string): string {
  const key = keyOf(aesKey);
  const body = Buffer.from(message, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const plain = Buffer.concat([randomBytes(16), length, body, Buffer.from(receiveId, 'utf8')]);
  const pad = 32 - (plain.length % 32);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
}

export function decryptFrom(aesKey: string, encrypted: string): { message: string; receiveId: string } {
  const key = keyOf(aesKey);
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(Buffer.from(encrypted, 'base64')), decipher.final()]);
  const pad = plain[plain.length - 1]!;
  if (pad < 1 || pad > 32 || !plain.subarray(plain.length - pad).every((b) => b === pad)) throw new Error('bad PKCS#7 padding');
  const content = plain.subarray(16, plain.length - pad);
  const length = content.readUInt32BE(0);
  return { message: content.subarray(4, 4 + length).toString('utf8'), receiveId: content.subarray(4 + length).toString('utf8') };
}

/** A random EncodingAESKey (43 characters). */
export const newAesKey = () => randomBytes(32).toString('base64').slice(0, 43);

const cdata = (v: string) => `<![CDATA[${v}]]>`;
/** `<xml>` with string fields in CDATA and numbers bare, as WeChat writes it. */
export function toXml(fields: Record<string, string | number>): string {
  return `<xml>${Object.entries(fields).map(([k, v]) => `<${k}>${typeof v === 'number' ? v : cdata(v)}</${k}>`).join('')}</xml>`;
}
/** The fields of a flat `<xml>` (CDATA or plain values). */
export function fromXml(xml: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of xml.matchAll(/<(\w+)>(?:<!\[CDATA\[([\s\S]*?)\]\]>|([^<]*))<\/\1>/g)) out[m[1]!] = m[2] ?? m[3] ?? '';
  return out;
}

// ------------------------------------------------------------------ the platform posting to the bot

export interface CallbackResult {
  status: number;
  body: string;
  ms: number;
}

/** Posts an encrypted message to the bot's callback like WeChat does (WeCom / 微信客服 style, or the OA's safe mode). */
export async function callback(botUrl: string, path: string, fields: Record<string, string | number>, s: CallbackSecrets, opts: { style?: 'wecom' | 'oa'; signature?: string } = {}): Promise<CallbackResult> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(6).toString('hex');
  const encrypted = encryptFor(s.aesKey, toXml(fields), s.receiveId);
  const msgSignature = opts.signature ?? sign(s.token, timestamp, nonce, encrypted);
  const url = new URL(botUrl + path);
  url.searchParams.set('timestamp', timestamp);
  url.searchParams.set('nonce', nonce);
  url.searchParams.set('msg_signature', msgSignature);
  if (opts.style === 'oa') {
    url.searchParams.set('signature', createHash('sha1').update([s.token, timestamp, nonce].sort().join('')).digest('hex'));
    url.searchParams.set('encrypt_type', 'aes');
    url.searchParams.set('openid', String(fields.FromUserName ?? ''));
  }
  const envelope = opts.style === 'oa' ? toXml({ ToUserName: String(fields.ToUserName ?? ''), Encrypt: encrypted }) : toXml({ ToUserName: s.receiveId, AgentID: String(fields.AgentID ?? ''), Encrypt: encrypted });
  const started = Date.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: envelope });
  return { status: res.status, body: await res.text(), ms: Date.now() - started };
}

/** The URL check an admin console performs when the callback URL is saved. */
export async function verifyUrl(botUrl: string, path: string, s: CallbackSecrets, opts: { style?: 'wecom' | 'oa'; tamper?: boolean } = {}): Promise<{ status: number; body: string; expected: string }> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(6).toString('hex');
  const expected = `echo-${randomBytes(8).toString('hex')}`;
  const url = new URL(botUrl + path);
  url.searchParams.set('timestamp', timestamp);
  url.searchParams.set('nonce', nonce);
  if (opts.style === 'oa') {
    url.searchParams.set('signature', createHash('sha1').update([opts.tamper ? 'wrong' : s.token, timestamp, nonce].sort().join('')).digest('hex'));
    url.searchParams.set('echostr', expected);
  } else {
    const echostr = encryptFor(s.aesKey, expected, s.receiveId);
    url.searchParams.set('msg_signature', sign(opts.tamper ? 'wrong' : s.token, timestamp, nonce, echostr));
    url.searchParams.set('echostr', echostr);
  }
  const res = await fetch(url);
  return { status: res.status, body: await res.text(), expected };
}

/** Opens an encrypted passive reply (Official Account safe mode), checking its signature. */
export function openReply(body: string, s: CallbackSecrets): Record<string, string> {
  const outer = fromXml(body);
  const encrypted = outer.Encrypt ?? '';
  if (sign(s.token, outer.TimeStamp ?? '', outer.Nonce ?? '', encrypted) !== outer.MsgSignature) throw new Error('passive reply: bad signature');
  const { message, receiveId } = decryptFrom(s.aesKey, encrypted);
  if (receiveId !== s.receiveId) throw new Error(`passive reply: receiveId ${receiveId}`);
  return fromXml(message);
}

// ------------------------------------------------------------------ the API server

export interface Sent {
  api: 'message/send' | 'kf/send_msg' | 'kf/send_msg_on_event' | 'custom/send' | 'template/send' | 'webhook/send';
  touser: string;
  msgtype: string;
  text?: string;
  /** For media messages: the uploaded file. */
  media?: Media;
  /** Template messages: the template id and data. */
  template?: { id: string; data: Record<string, { value: string }> };
  openKfid?: string;
  /** Group robot messages: the robot's webhook key (touser is the key too). */
  robotKey?: string;
  at: number;
  token: string;
}

export interface Media {
  id: string;
  name: string;
  mimeType: string;
  data: Buffer;
  type: string;
}

export interface KfMessage {
  msgid: string;
  open_kfid: string;
  external_userid: string;
  send_time: number;
  origin: number;
  msgtype: string;
  text?: { content: string };
  image?: { media_id: string };
  file?: { media_id: string };
  event?: Record<string, unknown>;
}

const HOUR = 3600_000;

export class FakeWecom {
  readonly corpId = 'wwfakecorp0001';
  readonly secret = 'app-secret-1';
  readonly kfSecret = 'kf-secret-1';
  readonly oaAppId = 'wx00112233445566ff';
  readonly oaSecret = 'oa-secret-1';
  /** Per-member limit WeCom enforces on an app (it silently drops beyond it; here: recorded as a violation). */
  perMinute = 30;
  /** Userids not in the corp: message/send to one of them alone answers 81013, as WeCom does. */
  readonly unknownUsers = new Set<string>();
  /** The next this many message/send calls answer -1 (system busy), as WeCom does now and then. */
  busyNext = 0;
  /** The next message/send whose text matches answers -1 (system busy), once. */
  busyOnce: ((text: string) => boolean) | undefined;
  /** sync_msg returns at most this many messages per call (has_more tells the rest). */
  kfPageSize = 1000;
  readonly sent: Sent[] = [];
  /** Sends WeCom would have dropped: more than `perMinute` to one member within a minute. */
  readonly violations: Sent[] = [];
  readonly calls: { path: string; at: number }[] = [];
  /** Token fetches (gettoken / stable_token), by secret. */
  readonly tokenFetches: { secret: string; at: number; forced?: boolean }[] = [];
  readonly media = new Map<string, Media>();
  readonly kfLog: KfMessage[] = [];
  /** sync_msg calls with the cursor each passed. */
  readonly syncCalls: { cursor: string; token: string }[] = [];
  /** 微信客服 enter_session welcome codes (one use each) → the customer. */
  readonly welcomeCodes = new Map<string, string>();
  /** Webhook keys of the group robots that exist. */
  readonly robotKeys = new Set<string>();
  /** 微信客服 customers' nicknames (kf/customer/batchget). */
  readonly kfNames = new Map<string, string>();
  /** When each customer last wrote, and how many replies went out since (微信客服's 48 h / 5-message window; the OA's 48 h). */
  readonly windows = new Map<string, { at: number; sent: number }>();
  private tokens = new Map<string, string>(); // token → secret
  private server!: Server;
  private seq = 0;
  private waiters: { pred: (s: Sent) => boolean; resolve: (s: Sent) => void }[] = [];
  url = '';

  constructor(private readonly now: () => number = Date.now) {}

  static async start(opts: { now?: () => number } = {}): Promise<FakeWecom> {
    const fake = new FakeWecom(opts.now);
    fake.server = createServer((req, res) => {
      fake.handle(req, res).catch((err: unknown) => {
        res.writeHead(500).end(String(err));
      });
    });
    await new Promise<void>((r) => fake.server.listen(0, '127.0.0.1', r));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** Every token issued so far answers 42001 from now on. */
  expireTokens(): void {
    this.tokens.clear();
  }

  /** A message the customer sent through 微信客服 (pulled by the bot with sync_msg). */
  addKfMessage(m: Omit<KfMessage, 'msgid' | 'send_time' | 'origin'> & { msgid?: string }): KfMessage {
    const msg: KfMessage = { msgid: m.msgid ?? `kfmsg-${++this.seq}`, send_time: Math.floor(this.now() / 1000), origin: 3, ...m };
    this.kfLog.push(msg);
    this.windows.set(`kf:${m.external_userid}`, { at: this.now(), sent: 0 });
    return msg;
  }

  /** A customer opened the 微信客服 chat (an enter_session event with a welcome code). */
  kfEnterSession(externalUserId: string, openKfid: string): void {
    const code = `welcome-${randomBytes(4).toString('hex')}`;
    this.welcomeCodes.set(code, externalUserId);
    this.kfLog.push({
      msgid: `kfevt-${++this.seq}`, open_kfid: openKfid, external_userid: externalUserId, send_time: Math.floor(this.now() / 1000), origin: 4, msgtype: 'event',
      event: { event_type: 'enter_session', open_kfid: openKfid, external_userid: externalUserId, scene: 'qrcode', welcome_code: code },
    });
  }

  /** The OA customer wrote (opens the 48-hour window for 客服消息). */
  customerWrote(openid: string): void {
    this.windows.set(`oa:${openid}`, { at: this.now(), sent: 0 });
  }

  addMedia(data: Buffer, name: string, mimeType: string): string {
    const id = `media-${++this.seq}`;
    this.media.set(id, { id, name, mimeType, data, type: mimeType.startsWith('image/') ? 'image' : 'file' });
    return id;
  }

  sentTo(touser: string): Sent[] {
    return this.sent.filter((s) => s.touser === touser);
  }

  /** The first sent message matching `pred` (already sent or still to come). */
  waitForSent(pred: (s: Sent) => boolean, timeoutMs = 10_000): Promise<Sent> {
    const hit = this.sent.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const waiter = { pred, resolve: (s: Sent) => { clearTimeout(timer); resolve(s); } };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`nothing matching was sent within ${timeoutMs} ms; sent: ${JSON.stringify(this.sent.map((s) => [s.touser, s.text?.slice(0, 40) ?? s.msgtype]))}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  private record(s: Sent): void {
    this.sent.push(s);
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred(s)) return true;
      w.resolve(s);
      return false;
    });
  }

  private issue(secret: string): { access_token: string; expires_in: number } {
    const token = `tok-${++this.seq}-${randomBytes(4).toString('hex')}`;
    this.tokens.set(token, secret);
    return { access_token: token, expires_in: 7200 };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const path = url.pathname;
    this.calls.push({ path, at: this.now() });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const json = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const err = (errcode: number, errmsg: string) => json({ errcode, errmsg });

    if (path === '/cgi-bin/gettoken') {
      const secret = url.searchParams.get('corpsecret') ?? '';
      if (url.searchParams.get('corpid') !== this.corpId || ![this.secret, this.kfSecret].includes(secret)) return err(40001, 'invalid credential');
      this.tokenFetches.push({ secret, at: this.now() });
      return json({ errcode: 0, errmsg: 'ok', ...this.issue(secret) });
    }
    if (path === '/cgi-bin/stable_token') {
      const body = JSON.parse(raw.toString()) as { grant_type?: string; appid?: string; secret?: string; force_refresh?: boolean };
      if (body.grant_type !== 'client_credential' || body.appid !== this.oaAppId || body.secret !== this.oaSecret) return err(40013, 'invalid appid');
      this.tokenFetches.push({ secret: this.oaSecret, at: this.now(), forced: body.force_refresh === true });
      return json(this.issue(this.oaSecret));
    }

    // Group robots (消息推送): the webhook key is the credential; 20 messages a minute per robot.
    if (path === '/cgi-bin/webhook/send' || path === '/cgi-bin/webhook/upload_media') {
      const key = url.searchParams.get('key') ?? '';
      if (!this.robotKeys.has(key)) return err(93000, 'invalid webhook url');
      if (path === '/cgi-bin/webhook/upload_media') {
        const form = await new Response(raw, { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData();
        const file = form.get('media');
        if (!file || typeof file === 'string') return err(41005, 'media data missing');
        const id = `robot-up-${++this.seq}`;
        this.media.set(id, { id, name: file.name, mimeType: file.type, data: Buffer.from(await file.arrayBuffer()), type: 'file' });
        return json({ errcode: 0, errmsg: 'ok', type: 'file', media_id: id });
      }
      const body = JSON.parse(raw.toString() || '{}') as { msgtype?: string; text?: { content?: string }; image?: { base64?: string; md5?: string }; file?: { media_id?: string } };
      const at = this.now();
      const lastMinute = this.sent.filter((x) => x.api === 'webhook/send' && x.robotKey === key && at - x.at < 60_000);
      if (lastMinute.length >= 20) {
        this.violations.push({ api: 'webhook/send', touser: key, robotKey: key, msgtype: String(body.msgtype ?? ''), at, token: '' });
        return err(45009, 'api freq out of limit');
      }
      let media: Media | undefined;
      if (body.msgtype === 'image') {
        const data = Buffer.from(body.image?.base64 ?? '', 'base64');
        if (createHash('md5').update(data).digest('hex') !== body.image?.md5) return err(40008, 'invalid image md5');
        media = { id: 'inline', name: 'image', mimeType: 'image/*', data, type: 'image' };
      } else if (body.msgtype === 'file') {
        media = this.media.get(body.file?.media_id ?? '');
        if (!media) return err(40007, 'invalid media_id');
      }
      this.record({ api: 'webhook/send', touser: key, robotKey: key, msgtype: String(body.msgtype ?? ''), ...(body.text?.content !== undefined ? { text: body.text.content } : {}), ...(media ? { media } : {}), at, token: '' });
      return json({ errcode: 0, errmsg: 'ok' });
    }

    const token = url.searchParams.get('access_token') ?? '';
    if (!token) return err(41001, 'access_token missing');
    if (!this.tokens.has(token)) return err(42001, 'access_token expired');

    if (path === '/cgi-bin/media/upload') {
      const form = await new Response(raw, { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData();
      const file = form.get('media');
      if (!file || typeof file === 'string') return err(41005, 'media data missing');
      const id = `up-${++this.seq}`;
      const type = url.searchParams.get('type') ?? 'file';
      this.media.set(id, { id, name: file.name, mimeType: file.type, data: Buffer.from(await file.arrayBuffer()), type });
      return json({ errcode: 0, errmsg: 'ok', type, media_id: id, created_at: String(Math.floor(this.now() / 1000)) });
    }
    if (path === '/cgi-bin/media/get') {
      const m = this.media.get(url.searchParams.get('media_id') ?? '');
      if (!m) return err(40007, 'invalid media_id');
      res.writeHead(200, { 'content-type': m.mimeType, 'content-length': m.data.length, 'content-disposition': `attachment; filename="${encodeURIComponent(m.name)}"` }).end(m.data);
      return;
    }

    const body = JSON.parse(raw.toString() || '{}') as Record<string, unknown>;
    const mediaOf = (msgtype: string) => {
      const part = body[msgtype] as { media_id?: string } | undefined;
      return part?.media_id ? this.media.get(part.media_id) : undefined;
    };
    const base = (api: Sent['api']): Sent => {
      const msgtype = String(body.msgtype ?? '');
      const text = (body.text as { content?: string } | undefined)?.content;
      return { api, touser: String(body.touser ?? ''), msgtype, ...(text !== undefined ? { text } : {}), ...(mediaOf(msgtype) ? { media: mediaOf(msgtype) } : {}), at: this.now(), token };
    };
    if (path === '/cgi-bin/message/send') {
      if (body.touser === undefined || body.agentid === undefined) return err(40003, 'invalid parameter');
      if (this.unknownUsers.has(String(body.touser))) return err(81013, 'user & party & tag all invalid');
      const text = (body.text as { content?: string } | undefined)?.content ?? '';
      if (this.busyOnce?.(text)) {
        this.busyOnce = undefined;
        return err(-1, 'system busy');
      }
      if (this.busyNext > 0) {
        this.busyNext--;
        return err(-1, 'system busy');
      }
      if (['image', 'file'].includes(String(body.msgtype)) && !mediaOf(String(body.msgtype))) return err(40007, 'invalid media_id');
      const s = base('message/send');
      const lastMinute = this.sent.filter((x) => x.api === 'message/send' && x.touser === s.touser && s.at - x.at < 60_000);
      if (lastMinute.length >= this.perMinute) this.violations.push(s);
      this.record(s);
      return json({ errcode: 0, errmsg: 'ok', invaliduser: '', msgid: `m${this.seq++}` });
    }
    if (path === '/cgi-bin/kf/sync_msg') {
      const cursor = String(body.cursor ?? '');
      this.syncCalls.push({ cursor, token: String(body.token ?? '') });
      if (!body.token) return err(95007, 'invalid msg token');
      const limit = Math.min(Number(body.limit ?? 1000), 1000, this.kfPageSize);
      const start = cursor ? Number(cursor.replace('c', '')) : 0;
      const list = this.kfLog.slice(start, start + limit);
      const next = start + list.length;
      return json({ errcode: 0, errmsg: 'ok', next_cursor: `c${next}`, has_more: next < this.kfLog.length ? 1 : 0, msg_list: list });
    }
    if (path === '/cgi-bin/kf/customer/batchget') {
      const ids = (body.external_userid_list as string[] | undefined) ?? [];
      return json({ errcode: 0, errmsg: 'ok', customer_list: ids.filter((id) => this.kfNames.has(id)).map((id) => ({ external_userid: id, nickname: this.kfNames.get(id), gender: 0 })), invalid_external_userid: ids.filter((id) => !this.kfNames.has(id)) });
    }
    if (path === '/cgi-bin/kf/send_msg_on_event') {
      const code = String(body.code ?? '');
      const customer = this.welcomeCodes.get(code);
      if (!customer) return err(95017, 'invalid or used welcome code');
      this.welcomeCodes.delete(code);
      this.record({ ...base('kf/send_msg_on_event'), touser: customer });
      return json({ errcode: 0, errmsg: 'ok', msgid: `welcome-${++this.seq}` });
    }
    if (path === '/cgi-bin/kf/send_msg') {
      const w = this.windows.get(`kf:${String(body.touser)}`);
      if (!body.open_kfid) return err(40003, 'invalid open_kfid');
      if (!w || this.now() - w.at > 48 * HOUR || w.sent >= 5) return err(95018, 'send msg count or time limit');
      w.sent++;
      this.record({ ...base('kf/send_msg'), openKfid: String(body.open_kfid) });
      return json({ errcode: 0, errmsg: 'ok', msgid: `kfout-${++this.seq}` });
    }
    if (path === '/cgi-bin/message/custom/send') {
      const w = this.windows.get(`oa:${String(body.touser)}`);
      if (!w || this.now() - w.at > 48 * HOUR) return err(45015, 'response out of time limit or subscription is canceled');
      this.record(base('custom/send'));
      return json({ errcode: 0, errmsg: 'ok' });
    }
    if (path === '/cgi-bin/message/template/send') {
      const data = body.data as Record<string, { value: string }> | undefined;
      if (!body.template_id || !data) return err(40037, 'invalid template_id');
      this.record({ ...base('template/send'), msgtype: 'template', template: { id: String(body.template_id), data } });
      return json({ errcode: 0, errmsg: 'ok', msgid: ++this.seq });
    }
    res.writeHead(404).end('not found');
  }
}
