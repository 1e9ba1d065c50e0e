/**
 * The mutual-aid operations — actor check → state change → audit → member notification, in one place —
 * called by the chat commands and the form now and by the web console later. They take an Actor and plain
 * arguments, never a TurnContext. Members only ever reach their own claims; review needs the admin role.
 */
import { z } from 'zod';
import { ForbiddenError, requireRole, type Actor, type MemberActor } from '../../src/core/actor.ts';
import { FieldCipher, loadEncryptionKey, MissingKeyError, UnreadableDataError } from '../../src/core/crypto.ts';
import type { Address, FileRef, MemberKey } from '../../src/core/message.ts';
import type { CoreDeps } from '../../src/core/service.ts';
import type { InboundAttachment } from '../../src/core/message.ts';
import type { Worker } from '../../src/core/service.ts';
import { addDays, chinaDateTime, chinaDayStart, chinaToday, formatYuan, maskText } from '../../src/kit/fields.ts';
import { DocumentStore, documentsDir, type SaveResult, type StoredFile } from './documents.ts';
import { findPlan, hospitalDays, loadPlans, payoutWorking, plansPath, type PayoutWorking, type Plan, type PlansFile } from './plans.ts';
import { ClaimStore, UploadStore, CLAIM_STATUSES, type Claim, type ClaimDocument, type ClaimStatus, type NewClaim } from './store.ts';
import { P, STATUS_LABELS } from './texts.ts';

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
  documents: NewDocument[];
}

export type NewDocument = StoredFile & { docId: string; docName: string };

/** Decrypted sensitive fields, for the reviewer. */
export interface ClaimSecrets {
  idNumber: string;
  mobile: string;
  diagnosis: string;
  bankCard: string;
}

export interface QueueFilter {
  planId?: string;
  status?: ClaimStatus;
  /** Submitted on or after / before this China date (YYYY-MM-DD). */
  from?: string;
  to?: string;
  /** A claim number (or part of it), or the applicant's name, masked as the list shows it or in full. */
  q?: string;
}

export interface Duplicate {
  kind: 'idNumber' | 'bankCard' | 'document';
  no: string;
  status: ClaimStatus;
  /** Which documents are identical. */
  detail?: string;
}

export interface ClaimReview {
  claim: Claim;
  secrets: ClaimSecrets;
  plan: Plan | null;
  working: PayoutWorking | null;
  /** Approved this year for the same person and plan (other claims). */
  yearPaidCents: number;
  remainingCents: number | null;
  /** The amount the approve form starts with: the rule's result within the yearly remainder. */
  suggestedCents: number;
  duplicates: Duplicate[];
}

export const isClaimStatus = (s: string): s is ClaimStatus => (CLAIM_STATUSES as readonly string[]).includes(s);

export class ClaimStateError extends Error {
  constructor(
    readonly code: 'not_found' | 'bad_status' | 'over_claim_limit' | 'over_year_limit' | 'conflict',
    message: string,
    readonly detail: { status?: ClaimStatus; remainingCents?: number; limitCents?: number } = {},
  ) {
    super(message);
  }
}

const payoutCents = z.number().int().nonnegative();
const reviewerText = z.string().trim().min(1);
/** Decisions a reviewer can still change. */
const UNDECIDED: readonly ClaimStatus[] = ['pending', 'needs_more'];
const TRANSITION_ATTEMPTS = 5;
/** Who deletes in the audit log when no person does (the sweep). */
const SYSTEM = 'system:claims-sweep';
/** Decided claims whose documents and personal fields retention removes. */
const DECIDED: readonly ClaimStatus[] = ['approved', 'rejected'];
/** A file on disk younger than this is never taken for unreferenced (its claim or draft may be being written). */
const ORPHAN_GRACE_MS = 3600_000;
const DAY_MS = 86400_000;
const MB = 1024 * 1024;

/** Claims and documents decrypted at start-up to check the keys. */
const KEY_CHECK_SAMPLE = 20;

export interface RekeyProgress {
  done: number;
  total: number;
  kind: 'claim' | 'document';
  id: string;
}
export interface RekeyCounts {
  total: number;
  /** Re-encrypted now. */
  claims: number;
  documents: number;
  /** Already under the current key (e.g. done by an interrupted run). */
  current: number;
  /** Not readable with any available key (logged); a rerun with the missing key configured finishes them. */
  failed: number;
  /** The interrupted run this one finished: when it started, how many items it had gone through. */
  resumed: { startedAt: string; done: number } | undefined;
}

/** Why an upload was not kept, beyond the file's own checks. */
export type UploadRefusal = 'too_many' | 'too_large' | 'daily';
export type UploadResult = SaveResult | { ok: false; error: UploadRefusal; limit: number };

/** The file kind of a claim document served by reference (web download links). */
const DOCUMENT_FILE = 'claim-document';

