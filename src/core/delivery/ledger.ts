/**
 * The per-recipient delivery ledger. Every send to someone who did not just write to the bot (a notification,
 * a reminder, one target of a broadcast) is an item of a batch, and its state is written before and after the
 * platform call: queued → claimed (leased by one process) → sending → sent | failed:<reason> | skipped:<reason>.
 *
 * Exactly once: an item is claimed by one process under a lease; only an item whose lease EXPIRED is taken back
 * (a live process keeps its items, however long a send takes: it renews the lease). Taken back, an item that was
 * only claimed goes back to the queue; one that was `sending` may or may not have reached the platform, so it is
 * never sent again: it becomes failed:interrupted (a send that did go out and reports late is recorded as sent).
 *
 * Every key of a batch shares one hash tag (a broadcast's keys share `{bc:<id>}` with its record), so each
 * script touches one Redis Cluster slot.
 */
import type { Redis } from 'ioredis';
import type { Keys } from '../keys.ts';
import { LuaScript } from '../lua.ts';
import type { Platform } from '../message.ts';
import { readHash } from '../redis.ts';

/** A batch: `group@platform`. A group `bc:12#3` (run 3 of broadcast 12) has the hash tag `bc:12`; a group without `#` is its own tag. */
export type BatchId = `${string}@${Platform}`;
export const batchId = (group: string, platform: Platform): BatchId => `${group}@${platform}`;
export const tagOf = (group: string): string => group.split('#')[0] ?? group;
export const platformOf = (batch: BatchId): Platform => batch.slice(batch.lastIndexOf('@') + 1) as Platform;
export const groupOf = (batch: BatchId): string => batch.slice(0, batch.lastIndexOf('@'));

export type ItemState = 'queued' | 'claimed' | 'sending' | 'sent' | `failed:${string}` | `skipped:${string}`;
export interface BatchCounts {
  total: number;
  /** Not yet final (queued, claimed or sending). */
  pending: number;
  sent: number;
  failed: number;
  skipped: number;
}

/**
 * `order`: each pending item's place in the queue (when it was queued), so items due together go out in that order.
 * `ended`: when each item of an endless batch (notifications) became final, by Redis's clock, so it can be pruned.
 */
const FIELDS = ['items', 'state', 'ready', 'leases', 'owner', 'counts', 'ctl', 'done', 'progress', 'tries', 'order', 'ended'] as const;

// Shared Lua: Redis's clock in ms (scripts are replicated by their effects, so reading it is allowed).
const NOW_MS = `
local function nowMs()
  local t = redis.call('time')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

// Shared Lua: ARGV[1] is '1' when the batch finishes (a broadcast run), '0' for an endless one (notifications),
// whose final items are noted in 'ended' to be pruned later (a run's items stay: they are its report).
const FINISH = `${NOW_MS}
local function finish()
  if ARGV[1] ~= '1' then return 0 end
  local q = tonumber(redis.call('hget', KEYS[6], 'pending') or '0')
  if q <= 0 and redis.call('setnx', KEYS[8], '1') == 1 then return 1 end
  return 0
end
local function final(id, st)
  redis.call('hset', KEYS[2], id, st)
  redis.call('hdel', KEYS[11], id)
  redis.call('hincrby', KEYS[6], 'pending', -1)
  redis.call('hincrby', KEYS[6], string.match(st, '^[a-z]+'), 1)
  if ARGV[1] ~= '1' then redis.call('zadd', KEYS[12], nowMs(), id) end
end
`;

// Shared Lua: an item goes into the queue at `due`, taking the next place (see `order` in FIELDS).
const QUEUE = `
local function queue(id, due)
  redis.call('hset', KEYS[2], id, 'queued')
  redis.call('zadd', KEYS[3], due, id)
  redis.call('hset', KEYS[11], id, redis.call('hincrby', KEYS[6], 'places', 1))
end
`;

// ARGV: finishable, due, then (id, payload, initial state or '') triples. Returns {added, finished}.
const ENQUEUE = new LuaScript(`${FINISH}${QUEUE}
local added = 0
for i = 3, #ARGV, 3 do
  local id = ARGV[i]
  if redis.call('hsetnx', KEYS[1], id, ARGV[i + 1]) == 1 then
    added = added + 1
    redis.call('hincrby', KEYS[6], 'total', 1)
    redis.call('hincrby', KEYS[6], 'pending', 1)
    local st = ARGV[i + 2]
    if st == '' then
      queue(id, tonumber(ARGV[2]))
    else
      final(id, st)
    end
  end
