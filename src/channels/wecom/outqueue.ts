/**
 * What an official channel sends waits in a durable queue per recipient, so the platform's per-member
 * limits are respected by waiting, never by dropping: WeCom discards what an app sends a member beyond
 * 30 a minute or 1000 an hour. Each recipient's messages go out in order, by one process at a time
 * (the recipient's slot in a due-time set doubles as its lease); the send counts live in Redis, shared by
 * every process. A send that fails for a reason that passes (busy, rate limited, network) is tried again
 * later; one that cannot succeed is logged with its reason and dropped. What waits is personal data (a reply
 * may repeat a member's own details): each job is sealed in Redis and opened only to be sent (sealed.ts).
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Keys } from '../../core/keys.ts';
import { LuaScript } from '../../core/lua.ts';
import type { Address, MemberKey } from '../../core/message.ts';
import { PermanentDeliveryError } from '../../core/delivery/index.ts';
import { DecryptionError, MissingKeyError } from '../../core/crypto.ts';
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

// KEYS: queue, due. ARGV: recipient, now, jobs… Appends the jobs; the recipient is due now unless already scheduled.
const ENQUEUE = new LuaScript(`
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
    private readonly limits: SendLimit[],
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  private k(...parts: string[]) {
    return this.keys.tagged(this.name, ...parts);
  }

  async enqueue(recipient: string, jobs: Omit<OutJob, 'tries'>[]): Promise<void> {
    if (!jobs.length) return;
    await ENQUEUE.run(this.redis, [this.k('out', recipient), this.k('out-due')], [recipient, this.now(), ...jobs.map((j) => this.sealed.seal(JSON.stringify({ ...j, tries: 0 })))]);
    this.tick();
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
          this.log.error({ recipient, err: err.message }, 'queued message sealed with a key that is not configured: left waiting');
          await SETTLE.run(this.redis, keys, [recipient, '', this.now() + LEASE_MS, '']);
          return;
        }
      }
      const parsed = jobSchema.safeParse(plain === undefined ? undefined : safeJson(plain));
      if (!parsed.success) {
        this.log.error({ recipient }, 'unreadable queued message dropped');
        await SETTLE.run(this.redis, keys, [recipient, raw, this.now(), '']);
        continue;
      }
      const job = parsed.data;
      const now = this.now();
      const wait = !this.limits.length ? 0 : Number(await TAKE_SLOT.run(this.redis, [this.k('sent', recipient)], [now, `${now}-${process.pid}-${this.seq++}-${Math.random()}`, ...this.limits.flatMap((l) => [l.count, l.windowMs])]));
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
      if ('sent' in result) {
        await SETTLE.run(this.redis, keys, [recipient, raw, this.now(), '']);
      } else if ('drop' in result || job.tries + 1 >= MAX_TRIES) {
        this.log.error({ recipient, reason: 'drop' in result ? result.drop : result.reason, tries: job.tries + 1 }, 'message could not be delivered: dropped');
        await SETTLE.run(this.redis, keys, [recipient, raw, this.now(), '']);
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

/**
 * The delivery-path side of a channel whose sends go through its own RecipientQueue (WeCom app, 微信客服,
 * Official Account): the ledger hands each reply over and the queue keeps to the platform's per-recipient
 * limits, so the ledger itself sets no pace. `refusal` names the addresses the platform cannot write to.
 */
export function handedToQueue(queue: RecipientQueue, refusal: (to: Address) => string | undefined): Pick<ChannelPort<unknown>, 'pacing' | 'concurrency' | 'ready' | 'deliver' | 'classify'> {
  return {
    pacing: {},
    concurrency: 4,
    ready: () => true,
    async deliver(to, reply) {
      const refused = refusal(to);
      if (refused) throw new PermanentDeliveryError(refused);
      await queue.enqueue(to.chatId, repliesToJobs([reply]));
    },
    classify: (err) => ({ kind: 'transient', reason: err instanceof Error ? err.message.slice(0, 120) : 'error' }),
  };
}
