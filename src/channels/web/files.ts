/**
 * Files the bot returns to web users (rosters, claim documents for admins). The bytes are never stored:
 * Redis keeps only which file and for whom ({kind, ref, viewer}), and the page gets a link signed with a key
 * derived from the data key. The link works once, within WEB_FILE_LINK_SECONDS; the service produces the
 * bytes at download time after checking the viewer's role again, and audits the view.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { FileResolvers } from '../../core/files.ts';
import type { Keys } from '../../core/keys.ts';
import type { MemberKey, Reply } from '../../core/message.ts';
import { readRecord } from '../../core/records.ts';
import type { WebReply } from './schema.ts';

const linkSchema = z.object({
  kind: z.string(),
  ref: z.string(),
  viewer: z.string().regex(/^(web|telegram|wechat):.+$/).transform((s) => s as MemberKey),
  name: z.string(),
  mimeType: z.string(),
});

const ID_RE = /^[\w-]{16,64}$/;

export type Download =
  | { ok: true; name: string; mimeType: string; data: Buffer }
  /** No signature, a wrong one, or a malformed link. */
  | { ok: false; status: 403 | 404 | 410; error: string };

export class WebFiles {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly files: FileResolvers,
    private readonly signingKey: Buffer,
    private readonly ttlSeconds: number,
    private readonly now: () => Date,
    private readonly logger: Pick<Logger, 'error' | 'warn'>,
  ) {}

  private sign(id: string, expires: number): string {
    return createHmac('sha256', this.signingKey).update(`${id}.${expires}`).digest('base64url');
  }

  /** A one-time link for the file's viewer; null for a file without a reference (its bytes would have to be stored). */
  async link(file: NonNullable<Reply['file']>): Promise<string | null> {
    if (!file.ref) return null;
    const id = randomBytes(18).toString('base64url');
    const expires = this.now().getTime() + this.ttlSeconds * 1000;
    const record = { ...file.ref, name: file.name, mimeType: file.mimeType };
    await this.redis.set(this.keys.k('weblink', id), JSON.stringify(record), 'EX', this.ttlSeconds);
    return `/api/web/files/${id}?expires=${expires}&sig=${this.sign(id, expires)}`;
  }

  /** Checks the signature and lifetime, uses the link up, and has the service produce the bytes. */
  /** `log`: the request's (its lines carry the request id). */
  async download(id: string, expires: string | undefined, sig: string | undefined, log: Pick<Logger, 'error' | 'warn'> = this.logger): Promise<Download> {
    if (!ID_RE.test(id) || !expires || !/^\d{1,15}$/.test(expires) || !sig) return { ok: false, status: 403, error: 'unsigned or malformed link' };
    const given = Buffer.from(sig);
    const expected = Buffer.from(this.sign(id, Number(expires)));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, status: 403, error: 'bad signature' };
    if (Number(expires) < this.now().getTime()) return { ok: false, status: 410, error: 'link expired' };
    const link = readRecord(linkSchema, await this.redis.getdel(this.keys.k('weblink', id)), log, `web link ${id}`);
    if (!link) return { ok: false, status: 404, error: 'link used or expired' };
    const data = await this.files.open(link).catch((err: unknown) => {
      log.error({ err, kind: link.kind }, 'web download failed');
      return null;
    });
    if (!data) return { ok: false, status: 404, error: 'file not available' };
    return { ok: true, name: link.name, mimeType: link.mimeType, data };
  }

  async toWire(replies: Reply[]): Promise<WebReply[]> {
    // Most answers carry no file: no link to sign, nothing to wait for.
    if (!replies.some((r) => r.file)) return replies.map((r) => wireReply(r));
    return Promise.all(
      replies.map(async (r) => {
        const url = r.file ? await this.link(r.file) : null;
        // Never stored as bytes: a file without a reference is left out (and the service that made it fixed).
        if (r.file && !url) this.logger.error({ name: r.file.name }, 'web reply file without a reference left out');
        return wireReply(r, url);
      }),
    );
  }
}

/** A reply as the page reads it: text, choices, and a file only with its link. */
function wireReply(r: Reply, url: string | null = null): WebReply {
  const wire: WebReply = {};
  if (r.text !== undefined) wire.text = r.text;
  if (r.choices) wire.choices = r.choices;
  if (r.file && url) wire.file = { name: r.file.name, mimeType: r.file.mimeType, url };
  return wire;
}