end
return {added, finish()}`);

// ARGV: finishable, now, leaseUntil, owner, max. Returns {finished, {id, payload, partsSent, tries}...}.
const CLAIM = new LuaScript(`${FINISH}
local now = tonumber(ARGV[2])
local finished = 0
local expired = redis.call('zrangebyscore', KEYS[4], '-inf', '(' .. now, 'LIMIT', 0, 100)
for _, id in ipairs(expired) do
  redis.call('zrem', KEYS[4], id)
  redis.call('hdel', KEYS[5], id)
  local st = redis.call('hget', KEYS[2], id)
  if st == 'sending' then
    final(id, 'failed:interrupted')
  elseif st == 'claimed' then
    redis.call('hset', KEYS[2], id, 'queued')
    redis.call('zadd', KEYS[3], now, id)
  end
end
if #expired > 0 then finished = finish() end
local out = {}
local ctl = redis.call('get', KEYS[7])
if ctl ~= 'paused' and ctl ~= 'cancelled' then
  -- Of the items due, the first queued go first: items due at the same time (notices held back by a limit until
  -- it ends, several queued in one millisecond) keep the order they were queued in, not their ids' order.
  local max = tonumber(ARGV[5])
  local ids = redis.call('zrangebyscore', KEYS[3], '-inf', now, 'LIMIT', 0, max + 100)
  if #ids > 0 then
    local places = redis.call('hmget', KEYS[11], unpack(ids))
    local place = {}
    for i, id in ipairs(ids) do place[id] = tonumber(places[i] or '0') end
    table.sort(ids, function(a, b)
      if place[a] ~= place[b] then return place[a] < place[b] end
      return a < b
    end)
    for i = #ids, max + 1, -1 do ids[i] = nil end
  end
  for _, id in ipairs(ids) do
    redis.call('zrem', KEYS[3], id)
    redis.call('zadd', KEYS[4], tonumber(ARGV[3]), id)
    redis.call('hset', KEYS[5], id, ARGV[4])
    redis.call('hset', KEYS[2], id, 'claimed')
    table.insert(out, {id, redis.call('hget', KEYS[1], id) or '', redis.call('hget', KEYS[9], id) or '0', redis.call('hget', KEYS[10], id) or '0'})
  end
end
return {finished, out}`);

// ARGV: finishable, id, owner, leaseUntil, now. 1: go ahead; 0: not ours any more; -1: paused (back in the queue); -2 cancelled; -3 cancelled and finished.
const MARK_SENDING = new LuaScript(`${FINISH}
local id = ARGV[2]
if redis.call('hget', KEYS[5], id) ~= ARGV[3] or redis.call('hget', KEYS[2], id) ~= 'claimed' then return 0 end
local ctl = redis.call('get', KEYS[7])
if ctl == 'paused' or ctl == 'cancelled' then
  redis.call('zrem', KEYS[4], id)
  redis.call('hdel', KEYS[5], id)
  if ctl == 'paused' then
    redis.call('hset', KEYS[2], id, 'queued')
    redis.call('zadd', KEYS[3], tonumber(ARGV[5]), id)
    return -1
  end
  final(id, 'skipped:cancelled')
  if finish() == 1 then return -3 end
  return -2
end
redis.call('hset', KEYS[2], id, 'sending')
redis.call('zadd', KEYS[4], 'XX', tonumber(ARGV[4]), id)
return 1`);

// ARGV: finishable, id, owner, leaseUntil, partsSent ('' = keep).
const RENEW = new LuaScript(`
if redis.call('hget', KEYS[5], ARGV[2]) ~= ARGV[3] then return 0 end
redis.call('zadd', KEYS[4], 'XX', tonumber(ARGV[4]), ARGV[2])
if ARGV[5] ~= '' then redis.call('hset', KEYS[9], ARGV[2], ARGV[5]) end
return 1`);

// ARGV: finishable, id, owner, outcome (sent|failed|skipped|retry|release), reason, due. Returns 0 not ours, 1 recorded, 2 recorded and the batch finished.
const COMPLETE = new LuaScript(`${FINISH}
local id = ARGV[2]
local outcome = ARGV[4]
local st = redis.call('hget', KEYS[2], id)
if redis.call('hget', KEYS[5], id) ~= ARGV[3] then
  if outcome == 'sent' and st == 'failed:interrupted' then
    redis.call('hset', KEYS[2], id, 'sent')
    redis.call('hincrby', KEYS[6], 'failed', -1)
    redis.call('hincrby', KEYS[6], 'sent', 1)
    return 1
  end
  return 0
