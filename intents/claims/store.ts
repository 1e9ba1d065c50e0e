/**
 * The durable claim queue in Redis: keys, Lua and (de)serialization only (rules live in service.ts).
 * A claim is one JSON value; the pending queue, the member index and the person index (keyed fingerprint
 * of the ID number) are sorted sets. Writes are single Lua scripts, so a claim is either fully there
 * (record + queue + indexes) or not at all, and with appendfsync always it is on disk before "已提交" is
 * returned. Every read goes through readRecord: a corrupt claim is logged and treated as missing.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { SEALED_VALUE } from '../../src/core/crypto.ts';
import type { KeyRename } from '../../src/core/key-migration.ts';
import type { Keys } from '../../src/core/keys.ts';
import { LuaScript } from '../../src/core/lua.ts';
import { addressSchema, memberKeySchema, type MemberKey } from '../../src/core/message.ts';
import { readRecord, type RecordLogger } from '../../src/core/records.ts';
import { awaitReplicas, scanKeys } from '../../src/core/redis.ts';
import { chinaToday } from '../../src/kit/fields.ts';
import { storedFileSchema } from './documents.ts';

export const CLAIM_STATUSES = ['pending', 'needs_more', 'approved', 'rejected'] as const;
export type ClaimStatus = (typeof CLAIM_STATUSES)[number];

const sealed = z.string().regex(SEALED_VALUE);
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const claimDocumentSchema = storedFileSchema.extend({
  docId: z.string(),
  docName: z.string(),
  addedAt: z.string(),
});
export type ClaimDocument = z.infer<typeof claimDocumentSchema>;

export const claimSchema = z.object({
  no: z.string().regex(/^HZ-\d{8}-\d{4,}$/),
  rev: z.number().int().nonnegative(),
  member: memberKeySchema,
  address: addressSchema,
  planId: z.string(),
  planName: z.string(),
  status: z.enum(CLAIM_STATUSES),
  submittedAt: z.string(),
  updatedAt: z.string(),
  consent: z.object({ version: z.string(), at: z.string() }),
  applicant: z.object({ name: z.string(), idNumber: sealed, mobile: sealed, workUnit: z.string() }),
  event: z.object({
    admissionDate: isoDate.optional(),
    dischargeDate: isoDate.optional(),
    diagnosisDate: isoDate.optional(),
    accidentDate: isoDate.optional(),
    hospital: z.string(),
    diagnosis: sealed,
  }),
  amountCents: z.number().int().positive(),
  estimatedPayoutCents: z.number().int().nonnegative(),
  bank: z.object({ card: sealed, cardLast4: z.string().regex(/^\d{4}$/), bankName: z.string() }),
  documents: z.array(claimDocumentSchema),
  idFingerprint: z.string(),
  payoutCents: z.number().int().nonnegative().optional(),
  /** What the reviewer asked for when status is needs_more. */
  request: z.string().optional(),
  /** When retention removed the documents and personal fields (CLAIM_RETENTION_DAYS after the decision). */
  purgedAt: z.string().optional(),
  history: z.array(
    z.object({ at: z.string(), status: z.enum(CLAIM_STATUSES), actor: z.string(), note: z.string().optional() }),
  ),
});
export type Claim = z.infer<typeof claimSchema>;
/** A claim before the store numbers it. */
export type NewClaim = Omit<Claim, 'no'>;

export const CLAIM_NO_RE = /HZ-\d{8}-\d{4,}/i;

const CLAIM_NO_PLACEHOLDER = '__CLAIM_NO__';

// KEYS: draft, seq, pending, memberIndex, personIndex, allIndex, then the claim's clue indexes (see `clueKeys`).
// ARGV: json, day, score, claimKeyPrefix, draftTtl.
const SUBMIT = new LuaScript(`
local existing = redis.call('GET', KEYS[1])
if existing then return {existing, 0} end
local n = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], 259200)
local no = 'HZ-' .. ARGV[2] .. '-' .. string.format('%04d', n)
local json = string.gsub(ARGV[1], '${CLAIM_NO_PLACEHOLDER}', no, 1)
local set = redis.call('SET', ARGV[4] .. no, json, 'NX')
if not set then return redis.error_reply('claim number collision ' .. no) end
redis.call('ZADD', KEYS[3], ARGV[3], no)
redis.call('ZADD', KEYS[4], ARGV[3], no)
redis.call('ZADD', KEYS[5], ARGV[3], no)
for i = 6, #KEYS do redis.call('ZADD', KEYS[i], ARGV[3], no) end
redis.call('SET', KEYS[1], no, 'EX', ARGV[5])
return {no, 1}
`);

