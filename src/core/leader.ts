/**
 * Work that must run in exactly one process — Telegram long polling, the WeChat account, a token refresher,
 * a scheduler — is held under a Redis lease with fencing. Every process runs a `Singleton` for that work;
 * the one holding the lease runs it, the others stand by and take over within about `leaseMs` when the
 * holder dies (its lease simply expires). Webhooks and the web API need none of this: every process serves them.
 *
 * Usage (a capability or channel):
 *
 *   const poller = await Singleton.start({ redis, keys, logger, name: 'telegram-polling', leaseMs: config.SINGLETON_LEASE_MS },
 *     async ({ fence, signal }) => { const p = startPolling(); return { stop: () => p.stop() }; });
 *   poller.isLeader();   // for a status page
 *   await poller.stop(); // on shutdown: stops the work and hands the lease over at once
 *
 * Fencing: each new holder gets a larger `fence` number. A holder that paused (a long GC, a frozen VM) may
 * not know yet that it lost the lease; work that writes shared state checks `isCurrent(fence)` first, or
 * keeps the fence beside what it writes and lets the larger one win. A holder that cannot renew stops its
 * work before its lease can expire, so two holders never run at once.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Keys } from './keys.ts';
import { LuaScript } from './lua.ts';
import { recordLeadership } from './metrics.ts';

// KEYS: holder, fence (one hash tag). ARGV: token, lease ms. → the fence number while this token holds the lease, else 0.
const ACQUIRE_OR_RENEW = new LuaScript(`
local cur = redis.call('get', KEYS[1])
if not cur then
  redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return redis.call('incr', KEYS[2])
elseif cur == ARGV[1] then
  redis.call('pexpire', KEYS[1], ARGV[2])
  return tonumber(redis.call('get', KEYS[2]) or '0')
end
return 0`);

// KEYS: holder. ARGV: token. Gives the lease up only if this token still holds it.
const RELEASE = new LuaScript(`
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`);

export interface SingletonContext {
  /** This holder's fencing number: larger than every earlier holder's. */
  fence: number;
  /** Aborted when the lease is lost or the process stops. */
  signal: AbortSignal;
}

export interface SingletonWork {
  stop(): Promise<void>;
}

export interface SingletonOptions {
  redis: Redis;
  keys: Keys;
  logger: Logger;
  /** What the work is (one lease per name), e.g. 'telegram-polling'. */
  name: string;
  /** Lease length: a dead holder is replaced within about this time. */
  leaseMs: number;
}

export class Singleton {
  private readonly token = randomUUID();
  private readonly holderKey: string;
  private readonly fenceKey: string;
  private work: { fence: number; controller: AbortController; running: Promise<SingletonWork | null> } | null = null;
  private timer: NodeJS.Timeout | undefined;
  private lastRenewed = 0;
  private stopped = false;
  private ticking: Promise<void> = Promise.resolve();

  private constructor(
    private readonly opts: SingletonOptions,
    private readonly start: (ctx: SingletonContext) => Promise<SingletonWork>,
  ) {
    this.holderKey = opts.keys.leader(opts.name, 'holder');
    this.fenceKey = opts.keys.leader(opts.name, 'fence');
  }

  /** Starts contending for the lease; resolves after the first attempt (the work has started if it was free). */
  static async start(opts: SingletonOptions, start: (ctx: SingletonContext) => Promise<SingletonWork>): Promise<Singleton> {
    const s = new Singleton(opts, start);
    recordLeadership(opts.name, false);
    await s.tick();
    s.schedule();
    return s;
  }

  /** What the work is (the lease's name). */
  get name(): string {
    return this.opts.name;
  }

  /** Whether this process holds the lease and runs the work. */
  isLeader(): boolean {
    return this.work !== null;
  }

  /** The fence number while leader, else null. */
  get fence(): number | null {
    return this.work?.fence ?? null;
  }

  /** Whether `fence` is still the current holder's (this process's lease was not taken over since). */
  async isCurrent(fence: number): Promise<boolean> {
    const [holder, current] = await Promise.all([this.opts.redis.get(this.holderKey), this.opts.redis.get(this.fenceKey)]);
    return holder === this.token && Number(current) === fence;
  }

  private schedule(): void {
    if (this.stopped) return;
    // Renew three times per lease: one slow or failed attempt never loses it.
    this.timer = setTimeout(() => {
      this.ticking = this.tick().finally(() => this.schedule());
    }, Math.max(50, Math.floor(this.opts.leaseMs / 3)));
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const { logger, name, leaseMs } = this.opts;
    let fence: number;
    try {
      fence = Number(await ACQUIRE_OR_RENEW.run(this.opts.redis, [this.holderKey, this.fenceKey], [this.token, leaseMs]));
    } catch (err) {
      // Unknown whether the lease was renewed: stop before it can have expired, so no two holders overlap.
      if (this.work && Date.now() - this.lastRenewed > leaseMs * 0.7) {
        logger.warn({ singleton: name, err: err instanceof Error ? err.message : String(err) }, 'singleton lease not renewed: stopping its work');
        await this.demote();
      }
      return;
    }
    if (fence > 0) {
      this.lastRenewed = Date.now();
      if (!this.work && !this.stopped) this.promote(fence);
    } else if (this.work) {
      logger.warn({ singleton: name }, 'singleton lease taken over by another process: stopping its work');
      await this.demote();
    }
  }

  private promote(fence: number): void {
    const controller = new AbortController();
    const { logger, name } = this.opts;
    logger.info({ singleton: name, fence }, 'singleton: this process runs it');
    const running = this.start({ fence, signal: controller.signal }).catch((err: unknown) => {
      logger.error({ singleton: name, err }, 'singleton work failed to start');
      return null;
    });
    this.work = { fence, controller, running };
    recordLeadership(name, true);
  }

  private async demote(): Promise<void> {
    const work = this.work;
    if (!work) return;
    this.work = null;
    recordLeadership(this.opts.name, false);
    work.controller.abort();
    const started = await work.running;
    await started?.stop().catch((err: unknown) => this.opts.logger.error({ singleton: this.opts.name, err }, 'singleton work failed to stop'));
  }

  /** Waits until the work (if this process runs it) has started. */
  async started(): Promise<void> {
    await this.work?.running;
  }

  /** Stops the work and gives the lease up, so another process takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking;
    const wasLeader = this.work !== null;
    await this.demote();
    if (wasLeader) await RELEASE.run(this.opts.redis, [this.holderKey], [this.token]).catch(() => undefined);
  }
}
