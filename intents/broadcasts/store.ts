/**
 * Broadcast records and subscriptions in Redis. A broadcast's keys share the hash tag `{bc:<id>}` with its
 * delivery batches (one Redis Cluster slot per broadcast); the list, the sequence and the subscriptions are
 * single keys.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Keys } from '../../src/core/keys.ts';
import { addressSchema, type Address, type MemberKey } from '../../src/core/message.ts';
import { readRecord, type RecordLogger } from '../../src/core/records.ts';
import { LuaScript } from '../../src/core/lua.ts';
import { readHash, readSet } from '../../src/core/redis.ts';

// KEYS: subscribers, their order. ARGV: members. Each one subscribed now is put in the order (an index build
// racing an unsubscribe adds nobody who left).
const ORDER_ADD = new LuaScript(`
for _, m in ipairs(ARGV) do
  if redis.call('HEXISTS', KEYS[1], m) == 1 then redis.call('ZADD', KEYS[2], 'NX', 0, m) end
end
return 1
`);

// KEYS: subscribers, their order. ARGV: members. Each one no longer subscribed leaves the order.
const ORDER_DROP = new LuaScript(`
for _, m in ipairs(ARGV) do
  if redis.call('HEXISTS', KEYS[1], m) == 0 then redis.call('ZREM', KEYS[2], m) end
end
return 1
`);

/** Members handed to one ORDER_ADD or ORDER_DROP call. */
const ORDER_BATCH = 500;

const COMPARE_AND_SET = new LuaScript(`
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('set', KEYS[1], ARGV[2])
return 1`);

export const audienceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('all-groups') }),
  z.object({ kind: z.literal('groups'), groups: z.array(z.object({ name: z.string(), address: addressSchema })).min(1) }),
  z.object({ kind: z.literal('source'), source: z.string(), key: z.string(), label: z.string() }),
  z.object({ kind: z.literal('subscribers') }),
  z.object({ kind: z.literal('staff') }),
]);
export type Audience = z.infer<typeof audienceSchema>;

export const scheduleSchema = z.object({ kind: z.enum(['now', 'at', 'daily', 'weekly']), at: z.number().optional() });
export type Schedule = z.infer<typeof scheduleSchema>;

export const STATUSES = ['pending', 'scheduled', 'sending', 'paused', 'done', 'cancelled'] as const;
export type BroadcastStatus = (typeof STATUSES)[number];

const recordSchema = z.object({
  v: z.literal(1),
  id: z.number().int().positive(),
  author: z.string(),
  authorName: z.string(),
  /** The author's private chat: told when a run finishes. */
  authorChat: addressSchema,
  audience: audienceSchema,
  text: z.string(),
  file: z.object({ name: z.string(), mimeType: z.string() }).optional(),
  schedule: scheduleSchema,
  status: z.enum(STATUSES),
  approvedBy: z.string().optional(),
  createdAt: z.number(),
  /** Runs started so far (a daily broadcast runs many times); the latest is reported. */
  runs: z.number().int().nonnegative(),
  /** When the next run is due (scheduled ones). */
  nextRunAt: z.number().optional(),
  /** How many times staff sent the latest run's interrupted targets again. */
  resends: z.number().int().nonnegative().optional(),
});
export type BroadcastRecord = z.infer<typeof recordSchema>;

export class BroadcastStore {
  constructor(
    readonly redis: Redis,
    private readonly keys: Keys,
    private readonly logger: RecordLogger,
  ) {}

  private tag(id: number) {
    return this.keys.tagged(`bc:${id}`);
  }
  recKey(id: number) {
    return `${this.tag(id)}:rec`;
  }
  /** The broadcast's one image or file, stored once (sealed with the data key) and read by every send. */
  fileKey(id: number) {
    return `${this.tag(id)}:file`;
  }
  private runKey(id: number, run: number) {
    return `${this.tag(id)}:run:${run}`;
  }
  private get listKey() {
    return this.keys.k('bc', 'list');
  }
  // Subscribing and leaving touch both in one MULTI: one hash tag (Redis Cluster).
  private get subsKey() {
    return this.keys.tagged('bc:members', 'subs');
  }
  private get optoutKey() {
    return this.keys.tagged('bc:members', 'optout');
  }
  /** Whether this process has checked the order index against the subscribers once. */
  private orderChecked = false;

  /** The subscribers by member key (all scored 0, so in key order): the console pages through it. */
  private get subsOrderKey() {
    return this.keys.tagged('bc:members', 'order');
  }
  /** A file sent while the form is open waits here, sealed (not in the session, which is JSON). */
  draftFileKey(member: string) {
    return this.keys.k('bc', 'draftfile', member);
  }

  /** `sealedFile`: the attachment as Delivery.sealFile made it. */
  async create(rec: Omit<BroadcastRecord, 'v' | 'id' | 'runs'>, sealedFile?: Buffer): Promise<BroadcastRecord> {
    const id = await this.redis.incr(this.keys.k('bc', 'seq'));
    const full: BroadcastRecord = { v: 1, id, runs: 0, ...rec };
    const batch = this.redis.multi().set(this.recKey(id), JSON.stringify(full));
    if (sealedFile) batch.set(this.fileKey(id), sealedFile);
    await batch.exec();
    await this.redis.zadd(this.listKey, rec.createdAt, String(id));
    return full;
  }

