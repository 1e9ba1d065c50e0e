/**
 * The web API's limit of messages per client IP and minute, shared by every process through Redis without a
 * Redis round trip per request (each would be a write waiting for the AOF's fsync). A process counts its own
 * requests at once and adds them to the shared count of the minute (one INCRBY per address) every `syncMs`;
 * a request is refused when the shared count it last read plus its own not yet added reach the limit. One
 * process counts exactly; several together let through at most what the others took in one sync interval more.
 * While Redis is unreachable the counts wait in the process and the limit still holds per process.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { LuaScript } from '../../core/lua.ts';

/** Adds a process's count to the minute's shared one; the key outlives its minute by one. */
const ADD = new LuaScript(`
local total = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], 120)
return total`);

const MINUTE_MS = 60_000;
/** How often a process adds its counts to the shared ones. */
export const IP_COUNT_SYNC_MS = 200;

interface IpCount {
  /** The minute's count of every process, as Redis last answered it (this process's added counts included). */
  shared: number;
  /** Counted here, not yet added to Redis. */
  unsent: number;
}

export type IpVerdict = { ok: true } | { ok: false; retryAfterSeconds: number };

export interface IpLimiterOptions {
  redis: Redis;
  /** The key of an address's count in one minute. */
  key: (ip: string, minute: number) => string;
  perMinute: number;
  logger: Logger;
  syncMs?: number;
}

export class IpRateLimiter {
  private minute = -1;
  private counts = new Map<string, IpCount>();
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private warnedAt = 0;
  private readonly syncMs: number;

  constructor(private readonly opts: IpLimiterOptions) {
    this.syncMs = opts.syncMs ?? IP_COUNT_SYNC_MS;
  }

  /** Counts one request from `ip` (refused ones too, as a flood goes on counting) and says whether it may go on. */
  take(ip: string, nowMs: number): IpVerdict {
    const minute = Math.floor(nowMs / MINUTE_MS);
    if (minute !== this.minute) {
      // The last minute's counts still go to its key; this minute starts from what Redis says at the next sync.
      if (this.counts.size) void this.sync();
      this.minute = minute;
      this.counts = new Map();
    }
    let count = this.counts.get(ip);
    if (!count) this.counts.set(ip, (count = { shared: 0, unsent: 0 }));
    count.unsent++;
    this.timer ??= setTimeout(() => void this.sync(), this.syncMs).unref();
    if (count.shared + count.unsent <= this.opts.perMinute) return { ok: true };
    return { ok: false, retryAfterSeconds: 60 - (Math.floor(nowMs / 1000) % 60) };
  }

  /** Adds every unsent count to Redis and reads the shared totals back (after the sync before it, if one runs). */
  async sync(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    // Taken now: a sync called at the turn of a minute sends the ending minute's counts.
    const minute = this.minute;
    const counts = this.counts;
    const run = (this.syncing ?? Promise.resolve()).then(() => this.send(minute, counts));
    this.syncing = run;
    await run;
    if (this.syncing === run) this.syncing = undefined;
  }

  /** Stops the timer and adds what is still unsent. */
  async stop(): Promise<void> {
    await this.sync();
  }

  private async send(minute: number, counts: Map<string, IpCount>): Promise<void> {
    const due = [...counts].filter(([, c]) => c.unsent > 0);
    await Promise.all(
      due.map(async ([ip, count]) => {
        const added = count.unsent;
        count.unsent -= added;
        try {
          count.shared = Number(await ADD.run(this.opts.redis, [this.opts.key(ip, minute)], [added]));
        } catch (err) {
          // Counted again at the next sync; meanwhile this process's own counts keep the limit.
          count.unsent += added;
          this.warn(err, ip);
          this.timer ??= setTimeout(() => void this.sync(), this.syncMs).unref();
        }
      }),
    );
  }

  private warn(err: unknown, ip: string): void {
    if (Date.now() - this.warnedAt < MINUTE_MS) return;
    this.warnedAt = Date.now();
    this.opts.logger.warn({ err, ip }, 'web api: per-IP count not shared (Redis unavailable); counting in this process');
  }
}