// KEYS: claim, pending, old status index, new status index (the review queue for pending), then clue indexes to add the claim to (documents
// added). ARGV: expectedRev, newJson, pendingOp (add|rem), score, no, submission score.
const REPLACE = new LuaScript(`
local cur = redis.call('GET', KEYS[1])
if not cur then return 'missing' end
local rev = cjson.decode(cur)['rev']
if tonumber(rev) ~= tonumber(ARGV[1]) then return 'conflict' end
redis.call('SET', KEYS[1], ARGV[2])
if ARGV[3] == 'add' then redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
elseif ARGV[3] == 'rem' then redis.call('ZREM', KEYS[2], ARGV[5]) end
if KEYS[3] ~= KEYS[4] then
  redis.call('ZREM', KEYS[3], ARGV[5])
  redis.call('ZADD', KEYS[4], 'NX', ARGV[6], ARGV[5])
end
for i = 5, #KEYS do redis.call('ZADD', KEYS[i], 'NX', ARGV[6], ARGV[5]) end
return 'ok'
`);

// KEYS: the index, one status set per CLAIM_STATUSES entry (in that order), then claim records. ARGV: per record
// its number, submission time, and the rev and status the caller read. The status entries are set only if the
// record is still at that rev: a decision made since moved the claim itself (REPLACE), and an entry written from
// the earlier read would put it back in the set it left. The rev is matched in the text, not decoded: a sweep
// passes every claim through here, and decoding each would hold Redis several times longer.
const INDEX_RECORDS = new LuaScript(`
local statuses = {${CLAIM_STATUSES.map((s) => `'${s}'`).join(', ')}}
local first = 2 + #statuses
for i = first, #KEYS do
  local raw = redis.call('GET', KEYS[i])
  if raw then
    local a = (i - first) * 4
    local no, score, rev, status = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4]
    redis.call('ZADD', KEYS[1], 'NX', score, no)
    if string.match(raw, '"rev":(%d+)') == rev then
      for j, s in ipairs(statuses) do
        if s == status then redis.call('ZADD', KEYS[1 + j], 'NX', score, no)
        else redis.call('ZREM', KEYS[1 + j], no) end
      end
    end
  end
end
return 1
`);

// KEYS: claim, old person index, new person index. ARGV: expectedRev, newJson, no, score when not indexed yet.
const REKEY = new LuaScript(`
local cur = redis.call('GET', KEYS[1])
if not cur then return 'missing' end
local rev = cjson.decode(cur)['rev']
if tonumber(rev) ~= tonumber(ARGV[1]) then return 'conflict' end
redis.call('SET', KEYS[1], ARGV[2])
if KEYS[2] ~= KEYS[3] then
  local score = redis.call('ZSCORE', KEYS[2], ARGV[3]) or ARGV[4]
  redis.call('ZREM', KEYS[2], ARGV[3])
  redis.call('ZADD', KEYS[3], score, ARGV[3])
end
return 'ok'
`);

/** Keys of versions before the hash tags (`npm run cli -- migrate-keys`); the sweep lease and rekey runs keep their names. */
export const CLAIM_KEY_RENAMES: KeyRename[] = [
  { match: 'claims:*', rename: (rest) => (/^claims:(sweep|rekey):/.test(rest) ? null : `{claims}:${rest.slice('claims:'.length)}`) },
];

/** Keys read per command when reading many (claims per MGET, drafts' file lists per SUNION). */
const READ_BATCH = 500;

/** A submitted draft is remembered this long, so a retried submit returns the first number. */
const DRAFT_TTL_SECONDS = 30 * 86400;

/** Which page of a list, its size, the submission times it covers (ms, inclusive) and its order. */
export interface PageView {
  page: number;
  size: number;
  fromMs: number;
  toMs: number;
  oldestFirst: boolean;
}