export class ClaimsService {
  readonly plans: PlansFile;
  /** Also seals the form's draft values in the session. */
  readonly cipher: FieldCipher;
  readonly documents: DocumentStore;
  private readonly store: ClaimStore;
  private readonly uploads: UploadStore;

  /** Throws on a bad plans file or encryption key: the service cannot run without them. */
  constructor(private readonly deps: CoreDeps) {
    this.plans = loadPlans(plansPath(deps.config.KNOWLEDGE_DIR));
    this.cipher = new FieldCipher(loadEncryptionKey(deps.config, deps.logger));
    this.documents = new DocumentStore(documentsDir(deps.config), this.cipher);
    this.store = new ClaimStore(deps.redis, deps.keys, deps.logger);
    this.uploads = new UploadStore(deps.redis, deps.keys);
    deps.files.register(DOCUMENT_FILE, (ref, viewer) => this.openDocument(ref, viewer));
  }

  // ---------- the member ----------

  /**
   * Files the actor's application (from a private chat only) and queues it for review.
   * Idempotent per draftId: submitting the same form twice returns the first claim with created = false.
   */
  async submit(actor: MemberActor, input: ClaimInput): Promise<{ claim: Claim; created: boolean }> {
    if (input.address.chatType !== 'private') throw new Error('claims are submitted in private chats only');
    const now = this.deps.now();
    const at = now.toISOString();
    const enc = (v: string, field: string) => this.cipher.encrypt(v, `claim:${field}`);
    const record: NewClaim = {
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
    await this.uploads.claimed(input.documents.map((d) => d.sha256));
    const { no, created } = await this.store.create(record, input.draftId, now, actor.log);
    const claim = await this.store.get(no, actor.log);
    if (!claim) throw new Error(`claim ${no} unreadable right after submit`);
    if (created) await this.deps.audit.record({ actor: actor.key, action: 'claim.submit', target: no, before: null, after: 'pending', at: now });
    if (created) await this.newWork();
    return { claim, created };
  }

  /** The actor's own claims, newest first. Nobody sees another member's claims here. */
  async myClaims(actor: MemberActor, limit = 20): Promise<Claim[]> {
    return (await this.store.ofMember(actor.key, limit, actor.log)).filter((c) => c.member === actor.key);
  }

  /** One of the actor's own claims; null for unknown numbers and for other members' claims alike (no existence oracle). */
  async myClaim(actor: Actor, no: string): Promise<Claim | null> {
    const claim = await this.store.get(no, actor.log);
    return claim?.member === actor.key ? claim : null;
  }

  /** The claimant adds documents to their claim in needs_more; it returns to the review queue. */
  async addDocuments(actor: Actor, no: string, files: NewDocument[]): Promise<Claim> {
    await this.uploads.claimed(files.map((f) => f.sha256));
    const claim = await this.transition(actor, no, {
      action: 'claim.supplement',
      owner: true,
      from: ['needs_more'],
      queue: 'add',
      note: P.supplementNote(files.length),
      change: (c, at) => ({ ...c, status: 'pending', request: undefined, documents: [...c.documents, ...files.map((f): ClaimDocument => ({ ...f, addedAt: at }))] }),
    });
    await this.newWork();
    return claim;
  }

  // ---------- uploads ----------

  /**
   * Stores one file a member sent into a form (draft), within the quotas: CLAIM_MAX_FILES and CLAIM_MAX_MB per
   * form (`inDraft`: the form's files so far), CLAIM_MEMBER_MB_PER_DAY per member. The draft holds the file
   * until it is submitted, cancelled or expires (`until`, ms).
   */
  async upload(member: MemberKey, draftId: string, att: InboundAttachment, inDraft: readonly StoredFile[], until: number): Promise<UploadResult> {
    const { CLAIM_MAX_FILES, CLAIM_MAX_MB, CLAIM_MEMBER_MB_PER_DAY } = this.deps.config;
    if (inDraft.length >= CLAIM_MAX_FILES) return { ok: false, error: 'too_many', limit: CLAIM_MAX_FILES };
    if (inDraft.reduce((sum, f) => sum + f.size, 0) + att.data.length > CLAIM_MAX_MB * MB) return { ok: false, error: 'too_large', limit: CLAIM_MAX_MB };
    const day = chinaToday(this.deps.now());
    if (!(await this.uploads.countBytes(member, day, att.data.length, CLAIM_MEMBER_MB_PER_DAY * MB))) return { ok: false, error: 'daily', limit: CLAIM_MEMBER_MB_PER_DAY };
    return this.documents.save(att, (sha256) => this.uploads.hold(draftId, sha256, until, this.deps.now().getTime()));
  }

  /** A form still being filled keeps its files until `until` (ms). */
  touchDraft(draftId: string, until: number): Promise<void> {
    return this.uploads.touch(draftId, until);
  }

  /** A form ended (submitted, cancelled, declined): its files that no claim and no other form references are deleted. */
  async endDraft(actor: string, draftId: string, why: string): Promise<number> {
    return this.deleteFiles(actor, `draft:${draftId}`, await this.uploads.release(draftId), why);
  }

  /**
   * The periodic clean-up: files of abandoned forms, claims past CLAIM_RETENTION_DAYS (documents and personal
   * fields removed), and files on disk nothing references (e.g. left by a crash). Every deletion is audited.
   */
  async sweep(): Promise<{ drafts: number; purged: number; files: number }> {
    const now = this.deps.now();
    let files = 0;
    const expired = await this.uploads.expiredDrafts(now.getTime());
    for (const draftId of expired) files += await this.endDraft(SYSTEM, draftId, 'expired form');
    const claims = await this.store.scanAll();
    const days = this.deps.config.CLAIM_RETENTION_DAYS;
    const kept: Claim[] = [];
    const retired: Claim[] = [];
    for (const claim of claims) {
      const due = days > 0 && !claim.purgedAt && DECIDED.includes(claim.status) && now.getTime() - Date.parse(claim.updatedAt) > days * DAY_MS;
      const after = due ? await this.purge(claim, now) : claim;
      if (after !== claim) retired.push(claim);
      kept.push(after);
    }
    const referenced = new Set([...kept.flatMap((c) => c.documents.map((d) => d.sha256)), ...(await this.uploads.held())]);
    // A retired claim's documents go now, unless another claim or a form has the same file.
    for (const claim of retired) files += await this.deleteFiles(SYSTEM, claim.no, [...new Set(claim.documents.map((d) => d.sha256))].filter((sha) => !referenced.has(sha)), 'retention');
    // Claims filed before uploads were tracked count as claimed from now on.
    await this.uploads.claimed([...new Set(kept.flatMap((c) => c.documents.map((d) => d.sha256)))]);
    const old = Date.now() - ORPHAN_GRACE_MS;
    const orphans: string[] = [];
    for (const f of await this.documents.list()) {
      if (f.mtimeMs > old) continue;
      if (!f.sha256) await this.documents.removeTmp(f.file);
      else if (!referenced.has(f.sha256)) orphans.push(f.sha256);
    }
    files += await this.deleteFiles(SYSTEM, 'documents', orphans, 'unreferenced');
    return { drafts: expired.length, purged: retired.length, files };
  }

  /** Runs the sweep every CLAIM_SWEEP_MINUTES in one process at a time (a lease in Redis), the first right away. */
  startSweeper(): Worker {
    const everyMs = this.deps.config.CLAIM_SWEEP_MINUTES * 60_000;
    const lease = this.deps.keys.k('claims', 'sweep', 'lease');
    let running: Promise<unknown> = Promise.resolve();
    const run = () => {
      running = (async () => {
        if ((await this.deps.redis.set(lease, '1', 'PX', everyMs - 1000, 'NX')) !== 'OK') return;
        const done = await this.sweep();
        if (done.files || done.purged) this.deps.logger.info(done, 'claims sweep');
      })().catch((err: unknown) => this.deps.logger.error({ err }, 'claims sweep failed'));
    };
    run();
    const timer = setInterval(run, everyMs);
    timer.unref();
    return {
      async stop() {
        clearInterval(timer);
        await running;
      },
    };
  }

  /** Retention: the decided claim keeps its number, plan, status, amounts and history; documents and personal fields go. */
  private async purge(claim: Claim, now: Date): Promise<Claim> {
    const at = now.toISOString();
    const empty = (field: string) => this.cipher.encrypt('', `claim:${field}`);
    const next: Claim = {
      ...claim,
      rev: claim.rev + 1,
      applicant: { name: maskText(claim.applicant.name), idNumber: empty('idNumber'), mobile: empty('mobile'), workUnit: '' },
      event: { hospital: '', diagnosis: empty('diagnosis') },
      bank: { ...claim.bank, card: empty('bankCard') },
      documents: [],
      purgedAt: at,
    };
    if ((await this.store.replace(claim, next, 'rem', now)) !== 'ok') return claim;
    await this.deps.audit.record({ actor: SYSTEM, action: 'claim.purge', target: claim.no, before: claim.status, after: claim.status, note: `${claim.documents.length} documents, personal fields (CLAIM_RETENTION_DAYS ${this.deps.config.CLAIM_RETENTION_DAYS})`, at: now });
    return next;
  }

  /** Deletes stored documents and audits it; a file that cannot be deleted is logged and left for the next sweep. */
  private async deleteFiles(actor: string, target: string, sha256s: readonly string[], why: string): Promise<number> {
    let deleted = 0;
    for (const sha256 of sha256s) {
      try {
        await this.documents.remove(sha256);
        deleted++;
      } catch (err) {
        this.deps.logger.error({ err, sha256 }, 'claim document not deleted');
      }
    }
    if (deleted) await this.deps.audit.record({ actor, action: 'claim.files.delete', target, note: `${deleted} files (${why}): ${sha256s.map((s) => s.slice(0, 12)).join(' ')}`, at: this.deps.now() });
    return deleted;
  }

  // ---------- keys ----------

  /**
   * Start-up check that the configured keys still read the stored data: a sample of claims and documents is
   * decrypted. None readable in production: UnreadableDataError (the bot would only answer 系统出了点问题);
   * otherwise a loud error in the log. Both name the key ids that are missing.
   */
  async checkKeys(): Promise<void> {
    const failures: unknown[] = [];
    let readable = 0;
    const attempt = async (read: () => unknown) => {
      try {
        await read();
        readable++;
      } catch (err) {
        failures.push(err);
      }
    };
    for (const claim of await this.store.sample(KEY_CHECK_SAMPLE)) await attempt(() => this.decrypt(claim));
    for (const f of await this.documents.list(KEY_CHECK_SAMPLE)) if (f.sha256) await attempt(() => this.documents.read({ sha256: f.sha256 ?? '' }));
    if (failures.length === 0) return;
    const missing = [...new Set(failures.flatMap((e) => (e instanceof MissingKeyError ? [e.keyId] : [])))];
    const unnamed = failures.length - failures.filter((e) => e instanceof MissingKeyError).length;
    const problem = [
      `${failures.length} of ${failures.length + readable} sampled claims and documents cannot be decrypted`,
      ...(missing.length ? [`sealed with key id ${missing.join(', ')}, which is not configured`] : []),
      ...(unnamed ? [`${unnamed} sealed before key ids (or damaged) and none of the available keys opens them`] : []),
      `available key ids: ${this.cipher.keyIds.join(', ')}`,
      'set DATA_ENCRYPTION_OLD_KEYS to the earlier key(s), then run `npm run cli -- rekey`',
    ].join('; ');
    if (readable === 0 && !this.deps.config.devMode) throw new UnreadableDataError(`${problem}. Refusing to start.`);
    this.deps.logger.error({ missingKeyIds: missing }, `ENCRYPTION KEYS: ${problem}`);
  }

  /**
   * Re-encrypts every claim and document not under the current key; claims get their person-index fingerprint
   * under it too. Resumable: each item is replaced atomically and one already under the current key is skipped,
   * so a run interrupted half-way and started again finishes without doing anything twice. `progress` is
   * called after each item; the run is recorded in Redis while it lasts and audited once at the end.
   */
  async rekey(actor: string, progress: (p: RekeyProgress) => void = () => undefined): Promise<RekeyCounts> {
    const runKey = this.deps.keys.k('claims', 'rekey', this.cipher.keyId);
    const earlier = z.object({ startedAt: z.string(), done: z.coerce.number().int() }).safeParse(await this.deps.redis.hgetall(runKey));
    const claims = await this.store.all();
    const files = (await this.documents.list()).flatMap((f) => (f.sha256 ? [f.sha256] : []));
    const total = claims.length + files.length;
    const counts: RekeyCounts = { total, claims: 0, documents: 0, current: 0, failed: 0, resumed: earlier.success ? earlier.data : undefined };
    await this.deps.redis.hset(runKey, { startedAt: earlier.data?.startedAt ?? this.deps.now().toISOString(), done: 0 });
    let done = 0;
    const step = async (kind: 'claim' | 'document', id: string, run: () => Promise<'rekeyed' | 'current' | 'gone'>) => {
      try {
        const outcome = await run();
        if (outcome === 'rekeyed') counts[kind === 'claim' ? 'claims' : 'documents']++;
        if (outcome === 'current') counts.current++;
      } catch (err) {
        counts.failed++;
        this.deps.logger.error({ err, [kind]: id }, 'rekey: not re-encrypted');
      }
      done++;
      await this.deps.redis.hincrby(runKey, 'done', 1);
      progress({ done, total, kind, id });
    };
    for (const claim of claims) await step('claim', claim.no, () => this.rekeyClaim(claim.no));
    for (const sha256 of files) await step('document', sha256.slice(0, 12), () => this.documents.rekey(sha256));
    const note = `key ${this.cipher.keyId}: ${counts.claims} claims and ${counts.documents} documents re-encrypted, ${counts.current} already under it, ${counts.failed} failed${counts.resumed ? ` (resumed a run started ${counts.resumed.startedAt})` : ''}`;
    await this.deps.audit.record({ actor, action: 'claims.rekey', target: 'claims', note, at: this.deps.now() });
    // A run with failures stays recorded: the next one says it resumes.
    if (counts.failed === 0) await this.deps.redis.del(runKey);
    return counts;
  }

  /** One claim under the current key, its fingerprint re-indexed; retried when the claim changes meanwhile. */
  private async rekeyClaim(no: string): Promise<'rekeyed' | 'current' | 'gone'> {
    const reseal = (v: string, field: string) => this.cipher.reseal(v, `claim:${field}`);
    for (let attempt = 0; attempt < TRANSITION_ATTEMPTS; attempt++) {
      const cur = await this.store.get(no);
      if (!cur) return 'gone';
      const { applicant, event, bank } = cur;
      // Retention removed the ID number: nothing to fingerprint again.
      const idFingerprint = cur.purgedAt ? cur.idFingerprint : this.cipher.fingerprint(this.cipher.decrypt(applicant.idNumber, 'claim:idNumber'), 'idNumber');
      const sealed = [applicant.idNumber, applicant.mobile, event.diagnosis, bank.card];
      if (sealed.every((v) => this.cipher.isCurrent(v)) && idFingerprint === cur.idFingerprint) return 'current';
      const next: Claim = {
        ...cur,
        rev: cur.rev + 1,
        applicant: { ...applicant, idNumber: reseal(applicant.idNumber, 'idNumber'), mobile: reseal(applicant.mobile, 'mobile') },
        event: { ...event, diagnosis: reseal(event.diagnosis, 'diagnosis') },
        bank: { ...bank, card: reseal(bank.card, 'bankCard') },
        idFingerprint,
      };
      const res = await this.store.rekey(cur, next);
      if (res === 'ok') return 'rekeyed';
      if (res === 'missing') return 'gone';
    }
    throw new ClaimStateError('conflict', `claim ${no} keeps changing; run rekey again`);
  }

  // ---------- the reviewer (admin) ----------

  /** The review queue, oldest first. */
  async listPending(actor: Actor, limit = 50): Promise<Claim[]> {
    requireRole(actor, 'admin');
    return this.store.pending(limit, actor.log);
  }

  async pendingCount(actor: Actor): Promise<number> {
    requireRole(actor, 'admin');
    return this.store.pendingCount();
  }

  /** One claim with its sensitive fields decrypted; the access itself is audited. */
  async review(actor: Actor, no: string): Promise<{ claim: Claim; secrets: ClaimSecrets } | null> {
    requireRole(actor, 'admin');
    const claim = await this.store.get(no, actor.log);
    if (!claim) return null;
    await this.deps.audit.record({ actor: actor.key, action: 'claim.view', target: claim.no, before: claim.status, after: claim.status, at: this.deps.now() });
    return { claim, secrets: this.decrypt(claim) };
  }

  /** A document's content for the reviewer; null (logged) when the file is missing or corrupt on disk. */
  async readDocument(actor: Actor, claim: Claim, doc: ClaimDocument): Promise<Buffer | null> {
    requireRole(actor, 'admin');
    try {
      return await this.documents.read(doc);
    } catch (err) {
      (actor.log ?? this.deps.logger).error({ err, claim: claim.no, sha256: doc.sha256 }, 'claim document unreadable');
      return null;
    }
  }

  /** A document of a claim for a console reviewer, by its content hash; the view is audited. Null when gone. */
  async viewDocument(actor: Actor, no: string, sha256: string): Promise<{ doc: ClaimDocument; data: Buffer | null } | null> {
    requireRole(actor, 'admin');
    const claim = await this.store.get(no, actor.log);
    const doc = claim?.documents.find((d) => d.sha256 === sha256);
    if (!claim || !doc) return null;
    const data = await this.readDocument(actor, claim, doc);
    if (data) await this.deps.audit.record({ actor: actor.key, action: 'claim.document.view', target: claim.no, note: `${doc.docName} ${doc.sha256.slice(0, 12)}`, at: this.deps.now() });
    return { doc, data };
  }

  /** How the document is produced again for this reviewer (a web link stores this, never the bytes). */
  documentRef(actor: MemberActor, claim: Claim, doc: ClaimDocument): FileRef {
    return { kind: DOCUMENT_FILE, ref: `${claim.no}/${doc.sha256}`, viewer: actor.key };
  }

  /** A document opened by reference at download: the viewer must still be an admin; every view is audited. */
  private async openDocument(ref: string, viewer: MemberKey): Promise<Buffer | null> {
    const [no = '', sha256] = ref.split('/');
    const actor: Actor = { key: viewer, roles: this.deps.roles.of(viewer) };
    if (!actor.roles.has('admin')) {
      await this.deps.audit.record({ actor: viewer, action: 'refused', target: 'claim.document', note: no, at: this.deps.now() });
      return null;
    }
    const claim = await this.store.get(no);
    const doc = claim?.documents.find((d) => d.sha256 === sha256);
    if (!claim || !doc) return null;
    const data = await this.readDocument(actor, claim, doc);
    if (data) await this.deps.audit.record({ actor: viewer, action: 'claim.document.view', target: claim.no, note: `${doc.docName} ${doc.sha256.slice(0, 12)}`, at: this.deps.now() });
    return data;
  }

  /** Approves within the plan's per-claim limit and the person's remaining yearly limit; tells the member. */
  async approve(actor: Actor, no: string, payout: number, note: string): Promise<Claim> {
    requireRole(actor, 'admin');
    const cents = payoutCents.parse(payout);
    const claim = await this.transition(actor, no, {
      action: 'claim.approve',
      from: UNDECIDED,
      queue: 'rem',
      note,
      change: async (c, at) => {
        const plan = findPlan(this.plans, c.planId);
        const limit = Math.round((plan?.limits.maxPerClaim ?? Infinity) * 100);
        if (cents > limit) throw new ClaimStateError('over_claim_limit', 'payout above the per-claim limit', { limitCents: limit });
        if (plan) {
          const paid = await this.paidThisYear(c, chinaToday(new Date(at)).slice(0, 4), actor.log);
          const remaining = Math.max(0, Math.round(plan.limits.maxPerYear * 100) - paid);
          if (cents > remaining) throw new ClaimStateError('over_year_limit', 'payout above the yearly limit', { remainingCents: remaining });
        }
        return { ...c, status: 'approved', payoutCents: cents, request: undefined };
      },
    });
    await this.tell(claim, P.notifyApproved(claim.no, claim.planName, cents, claim.bank.cardLast4, note), note);
    return claim;
  }

  async reject(actor: Actor, no: string, reason: string): Promise<Claim> {
    requireRole(actor, 'admin');
    const why = reviewerText.parse(reason);
    const claim = await this.transition(actor, no, {
      action: 'claim.reject',
      from: UNDECIDED,
      queue: 'rem',
      note: why,
      change: (c) => ({ ...c, status: 'rejected', request: undefined }),
    });
    await this.tell(claim, P.notifyRejected(claim.no, claim.planName, why), why);
    return claim;
  }

  /** Asks the member for more documents: the claim leaves the queue until the member adds them. */
  async requestMore(actor: Actor, no: string, request: string): Promise<Claim> {
    requireRole(actor, 'admin');
    const what = reviewerText.parse(request);
    const claim = await this.transition(actor, no, {
      action: 'claim.needmore',
      from: UNDECIDED,
      queue: 'rem',
      note: what,
      change: (c) => ({ ...c, status: 'needs_more', request: what }),
    });
    await this.tell(claim, P.notifyNeedMore(claim.no, claim.planName, what), what);
    return claim;
  }

  // ---------- the web console (admin) ----------

  /** The review list for the console: filtered by plan, status, submission date (China) and number or name; pending oldest first, else newest first. */
  async queue(actor: Actor, filter: QueueFilter, page: number, pageSize: number): Promise<{ claims: Claim[]; total: number }> {
    requireRole(actor, 'admin');
    const q = (filter.q ?? '').trim().toUpperCase();
    const oldestFirst = filter.status === 'pending' || filter.status === 'needs_more';
    // By status and date at most: only the page is read, from an index, however many claims the years hold. The
    // review queue is in queue order, so its dates (submission) are filtered below.
    if (!filter.planId && !q && !(filter.status === 'pending' && (filter.from || filter.to))) {
      const view = { page, size: pageSize, fromMs: filter.from ? chinaDayStart(filter.from) : -Infinity, toMs: filter.to ? chinaDayStart(addDays(filter.to, 1)) - 1 : Infinity, oldestFirst };
      return this.store.page(view, filter.status, actor.log);
    }
    // Otherwise only that status's claims are read (or every claim, for a plan or a name over every status).
    const candidates = filter.status ? await this.store.withStatus(filter.status, actor.log) : await this.store.all(actor.log);
    const hits = candidates.filter(
      (c) =>
        (!filter.status || c.status === filter.status) &&
        (!filter.planId || c.planId === filter.planId) &&
        (!filter.from || chinaToday(new Date(c.submittedAt)) >= filter.from) &&
        (!filter.to || chinaToday(new Date(c.submittedAt)) <= filter.to) &&
        (!q || c.no.includes(q) || maskText(c.applicant.name).toUpperCase().includes(q) || c.applicant.name.toUpperCase() === q),
    );
    hits.sort((a, b) => (oldestFirst ? 1 : -1) * a.submittedAt.localeCompare(b.submittedAt));
    return { claims: hits.slice((page - 1) * pageSize, page * pageSize), total: hits.length };
  }

  /**
   * Everything the claim page shows: the claim decrypted (the view audited, see `review`), its plan, the payout
   * working of the plan's rule, the person's approved total this year for the plan, and possible duplicates.
   */
  async reviewDetail(actor: Actor, no: string): Promise<ClaimReview | null> {
    const found = await this.review(actor, no);
    if (!found) return null;
    const { claim, secrets } = found;
    const plan = findPlan(this.plans, claim.planId) ?? null;
    const working = plan ? payoutWorking(plan, claim.amountCents, hospitalDays(claim.event.admissionDate, claim.event.dischargeDate)) : null;
    const yearPaidCents = claim.purgedAt ? 0 : await this.paidThisYear(claim, chinaToday(this.deps.now()).slice(0, 4), actor.log);
    const remainingCents = plan ? Math.max(0, Math.round(plan.limits.maxPerYear * 100) - yearPaidCents) : null;
    const suggestedCents = working ? Math.min(working.cents, remainingCents ?? working.cents) : claim.estimatedPayoutCents;
    return { claim, secrets, plan, working, yearPaidCents, remainingCents, suggestedCents, duplicates: claim.purgedAt ? [] : await this.duplicatesOf(claim, secrets, actor.log) };
  }

  /** Other claims sharing the person's ID number, the bank card, or an identical document file. */
  private async duplicatesOf(claim: Claim, secrets: ClaimSecrets, log: Actor['log']): Promise<Duplicate[]> {
    const out: Duplicate[] = [];
    for (const c of await this.store.ofPerson([claim.idFingerprint, ...this.cipher.fingerprints(secrets.idNumber, 'idNumber')], log)) {
      if (c.no !== claim.no) out.push({ kind: 'idNumber', no: c.no, status: c.status });
    }
    const sharing = (await this.store.sharingClues(claim, log)).filter((c) => c.no !== claim.no && !c.purgedAt);
    for (const c of sharing) {
      // The last four digits are kept in clear: only those claims are decrypted to compare the whole number.
      if (c.bank.cardLast4 === claim.bank.cardLast4 && this.cipher.decrypt(c.bank.card, 'claim:bankCard') === secrets.bankCard) out.push({ kind: 'bankCard', no: c.no, status: c.status });
      const shared = c.documents.filter((d) => claim.documents.some((mine) => mine.sha256 === d.sha256));
      if (shared.length) out.push({ kind: 'document', no: c.no, status: c.status, detail: shared.map((d) => d.docName).join('、') });
    }
    return out;
  }

  /** The oldest claim waiting for review other than `after` (the console's 下一份), or null. */
  async nextPending(actor: Actor, after?: string): Promise<string | null> {
    requireRole(actor, 'admin');
    return (await this.store.pending(2, actor.log)).map((c) => c.no).find((no) => no !== after) ?? null;
  }

  /**
   * Approved claims decided between two China dates, as a table for the finance office's transfer (header first):
   * the bank card in full, so the export itself is audited.
   */
  async approvedBetween(actor: Actor, from: string, to: string, header: readonly string[]): Promise<string[][]> {
    requireRole(actor, 'admin');
    const day = (iso: string) => chinaToday(new Date(iso));
    // The approved claims' index only, not every claim the years hold.
    const approved = (await this.store.withStatus('approved', actor.log))
      .filter((c) => !c.purgedAt && day(c.updatedAt) >= from && day(c.updatedAt) <= to)
      .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
    const rows = approved.map((c) => {
      const s = this.decrypt(c);
      return [c.no, c.planName, c.applicant.name, s.bankCard, c.bank.bankName, ((c.payoutCents ?? 0) / 100).toFixed(2), chinaDateTime(c.updatedAt), c.history.at(-1)?.actor ?? ''];
    });
    await this.deps.audit.record({ actor: actor.key, action: 'claim.export', target: `${from}..${to}`, note: `${rows.length} approved claims`, at: this.deps.now() });
    return [[...header], ...rows];
  }

  /**
   * A claim entered the queue or came back with supplements: admins get one chat summary at once, then at
   * most one per CLAIM_ALERT_MINUTES (what arrives meanwhile is summed up by the alert worker when the window ends).
   */
  private async newWork(): Promise<void> {
    try {
      await this.deps.redis.incr(this.alertKeys.count);
      await this.sendAlertIfDue();
    } catch (err) {
      // The claim is already safe; a missed alert is caught up by the worker.
      this.deps.logger.error({ err }, 'claims: admin alert failed');
    }
  }

  private get alertKeys() {
    return { count: this.deps.keys.k('claims', 'alert', 'count'), window: this.deps.keys.k('claims', 'alert', 'window') };
  }

  /** Sends the held-back summary if the window has ended and something arrived (the alert worker calls it every minute). */
  async sendAlertIfDue(): Promise<boolean> {
    const { count, window } = this.alertKeys;
    if (Number((await this.deps.redis.get(count)) ?? 0) === 0) return false;
    if ((await this.deps.redis.set(window, '1', 'PX', this.deps.config.CLAIM_ALERT_MINUTES * 60_000, 'NX')) !== 'OK') return false;
    const arrived = Number((await this.deps.redis.getdel(count)) ?? 0);
    if (arrived === 0) return false;
    const text = P.adminAlert(arrived, await this.store.pendingCount());
    for (const admin of await this.deps.roles.holders('admin')) {
      const [platform, ...rest] = admin.split(':');
      await this.deps.notifier.notify({ platform: platform as Address['platform'], chatId: rest.join(':'), chatType: 'private' }, [{ text }]);
    }
    return true;
  }

  /** Sends the summary held back by the window once it ends (checked every minute, in whichever process gets there first). */
  startAlerts(): Worker {
    let running: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      running = this.sendAlertIfDue().catch((err: unknown) => this.deps.logger.error({ err }, 'claims: admin alert failed'));
    }, 60_000);
    timer.unref();
    return {
      async stop() {
        clearInterval(timer);
        await running;
      },
    };
  }

  // ---------- internals ----------

  /**
   * Through the durable outbox, to the chat the claim was submitted from. The decision also travels as a notice
   * (`claim_decision`), so a platform whose reply window has closed can still deliver it as a template message.
   */
  private tell(claim: Claim, text: string, note = ''): Promise<void> {
    const fields = {
      no: claim.no,
      plan: claim.planName,
      status: STATUS_LABELS[claim.status],
      amount: claim.status === 'approved' && claim.payoutCents !== undefined ? `${formatYuan(claim.payoutCents)} 元` : '',
      note,
      time: chinaDateTime(this.deps.now().toISOString()),
    };
    return this.deps.notifier.notify(claim.address, [{ text, notice: { kind: 'claim_decision', fields } }]);
  }

  private decrypt(claim: Claim): ClaimSecrets {
    const dec = (v: string, field: string) => this.cipher.decrypt(v, `claim:${field}`);
    return {
      idNumber: dec(claim.applicant.idNumber, 'idNumber'),
      mobile: dec(claim.applicant.mobile, 'mobile'),
      diagnosis: dec(claim.event.diagnosis, 'diagnosis'),
      bankCard: dec(claim.bank.card, 'bankCard'),
    };
  }

  /** Sum of approved payouts for the same person and plan in the given year (China time); claims indexed under an older key count too. */
  private async paidThisYear(claim: Claim, year: string, log: Actor['log']): Promise<number> {
    const idNumber = this.cipher.decrypt(claim.applicant.idNumber, 'claim:idNumber');
    return (await this.store.ofPerson([claim.idFingerprint, ...this.cipher.fingerprints(idNumber, 'idNumber')], log))
      .filter((c) => c.planId === claim.planId && c.status === 'approved' && c.no !== claim.no)
      .filter((c) => chinaToday(new Date(c.updatedAt)).slice(0, 4) === year)
      .reduce((sum, c) => sum + (c.payoutCents ?? 0), 0);
  }

  /** Compare-and-set on `rev`, retried on a concurrent change; audited before → after. */
  private async transition(
    actor: Actor,
    no: string,
    step: {
      action: string;
      from: readonly ClaimStatus[];
      queue: 'add' | 'rem';
      note: string;
      /** Only the claimant may take this step. */
      owner?: boolean;
      change: (c: Claim, at: string) => Claim | Promise<Claim>;
    },
  ): Promise<Claim> {
    const now = this.deps.now();
    const at = now.toISOString();
    const note = step.note || undefined;
    for (let attempt = 0; attempt < TRANSITION_ATTEMPTS; attempt++) {
      const cur = await this.store.get(no, actor.log);
      if (!cur) throw new ClaimStateError('not_found', `claim ${no} not found`);
      if (step.owner && cur.member !== actor.key) throw new ForbiddenError(actor.key, 'owner');
      if (!step.from.includes(cur.status)) throw new ClaimStateError('bad_status', `claim ${no} is ${cur.status}`, { status: cur.status });
      const changed = await step.change(cur, at);
      const next: Claim = {
        ...changed,
        rev: cur.rev + 1,
        updatedAt: at,
        history: [...cur.history, { at, status: changed.status, actor: actor.key, ...(note ? { note } : {}) }],
      };
      const res = await this.store.replace(cur, next, step.queue, now);
      if (res === 'ok') {
        await this.deps.audit.record({ actor: actor.key, action: step.action, target: cur.no, before: cur.status, after: next.status, note, at: now });
        return next;
      }
      if (res === 'missing') throw new ClaimStateError('not_found', `claim ${no} not found`);
    }
    throw new ClaimStateError('conflict', `claim ${no} keeps changing; try again`);
  }
}
