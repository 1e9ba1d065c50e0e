/**
 * The callback URL of an official channel on the bot's HTTP server: the URL check (GET) and messages
 * (POST, XML with an encrypted envelope). Nothing is decrypted before its signature checks out; a refused
 * request is logged with its address and answered 403 without saying why.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import { CallbackCrypto, CallbackRefused } from './crypto.ts';
import { MAX_CALLBACK_BYTES, parseXml, XmlError } from './xml.ts';

const query = z.object({
  msg_signature: z.string().max(128).optional(),
  signature: z.string().max(128).optional(),
  timestamp: z.string().regex(/^\d{1,13}$/),
  nonce: z.string().min(1).max(128),
  echostr: z.string().max(4096).optional(),
  encrypt_type: z.string().max(16).optional(),
});
export type CallbackQuery = z.infer<typeof query>;
const envelope = z.object({ Encrypt: z.string().min(1).max(MAX_CALLBACK_BYTES) });

export interface CallbackOptions {
  path: string;
  crypto: CallbackCrypto;
  log: Logger;
  /**
   * The URL check: 'encrypted' (WeCom, 微信客服: echostr is encrypted and signed with msg_signature, the answer is
   * its plaintext) or 'plain' (Official Account: signature over token, timestamp and nonce; echostr answered as is).
   */
  urlCheck: 'encrypted' | 'plain';
  /** Handles the decrypted message fields; resolves with the response body ('' or 'success' acknowledges). */
  onMessage(fields: Record<string, unknown>, query: CallbackQuery): Promise<string>;
}

export function registerCallback(http: FastifyInstance, opts: CallbackOptions): void {
  const { crypto, log, path } = opts;
  const refuse = (req: FastifyRequest, reply: FastifyReply, why: string) => {
    log.warn({ ip: req.ip, path, why }, 'callback refused');
    return reply.code(403).type('text/plain').send('forbidden');
  };
  void http.register(async (scope) => {
    // WeChat posts XML (text/xml, sometimes without a type): read as a string, checked before parsing.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: MAX_CALLBACK_BYTES }, (_req, body, done) => done(null, body));

    scope.get(path, async (req, reply) => {
      const q = query.safeParse(req.query);
      if (!q.success || !q.data.echostr) return refuse(req, reply, 'malformed URL check');
      try {
        if (opts.urlCheck === 'plain') {
          crypto.verifyPlain(q.data.signature ?? '', q.data.timestamp, q.data.nonce);
          return reply.type('text/plain').send(q.data.echostr);
        }
        crypto.verify(q.data.msg_signature ?? '', q.data.timestamp, q.data.nonce, q.data.echostr);
        return reply.type('text/plain').send(crypto.open(q.data.echostr));
      } catch (err) {
        if (err instanceof CallbackRefused) return refuse(req, reply, err.message);
        throw err;
      }
    });

    scope.post(path, async (req, reply) => {
      const q = query.safeParse(req.query);
      if (!q.success) return refuse(req, reply, 'malformed query');
      if (opts.urlCheck === 'plain' && q.data.encrypt_type !== 'aes') return refuse(req, reply, 'not in safe mode (encrypt_type=aes)');
      let fields: Record<string, unknown>;
      try {
        const outer = envelope.safeParse(parseXml(typeof req.body === 'string' ? req.body : ''));
        if (!outer.success) throw new CallbackRefused('no Encrypt field');
        crypto.verify(q.data.msg_signature ?? '', q.data.timestamp, q.data.nonce, outer.data.Encrypt);
        fields = parseXml(crypto.open(outer.data.Encrypt));
      } catch (err) {
        if (err instanceof CallbackRefused || err instanceof XmlError) return refuse(req, reply, err.message);
        throw err;
      }
      const body = await opts.onMessage(fields, q.data);
      return reply.code(200).type(body.startsWith('<xml>') ? 'application/xml' : 'text/plain').send(body);
    });
  });
}