end
redis.call('zrem', KEYS[4], id)
redis.call('hdel', KEYS[5], id)
if outcome == 'retry' or outcome == 'release' then
  if redis.call('get', KEYS[7]) == 'cancelled' then
    final(id, 'skipped:cancelled')
    if finish() == 1 then return 2 end
    return 1
  end
  redis.call('hset', KEYS[2], id, 'queued')
  redis.call('zadd', KEYS[3], tonumber(ARGV[6]), id)
  if outcome == 'retry' then redis.call('hincrby', KEYS[10], id, 1) end
  return 1
end
if outcome == 'sent' then final(id, 'sent') else final(id, outcome .. ':' .. ARGV[5]) end
if finish() == 1 then return 2 end
return 1`);

// ARGV: finishable, how many. The batch is cancelled: nothing more is claimed, claimed items are stopped at MARK_SENDING;
// up to that many queued items become skipped:cancelled. Returns {skipped, finished, still queued}.
const CANCEL = new LuaScript(`${FINISH}
redis.call('set', KEYS[7], 'cancelled')
local ids = redis.call('zrange', KEYS[3], 0, tonumber(ARGV[2]) - 1)
for _, id in ipairs(ids) do
  final(id, 'skipped:cancelled')
  redis.call('zrem', KEYS[3], id)
