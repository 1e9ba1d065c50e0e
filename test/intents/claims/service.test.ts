/** The operations called directly with an Actor, as the web console will call them: role and ownership checks, audit, notifications, corrupt records. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClaimStateError, type ClaimsService } from '../../../intents/claims/service.ts';
import { ClaimStore, UploadStore } from '../../../intents/claims/store.ts';
import { ForbiddenError } from '../../../src/core/actor.ts';
import type { Harness } from '../../helpers/harness.ts';
import { countCommands, watchCommands } from '../../helpers/command-count.ts';
import { play, textOf } from '../../helpers/transcript.ts';
import { ADMIN, claimNoIn, STAFF } from './data.ts';
import { actorOf, claimsService, startClaimsHarness } from './setup.ts';
import { addDays, chinaToday } from '../../../src/kit/fields.ts';
import { applicationUntilSummary, CARD, ID, MOBILE, SUBMIT, type PlanKey } from './transcripts.ts';

let h: Harness;
let svc: ClaimsService;
let n = 0;

beforeAll(async () => {
  h = await startClaimsHarness();
  svc = claimsService(h);
});
afterAll(async () => {
  await h?.stop();
});

async function submitClaim(plan: PlanKey = 'hospital'): Promise<{ id: string; no: string }> {
  const id = `s${++n}`;
  const out = await play(h, [...applicationUntilSummary(plan), SUBMIT], id);
  return { id, no: claimNoIn(textOf(out.at(-1) ?? [])) };
}

const auditActions = async (no: string) => (await h.audit()).filter((e) => e.target === no).map((e) => e.action).reverse();
const queued = async (id: string) => (await h.outbox()).filter((i) => i.to.chatId === id);

describe('review operations need the admin role', () => {
  it('a staff-only actor is refused approve with ForbiddenError, and nothing changes: status, queue, audit, notifications', async () => {
    const { id, no } = await submitClaim('accident');
    const staff = actorOf(h, STAFF);
    expect(staff.roles.has('staff')).toBe(true);
    await expect(svc.approve(staff, no, 100, '')).rejects.toBeInstanceOf(ForbiddenError);
    expect((await svc.myClaim(actorOf(h, id), no))?.status).toBe('pending');
    expect((await svc.listPending(actorOf(h, ADMIN))).map((c) => c.no)).toContain(no);
    expect(await auditActions(no)).toEqual(['claim.submit']);
    expect(await queued(id)).toEqual([]);
  });

  it('a member is refused every review operation', async () => {
    const { id, no } = await submitClaim();
    const member = actorOf(h, id);
    await expect(svc.listPending(member)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(svc.pendingCount(member)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(svc.review(member, no)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(svc.reject(member, no, 'x')).rejects.toBeInstanceOf(ForbiddenError);
    await expect(svc.requestMore(member, no, 'x')).rejects.toBeInstanceOf(ForbiddenError);
    expect(await auditActions(no)).toEqual(['claim.submit']);
  });

  it('review decrypts for the admin and audits the view; an unknown number is null and not audited', async () => {
    const { no } = await submitClaim();
    const admin = actorOf(h, ADMIN);
    const found = await svc.review(admin, no);
    expect(found?.secrets).toEqual({ idNumber: ID, mobile: MOBILE, diagnosis: '急性阑尾炎', bankCard: CARD });
    expect(await svc.review(admin, 'HZ-20990101-0001')).toBeNull();
    expect(await auditActions(no)).toEqual(['claim.submit', 'claim.view']);
    const doc = found?.claim.documents[0];
    if (!found || !doc) throw new Error('no document');
    expect((await svc.readDocument(admin, found.claim, doc))?.length).toBe(doc.size);
    await expect(svc.readDocument(actorOf(h, STAFF), found.claim, doc)).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('requestMore then reject: each decision audited and told to the member, in order', async () => {
    const { id, no } = await submitClaim('female_special');
    const admin = actorOf(h, ADMIN);
    const queueBefore = await svc.pendingCount(admin);
    expect((await svc.requestMore(admin, no, '请补充诊断证明')).status).toBe('needs_more');
    expect(await svc.pendingCount(admin)).toBe(queueBefore - 1);
    expect((await svc.listPending(admin)).map((c) => c.no)).not.toContain(no);
    expect((await svc.reject(admin, no, '超过申请时限')).status).toBe('rejected');
    expect(await auditActions(no)).toEqual(['claim.submit', 'claim.needmore', 'claim.reject']);
    expect(await h.notification(id, '需要补充材料')).toContain('请补充诊断证明');
    expect(await h.notification(id, '未通过审核')).toContain('超过申请时限');
    await expect(svc.approve(admin, no, 100, '')).rejects.toMatchObject({ code: 'bad_status', detail: { status: 'rejected' } });
  });

  it('approve above the per-claim limit is a ClaimStateError and changes nothing', async () => {
    const { id, no } = await submitClaim('accident');
    await expect(svc.approve(actorOf(h, ADMIN), no, 2_000_000, '')).rejects.toBeInstanceOf(ClaimStateError);
    expect((await svc.myClaim(actorOf(h, id), no))?.status).toBe('pending');
    expect(await queued(id)).toEqual([]);
  });
});

describe('members reach only their own claims', () => {
  it('a member cannot view another member’s claim: not in the list, null by number', async () => {
    const a = await submitClaim();
    const b = await submitClaim();
    const memberB = actorOf(h, b.id);
    expect(await svc.myClaim(memberB, a.no)).toBeNull();
    expect((await svc.myClaims(memberB)).map((c) => c.no)).toEqual([b.no]);
    expect((await svc.myClaim(actorOf(h, a.id), a.no))?.no).toBe(a.no);
  });

  it('only the claimant may add documents, and only while more are requested', async () => {
    const a = await submitClaim('critical_illness');
    const b = await submitClaim('critical_illness');
    const file = (await svc.myClaim(actorOf(h, a.id), a.no))?.documents[0];
    if (!file) throw new Error('no document');
    const extra = [{ ...file, docId: 'supplement', docName: '补充材料' }];
    await expect(svc.addDocuments(actorOf(h, a.id), a.no, extra)).rejects.toMatchObject({ code: 'bad_status', detail: { status: 'pending' } });
    await svc.requestMore(actorOf(h, ADMIN), a.no, '请补充');
    await expect(svc.addDocuments(actorOf(h, b.id), a.no, extra)).rejects.toBeInstanceOf(ForbiddenError);
    expect((await svc.myClaim(actorOf(h, a.id), a.no))?.status).toBe('needs_more');
    const back = await svc.addDocuments(actorOf(h, a.id), a.no, extra);
    expect(back).toMatchObject({ status: 'pending', documents: expect.arrayContaining([expect.objectContaining({ docName: '补充材料' })]) });
    expect(await auditActions(a.no)).toEqual(['claim.submit', 'claim.needmore', 'claim.supplement']);
  });

  it('submit from a group address is refused (claims carry personal data)', async () => {
    const { id } = await submitClaim();
    const plan = svc.plans.plans[0];
    if (!plan) throw new Error('no plan');
    const input = {
      draftId: 'group-draft-0001', address: { platform: h.platform, chatId: 'g1', chatType: 'group' as const }, plan,
      consent: { version: 'pipl-2026-01', at: h.clock.now.toISOString() }, name: '张三', idNumber: ID, mobile: MOBILE, workUnit: '市第一机床厂', dates: {},
      hospital: '市第一人民医院', diagnosis: '急性阑尾炎', amountCents: 100_00, estimatedPayoutCents: 50_00, bankCard: CARD, bankName: '工商银行', documents: [],
    };
    await expect(svc.submit(actorOf(h, id), input)).rejects.toThrow(/private/);
    expect(await svc.myClaims(actorOf(h, id))).toHaveLength(1);
  });
});

describe('corrupt records', () => {
  it('a corrupt claim is treated as missing everywhere: lists, lookups, chat', async () => {
    const { id, no } = await submitClaim();
    const { redis, keys } = h.engine.deps;
    await redis.set(keys.tagged('claims', 'c', no), '{"no":"broken"');
    const admin = actorOf(h, ADMIN);
    expect(await svc.myClaims(actorOf(h, id))).toEqual([]);
    expect(await svc.myClaim(actorOf(h, id), no)).toBeNull();
    expect(await svc.review(admin, no)).toBeNull();
    expect((await svc.listPending(admin)).map((c) => c.no)).not.toContain(no);
    await expect(svc.approve(admin, no, 100, '')).rejects.toMatchObject({ code: 'not_found' });
    await play(h, [{ say: `查询 ${no}`, expect: '没有找到您名下' }], id);
    await play(h, [{ say: `/claim ${no}`, expect: '没有找到申请' }], ADMIN);
  });
});

describe('the claim index', () => {
  const index = () => h.engine.deps.keys.tagged('claims', 'all');
  const listed = async (service: ClaimsService) => (await service.queue(actorOf(h, ADMIN), {}, 1, 1000)).claims.map((c) => c.no);

  it('lists claims from the index: after it is first built, no command scans the keyspace', async () => {
    const { no } = await submitClaim();
    const service = claimsService(h);
    expect(await listed(service)).toContain(no);
    const sent = countCommands(h.engine.deps.redis);
    const later = await submitClaim('accident');
    sent();
    expect(await listed(service)).toEqual(expect.arrayContaining([no, later.no]));
    expect(sent()['scan']).toBeUndefined();
  });

  it('the start-up key check samples claims from the index, not by scanning the keyspace', async () => {
    await submitClaim();
    await claimsService(h).queue(actorOf(h, ADMIN), {}, 1, 1);
    const sent = countCommands(h.engine.deps.redis);
    await claimsService(h).checkKeys();
    const commands = sent();
    expect(commands['scan']).toBeUndefined();
    expect(commands['mget']).toBe(1);
  });

  it('the list of every status reads only its page from the index, newest first; a date range counts only its days', async () => {
    const older = await submitClaim();
    const newer = await submitClaim();
    const admin = actorOf(h, ADMIN);
    const all = await h.engine.deps.redis.zcard(index());
    const reads: string[][] = [];
    watchCommands(h.engine.deps.redis, (command) => void (command.name === 'mget' && reads.push(command.args.map(String))));
    const first = await svc.queue(admin, {}, 1, 1);
    expect(first.claims.map((c) => c.no)).toEqual([newer.no]);
    expect(first.total).toBe(all);
    // One claim record read: the page's.
    expect(reads).toEqual([[expect.stringMatching(new RegExp(`${newer.no}$`))]]);
    expect((await svc.queue(admin, {}, 2, 1)).claims.map((c) => c.no)).toEqual([older.no]);
    const today = chinaToday(h.clock.now);
    expect((await svc.queue(admin, { from: today, to: today }, 1, 1000)).total).toBe(all);
    const yesterday = addDays(today, -1);
    expect(await svc.queue(admin, { from: yesterday, to: yesterday }, 1, 1000)).toEqual({ claims: [], total: 0 });
    expect((await svc.queue(admin, { to: yesterday }, 1, 1000)).total).toBe(0);
    expect((await svc.queue(admin, { from: addDays(today, 1) }, 1, 1000)).total).toBe(0);
  });

  it('the finance export reads the approved claims through their index, not every claim', async () => {
    const admin = actorOf(h, ADMIN);
    const paid = await submitClaim();
    const waiting = await submitClaim();
    expect((await svc.approve(admin, paid.no, 100, '')).status).toBe('approved');
    const touched: string[] = [];
    watchCommands(h.engine.deps.redis, (command) => touched.push(...command.args.map(String)));
    const today = chinaToday(h.clock.now);
    const rows = await svc.approvedBetween(admin, today, today, ['no']);
    expect(rows.slice(1).map((r) => r[0])).toContain(paid.no);
    expect(rows.slice(1).map((r) => r[0])).not.toContain(waiting.no);
    expect(touched).not.toContain(index());
    expect(touched.some((arg) => arg.endsWith(waiting.no))).toBe(false);
  });

  it('the pending view reads the review queue only, not every claim', async () => {
    const { no } = await submitClaim();
    const decided = await submitClaim();
    await svc.reject(actorOf(h, ADMIN), decided.no, '材料不符');
    const touched: string[] = [];
    watchCommands(h.engine.deps.redis, (command) => touched.push(...command.args.map(String)));
    const pending = (await svc.queue(actorOf(h, ADMIN), { status: 'pending' }, 1, 1000)).claims.map((c) => c.no);
    expect(pending).toContain(no);
    expect(pending).not.toContain(decided.no);
    expect(touched).not.toContain(index());
    expect(touched.some((arg) => arg.endsWith(decided.no))).toBe(false);
  });

  it('a status view reads that status\'s claims through its index, and a decision moves the claim between them', async () => {
    const { no } = await submitClaim();
    const admin = actorOf(h, ADMIN);
    const statusKey = (status: string) => h.engine.deps.keys.tagged('claims', 'status', status);
    await svc.reject(admin, no, '材料不符');
    expect(await h.engine.deps.redis.zscore(statusKey('rejected'), no)).not.toBeNull();
    const touched: string[] = [];
    watchCommands(h.engine.deps.redis, (command) => touched.push(...command.args.map(String)));
    const rejected = (await svc.queue(admin, { status: 'rejected' }, 1, 1000)).claims.map((c) => c.no);
    expect(rejected).toContain(no);
    expect((await svc.queue(admin, { status: 'approved' }, 1, 1000)).claims.map((c) => c.no)).not.toContain(no);
    expect(touched).toContain(statusKey('rejected'));
    expect(touched).not.toContain(index());
  });

  it('a status view reads only its page from the status index and counts with ZCOUNT', async () => {
    const { redis, keys } = h.engine.deps;
    const admin = actorOf(h, ADMIN);
    const older = await submitClaim();
    const newer = await submitClaim();
    for (const { no } of [older, newer]) await svc.reject(admin, no, '材料不符');
    const total = await redis.zcard(keys.tagged('claims', 'status', 'rejected'));
    const reads: string[][] = [];
    watchCommands(redis, (command) => {
      if (command.name === 'mget') reads.push(command.args.map(String));
    });
    const first = await svc.queue(admin, { status: 'rejected' }, 1, 1);
    expect(first).toMatchObject({ total, claims: [expect.objectContaining({ no: newer.no })] });
    expect(reads).toEqual([[keys.tagged('claims', 'c', newer.no)]]);
    expect((await svc.queue(admin, { status: 'rejected' }, 2, 1)).claims.map((c) => c.no)).toEqual([older.no]);
    // An entry left behind by a process of an older version (until the sweep mends it) is not shown.
    const waiting = await submitClaim();
    await redis.zadd(keys.tagged('claims', 'status', 'rejected'), String(Date.now() + 86_400_000), waiting.no);
    expect((await svc.queue(admin, { status: 'rejected' }, 1, 5)).claims.map((c) => c.no)).not.toContain(waiting.no);
    await redis.zrem(keys.tagged('claims', 'status', 'rejected'), waiting.no);
  });

  it('a claim with an unreadable submission time is left out of the indexes, and the sweep goes on', async () => {
    const { redis, keys } = h.engine.deps;
    const odd = await submitClaim();
    const key = keys.tagged('claims', 'c', odd.no);
    const stored = JSON.parse((await redis.get(key)) ?? '{}') as Record<string, unknown>;
    await redis.set(key, JSON.stringify({ ...stored, submittedAt: '不是日期' }));
    const missed = await submitClaim();
    await redis.zrem(index(), missed.no);
    await svc.sweep();
    expect(await redis.zscore(index(), missed.no)).not.toBeNull();
    await redis.set(key, JSON.stringify(stored));
  });

  it('a review finds claims sharing the bank card through its clue index, without reading every claim', async () => {
    const earlier = await submitClaim();
    const { no } = await submitClaim('accident');
    const touched: string[] = [];
    watchCommands(h.engine.deps.redis, (command) => touched.push(...command.args.map(String)));
    const detail = await svc.reviewDetail(actorOf(h, ADMIN), no);
    expect(detail?.duplicates).toContainEqual(expect.objectContaining({ kind: 'bankCard', no: earlier.no }));
    expect(touched).toContain(h.engine.deps.keys.tagged('claims', 'card', CARD.slice(-4)));
    expect(touched).not.toContain(index());
  });

  it('a document added to a claim later becomes a clue too', async () => {
    const { id, no } = await submitClaim('critical_illness');
    const file = (await svc.myClaim(actorOf(h, id), no))?.documents[0];
    if (!file) throw new Error('no document');
    const sha256 = 'ab'.repeat(32);
    await svc.requestMore(actorOf(h, ADMIN), no, '请补充');
    await svc.addDocuments(actorOf(h, id), no, [{ ...file, sha256, docId: 'supplement', docName: '补充材料' }]);
    expect(await h.engine.deps.redis.zscore(h.engine.deps.keys.tagged('claims', 'doc', sha256), no)).not.toBeNull();
  });

  it('claims written before the index existed are listed once it is built', async () => {
    const { no } = await submitClaim();
    const { redis, keys } = h.engine.deps;
    const card = keys.tagged('claims', 'card', CARD.slice(-4));
    await redis.del(index(), card, keys.tagged('claims', 'all-complete'));
    expect(await listed(claimsService(h))).toContain(no);
    for (const key of [index(), card]) expect(await redis.zscore(key, no)).not.toBeNull();
  });

  it('the periodic sweep adds a claim the index misses (written by an older process during an upgrade)', async () => {
    const { no } = await submitClaim();
    await h.engine.deps.redis.zrem(index(), no);
    expect(await listed(svc)).not.toContain(no);
    await svc.sweep();
    expect(await listed(svc)).toContain(no);
  });

  it('claims by status are the sizes of the status sets, which the sweep keeps exact; no claim is read to count them', async () => {
    const { redis, keys, logger } = h.engine.deps;
    const store = new ClaimStore(redis, keys, logger);
    await svc.sweep();
    const before = await store.countByStatus();
    const { no } = await submitClaim();
    await submitClaim();
    await svc.reject(actorOf(h, ADMIN), no, '材料不符');
    // An entry left in a set the claim is not in (as an index build racing a decision once could).
    await redis.zadd(keys.tagged('claims', 'status', 'approved'), '1', no);
    await svc.sweep();
    const sent = countCommands(redis);
    expect(await store.countByStatus()).toEqual({ ...before, pending: (before['pending'] ?? 0) + 1, rejected: (before['rejected'] ?? 0) + 1 });
    expect(sent()).toEqual({ zcard: 4 });
  });

  it('what unfinished forms hold is read with one SUNION per 500 forms, not one read per form', async () => {
    const { redis, keys } = h.engine.deps;
    const uploads = new UploadStore(redis, keys);
    const now = h.clock.now.getTime();
    const forms = Array.from({ length: 1200 }, (_, i) => ({ draft: `bulk${i}`, sha: i.toString(16).padStart(64, '0') }));
    await Promise.all(forms.map((f) => uploads.hold(f.draft, f.sha, now + 3_600_000, now)));
    const sent = countCommands(redis);
    const held = await uploads.held();
    expect(sent()).toEqual({ zrange: 1, sunion: 3 });
    expect(forms.filter((f) => !held.has(f.sha))).toEqual([]);
    await Promise.all(forms.map((f) => uploads.release(f.draft)));
  });

  it('a decision made while the sweep indexes the claim leaves no entry in the set the claim left', async () => {
    const { redis, keys } = h.engine.deps;
    const { no } = await submitClaim();
    const claimKey = keys.tagged('claims', 'c', no);
    const stored = JSON.parse((await redis.get(claimKey)) ?? '{}') as { rev: number; submittedAt: string };
    const rejected = JSON.stringify({ ...stored, status: 'rejected', rev: stored.rev + 1 });
    let decided = false;
    watchCommands(redis, (command) => {
      if (decided || command.name !== 'mget' || !command.args.map(String).includes(claimKey)) return;
      decided = true;
      // Right after the sweep read the claim as pending, before it indexes it: what a rejection writes.
      process.nextTick(() => {
        const score = String(Date.parse(stored.submittedAt));
        void redis.multi().set(claimKey, rejected).zrem(keys.tagged('claims', 'pending'), no).zadd(keys.tagged('claims', 'status', 'rejected'), score, no).exec();
      });
    });
    await svc.sweep();
    expect(decided).toBe(true);
    expect(await redis.zscore(keys.tagged('claims', 'pending'), no)).toBeNull();
    expect((await svc.listPending(actorOf(h, ADMIN))).map((c) => c.no)).not.toContain(no);
    expect(await redis.zscore(keys.tagged('claims', 'status', 'rejected'), no)).not.toBeNull();
  });
});
