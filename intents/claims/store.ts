/**
 * The durable claim queue in Redis. A claim is one JSON value; the pending queue, the member index and
 * the person index (keyed fingerprint of the ID number) are sorted sets. Writes are single Lua scripts, so
 * a claim is either fully there (record + queue + indexes) or not at all, and with appendfsync always it
 * is on disk before "已提交" is returned. Sensitive fields are encrypted; everything read is parsed with zod.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { AuditLog } from '../../src/core/audit.ts';
import type { FieldCipher } from '../../src/core/crypto.ts';
import type { Role } from '../../src/core/service.ts';
import type { Keys } from '../../src/core/keys.ts';
import { addressSchema, type Address, type MemberKey } from '../../src/core/message.ts';
import { storedFileSchema, type StoredFile } from './documents.ts';
import type { Plan } from './plans.ts';
import { chinaToday } from '../../src/kit/fields.ts';

export const CLAIM_STATUSES = ['pending', 'needs_more', 'approved', 'rejected'] as const;
export type ClaimStatus = (typeof CLAIM_STATUSES)[number];

const sealed = z.string().startsWith('v1:');
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
  member: z.string().regex(/^(web|telegram|wechat):.+$/).transform((s) => s as MemberKey),
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
  history: z.array(
    z.object({ at: z.string(), status: z.enum(CLAIM_STATUSES), actor: z.string(), note: z.string().optional() }),
  ),
});
export type Claim = z.infer<typeof claimSchema>;

/** What the form hands over: sensitive values in clear, encrypted here. */
export interface ClaimInput {
  draftId: string;
  address: Address;
  plan: Plan;
  consent: { version: string; at: string };
  name: string;
  idNumber: string;
  mobile: string;
  workUnit: string;
  dates: { admissionDate?: string; dischargeDate?: string; diagnosisDate?: string; accidentDate?: string };
  hospital: string;
  diagnosis: string;
  amountCents: number;
  estimatedPayoutCents: number;
  bankCard: string;
  bankName: string;
  documents: Array<StoredFile & { docId: string; docName: string }>;
}

/** Decrypted sensitive fields, for the member's own summary and for admins. */
export interface ClaimSecrets {
  idNumber: string;
  mobile: string;
  diagnosis: string;
  bankCard: string;
}

/** Who is acting: every store operation needs one, and checks it. */
export interface Actor {
  key: MemberKey;
  roles: ReadonlySet<Role>;
}

export class ClaimForbiddenError extends Error {}
export class ClaimStateError extends Error {
  constructor(
    readonly code: 'not_found' | 'bad_status' | 'over_claim_limit' | 'over_year_limit' | 'conflict',
    message: string,
    readonly detail: { status?: ClaimStatus; remainingCents?: number; limitCents?: number } = {},
  ) {
    super(message);
  }
}

const CLAIM_NO_PLACEHOLDER = '__CLAIM_NO__';

// KEYS: draft, seq, pending, memberIndex, personIndex. ARGV: json, day, score, claimKeyPrefix, draftTtl.
const SUBMIT_LUA = `
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
redis.call('SET', KEYS[1], no, 'EX', ARGV[5])
return {no, 1}
`;

// KEYS: claim, pending. ARGV: expectedRev, newJson, pendingOp (add|rem|keep), score, no.
const TRANSITION_LUA = `
local cur = redis.call('GET', KEYS[1])
if not cur then return 'missing' end
local rev = cjson.decode(cur)['rev']
if tonumber(rev) ~= tonumber(ARGV[1]) then return 'conflict' end
redis.call('SET', KEYS[1], ARGV[2])
if ARGV[3] == 'add' then redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
elseif ARGV[3] == 'rem' then redis.call('ZREM', KEYS[2], ARGV[5]) end
return 'ok'
`;

export const CLAIM_NO_RE = /HZ-\d{8}-\d{4,}/i;