export class ClaimStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly logger: RecordLogger,
  ) {}

  // Redis Cluster: numbering a claim writes the record, the review queue and the indexes in one script, so
  // every claim key shares the hash tag `claims` (one slot; claims are few beside conversations).
  private claimKey(no: string) {
    return this.keys.tagged('claims', 'c', no);
  }
  private get pendingKey() {
    return this.keys.tagged('claims', 'pending');
  }
  private memberKey(member: string) {
    return this.keys.tagged('claims', 'member', member);
  }
  private personKey(fp: string) {
    return this.keys.tagged('claims', 'person', fp);
  }
  /** Every claim number by submission time: lists read it instead of scanning the whole keyspace. */
  private get indexKey() {
    return this.keys.tagged('claims', 'all');
  }
  /**
   * The claims in one status (the console's status views, the counts in /metrics): the review queue for pending
   * ones, else an index by submission time. Exact: a decision moves the claim in the script that writes it, and
   * the index build and the sweep set a claim's entries only if its record is still the one they read
   * (`INDEX_RECORDS`).
   */
  private statusKey(status: ClaimStatus) {
    return status === 'pending' ? this.pendingKey : this.keys.tagged('claims', 'status', status);
  }
  /**
   * The claims sharing a clue to a duplicate, by submission time: the bank card's last four digits (kept in
   * clear) and each document's content hash. A claim review reads these instead of every claim.
   */
  private clueKeys(claim: Pick<Claim, 'bank' | 'documents'>): string[] {
    return [this.keys.tagged('claims', 'card', claim.bank.cardLast4), ...claim.documents.map((d) => this.keys.tagged('claims', 'doc', d.sha256))];
  }
  /** Set once the indexes hold the claims written before they existed (see `ensureIndexed`). */
  private get indexCompleteKey() {
    return this.keys.tagged('claims', 'all-complete');
  }
  private indexed: Promise<void> | undefined;

  /**
   * Numbers and writes a new claim atomically (record + pending queue + indexes).
   * Idempotent per draftId: the same draft again returns the first number with created = false.
   */
  async create(record: NewClaim, draftId: string, now: Date, log?: RecordLogger): Promise<{ no: string; created: boolean }> {
    // "no" is the first property, so the placeholder replaced by the script is this one.
    const json = JSON.stringify({ no: CLAIM_NO_PLACEHOLDER, ...record });
    const day = chinaToday(now).replace(/-/g, '');
    const raw = await SUBMIT.run(
      this.redis,
      [
        this.keys.tagged('claims', 'draft', draftId),
        this.keys.tagged('claims', 'seq', day),
        this.pendingKey,
        this.memberKey(record.member),
        this.personKey(record.idFingerprint),
        this.indexKey,
        ...this.clueKeys(record),
      ],
      [json, day, String(now.getTime()), this.claimKey(''), String(DRAFT_TTL_SECONDS)],
    );
    const [no, created] = z.tuple([z.string(), z.number()]).parse(raw);
    // The member is told the number next: a failover of the master must not lose it.
    await awaitReplicas(this.redis, this.pendingKey, log);
    return { no, created: created === 1 };
  }

  /**
   * `log`, here and below: where a corrupt claim is reported (an operation passes its actor's, which carries the
   * request id; the store's own otherwise).
   */
  async get(no: string, log: RecordLogger = this.logger): Promise<Claim | null> {
    const key = no.toUpperCase();
    return readRecord(claimSchema, await this.redis.get(this.claimKey(key)), log, `claim ${key}`);
  }

  private async getMany(nos: string[], log: RecordLogger = this.logger): Promise<Claim[]> {
    if (nos.length === 0) return [];
    const raws = await this.redis.mget(...nos.map((n) => this.claimKey(n)));
    return raws.flatMap((raw, i) => readRecord(claimSchema, raw, log, `claim ${nos[i] ?? '?'}`) ?? []);
  }

  /** A member's claims, newest first. */
  async ofMember(member: MemberKey, limit: number, log?: RecordLogger): Promise<Claim[]> {
    return this.getMany(await this.redis.zrevrange(this.memberKey(member), 0, limit - 1), log);
  }

  /** The review queue, oldest first (all of it without a limit). */
  async pending(limit = Infinity, log?: RecordLogger): Promise<Claim[]> {
    return this.getMany(await this.redis.zrange(this.pendingKey, '0', Number.isFinite(limit) ? String(limit - 1) : '-1'), log);
  }

  pendingCount(): Promise<number> {
    return this.redis.zcard(this.pendingKey);
  }

  /** Every claim of the person with any of these ID fingerprints (one per available key; any member account). */
  async ofPerson(idFingerprints: readonly string[], log?: RecordLogger): Promise<Claim[]> {
    const nos = new Set<string>();
    for (const fp of new Set(idFingerprints)) for (const no of await this.redis.zrange(this.personKey(fp), '0', '-1')) nos.add(no);
    return this.getMany([...nos], log);
  }

  /**
   * Up to `count` claims, the oldest and the newest half each (to check at start-up that the keys still decrypt
   * them: old claims under keys since replaced, new ones under the current key).
   */
  async sample(count: number): Promise<Claim[]> {
    await this.whenIndexed();
    const half = Math.ceil(count / 2);
    const [oldest, newest] = await Promise.all([this.redis.zrange(this.indexKey, '0', String(half - 1)), this.redis.zrevrange(this.indexKey, 0, half - 1)]);
    return this.getMany([...new Set([...oldest, ...newest])].slice(0, count));
  }

  /** Every claim, oldest first, from the index (a few reads, whatever else the keyspace holds). */
  async all(log?: RecordLogger): Promise<Claim[]> {
    await this.whenIndexed();
    return this.getAll(await this.redis.zrange(this.indexKey, '0', '-1'), log);
  }

  /**
   * One page of the claims submitted from `view.fromMs` to `view.toMs` (inclusive), of `status` or of any, and how
   * many there are: only that page is read, from an index scored by submission time (the review queue's, pending,
   * by when the claim (re-)entered it).
   */
  async page(view: PageView, status?: ClaimStatus, log?: RecordLogger): Promise<{ claims: Claim[]; total: number }> {
    await this.whenIndexed();
    const { page, size, fromMs, toMs, oldestFirst } = view;
    const key = status ? this.statusKey(status) : this.indexKey;
    const [min, max] = [Number.isFinite(fromMs) ? String(fromMs) : '-inf', Number.isFinite(toMs) ? String(toMs) : '+inf'];
    const offset = (page - 1) * size;
    const [nos, total] = await Promise.all([
      oldestFirst ? this.redis.zrangebyscore(key, min, max, 'LIMIT', offset, size) : this.redis.zrevrangebyscore(key, max, min, 'LIMIT', offset, size),
      this.redis.zcount(key, min, max),
    ]);
    const claims = await this.getMany(nos, log);
    // An entry a process of an older version left behind in a status's index (until the sweep mends it) is not shown.
    return { claims: status ? claims.filter((c) => c.status === status) : claims, total };
  }

  /** The claims in `status`, oldest first (an entry the index kept from an earlier status is left out). */
  async withStatus(status: ClaimStatus, log?: RecordLogger): Promise<Claim[]> {
    await this.whenIndexed();
    return (await this.getAll(await this.redis.zrange(this.statusKey(status), '0', '-1'), log)).filter((c) => c.status === status);
  }

  /** The claims sharing a bank card's last four digits or a document with `claim` (itself included). */
  async sharingClues(claim: Claim, log?: RecordLogger): Promise<Claim[]> {
    await this.whenIndexed();
    const lists = await Promise.all(this.clueKeys(claim).map((key) => this.redis.zrange(key, '0', '-1')));
    return this.getAll([...new Set(lists.flat())], log);
  }

  private async getAll(nos: string[], log?: RecordLogger): Promise<Claim[]> {
    const claims: Claim[] = [];
    for (let i = 0; i < nos.length; i += READ_BATCH) claims.push(...(await this.getMany(nos.slice(i, i + READ_BATCH), log)));
    return claims;
  }

  private whenIndexed(): Promise<void> {
    return (this.indexed ??= this.ensureIndexed().catch((err: unknown) => {
      this.indexed = undefined;
      throw err;
    }));
  }

  /**
   * Every claim record, found by SCAN (the server is never blocked), each added to the index if it is missing
   * there: the periodic sweep runs it, so a claim written by a process of a version before the index (during a
   * rolling upgrade) is listed from the next sweep on.
   */
  async scanAll(): Promise<Claim[]> {
    const prefix = this.claimKey('');
    const claims: Claim[] = [];
    await scanKeys(this.redis, `${prefix}*`, async (keys) => {
      const read = await this.getMany(keys.map((k) => k.slice(prefix.length)));
      // A claim without a readable submission time has no place in a time index (and would fail the script).
      const found: Claim[] = [];
      for (const c of read) {
        if (Number.isFinite(Date.parse(c.submittedAt))) found.push(c);
        else this.logger.warn({ claim: c.no }, 'claim with an unreadable submission time left out of the indexes');
      }
      if (found.length) {
        const score = (c: Claim) => String(Date.parse(c.submittedAt));
        const statusKeys = CLAIM_STATUSES.map((status) => this.statusKey(status));
        await INDEX_RECORDS.run(this.redis, [this.indexKey, ...statusKeys, ...found.map((c) => this.claimKey(c.no))], found.flatMap((c) => [c.no, score(c), String(c.rev), c.status]));
        // A clue only ever grows (documents are added, never removed): an earlier read adds nothing stale.
        const clues = this.redis.multi();
        for (const c of found) for (const key of this.clueKeys(c)) clues.zadd(key, 'NX', score(c), c.no);
        await clues.exec();
      }
      claims.push(...read);
    });
    return claims;
  }

  /** Builds the index from the records once (data from before it existed); any process may, at the same time. */
  private async ensureIndexed(): Promise<void> {
    if (await this.redis.exists(this.indexCompleteKey)) return;
    await this.scanAll();
    await this.redis.set(this.indexCompleteKey, '1');
  }

  /** How many claims are in each status (for /metrics): the size of each status set. */
  async countByStatus(): Promise<Record<string, number>> {
    await this.whenIndexed();
    const sizes = await Promise.all(CLAIM_STATUSES.map((status) => this.redis.zcard(this.statusKey(status))));
    return Object.fromEntries(CLAIM_STATUSES.map((status, i) => [status, sizes[i] ?? 0]));
  }

  /** Compare-and-set on `rev`: writes `next` only if the stored claim is still `cur`; adds to or leaves the queue. */
  async replace(cur: Claim, next: Claim, queue: 'add' | 'rem', now: Date): Promise<'ok' | 'missing' | 'conflict'> {
    const json = JSON.stringify(claimSchema.parse(next));
    const had = new Set(this.clueKeys(cur));
    const added = this.clueKeys(next).filter((key) => !had.has(key));
    const keys = [this.claimKey(cur.no), this.pendingKey, this.statusKey(cur.status), this.statusKey(next.status), ...added];
    const res = await REPLACE.run(this.redis, keys, [String(cur.rev), json, queue, String(now.getTime()), cur.no, String(Date.parse(cur.submittedAt))]);
    return z.enum(['ok', 'missing', 'conflict']).parse(res);
  }

  /** Compare-and-set on `rev` of a claim re-encrypted under the current key; moves it in the person index when its fingerprint changed. */
  async rekey(cur: Claim, next: Claim): Promise<'ok' | 'missing' | 'conflict'> {
    const json = JSON.stringify(claimSchema.parse(next));
    const keys = [this.claimKey(cur.no), this.personKey(cur.idFingerprint), this.personKey(next.idFingerprint)];
    const res = await REKEY.run(this.redis, keys, [String(cur.rev), json, cur.no, String(Date.parse(cur.submittedAt))]);
    return z.enum(['ok', 'missing', 'conflict']).parse(res);
  }
}

