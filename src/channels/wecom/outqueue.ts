/**
 * The replies of an official channel wait in a durable queue per recipient, so the platform's per-member
 * limits are respected by waiting, never by dropping: WeCom discards what an app sends a member beyond
 * 30 a minute or 1000 an hour. Each recipient's messages go out in order, by one process at a time
 * (the recipient's slot in a due-time set doubles as its lease); the send counts live in Redis, shared by
 * every process and with the notices the delivery ledger sends (takeSlot). A send that fails for a reason
 * that passes (busy, rate limited, network) is tried again later; one that cannot succeed is logged with
 * its reason and dropped. What waits is personal data (a reply may repeat a member's own details): each
 * job is sealed in Redis and opened only to be sent (sealed.ts).
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Keys } from '../../core/keys.ts';
import { LuaScript } from '../../core/lua.ts';
import type { Address, MemberKey } from '../../core/message.ts';
import { PermanentDeliveryError, type PacingLimits, type Rate } from '../../core/delivery/index.ts';
import { DecryptionError, MissingKeyError } from '../../core/crypto.ts';
import { sleepMs } from '../backoff.ts';
import type { ChannelPort } from '../channel.ts';
import { repliesToJobs, type OfficialJob } from './jobs.ts';
import type { SealedValues } from './sealed.ts';

export interface OutJob extends OfficialJob {
  /** Failed attempts so far. */
  tries: number;
}
const jobSchema = z.object({
  text: z.string().optional(),
  file: z
    .object({
      name: z.string(),
      mimeType: z.string(),
      dataBase64: z.string().optional(),
      ref: z.object({ kind: z.string(), ref: z.string(), viewer: z.custom<MemberKey>((v) => typeof v === 'string' && v.includes(':')) }).optional(),
    })
    .optional(),
  notice: z.object({ kind: z.string(), fields: z.record(z.string(), z.string()) }).optional(),
  tries: z.number().int().min(0),
});

/** At most `count` sends to one recipient in any `windowMs`. */
export interface SendLimit {
  count: number;
  windowMs: number;
}

/** What became of one send: done, try again after `retryInMs`, or give up (with the reason, logged). */
export type DeliveryResult = { sent: true } | { retryInMs: number; reason: string } | { drop: string };

const LEASE_MS = 60_000;
const MAX_TRIES = 8;
const BATCH = 20;

// KEYS: queue, due, and the mark of the message answered (optional). ARGV: recipient, now, jobs… Appends the jobs
// (not again for a message already answered); the recipient is due now unless already scheduled.
const ENQUEUE = new LuaScript(`
if KEYS[3] and not redis.call('set', KEYS[3], '1', 'EX', 86400, 'NX') then return -1 end
for i = 3, #ARGV do redis.call('rpush', KEYS[1], ARGV[i]) end
redis.call('zadd', KEYS[2], 'NX', ARGV[2], ARGV[1])
return redis.call('llen', KEYS[1])`);
// KEYS: due. ARGV: recipient, now, lease until. Claims a recipient that is due (its score moves to the lease's end).
const CLAIM = new LuaScript(`
local at = redis.call('zscore', KEYS[1], ARGV[1])
if not at or tonumber(at) > tonumber(ARGV[2]) then return 0 end
redis.call('zadd', KEYS[1], ARGV[3], ARGV[1])
return 1`);
// KEYS: sent log. ARGV: now, unique member, then count, windowMs pairs. → 0 and the send is counted, or ms to wait.
const TAKE_SLOT = new LuaScript(`
local now = tonumber(ARGV[1])
local longest = 0
for i = 3, #ARGV, 2 do longest = math.max(longest, tonumber(ARGV[i + 1])) end
redis.call('zremrangebyscore', KEYS[1], '-inf', now - longest)
local wait = 0
for i = 3, #ARGV, 2 do
  local count, window = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  local recent = redis.call('zrangebyscore', KEYS[1], now - window + 1, '+inf', 'WITHSCORES')
  local n = #recent / 2
  if n >= count then
    local oldest = tonumber(recent[(n - count) * 2 + 2])
    wait = math.max(wait, oldest + window - now)
  end
end
if wait > 0 then return wait end
redis.call('zadd', KEYS[1], now, ARGV[2])
redis.call('pexpire', KEYS[1], longest)
return 0`);
// KEYS: queue, due. ARGV: recipient, head job, next due (or '' = now if more wait), replacement head ('' = pop).
const SETTLE = new LuaScript(`
if redis.call('lindex', KEYS[1], 0) == ARGV[2] then
  if ARGV[4] == '' then redis.call('lpop', KEYS[1]) else redis.call('lset', KEYS[1], 0, ARGV[4]) end
end
if redis.call('llen', KEYS[1]) == 0 then redis.call('zrem', KEYS[2], ARGV[1]) return 0 end
redis.call('zadd', KEYS[2], ARGV[3], ARGV[1])
return 1`);