export class ClaimStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly cipher: FieldCipher,
    private readonly audit: AuditLog,
    private readonly plans: { find(id: string): Plan | undefined },
  ) {}

  private claimKey(no: string) {
    return this.keys.k('claims', 'c', no);
  }
  private get pendingKey() {
    return this.keys.k('claims', 'pending');
  }
  private memberKey(member: string) {
    return this.keys.k('claims', 'member', member);
  }
  private personKey(fp: string) {
    return this.keys.k('claims', 'person', fp);
  }

  /**
   * Writes a new claim atomically (record + pending queue + indexes) and returns its number.
   * Idempotent per draftId: submitting the same form twice returns the first number.
   */
  async submit(actor: Actor, input: ClaimInput, now: Date): Promise<{ claim: Claim; created: boolean }> {
    if (input.address.chatType !== 'private') throw new ClaimForbiddenError('claims are submitted in private chats only');
    const at = now.toISOString();
    const enc = (v: string, field: string) => this.cipher.encrypt(v, `claim:${field}`);
    const record: Claim = {
      no: CLAIM_NO_PLACEHOLDER,
      rev: 0,
      member: actor.key,
      address: input.address,
      planId: input.plan.id,
      planName: input.plan.name,
      status: 'pending',
      submittedAt: at,
      updatedAt: at,
      consent: input.consent,
      applicant: { name: input.name, idNumber: enc(input.idNumber, 'idNumber'), mobile: enc(input.mobile, 'mobile'), workUnit: input.workUnit },
      event: { ...input.dates, hospital: input.hospital, diagnosis: enc(input.diagnosis, 'diagnosis') },
      amountCents: input.amountCents,
      estimatedPayoutCents: input.estimatedPayoutCents,
      bank: { card: enc(input.bankCard, 'bankCard'), cardLast4: input.bankCard.slice(-4), bankName: input.bankName },
      documents: input.documents.map((d) => ({ ...d, addedAt: at })),
      idFingerprint: this.cipher.fingerprint(input.idNumber, 'idNumber'),
      history: [{ at, status: 'pending', actor: actor.key }],
    };
    // "no" is the first property, so the placeholder replaced by the script is this one.
    const json = JSON.stringify(record);
    const day = chinaToday(now).replace(/-/g, '');
    const res = z
      .tuple([z.string(), z.number()])
      .parse(
        await this.redis.eval(
          SUBMIT_LUA,
          5,
          this.keys.k('claims', 'draft', input.draftId),
          this.keys.k('claims', 'seq', day),
          this.pendingKey,
          this.memberKey(actor.key),
          this.personKey(record.idFingerprint),
          json,
          day,
          String(now.getTime()),
          this.keys.k('claims', 'c', ''),
          String(30 * 86400),
        ),
      );
    const [no, created] = res;
    const claim = await this.get(no);
    if (!claim) throw new Error(`claim ${no} vanished right after submit`);
    if (created === 1) {
      await this.audit.record({ actor: actor.key, action: 'claim.submit', target: no, before: null, after: 'pending', at: now });
    }
    return { claim, created: created === 1 };
  }

  /** Raw (still encrypted) claim, or null. Internal: callers go through the actor-checked methods. */
  private async get(no: string): Promise<Claim | null> {
    const raw = await this.redis.get(this.claimKey(no.toUpperCase()));
    return raw ? claimSchema.parse(JSON.parse(raw)) : null;
  }

  private async getMany(nos: string[]): Promise<Claim[]> {
    if (nos.length === 0) return [];
    const raws = await this.redis.mget(...nos.map((n) => this.claimKey(n)));
    return raws.flatMap((r) => (r ? [claimSchema.parse(JSON.parse(r))] : []));
  }

  decrypt(claim: Claim): ClaimSecrets {
    const dec = (v: string, field: string) => this.cipher.decrypt(v, `claim:${field}`);
    return {
      idNumber: dec(claim.applicant.idNumber, 'idNumber'),
      mobile: dec(claim.applicant.mobile, 'mobile'),
      diagnosis: dec(claim.event.diagnosis, 'diagnosis'),
      bankCard: dec(claim.bank.card, 'bankCard'),
    };
  }

  private requireAdmin(actor: Actor): void {
    if (!actor.roles.has('admin')) throw new ClaimForbiddenError(`${actor.key} is not an admin`);
  }

  /** The actor's own claims, newest first. Nobody sees another member's claims here. */
  async listForMember(actor: Actor, limit = 20): Promise<Claim[]> {
    const nos = await this.redis.zrevrange(this.memberKey(actor.key), 0, limit - 1);
    return (await this.getMany(nos)).filter((c) => c.member === actor.key);
  }

  /** One of the actor's own claims; null for unknown numbers and for other members' claims alike. */
  async getForMember(actor: Actor, no: string): Promise<Claim | null> {
    const claim = await this.get(no);
    return claim && claim.member === actor.key ? claim : null;
  }

  /** Admin: the review queue, oldest first. */
  async listPending(actor: Actor, limit = 50): Promise<Claim[]> {
    this.requireAdmin(actor);
    return this.getMany(await this.redis.zrange(this.pendingKey, '0', String(limit - 1)));
  }

  async pendingCount(actor: Actor): Promise<number> {
    this.requireAdmin(actor);
    return this.redis.zcard(this.pendingKey);
  }

  /** Admin: one claim with its sensitive fields decrypted; the access itself is audited. */
  async getForAdmin(actor: Actor, no: string, now: Date): Promise<{ claim: Claim; secrets: ClaimSecrets } | null> {
    this.requireAdmin(actor);
    const claim = await this.get(no);
    if (!claim) return null;
    await this.audit.record({ actor: actor.key, action: 'claim.view', target: claim.no, before: claim.status, after: claim.status, at: now });
    return { claim, secrets: this.decrypt(claim) };
  }

  /** Sum of approved payouts for the same person and plan in the given year (China time). */
  async paidThisYear(claim: Claim, year: string): Promise<number> {
    const nos = await this.redis.zrange(this.personKey(claim.idFingerprint), '0', '-1');
    const claims = await this.getMany(nos);
    return claims
      .filter((c) => c.planId === claim.planId && c.status === 'approved' && c.no !== claim.no)
      .filter((c) => chinaToday(new Date(c.updatedAt)).slice(0, 4) === year)
      .reduce((sum, c) => sum + (c.payoutCents ?? 0), 0);
  }

  async approve(actor: Actor, no: string, payoutCents: number, note: string, now: Date): Promise<Claim> {
    this.requireAdmin(actor);
    return this.transition(actor, no, now, 'claim.approve', ['pending', 'needs_more'], async (c) => {
      const plan = this.plans.find(c.planId);
      const limit = Math.round((plan?.limits.maxPerClaim ?? Infinity) * 100);
      if (payoutCents > limit) throw new ClaimStateError('over_claim_limit', `payout above the per-claim limit`, { limitCents: limit });
      if (plan) {
        const paid = await this.paidThisYear(c, chinaToday(now).slice(0, 4));
        const remaining = Math.max(0, Math.round(plan.limits.maxPerYear * 100) - paid);
        if (payoutCents > remaining) throw new ClaimStateError('over_year_limit', 'payout above the yearly limit', { remainingCents: remaining });
      }
      return { ...c, status: 'approved', payoutCents, request: undefined };
    }, 'rem', note);
  }

  async reject(actor: Actor, no: string, reason: string, now: Date): Promise<Claim> {
    this.requireAdmin(actor);
    return this.transition(actor, no, now, 'claim.reject', ['pending', 'needs_more'], async (c) => ({ ...c, status: 'rejected', request: undefined }), 'rem', reason);
  }

  /** Admin asks the member for more documents: the claim leaves the queue until the member adds them. */
  async requestMore(actor: Actor, no: string, request: string, now: Date): Promise<Claim> {
    this.requireAdmin(actor);
    return this.transition(actor, no, now, 'claim.needmore', ['pending', 'needs_more'], async (c) => ({ ...c, status: 'needs_more', request }), 'rem', request);
  }

  /** The member adds documents to their own claim in needs_more; it returns to the review queue. */
  async addDocuments(actor: Actor, no: string, files: Array<StoredFile & { docId: string; docName: string }>, now: Date): Promise<Claim> {
    const at = now.toISOString();
    return this.transition(actor, no, now, 'claim.supplement', ['needs_more'], async (c) => {
      if (c.member !== actor.key) throw new ClaimForbiddenError('only the claimant may add documents');
      return { ...c, status: 'pending', request: undefined, documents: [...c.documents, ...files.map((f) => ({ ...f, addedAt: at }))] };
    }, 'add', `补充 ${files.length} 份材料`, true);
  }

  /** Compare-and-set on `rev`, retried on a concurrent change; audited before → after. */
  private async transition(
    actor: Actor,
    no: string,
    now: Date,
    action: string,
    from: readonly ClaimStatus[],
    change: (c: Claim) => Promise<Claim>,
    queue: 'add' | 'rem',
    note: string,
    memberOnly = false,
  ): Promise<Claim> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const cur = await this.get(no);
      if (!cur || (memberOnly && cur.member !== actor.key)) throw new ClaimStateError('not_found', `claim ${no} not found`);
      if (!from.includes(cur.status)) throw new ClaimStateError('bad_status', `claim ${no} is ${cur.status}`, { status: cur.status });
      const changed = await change(cur);
      const next: Claim = claimSchema.parse({
        ...changed,
        rev: cur.rev + 1,
        updatedAt: now.toISOString(),
        history: [...cur.history, { at: now.toISOString(), status: changed.status, actor: actor.key, note: note || undefined }],
      });
      const res = await this.redis.eval(TRANSITION_LUA, 2, this.claimKey(cur.no), this.pendingKey, String(cur.rev), JSON.stringify(next), queue, String(now.getTime()), cur.no);
      if (res === 'ok') {
        await this.audit.record({ actor: actor.key, action, target: cur.no, before: cur.status, after: next.status, note: note || undefined, at: now });
        return next;
      }
      if (res === 'missing') throw new ClaimStateError('not_found', `claim ${no} not found`);
    }
    throw new ClaimStateError('conflict', `claim ${no} keeps changing; try again`);
  }
}
