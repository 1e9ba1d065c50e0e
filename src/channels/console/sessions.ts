/**
 * Console sessions in Redis. The cookie holds a random token; Redis keeps only its SHA-256 (a copy of the
 * database opens no session). A session ends after CONSOLE_SESSION_IDLE_MINUTES unused (the key's TTL,
 * renewed on each request), after CONSOLE_SESSION_MAX_HOURS in any case, at sign-out, and when the account's
 * sessions are revoked (disabled, password changed, `console-user revoke`). Each holds its CSRF token.
 * Every console key carries the hash tag {console}: on Redis Cluster the MULTIs over several stay in one slot.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Keys } from '../../core/keys.ts';
import { readRecord, type RecordLogger } from '../../core/records.ts';

const sessionSchema = z.object({
  /** 'anon': the sign-in page; 'totp': password right, code asked; 'in': signed in. */
  stage: z.enum(['anon', 'totp', 'in']),
  account: z.string().optional(),
  csrf: z.string(),
  createdAt: z.number(),
});
export type ConsoleSession = z.infer<typeof sessionSchema>;

/** A sign-in page left open this long must be reloaded. */
const ANON_TTL_SECONDS = 30 * 60;

const digest = (token: string) => createHash('sha256').update(token).digest('hex');
export const newToken = (): string => randomBytes(32).toString('base64url');

export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

export class SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly logger: RecordLogger,
    private readonly idleSeconds: number,
    private readonly maxMs: number,
  ) {}

  private key(token: string) {
    return this.keys.tagged('console', 'session', digest(token));
  }
  private accountKey(account: string) {
    return this.keys.tagged('console', 'account-sessions', account);
  }

  /** A new session (a new token every time the stage changes, so a token seen before sign-in is worthless after). */
  async create(stage: ConsoleSession['stage'], account: string | undefined, now: number): Promise<{ token: string; session: ConsoleSession }> {
    const token = newToken();
    const session: ConsoleSession = { stage, ...(account ? { account } : {}), csrf: newToken(), createdAt: now };
    const ttl = stage === 'anon' ? ANON_TTL_SECONDS : this.idleSeconds;
    const batch = this.redis.multi().set(this.key(token), JSON.stringify(session), 'EX', ttl);
    if (account) batch.sadd(this.accountKey(account), digest(token)).expire(this.accountKey(account), Math.ceil(this.maxMs / 1000));
    await batch.exec();
    return { token, session };
  }

  /** The session, its idle time renewed; null when unknown, expired or past its maximum age. */
  async get(token: string | undefined, now: number, log: RecordLogger = this.logger): Promise<ConsoleSession | null> {
    if (!token || token.length > 100) return null;
    const raw = await this.redis.get(this.key(token));
    const session = raw ? readRecord(sessionSchema, raw, log, 'console session') : null;
    if (!session) return null;
    if (now - session.createdAt > (session.stage === 'anon' ? ANON_TTL_SECONDS * 1000 : this.maxMs)) {
      await this.destroy(token);
      return null;
    }
    if (session.stage !== 'anon') await this.redis.expire(this.key(token), this.idleSeconds);
    return session;
  }

  async destroy(token: string): Promise<void> {
    await this.redis.del(this.key(token));
  }

  /** Ends every session of the account (all devices). */
  async revokeAll(account: string): Promise<number> {
    const digests = await this.redis.smembers(this.accountKey(account));
    if (!digests.length) return 0;
    const removed = await this.redis.del(...digests.map((d) => this.keys.tagged('console', 'session', d)));
    await this.redis.del(this.accountKey(account));
    return removed;
  }
}

/** Failed sign-ins counted per account and per client IP; past the limits sign-in is refused for the window. */
export class LoginThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly limits: { perAccount: number; perIp: number; windowSeconds: number },
  ) {}

  private accountKey(name: string) {
    return this.keys.tagged('console', 'login-fail', 'account', name.toLowerCase().slice(0, 64));
  }
  private ipKey(ip: string) {
    return this.keys.tagged('console', 'login-fail', 'ip', ip);
  }

  async blocked(name: string, ip: string): Promise<boolean> {
    const [a, i] = await this.redis.mget(this.accountKey(name), this.ipKey(ip));
    return Number(a ?? 0) >= this.limits.perAccount || Number(i ?? 0) >= this.limits.perIp;
  }

  async failed(name: string, ip: string): Promise<void> {
    const w = this.limits.windowSeconds;
    await this.redis.multi().incr(this.accountKey(name)).expire(this.accountKey(name), w, 'NX').incr(this.ipKey(ip)).expire(this.ipKey(ip), w, 'NX').exec();
  }

  /** A successful sign-in clears the account's count (not the address's). */
  async succeeded(name: string): Promise<void> {
    await this.redis.del(this.accountKey(name));
  }
}