// KEYS: draft's files, the sha's holders, drafts. ARGV: sha256, draftId, holdUntil ms, how long the files set lives (ms, relative: Redis's clock is not the bot's).
const HOLD = new LuaScript(`
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`);

// KEYS: draft's files, drafts, claimed. ARGV: draftId, holders key prefix. Returns the files nobody else holds.
const RELEASE = new LuaScript(`
local free = {}
for _, sha in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local holders = ARGV[2] .. sha
  redis.call('SREM', holders, ARGV[1])
  if redis.call('SCARD', holders) == 0 and redis.call('SISMEMBER', KEYS[3], sha) == 0 then table.insert(free, sha) end
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return free
`);

// KEYS: the member's byte counter of the day. ARGV: bytes, limit. -1 when over the limit (nothing counted).
const COUNT_BYTES = new LuaScript(`
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used + tonumber(ARGV[1]) > tonumber(ARGV[2]) then return -1 end
redis.call('EXPIRE', KEYS[1], 172800)
return redis.call('INCRBY', KEYS[1], ARGV[1])
`);

/** The draft's file list outlives its hold by this much: the sweep releases it first, this only guards against leaks. */
const LEAK_GUARD_MS = 7 * 86400_000;

/**
 * Which stored documents are still wanted. Claims reference their documents; an unfinished form (a draft)
 * holds its uploads until it is submitted, cancelled or expires. A document neither claimed nor held by
 * any draft is deleted. Drafts live in sessions, so what they hold is tracked here instead of scanning them.
 */