end
local left = redis.call('zcard', KEYS[3])
local finished = 0
if left == 0 then finished = finish() end
return {#ids, finished, left}`);

/**
 * Queued items a cancel script call skips: a broadcast to a whole membership is cancelled a slice at a time, so no
 * script holds Redis (and every member's message waiting on it) for the whole queue.
 */
const CANCEL_SLICE = 500;

// ARGV: finishable, due, then ids. Items cut off mid-send (failed:interrupted) go back to the queue: staff chose to send
// them again, knowing some may arrive twice. Parts already confirmed sent stay counted (only the rest goes). The batch
// can finish again. Returns how many were queued.
const REQUEUE = new LuaScript(`${QUEUE}
local n = 0
for i = 3, #ARGV do
  local id = ARGV[i]
  if redis.call('hget', KEYS[2], id) == 'failed:interrupted' then
    queue(id, tonumber(ARGV[2]))
    redis.call('hincrby', KEYS[6], 'failed', -1)
    redis.call('hincrby', KEYS[6], 'pending', 1)
    redis.call('hdel', KEYS[10], id)
    redis.call('zrem', KEYS[12], id)
    n = n + 1
  end
end
if n > 0 then redis.call('del', KEYS[8]) end
return n`);

// ARGV: finishable, 'pause' | 'resume'. Returns 1 when changed.
const CONTROL = new LuaScript(`
local ctl = redis.call('get', KEYS[7])
if ctl == 'cancelled' then return 0 end
if ARGV[2] == 'pause' then
  if ctl == 'paused' then return 0 end
  redis.call('set', KEYS[7], 'paused')
  return 1
end
if ctl ~= 'paused' then return 0 end
redis.call('del', KEYS[7])
return 1`);

// ARGV: keep (ms), max. Forgets up to max items that ended more than keep ago: payload, state and bookkeeping.
// Returns how many. The batch's counts stay (they count every item since the batch began).
const PRUNE = new LuaScript(`${NOW_MS}
local ids = redis.call('zrangebyscore', KEYS[12], '-inf', nowMs() - tonumber(ARGV[1]), 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  for _, k in ipairs({1, 2, 5, 9, 10, 11}) do redis.call('hdel', KEYS[k], id) end
  redis.call('zrem', KEYS[12], id)
end
return #ids`);

// ARGV: ids. Items already final but not yet in 'ended' (ended before it existed) are noted as ending now.
const NOTE_ENDED = new LuaScript(`${NOW_MS}
local n = 0
for _, id in ipairs(ARGV) do
  local st = redis.call('hget', KEYS[2], id)
  if st and (st == 'sent' or string.match(st, '^failed:') or string.match(st, '^skipped:')) and redis.call('zadd', KEYS[12], 'NX', nowMs(), id) == 1 then n = n + 1 end
end
return n`);

// A finished run's batch deleted whole, checked in the same script: a resend queued meanwhile (REQUEUE clears
// 'done') keeps it. UNLINK frees a big run's items off Redis's main thread.
const FORGET = new LuaScript(`
if redis.call('exists', KEYS[8]) == 0 or tonumber(redis.call('hget', KEYS[6], 'pending') or '0') > 0 then return 0 end
redis.call('unlink', unpack(KEYS))
return 1`);

/** Items one PRUNE or NOTE_ENDED call handles: a slice, so no call holds Redis long. */
const PRUNE_SLICE = 500;

export interface ClaimedItem {
  id: string;
  payload: string;
  /** Replies of the item already sent before (a multi-part item retried after a failure in a later part). */
  partsSent: number;
  tries: number;
}

export type Outcome = { kind: 'sent' } | { kind: 'failed' | 'skipped'; reason: string } | { kind: 'retry' | 'release'; due: number };

export class Ledger {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  keysOf(batch: BatchId): string[] {
    return FIELDS.map((f) => this.keys.tagged(tagOf(groupOf(batch)), 'dl', batch, f));
  }
  /** Batches of a platform with work (or paused): the senders look here. One key, never in a script with a batch's keys. */
  activeKey(platform: Platform): string {
    return this.keys.k('dl', 'active', platform);
  }

  private fin(batch: BatchId): string {
    return groupOf(batch) === NOTIFY_GROUP ? '0' : '1';
  }

  /** Adds items (an id already in the batch is left alone: enqueueing twice is harmless). */
  async enqueue(batch: BatchId, items: { id: string; payload: string; state?: ItemState }[], due: number, client: Redis = this.redis): Promise<{ added: number; finished: boolean }> {
    let added = 0;
    let finished = false;
    for (let i = 0; i < items.length || i === 0; i += 500) {
      const args: string[] = [];
      for (const it of items.slice(i, i + 500)) args.push(it.id, it.payload, it.state && it.state !== 'queued' ? it.state : '');
      const [n, f] = (await ENQUEUE.run(client, this.keysOf(batch), [this.fin(batch), due, ...args])) as [number, number];
      added += n;
      finished ||= f === 1;
      if (items.length === 0) break;
    }
    await client.sadd(this.activeKey(platformOf(batch)), batch);
    return { added, finished };
  }

  async claim(batch: BatchId, owner: string, now: number, leaseMs: number, max: number, client: Redis = this.redis): Promise<{ finished: boolean; items: ClaimedItem[] }> {
    const [finished, rows] = (await CLAIM.run(client, this.keysOf(batch), [this.fin(batch), now, now + leaseMs, owner, max])) as [number, [string, string, string, string][]];
    return { finished: finished === 1, items: rows.map(([id, payload, parts, tries]) => ({ id, payload, partsSent: Number(parts), tries: Number(tries) })) };
  }

  async markSending(batch: BatchId, id: string, owner: string, now: number, leaseMs: number, client: Redis = this.redis): Promise<'go' | 'lost' | 'paused' | 'cancelled' | 'cancelled-finished'> {
    const r = Number(await MARK_SENDING.run(client, this.keysOf(batch), [this.fin(batch), id, owner, now + leaseMs, now]));
    return r === 1 ? 'go' : r === -1 ? 'paused' : r === -2 ? 'cancelled' : r === -3 ? 'cancelled-finished' : 'lost';
  }

  async renew(batch: BatchId, id: string, owner: string, now: number, leaseMs: number, partsSent?: number, client: Redis = this.redis): Promise<boolean> {
    return Number(await RENEW.run(client, this.keysOf(batch), [this.fin(batch), id, owner, now + leaseMs, partsSent === undefined ? '' : partsSent])) === 1;
  }

  /** Records the outcome; `finished` when this was the batch's last pending item. */
  async complete(batch: BatchId, id: string, owner: string, outcome: Outcome, client: Redis = this.redis): Promise<{ recorded: boolean; finished: boolean }> {
    const reason = 'reason' in outcome ? outcome.reason.replace(/\s+/g, ' ').slice(0, 120) : '';
    const due = 'due' in outcome ? outcome.due : 0;
    const r = Number(await COMPLETE.run(client, this.keysOf(batch), [this.fin(batch), id, owner, outcome.kind, reason, due]));
    return { recorded: r > 0, finished: r === 2 };
  }

  async cancel(batch: BatchId): Promise<{ skipped: number; finished: boolean }> {
    let skipped = 0;
    for (;;) {
      const [n, finished, left] = (await CANCEL.run(this.redis, this.keysOf(batch), [this.fin(batch), CANCEL_SLICE])) as [number, number, number];
      skipped += n;
      if (left === 0) return { skipped, finished: finished === 1 };
    }
  }

  async control(batch: BatchId, what: 'pause' | 'resume'): Promise<boolean> {
    return Number(await CONTROL.run(this.redis, this.keysOf(batch), [this.fin(batch), what])) === 1;
  }

  /** Puts items cut off mid-send back in the queue (a resend staff confirmed); returns how many. */
  async requeueInterrupted(batch: BatchId, ids: string[], due: number): Promise<number> {
    if (!ids.length) return 0;
    const n = Number(await REQUEUE.run(this.redis, this.keysOf(batch), [this.fin(batch), due, ...ids]));
    if (n > 0) await this.redis.sadd(this.activeKey(platformOf(batch)), batch);
    return n;
  }

  async counts(batch: BatchId): Promise<BatchCounts> {
    const h = await this.redis.hgetall(this.keysOf(batch)[5]!);
    const n = (k: string) => Math.max(0, Number(h[k] ?? 0));
    return { total: n('total'), pending: n('pending'), sent: n('sent'), failed: n('failed'), skipped: n('skipped') };
  }

  async isDone(batch: BatchId): Promise<boolean> {
    return (await this.redis.exists(this.keysOf(batch)[7]!)) === 1;
  }

  /** Every item's state (reports): the states alone, not the stored messages (a broadcast's whole text each). */
  async states(batch: BatchId): Promise<{ id: string; state: ItemState }[]> {
    // A batch may hold a whole membership: read a slice at a time, never in one blocking command.
    const states = await readHash(this.redis, this.keysOf(batch)[1]!);
    return [...states].map(([id, state]) => ({ id, state: state as ItemState }));
  }

  /** Items waiting in the queue, in queue order (tests and the harness read what would go out). */
  async queued(batch: BatchId): Promise<{ id: string; payload: string }[]> {
    const [itemsKey, , readyKey] = this.keysOf(batch);
    const ids = await this.redis.zrange(readyKey!, '0', '-1');
    if (!ids.length) return [];
    const payloads = await this.redis.hmget(itemsKey!, ...ids);
    return ids.flatMap((id, i) => (payloads[i] ? [{ id, payload: payloads[i] }] : []));
  }

  async active(platform: Platform, client: Redis = this.redis): Promise<BatchId[]> {
    return (await client.smembers(this.activeKey(platform))) as BatchId[];
  }

  /**
   * Forgets the items of an endless batch (notifications) that ended more than `keepMs` ago, at most `maxSlices`
   * slices of PRUNE_SLICE (the rest next time); returns how many. Until then an id queued again is still
   * recognised and not sent twice. One process at a time prunes a batch (a lease of `leaseMs`, freed when done:
   * another finding it taken returns 0). Items that ended without their end noted (before 'ended' existed, or
   * finished meanwhile by a process of that version during an upgrade) are noted first, once a day.
   */
  async prune(batch: BatchId, keepMs: number, { leaseMs, maxSlices }: { leaseMs: number; maxSlices: number }): Promise<number> {
    const keys = this.keysOf(batch);
    const lease = `${keys[11]!}:prune`;
    if ((await this.redis.set(lease, '1', 'PX', leaseMs, 'NX')) !== 'OK') return 0;
    try {
      const noted = `${keys[11]!}:noted`;
      if (!(await this.redis.exists(noted))) {
        let cursor = '0';
        do {
          const [next, ids] = await this.redis.hscan(keys[1]!, cursor, 'COUNT', String(PRUNE_SLICE));
          const only = ids.filter((_, i) => i % 2 === 0);
          if (only.length) await NOTE_ENDED.run(this.redis, keys, only);
          cursor = next;
        } while (cursor !== '0');
        await this.redis.set(noted, '1', 'EX', 86_400);
      }
      let pruned = 0;
      for (let slice = 0; slice < maxSlices; slice++) {
        const n = Number(await PRUNE.run(this.redis, keys, [keepMs, PRUNE_SLICE]));
        pruned += n;
        if (n < PRUNE_SLICE) break;
      }
      return pruned;
    } finally {
      await this.redis.del(lease);
    }
  }

  /** Deletes a finished batch and everything it kept (its items, their states: its report); false if it is not finished. */
  async forget(batch: BatchId): Promise<boolean> {
    if (Number(await FORGET.run(this.redis, this.keysOf(batch), [])) !== 1) return false;
    await this.retire(batch);
    return true;
  }

  async retire(batch: BatchId, client: Redis = this.redis): Promise<void> {
    await client.srem(this.activeKey(platformOf(batch)), batch);
  }
}

/** The endless batch every notification of a platform goes into. */
export const NOTIFY_GROUP = 'notify';