export class RecipientQueue {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly active = new Map<string, Promise<void>>();
  private seq = 0;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    /** The channel's key space, e.g. 'wecom', and its hash tag (the queues and the due set change together). */
    private readonly name: string,
    /** Seals the jobs at rest. */
    private readonly sealed: SealedValues,
    private readonly deliver: (recipient: string, job: OutJob) => Promise<DeliveryResult>,
    /** The per-member limits (none: unpaced), shared with the notices the ledger sends (takeSlot). */
    private readonly limits: SendLimit[],
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  private k(...parts: string[]) {
    return this.keys.tagged(this.name, ...parts);
  }

  /**
   * Queues jobs for `recipient`. `inReplyTo`: the message they answer; its replies are queued once (for a day), so
   * a message handled again (its inbox drained again after a crash) is not answered twice.
   */
  async enqueue(recipient: string, jobs: Omit<OutJob, 'tries'>[], inReplyTo?: string): Promise<void> {
    if (!jobs.length) return;
    const keys = [this.k('out', recipient), this.k('out-due'), ...(inReplyTo ? [this.k('answered', recipient, inReplyTo)] : [])];
    await ENQUEUE.run(this.redis, keys, [recipient, this.now(), ...jobs.map((j) => this.sealed.seal(JSON.stringify({ ...j, tries: 0 })))]);
    this.tick();
  }

  /**
   * Counts one send to `recipient` now (0), or says how many ms the per-member limits want it to wait (nothing
   * counted). Replies and the ledger's notices take from the same log, so together they keep to the limits.
   */
  async takeSlot(recipient: string, now: number = this.now()): Promise<number> {
    if (!this.limits.length) return 0;
    return Number(await TAKE_SLOT.run(this.redis, [this.k('sent', recipient)], [now, `${now}-${process.pid}-${this.seq++}-${Math.random()}`, ...this.limits.flatMap((l) => [l.count, l.windowMs])]));
  }

  /** Jobs waiting for `recipient`. */
  async pending(recipient: string): Promise<number> {
    return this.redis.llen(this.k('out', recipient));
  }

  start(pollMs = 250): void {
    const loop = () => {
      if (this.stopped) return;
      this.tick();
      this.timer = setTimeout(loop, pollMs);
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.all(this.active.values());
  }

  /** Starts sending to every recipient that is due and not being served here. */
  private tick(): void {
    if (this.stopped) return;
    void (async () => {
      const now = this.now();
      const due = await this.redis.zrangebyscore(this.k('out-due'), '-inf', now, 'LIMIT', 0, BATCH);
      for (const recipient of due) {
        if (this.active.has(recipient)) continue;
        if (!Number(await CLAIM.run(this.redis, [this.k('out-due')], [recipient, now, now + LEASE_MS]))) continue;
        const run = this.serve(recipient)
          .catch((err: unknown) => this.log.error({ err: err instanceof Error ? err.message : String(err), recipient }, 'send queue failed'))
          .finally(() => this.active.delete(recipient));
        this.active.set(recipient, run);
      }
    })().catch((err: unknown) => this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'send queue poll failed'));
  }