export class UploadStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  // One hash tag for the upload bookkeeping: RELEASE walks the holders of each file in the same script.
  private draftFiles(draftId: string) {
    return this.keys.tagged('claims', 'up', 'draft', draftId);
  }
  private holdersPrefix() {
    return this.keys.tagged('claims', 'up', 'held', '');
  }
  private get draftsKey() {
    return this.keys.tagged('claims', 'up', 'drafts');
  }
  private get claimedKey() {
    return this.keys.tagged('claims', 'up', 'claimed');
  }

  /**
   * The draft holds this document until `until` (ms, at `now` by the bot's clock) unless touched or released
   * before. The list's own expiry is relative: Redis's clock may differ from the bot's (an injected one in tests).
   */
  async hold(draftId: string, sha256: string, until: number, now: number): Promise<void> {
    await HOLD.run(this.redis, [this.draftFiles(draftId), this.holdersPrefix() + sha256, this.draftsKey], [sha256, draftId, String(until), String(Math.max(until - now, 0) + LEAK_GUARD_MS)]);
  }

  /** A draft still being filled keeps its documents longer; drafts without uploads are not tracked. */
  async touch(draftId: string, until: number): Promise<void> {
    await this.redis.zadd(this.draftsKey, 'XX', until, draftId);
  }

  /** The draft ended (submitted, cancelled, expired): returns its documents that nothing references any more. */
  async release(draftId: string): Promise<string[]> {
    const free = await RELEASE.run(this.redis, [this.draftFiles(draftId), this.draftsKey, this.claimedKey], [draftId, this.holdersPrefix()]);
    return z.array(z.string()).parse(free);
  }

  /** Drafts whose hold ended before `before` (ms): abandoned forms. */
  expiredDrafts(before: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.draftsKey, '-inf', String(before), 'LIMIT', 0, 1000);
  }

  /** Documents now referenced by a claim (kept when a draft holding them too is released). */
  async claimed(sha256s: string[]): Promise<void> {
    if (sha256s.length) await this.redis.sadd(this.claimedKey, ...sha256s);
  }

  /** Every document a live draft holds: one SUNION per READ_BATCH drafts (their lists share the hash tag). */
  async held(): Promise<Set<string>> {
    const ids = await this.redis.zrange(this.draftsKey, '0', '-1');
    const held = new Set<string>();
    for (let i = 0; i < ids.length; i += READ_BATCH) {
      for (const sha of await this.redis.sunion(...ids.slice(i, i + READ_BATCH).map((id) => this.draftFiles(id)))) held.add(sha);
    }
    return held;
  }

  /** Counts a member's upload of the day; false (nothing counted) when it would pass `limit` bytes. */
  async countBytes(member: MemberKey, day: string, bytes: number, limit: number): Promise<boolean> {
    const res = await COUNT_BYTES.run(this.redis, [this.keys.k('claims', 'up', 'bytes', member, day)], [String(bytes), String(limit)]);
    return Number(res) >= 0;
  }
}
