/**
 * An access token (WeCom `gettoken`, Official Account `stable_token`) kept in Redis and shared by every
 * process. One process refreshes at a time (a Redis lease); the others wait for the new token. A token the
 * platform refuses (40014, 42001, 40001) is dropped only if it is still the stored one, so two processes
 * that hit the same expiry refresh it once.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { LuaScript } from '../../core/lua.ts';
import { sleepMs } from '../backoff.ts';

export interface FetchedToken {
  token: string;
  expiresInSeconds: number;
}

/** Fetches a new token; `refused` is the token the platform just refused (stable_token then forces a new one). */
export type TokenFetcher = (refused: string | undefined) => Promise<FetchedToken>;

// KEYS: token. ARGV: the refused token. Deletes it only if it is still the stored one.
const DROP_IF_CURRENT = new LuaScript(`
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`);
// KEYS: lease. ARGV: owner.
const RELEASE = new LuaScript(`
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`);

/** Tokens are renewed this long before the platform says they expire. */
const EARLY_SECONDS = 300;
const LEASE_MS = 20_000;
const WAIT_MS = 30_000;

export class SharedToken {
  /** Refreshes this process performed (for status and tests). */
  refreshes = 0;
  private refused: string | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly tokenKey: string,
    private readonly leaseKey: string,
    private readonly fetchToken: TokenFetcher,
    private readonly log: Logger,
  ) {}

  /** The current token, fetched by one process when there is none. */
  async get(): Promise<string> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const stored = await this.redis.get(this.tokenKey);
      if (stored) return stored;
      const owner = randomUUID();
      if (await this.redis.set(this.leaseKey, owner, 'PX', LEASE_MS, 'NX')) {
        try {
          const again = await this.redis.get(this.tokenKey);
          if (again) return again;
          const fetched = await this.fetchToken(this.refused);
          const ttl = Math.max(60, fetched.expiresInSeconds - EARLY_SECONDS);
          await this.redis.set(this.tokenKey, fetched.token, 'EX', ttl);
          this.refreshes++;
          this.refused = undefined;
          this.log.info({ ttl }, 'access token refreshed');
          return fetched.token;
        } finally {
          await RELEASE.run(this.redis, [this.leaseKey], [owner]).catch(() => undefined);
        }
      }
      if (Date.now() > deadline) throw new Error('timed out waiting for another process to refresh the access token');
      await sleepMs(100);
    }
  }

  /** The platform refused `token` (expired or revoked): drop it unless another process already replaced it. */
  async refuse(token: string): Promise<void> {
    this.refused = token;
    await DROP_IF_CURRENT.run(this.redis, [this.tokenKey], [token]);
  }
}