  /** Sends the recipient's jobs in order until the queue is empty, a limit says wait, or a send must be retried. */
  private async serve(recipient: string): Promise<void> {
    const queue = this.k('out', recipient);
    const keys = [queue, this.k('out-due')];
    for (;;) {
      if (this.stopped) {
        // Due again at once, for whichever process serves it next.
        await SETTLE.run(this.redis, keys, [recipient, '', this.now(), '']);
        return;
      }
      const raw = await this.redis.lindex(queue, 0);
      if (raw === null) {
        await SETTLE.run(this.redis, keys, [recipient, '', this.now(), '']);
        return;
      }
      let plain: string | undefined;
      try {
        plain = this.sealed.open(raw);
      } catch (err) {
        if (!(err instanceof DecryptionError)) throw err;
        if (err instanceof MissingKeyError) {
          // Waits for the key to be configured again rather than being lost.
          this.sealed.logWaiting(this.log, err, { recipient }, 'queued message sealed with a key that is not configured: left waiting');
          await SETTLE.run(this.redis, keys, [recipient, '', this.now() + LEASE_MS, '']);
          return;
        }
      }
      const parsed = jobSchema.safeParse(plain === undefined ? undefined : safeJson(plain));
      if (!parsed.success) {
        this.log.error({ recipient }, 'unreadable queued message dropped');
        await SETTLE.run(this.redis, keys, [recipient, raw, this.now() + LEASE_MS, '']);
        continue;
      }
      const job = parsed.data;
      const now = this.now();
      const wait = await this.takeSlot(recipient, now);
      if (wait > 0) {
        this.log.info({ recipient, waitMs: wait }, 'per-member send limit reached: queued');
        await SETTLE.run(this.redis, keys, [recipient, '', now + wait, '']);
        return;
      }
      let result: DeliveryResult;
      try {
        result = await this.deliver(recipient, job);
      } catch (err) {
        result = { retryInMs: 5000, reason: err instanceof Error ? err.message : String(err) };
      }
      // Going on with the next job, this process keeps the recipient (its lease renewed): due now, another process
      // would claim it and send the same next job.
      if ('sent' in result) {
        await SETTLE.run(this.redis, keys, [recipient, raw, this.now() + LEASE_MS, '']);
      } else if ('drop' in result || job.tries + 1 >= MAX_TRIES) {
        this.log.error({ recipient, reason: 'drop' in result ? result.drop : result.reason, tries: job.tries + 1 }, 'message could not be delivered: dropped');
        await SETTLE.run(this.redis, keys, [recipient, raw, this.now() + LEASE_MS, '']);
      } else {
        this.log.warn({ recipient, reason: result.reason, retryInMs: result.retryInMs }, 'send failed, will retry');
        await SETTLE.run(this.redis, keys, [recipient, raw, this.now() + result.retryInMs, this.sealed.seal(JSON.stringify({ ...job, tries: job.tries + 1 }))]);
        return;
      }
    }
  }
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** The platform said to try again later (busy, its rate limit, the network). */
export class SendLater extends Error {
  constructor(
    readonly ms: number,
    reason: string,
  ) {
    super(reason);
  }
}

/** The per-member limit is used up: the ledger holds the item this long (not a failed try). */
class LimitReached extends SendLater {}

/**
 * Notices to one recipient go out at least this far apart: the ledger sends several items at once, and this
 * keeps one member's notices in the order they were queued.
 */
export const IN_ORDER: Rate = { count: 1, perMs: 250 };

/** A per-member wait up to this long is waited in the send; a longer one is the ledger's to hold. */
const SHORT_WAIT_MS = 2000;

/** A platform wait this long or longer (WeCom's 45009 rate limit) is a hold for the ledger, not a failed try. */
const HOLD_FROM_MS = 30_000;

/**
 * The delivery-path side of an official channel (WeCom app, 微信客服, Official Account): each notice or broadcast
 * item the ledger hands over is sent to the platform there and then, so the ledger records what the platform
 * answered (sent, failed with its reason, or retried), not that it was queued. The per-member limits are taken
 * from the reply queue's log (`slot`): a notice over the limit is held by the ledger until it may go. `pacing`
 * keeps one member's notices in order (IN_ORDER). `send` is the channel's one send of a
 * job (the 微信客服 window and the Official Account's template fallback included); `refusal` names the
 * addresses the platform cannot write to.
 */
export function sentByPlatform(opts: {
  pacing: PacingLimits;
  /** The per-member limits shared with the replies (RecipientQueue.takeSlot). */
  slot?: (recipient: string) => Promise<number>;
  refusal: (to: Address) => string | undefined;
  send: (recipient: string, job: OfficialJob) => Promise<DeliveryResult>;
  /**
   * Where a reply that goes as several messages keeps how many went out (a fingerprint of the recipient and the
   * pieces, never the text): the ledger's retry after a failed piece goes on from there instead of repeating.
   */
  progress?: { redis: Redis; key: (recipient: string, fingerprintOf: string) => string };
}): Pick<ChannelPort<unknown>, 'pacing' | 'concurrency' | 'ready' | 'deliver' | 'classify'> {
  return {
    pacing: opts.pacing,
    concurrency: 4,
    ready: () => true,
    async deliver(to, reply) {
      const refused = opts.refusal(to);
      if (refused) throw new PermanentDeliveryError(refused);
      // A reply longer than one message goes as several, in order; a retry goes on after the pieces already sent.
      const jobs = repliesToJobs([reply]);
      const progress = jobs.length > 1 && opts.progress ? { redis: opts.progress.redis, key: opts.progress.key(to.chatId, jobs.map((j) => j.text ?? j.file?.name ?? '').join('\u0001')) } : undefined;
      const done = progress ? Number((await progress.redis.get(progress.key)) ?? 0) : 0;
      for (const [i, job] of jobs.entries()) {
        if (i < done) continue;
        // A short wait is waited here: handed back to the ledger, a notice could be overtaken by the next one.
        for (let wait = opts.slot ? await opts.slot(to.chatId) : 0; wait > 0; wait = await opts.slot!(to.chatId)) {
          if (wait > SHORT_WAIT_MS) throw new LimitReached(wait, 'per-member send limit reached');
          await sleepMs(wait);
        }
        const result = await opts.send(to.chatId, job);
        if ('drop' in result) throw new PermanentDeliveryError(result.drop);
        if (!('sent' in result)) throw new SendLater(result.retryInMs, result.reason);
        if (progress && i < jobs.length - 1) await progress.redis.set(progress.key, String(i + 1), 'EX', 86_400);
      }
      if (progress) await progress.redis.del(progress.key);
    },
    classify(err) {
      const reason = err instanceof Error ? err.message.slice(0, 160) : 'error';
      if (err instanceof LimitReached || (err instanceof SendLater && err.ms >= HOLD_FROM_MS)) return { kind: 'retry-after', ms: err.ms, reason };
      return { kind: 'transient', reason };
    },
  };
}
