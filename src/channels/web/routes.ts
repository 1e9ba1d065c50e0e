/**
 * Web chat adapter: POST /api/web/messages (answers in the response); notifications wait in the chat's
 * inbox, GET returns them with ids and POST /api/web/messages/ack removes the ones the page has shown
 * (reading alone removes nothing, so someone who knows a chat id cannot make its notifications vanish);
 * files; the chat page and its script.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Engine } from '../../app/engine.ts';
import type { StatusViewer } from '../index.ts';
import type { InboundMessage, Reply } from '../../core/message.ts';
import { receive, startDelivery, type ChannelPort } from '../channel.ts';
import { FILE_BODY_LIMIT, pathOf } from '../http/server.ts';
import { inboxAckSchema, inboxQuerySchema, webMessageSchema, webReplySchema } from './schema.ts';
import { deriveKey, loadEncryptionKey } from '../../core/crypto.ts';
import { WebFiles } from './files.ts';
import { IpRateLimiter } from './ip-limit.ts';
import { CHAT_PAGE, CHAT_SCRIPT, CHAT_STYLE } from './page.ts';
import { z } from 'zod';

const INBOX_LIMIT = 100;
const INBOX_TTL_SECONDS = 7 * 24 * 3600;

type WebTarget = { kind: 'response'; replies: Reply[] } | { kind: 'inbox'; chatId: string };

export interface WebChannel {
  stop(): Promise<void>;
}

function bearerOk(req: FastifyRequest, token: string | undefined): boolean {
  if (!token) return true;
  const header = req.headers.authorization ?? '';
  const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function registerWebRoutes(app: FastifyInstance, engine: Engine, status: (viewer: StatusViewer) => Record<string, unknown>): WebChannel {
  const { deps } = engine;
  // Links are signed with a key derived from the data key (no second secret to configure or leak).
  const signingKey = deriveKey(loadEncryptionKey(deps.config), 'web-file-links');
  const files = new WebFiles(deps.redis, deps.keys, deps.files, signingKey, deps.config.WEB_FILE_LINK_SECONDS, deps.now, deps.logger);
  // A stream per chat: entry ids are the acknowledgement ids. (The former list under 'webinbox' expires.)
  const inboxKey = (chatId: string) => deps.keys.k('webnotes', chatId);
  const token = deps.config.WEB_API_TOKEN;
  // A reply goes into the HTTP response; a notification waits in the chat's inbox until the page polls.
  const toInbox = async (chatId: string, replies: Reply[]) => {
    const key = inboxKey(chatId);
    const wire = await files.toWire(replies);
    await deps.redis.multi().xadd(key, 'MAXLEN', '~', INBOX_LIMIT, '*', 'replies', JSON.stringify(wire)).expire(key, INBOX_TTL_SECONDS).exec();
  };
  const port: ChannelPort<WebTarget> = {
    platform: 'web',
    capabilities: { groups: true, buttons: true },
    log: deps.logger.child({ platform: 'web' }),
    async send(target, replies) {
      if (target.kind === 'response') {
        target.replies.push(...replies);
        return;
      }
      await toInbox(target.chatId, replies);
    },
    // The inbox is ours: no platform limit to respect.
    pacing: {},
    concurrency: 4,
    ready: () => true,
    deliver: (to, reply) => toInbox(to.chatId, [reply]),
    classify: (err) => ({ kind: 'transient', reason: err instanceof Error ? err.message.slice(0, 120) : 'error' }),
    fileTooBigText: '',
  };

  // Runs on request (before the body is read and parsed): a caller without the token costs no parsing.
  // (Callback hooks, as ipLimit below: no promise per request.)
  const guard = (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (bearerOk(req, token)) return done();
    deps.logger.warn({ ip: req.ip, path: pathOf(req.url) }, 'web api: missing or wrong bearer token');
    void reply.code(401).send({ error: 'unauthorized: send Authorization: Bearer <WEB_API_TOKEN>' });
  };

  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(CHAT_PAGE));
  app.get('/chat.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').send(CHAT_SCRIPT));
  app.get('/chat.css', async (_req, reply) => reply.type('text/css; charset=utf-8').send(CHAT_STYLE));
  // The status carries the WeChat login QR code: whoever scans it becomes the bot's account.
  app.get('/api/status', { onRequest: guard }, async (req) => status(req));

  // User ids are self-declared, so the per-member limit alone is passed by rotating them: the IP is counted too.
  // Before the body is read: a flood costs no parsing. Counted in this process and shared through Redis in the
  // background (ip-limit.ts): no Redis round trip per request.
  const perIp = new IpRateLimiter({ redis: deps.redis, key: (ip, minute) => deps.keys.k('webrate', ip, minute), perMinute: deps.config.WEB_RATE_LIMIT_PER_MINUTE_PER_IP, logger: deps.logger });
  const ipLimit = (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const verdict = perIp.take(req.ip, Date.now());
    if (verdict.ok) return done();
    deps.logger.warn({ ip: req.ip }, 'web api: per-IP rate limit');
    void reply.code(429).header('retry-after', String(verdict.retryAfterSeconds)).send({ error: '发送太频繁，请稍后再试。' });
  };

  app.post('/api/web/messages', { onRequest: [guard, ipLimit], bodyLimit: FILE_BODY_LIMIT }, async (req, reply) => {
    const parsed = webMessageSchema.safeParse(req.body);
    if (!parsed.success) {
      return reply.code(400).send({ error: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
    }
    const body = parsed.data;
    const msg: InboundMessage = {
      platform: 'web',
      chatId: body.chatId ?? body.userId,
      chatType: body.chatType,
      senderId: body.userId,
      senderName: body.displayName ?? body.userId,
      ...(body.chatType === 'group' && body.chatName ? { chatName: body.chatName } : {}),
      text: body.text,
      mentionsBot: body.mentionsBot ?? false,
      repliesToBot: false,
      attachments: (body.attachments ?? []).map((a) => ({ name: a.name, mimeType: a.mimeType, data: Buffer.from(a.dataBase64, 'base64') })),
      messageId: body.messageId ?? randomUUID(),
      sentAt: Date.now(),
      fromSelf: false,
    };
    const answer: WebTarget = { kind: 'response', replies: [] };
    // The message's lines carry this request's id; the answer names it, for a member's report of a fault.
    void reply.header('x-request-id', req.id);
    const outcome = await receive(engine, port, { msg, target: answer, reqId: req.id });
    const replies = msg.chatType === 'group' ? mentionInGroup(answer.replies, msg.senderName) : answer.replies;
    return { replies: await files.toWire(replies), ...(outcome?.dropped ? { dropped: outcome.dropped } : {}) };
  });

  // Notifications (claim decisions, waitlist promotions, reminders) wait here until the page acknowledges them.
  // `replies` repeats the items' replies in order, for clients that only display.
  app.get('/api/web/messages', { onRequest: guard }, async (req, reply) => {
    const q = inboxQuerySchema.safeParse(req.query);
    if (!q.success) return reply.code(400).send({ error: 'chatId: required' });
    const entries = await deps.redis.xrange(inboxKey(q.data.chatId), '-', '+');
    const items = entries.flatMap(([id, fields]) => {
      const parsed = z.array(webReplySchema).safeParse(JSON.parse(fields[1] ?? '[]'));
      if (!parsed.success) deps.logger.warn({ chatId: q.data.chatId, id }, 'unreadable web inbox item skipped');
      return parsed.success ? [{ id, replies: parsed.data }] : [];
    });
    return { items, replies: items.flatMap((i) => i.replies) };
  });

  app.post('/api/web/messages/ack', { onRequest: guard }, async (req, reply) => {
    const body = inboxAckSchema.safeParse(req.body);
    if (!body.success) return reply.code(400).send({ error: body.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
    const removed = body.data.ids.length ? await deps.redis.xdel(inboxKey(body.data.chatId), ...body.data.ids) : 0;
    return { acknowledged: removed };
  });

  // A signed one-time link, opened by the page's plain <a href> (no bearer header): the signature is the credential.
  app.get<{ Params: { id: string }; Querystring: { expires?: string; sig?: string } }>('/api/web/files/:id', async (req, reply) => {
    const file = await files.download(req.params.id, req.query.expires, req.query.sig, req.log);
    // Claim documents (ID cards, bank cards) and rosters: never cached, never sniffed into something a browser runs.
    void reply.header('cache-control', 'no-store, private').header('x-content-type-options', 'nosniff');
    if (!file.ok) return reply.code(file.status).send({ error: file.error });
    return reply
      .type(file.mimeType)
      .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`)
      .send(file.data);
  });

  const sender = startDelivery(engine, port);
  return {
    stop: async () => {
      await sender.stop();
      await perIp.stop();
    },
  };
}

/** In a group the answer names the asker, like an @mention. */
function mentionInGroup(replies: Reply[], name: string): Reply[] {
  return replies.map((r, i) => (i === 0 && r.text !== undefined && !r.namesMember ? { ...r, text: `@${name} ${r.text}` } : r));
}
