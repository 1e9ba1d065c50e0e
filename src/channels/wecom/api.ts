/**
 * A client of Tencent's JSON APIs (qyapi.weixin.qq.com, api.weixin.qq.com): the access token goes in the
 * query, `errcode` 0 is success, a refused token is dropped and the call made once more with a fresh one.
 * Errors say whether trying again later can help (busy, frequency limit, network) or not.
 */
import { z } from 'zod';
import type { InboundAttachment } from '../../core/message.ts';
import type { SharedToken } from './token.ts';

/** errcodes meaning the token is invalid or expired. */
export const TOKEN_REFUSED = new Set([40001, 40014, 42001]);
/** errcodes worth retrying later: system busy, API frequency limits. */
const RETRY_LATER = new Set([-1, 45009, 45011, 45033, 45047]);

const REQUEST_TIMEOUT_MS = 15_000;
/** Files the bot downloads from the platform are capped here (claim documents are ≤ 10 MB). */
export const MAX_MEDIA_BYTES = 10 * 1024 * 1024;

export class ApiError extends Error {
  constructor(
    readonly what: string,
    readonly errcode: number | undefined,
    message: string,
    /** Trying again later can succeed (network, busy, rate limited). */
    readonly retryable: boolean,
  ) {
    super(`${what}: ${errcode !== undefined ? `errcode ${errcode} ` : ''}${message}`);
  }
}

const resultSchema = z.looseObject({ errcode: z.number().optional(), errmsg: z.string().optional() });
export type ApiResult = z.infer<typeof resultSchema>;

export interface MediaFile {
  name: string;
  mimeType: string;
  data: Buffer;
}

export class OfficialApi {
  constructor(
    private readonly root: string,
    private readonly token: SharedToken,
  ) {}

  /** POST JSON to `path` (e.g. /cgi-bin/message/send); resolves with the result when errcode is 0. */
  async post(path: string, body: unknown, query: Record<string, string> = {}): Promise<ApiResult> {
    return this.withToken(path, async (url) => {
      const res = await this.fetch(path, url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return this.json(path, res);
    }, query);
  }

  /** Uploads a temporary file (media/upload) and returns its media_id. */
  async upload(path: string, type: 'image' | 'file', file: MediaFile, query: Record<string, string> = {}): Promise<string> {
    const result = await this.withToken(path, async (url) => {
      const form = new FormData();
      form.append('media', new Blob([new Uint8Array(file.data)], { type: file.mimeType }), file.name);
      const res = await this.fetch(path, url, { method: 'POST', body: form });
      return this.json(path, res);
    }, { ...query, type });
    const mediaId = result.media_id;
    if (typeof mediaId !== 'string' || !mediaId) throw new ApiError(path, undefined, 'no media_id in the answer', false);
    return mediaId;
  }

  /** A received picture or file (media/get) as an attachment, named by the message, else the platform, else `name(ext)`. */
  async mediaAttachment(mediaId: string, name: (ext: string) => string, givenName?: string): Promise<Array<InboundAttachment | 'too-big'>> {
    const got = await this.download('/cgi-bin/media/get', { media_id: mediaId });
    if (got === 'too-big') return ['too-big'];
    const ext = got.mimeType === 'image/png' ? 'png' : got.mimeType === 'application/pdf' ? 'pdf' : 'jpg';
    return [{ name: givenName ?? got.name ?? name(ext), mimeType: got.mimeType, data: got.data }];
  }

  /** Downloads a file (media/get); 'too-big' over MAX_MEDIA_BYTES. The platform answers errors as JSON. */
  async download(path: string, query: Record<string, string>): Promise<{ data: Buffer; name?: string; mimeType: string } | 'too-big'> {
    return this.withToken(path, async (url) => {
      const res = await this.fetch(path, url, { method: 'GET' });
      const type = res.headers.get('content-type') ?? 'application/octet-stream';
      if (type.includes('json') || type.startsWith('text/plain')) return this.json(path, res);
      if (!res.ok || !res.body) throw new ApiError(path, undefined, `HTTP ${res.status}`, res.status >= 500);
      if (Number(res.headers.get('content-length') ?? 0) > MAX_MEDIA_BYTES) {
        await res.body.cancel();
        return 'too-big' as const;
      }
      const parts: Buffer[] = [];
      let total = 0;
      for await (const chunk of res.body) {
        total += chunk.byteLength;
        if (total > MAX_MEDIA_BYTES) return 'too-big' as const;
        parts.push(Buffer.from(chunk));
      }
      const disposition = res.headers.get('content-disposition') ?? '';
      const name = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1];
      return { data: Buffer.concat(parts), mimeType: type.split(';')[0]!.trim(), ...(name ? { name: safeDecode(name) } : {}) };
    }, query);
  }

  /** Runs `call` with the token; once more with a fresh token when the platform refuses it. */
  private async withToken<T>(path: string, call: (url: URL) => Promise<T | ApiResult>, query: Record<string, string>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.token.get();
      const url = new URL(this.root.replace(/\/+$/, '') + path);
      for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
      url.searchParams.set('access_token', token);
      const result = await call(url);
      if (!isApiResult(result)) return result;
      const code = result.errcode ?? 0;
      if (code === 0) return result as T;
      if (TOKEN_REFUSED.has(code) && attempt === 0) {
        await this.token.refuse(token);
        continue;
      }
      throw new ApiError(path, code, result.errmsg ?? '', RETRY_LATER.has(code));
    }
  }

  private async fetch(path: string, url: URL, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (err) {
      // The message never carries the URL (and so never the token).
      throw new ApiError(path, undefined, err instanceof Error ? err.message : String(err), true);
    }
  }

  private async json(path: string, res: Response): Promise<ApiResult> {
    const text = await res.text();
    if (!res.ok) throw new ApiError(path, undefined, `HTTP ${res.status}`, res.status >= 500 || res.status === 429);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ApiError(path, undefined, 'answer is not JSON', true);
    }
    const result = resultSchema.safeParse(parsed);
    if (!result.success) throw new ApiError(path, undefined, 'answer is not an object', false);
    return Object.assign(result.data, { [API_RESULT]: true });
  }
}

const API_RESULT = Symbol('api result');
const isApiResult = (v: unknown): v is ApiResult => typeof v === 'object' && v !== null && API_RESULT in v;

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