  /**
   * Every broadcast's stored attachment sealed again under the current key (`npm run cli -- rekey`): a recurring
   * broadcast reads its file at every run, long after the key that sealed it may be gone. A file deleted
   * meanwhile stays deleted (SET … XX).
   */
  async resealFiles(reseal: (stored: Buffer) => Buffer | null): Promise<{ rekeyed: number; current: number }> {
    const counts = { rekeyed: 0, current: 0 };
    for (const id of await this.redis.zrange(this.listKey, '0', '-1')) {
      const stored = await this.redis.getBuffer(this.fileKey(Number(id)));
      if (!stored) continue;
      const sealed = reseal(stored);
      if (!sealed) counts.current++;
      else if (await this.redis.set(this.fileKey(Number(id)), sealed, 'XX')) counts.rekeyed++;
    }
    return counts;
  }

  /** `log`, here and below: where a corrupt record is reported (an operation passes its actor's, which carries the request id). */
  async get(id: number, log: RecordLogger = this.logger): Promise<BroadcastRecord | null> {
    return readRecord(recordSchema, await this.redis.get(this.recKey(id)), log, `broadcast ${id}`);
  }

  /** Changes a record with an optimistic check (compare and set): `change` returns null to leave it as it is. */
  async update(
    id: number,
    change: (rec: BroadcastRecord) => BroadcastRecord | null,
    log: RecordLogger = this.logger,
  ): Promise<{ before: BroadcastRecord; after: BroadcastRecord } | null> {
    const key = this.recKey(id);
    for (let attempt = 0; attempt < 20; attempt++) {
      const raw = await this.redis.get(key);
      const before = readRecord(recordSchema, raw, log, `broadcast ${id}`);
      if (!before || raw === null) return null;
      const after = change(before);
      if (!after) return null;
      if (Number(await COMPARE_AND_SET.run(this.redis, [key], [raw, JSON.stringify(after)])) === 1) return { before, after };
    }
    throw new Error(`broadcast ${id}: too many concurrent updates`);
  }

  /** True once per run number: the run that wins queues the sends (a job run twice queues nothing twice). */
  async claimRun(id: number, run: number): Promise<boolean> {
    return (await this.redis.set(this.runKey(id, run), '1', 'NX')) === 'OK';
  }

  async recent(limit = 10, log?: RecordLogger): Promise<BroadcastRecord[]> {
    const ids = await this.redis.zrevrange(this.listKey, 0, limit - 1);
    const recs = await Promise.all(ids.map((id) => this.get(Number(id), log)));
    return recs.filter((r): r is BroadcastRecord => r !== null);
  }

  // ---- subscriptions ----

  async subscribe(member: MemberKey, address: Address): Promise<boolean> {
    const [[, added]] = (await this.redis.multi().hset(this.subsKey, member, JSON.stringify(address)).zadd(this.subsOrderKey, 0, member).srem(this.optoutKey, member).exec()) as [[null, number]];
    return added === 1;
  }

  /** Leaves the subscribers and records the opt-out, which every later broadcast to members honours. */
  async unsubscribe(member: MemberKey): Promise<boolean> {
    const [[, removed]] = (await this.redis.multi().hdel(this.subsKey, member).zrem(this.subsOrderKey, member).sadd(this.optoutKey, member).exec()) as [[null, number]];
    return removed === 1;
  }

  async subscribers(): Promise<{ member: MemberKey; address: Address }[]> {
    return [...(await readHash(this.redis, this.subsKey))].flatMap(([member, raw]) => {
      const address = readRecord(addressSchema, raw, this.logger, `subscriber ${member}`);
      return address ? [{ member: member as MemberKey, address }] : [];
    });
  }

  /**
   * One page of subscribers, in member-key order, and how many there are (the console lists them): the page is
   * read from the order index, never the whole hash.
   */
  async subscriberPage(page: number, size: number): Promise<{ subscribers: { member: MemberKey; address: Address }[]; total: number }> {
    const [total, ordered] = await Promise.all([this.redis.hlen(this.subsKey), this.redis.zcard(this.subsOrderKey)]);
    // Mended when the counts differ, and once per process (an older process may have added one and removed another).
    if (ordered !== total || !this.orderChecked) await this.rebuildOrder();
    this.orderChecked = true;
    const read = async () => {
      const members = await this.redis.zrange(this.subsOrderKey, String((page - 1) * size), String(page * size - 1));
      return { members, raws: members.length ? await this.redis.hmget(this.subsKey, ...members) : [] };
    };
    let { members, raws } = await read();
    // Someone on the page left without leaving the index (an older process): mend it, then read the page again.
    if (raws.some((raw) => raw === null)) {
      await this.rebuildOrder();
      ({ members, raws } = await read());
    }
    const subscribers = members.flatMap((member, i) => {
      const raw = raws[i];
      const address = raw == null ? null : readRecord(addressSchema, raw, this.logger, `subscriber ${member}`);
      return address ? [{ member: member as MemberKey, address }] : [];
    });
    return { subscribers, total };
  }

  /**
   * Makes the order index hold exactly the subscribers: built from the hash the first time (subscriptions from
   * before it existed), and mended after a process of an older version subscribed or removed someone.
   */
  private async rebuildOrder(): Promise<void> {
    const keys = [this.subsKey, this.subsOrderKey];
    const subscribed = [...(await readHash(this.redis, this.subsKey)).keys()];
    for (let i = 0; i < subscribed.length; i += ORDER_BATCH) await ORDER_ADD.run(this.redis, keys, subscribed.slice(i, i + ORDER_BATCH));
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.zscan(this.subsOrderKey, cursor, 'COUNT', ORDER_BATCH);
      const members = flat.filter((_, i) => i % 2 === 0);
      if (members.length) await ORDER_DROP.run(this.redis, keys, members);
      cursor = next;
    } while (cursor !== '0');
  }

  async optedOutCount(): Promise<number> {
    return this.redis.scard(this.optoutKey);
  }

  async optedOut(): Promise<Set<string>> {
    return readSet(this.redis, this.optoutKey);
  }
}
