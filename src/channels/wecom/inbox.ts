/**
 * The durable inbox of an official channel. A callback is acknowledged only after its message is written
 * here (so nothing acknowledged is lost on a crash); WeChat's retries of the same MsgId are queued once.
 * Messages are processed in arrival order per member: each member hashes to one of a few shards, and
 * each shard is drained by one process at a time (a Redis lease). A message leaves the inbox only after
 * it was handled; after a crash the next drain handles it again (the pipeline replays a handled message's
 * replies, and the send queue takes a message's replies once: RecipientQueue.enqueue's `inReplyTo`).
 * Message bodies are personal data: they are sealed before they are written and opened only to be handled
 * (sealed.ts); the dedup keys carry the platform's message ids only.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Keys } from '../../core/keys.ts';
import { DecryptionError, MissingKeyError } from '../../core/crypto.ts';
import { LuaScript } from '../../core/lua.ts';
import type { SealedValues } from './sealed.ts';

export interface InboxEntry {
  /** The platform's message id: queued once per id (for a day). */
  id: string;
  /** Whose message: messages of one member are handled in order. */
  member: string;
  /** What the handler receives (sealed in Redis). */
  body: string;
}

/** How long a message id is remembered against platform retries. */
const SEEN_SECONDS = 24 * 3600;
const LEASE_MS = 30_000;

// KEYS: seen keys (n), then shard lists (n), then an optional extra key. ARGV: n, seen seconds, bodies (n), extra value.
// Queues each entry whose id is new; sets the extra key (a sync cursor) in the same step. → how many were queued.
const PUSH = new LuaScript(`
local n = tonumber(ARGV[1])
local queued = 0
for i = 1, n do
  if redis.call('set', KEYS[i], '1', 'EX', ARGV[2], 'NX') then
    redis.call('rpush', KEYS[n + i], ARGV[2 + i])
    queued = queued + 1
  end
end
if #KEYS > 2 * n then redis.call('set', KEYS[2 * n + 1], ARGV[3 + n]) end
return queued`);
// KEYS: list. ARGV: the entry handled. Removes it if it is still the head.
const POP_IF_HEAD = new LuaScript(`
if redis.call('lindex', KEYS[1], 0) == ARGV[1] then redis.call('lpop', KEYS[1]) return 1 end
return 0`);
// KEYS: lease. ARGV: owner, ms. Extends (1) or releases (ms = 0) a lease this owner still holds.
const RENEW = new LuaScript(`
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
if tonumber(ARGV[2]) > 0 then redis.call('pexpire', KEYS[1], ARGV[2]) else redis.call('del', KEYS[1]) end
return 1`);

export class Inbox {
  private readonly owner = randomUUID();
  private readonly draining = new Map<number, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    /**
     * The channel's key space, e.g. 'wecom', and its Redis Cluster hash tag: one push writes the dedup marks and
     * shard lists of many members (a 微信客服 page) with the sync cursor, so the channel's keys share one slot.
     */
    private readonly name: string,
    /** Seals the bodies at rest. */
    private readonly sealed: SealedValues,
    private readonly handle: (body: string) => Promise<void>,
    private readonly log: Logger,
    private readonly shards = 8,
  ) {}

  private k(...parts: (string | number)[]) {
    return this.keys.tagged(this.name, ...parts);
  }
  private shardOf(member: string): number {
    return createHash('sha1').update(member).digest().readUInt32BE(0) % this.shards;
  }

  /** Writes the entries (new ids only) and, in the same step, `extra` (e.g. a sync cursor). → how many were new. */
  async push(entries: InboxEntry[], extra?: { key: string; value: string }): Promise<number> {
    if (!entries.length && !extra) return 0;
    if (extra && !extra.key.startsWith(this.k(''))) throw new Error(`inbox ${this.name}: the extra key must be in its key space (inbox.key())`);
    const keys = [...entries.map((e) => this.k('seen', e.id)), ...entries.map((e) => this.k('inbox', this.shardOf(e.member))), ...(extra ? [extra.key] : [])];
    const args = [entries.length, SEEN_SECONDS, ...entries.map((e) => this.sealed.seal(e.body)), ...(extra ? [extra.value] : [])];
    const queued = Number(await PUSH.run(this.redis, keys, args));
    if (queued > 0) this.kick(entries.map((e) => this.shardOf(e.member)));
    return queued;
  }

  /** A key in this inbox's key space (for the caller's `extra`). */
  key(...parts: string[]): string {
    return this.k(...parts);
  }

  /** Drains every shard now and then every `pollMs` (messages another process queued, or left by a crash). */
  start(pollMs = 1000): void {
    const poll = async () => {
      if (this.stopped) return;
      try {
        const lengths = await Promise.all(Array.from({ length: this.shards }, (_, i) => this.redis.llen(this.k('inbox', i))));
        this.kick(lengths.flatMap((n, i) => (n > 0 ? [i] : [])));
      } catch (err) {
        this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'inbox poll failed');
      }
      if (!this.stopped) this.timer = setTimeout(() => void poll(), pollMs);
    };
    void poll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.all(this.draining.values());
  }

  /** Messages waiting (all shards). */
  async pending(): Promise<number> {
    const lengths = await Promise.all(Array.from({ length: this.shards }, (_, i) => this.redis.llen(this.k('inbox', i))));
    return lengths.reduce((a, b) => a + b, 0);
  }

  private kick(shards: number[]): void {
    for (const shard of new Set(shards)) {
      if (this.stopped || this.draining.has(shard)) continue;
      const run = this.drain(shard)
        .catch((err: unknown) => this.log.error({ err: err instanceof Error ? err.message : String(err), shard }, 'inbox drain failed'))
        .finally(() => {
          this.draining.delete(shard);
        });
      this.draining.set(shard, run);
    }
  }

  private async drain(shard: number): Promise<void> {
    const list = this.k('inbox', shard);
    const lease = this.k('inbox', shard, 'lease');
    if (!(await this.redis.set(lease, this.owner, 'PX', LEASE_MS, 'NX'))) return;
    const heartbeat = setInterval(() => void RENEW.run(this.redis, [lease], [this.owner, LEASE_MS]).catch(() => undefined), LEASE_MS / 3);
    try {
      while (!this.stopped) {
        const stored = await this.redis.lindex(list, 0);
        if (stored === null) break;
        let body: string | undefined;
        try {
          body = this.sealed.open(stored);
        } catch (err) {
          // A key not configured (yet): the message waits for it rather than being lost; anything else cannot be read.
          if (err instanceof MissingKeyError) {
            this.sealed.logWaiting(this.log, err, { shard }, 'inbox message sealed with a key that is not configured: left waiting');
            break;
          }
          if (!(err instanceof DecryptionError)) throw err;
          this.log.error({ err: err.message, shard }, 'unreadable inbox message dropped');
        }
        if (body !== undefined) {
          try {
            await this.handle(body);
          } catch (err) {
            // The handler answers failures itself (an apology); what escapes is a bug, logged rather than retried forever.
            this.log.error({ err: err instanceof Error ? err.message : String(err), shard }, 'inbox message failed');
          }
        }
        await POP_IF_HEAD.run(this.redis, [list], [stored]);
      }
    } finally {
      clearInterval(heartbeat);
      await RENEW.run(this.redis, [lease], [this.owner, 0]).catch(() => undefined);
    }
  }
}
