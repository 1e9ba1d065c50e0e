/**
 * Uploads cannot fill the disk and do not outlive their use: quotas per form and per member, the files of a
 * cancelled form deleted at once, of an abandoned one by the sweep, claims past retention emptied, partial
 * writes removed, and a per-IP limit on the web API that rotating user ids do not pass.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DocumentStore } from '../../intents/claims/documents.ts';
import { P } from '../../intents/claims/texts.ts';
import { startChannels } from '../../src/channels/index.ts';
import { FieldCipher } from '../../src/core/crypto.ts';
import type { InboundAttachment } from '../../src/core/message.ts';
import { Harness, TEST_KEY_HEX } from '../helpers/harness.ts';
import { startTestEngine } from '../helpers/engine.ts';
import { play, textOf } from '../helpers/transcript.ts';
import { ADMIN, CLAIMS_NOW, claimNoIn, jpg } from '../intents/claims/data.ts';
import { claimsService } from '../intents/claims/setup.ts';
import { applicationUntilSummary, SUBMIT } from '../intents/claims/transcripts.ts';

let h: Harness;
beforeAll(async () => {
  h = await Harness.start({
    env: { BOT_ADMINS: `telegram:${ADMIN}`, CLAIM_MAX_FILES: '45', CLAIM_MAX_MB: '2', CLAIM_MEMBER_MB_PER_DAY: '3' },
    now: CLAIMS_NOW,
  });
});
afterAll(async () => {
  await h?.stop();
});

const sha = (f: InboundAttachment) => createHash('sha256').update(f.data).digest('hex');
const stored = async () => new Set((await claimsService(h).documents.list()).flatMap((f) => (f.sha256 ? [f.sha256] : [])));
const bigJpg = (mb: number): InboundAttachment => ({ name: 'big.jpg', mimeType: 'image/jpeg', data: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(Math.round(mb * 1024 * 1024))]) });
const deletions = async (target?: string) => (await h.audit()).filter((e) => e.action === 'claim.files.delete' && (!target || e.target === target));
const startForm = (who: string) => play(h, [{ say: '我要申请互助', expect: '同意' }, { say: '同意', expect: '姓名' }], who);
const cancel = (who: string) =>
  play(h, [
    { say: '取消', expect: P.cancelAsk },
    { say: P.cancelChoices[0], expect: '填写的内容已删除' },
  ], who);

describe('per form and per member', () => {
  it('40 files then 取消: all 40 are deleted at once, and the deletion is audited', async () => {
    await startForm('q40');
    const files = Array.from({ length: 40 }, (_, i) => jpg(`p${i}.jpg`));
    for (let i = 0; i < 40; i += 10) await h.dm('q40').say('', files.slice(i, i + 10));
    const before = await stored();
    expect(files.every((f) => before.has(sha(f)))).toBe(true);
    await cancel('q40');
    const after = await stored();
    expect(files.filter((f) => after.has(sha(f)))).toEqual([]);
    const [entry] = (await deletions()).filter((e) => e.actor === h.identity('q40'));
    expect(entry?.note).toMatch(/^40 files \(form ended\)/);
  });

  it('the 46th file of a form is refused with the limit, the 45 before are kept', async () => {
    await startForm('q45');
    const files = Array.from({ length: 46 }, (_, i) => jpg(`p${i}.jpg`));
    let replies = '';
    for (let i = 0; i < 46; i += 10) replies = textOf(await h.dm('q45').say('', files.slice(i, i + 10)));
    expect(replies).toContain(`p45.jpg：${P.uploadLimit.files(45)}`);
    const disk = await stored();
    expect(files.filter((f) => disk.has(sha(f)))).toHaveLength(45);
    await cancel('q45');
  });

  it('a form takes at most CLAIM_MAX_MB, a member at most CLAIM_MEMBER_MB_PER_DAY a day (China time)', async () => {
    await startForm('qmb');
    expect(textOf(await h.dm('qmb').say('', [bigJpg(1.5)]))).toContain('已收到');
    expect(textOf(await h.dm('qmb').say('', [bigJpg(1)]))).toContain(P.uploadLimit.size(2));
    await cancel('qmb');
    await startForm('qmb');
    expect(textOf(await h.dm('qmb').say('', [bigJpg(1.4)]))).toContain('已收到');
    expect(textOf(await h.dm('qmb').say('', [bigJpg(0.2)]))).toContain(P.uploadLimit.daily(3));
    expect(textOf(await h.dm('qmb2').say('我要申请互助'))).toContain('同意');
    await play(h, [{ say: '同意', expect: '姓名' }], 'qmb2');
    // Another member's day is their own.
    expect(textOf(await h.dm('qmb2').say('', [bigJpg(0.2)]))).toContain('已收到');
    await cancel('qmb');
    await cancel('qmb2');
  });
});

describe('partial writes', () => {
  it('a write that fails after the file was opened (disk full) leaves no .tmp behind and the error surfaces', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ua-docs-full-'));
    try {
      const full = Object.assign(new FieldCipher(Buffer.from(TEST_KEY_HEX, 'hex')), {
        encryptBytes: () => {
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        },
      });
      const docs = new DocumentStore(dir, full);
      await expect(docs.save(jpg())).rejects.toThrow(/ENOSPC/);
      const left = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
      expect(left).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the sweep', () => {
  it('removes unreferenced files and partial writes older than an hour, and keeps recent ones', async () => {
    const svc = claimsService(h);
    const dir = join(svc.documents.dir, 'ab');
    mkdirSync(dir, { recursive: true });
    const old = join(dir, `ab${'0'.repeat(62)}`);
    const recent = join(dir, `ab${'1'.repeat(62)}`);
    const tmp = join(dir, `ab${'2'.repeat(62)}.1234.tmp`);
    for (const f of [old, recent, tmp]) writeFileSync(f, 'x');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    utimesSync(old, twoHoursAgo, twoHoursAgo);
    utimesSync(tmp, twoHoursAgo, twoHoursAgo);
    await svc.sweep();
    expect([existsSync(old), existsSync(recent), existsSync(tmp)]).toEqual([false, true, false]);
    expect((await deletions('documents')).at(-1)?.note).toMatch(/unreferenced/);
  });

  it('deletes the files of a form abandoned past FORM_RESUME_HOURS', async () => {
    await startForm('qold');
    const files = [jpg('a.jpg'), jpg('b.jpg')];
    await h.dm('qold').say('', files);
    const svc = claimsService(h);
    await svc.sweep();
    const held = await stored();
    expect(files.every((f) => held.has(sha(f)))).toBe(true);
    h.advance((h.engine.config.FORM_RESUME_HOURS + 1) * 3600_000);
    await svc.sweep();
    const disk = await stored();
    expect(files.filter((f) => disk.has(sha(f)))).toEqual([]);
    expect((await h.audit()).some((e) => e.action === 'claim.files.delete' && e.actor === 'system:claims-sweep' && /expired form/.test(e.note ?? ''))).toBe(true);
  });

  it('keeps the files of a form still being filled: each answer renews their hold', async () => {
    await startForm('qlive');
    const files = [jpg('c.jpg'), jpg('d.jpg')];
    await h.dm('qlive').say('', files);
    const hours = h.engine.config.FORM_RESUME_HOURS;
    h.advance((hours - 1) * 3600_000);
    await play(h, [{ say: '张三', expect: '身份证号' }], 'qlive');
    // Past the hold the upload gave, within the one the answer renewed.
    h.advance(2 * 3600_000);
    await claimsService(h).sweep();
    const disk = await stored();
    expect(files.every((f) => disk.has(sha(f)))).toBe(true);
  });

  it('CLAIM_RETENTION_DAYS after the decision a claim loses its documents and personal fields, audited; undecided claims keep theirs', async () => {
    const steps = applicationUntilSummary('hospital', '张三', h.clock.now);
    const decided = claimNoIn(textOf((await play(h, [...steps, SUBMIT], 'ret1')).at(-1) ?? []));
    const open = claimNoIn(textOf((await play(h, [...applicationUntilSummary('hospital', '李四', h.clock.now), SUBMIT], 'ret2')).at(-1) ?? []));
    await play(h, [{ say: `/approve ${decided} 1000`, expect: '已批准' }], ADMIN);
    const svc = claimsService(h);
    const uploaded = steps.flatMap((s) => s.files ?? []);
    h.advance(729 * 86400_000);
    await svc.sweep();
    const notYet = await stored();
    expect(uploaded.every((f) => notYet.has(sha(f)))).toBe(true);
    h.advance(2 * 86400_000);
    await svc.sweep();
    const disk = await stored();
    expect(uploaded.filter((f) => disk.has(sha(f)))).toEqual([]);
    const admin = { key: h.identity(ADMIN) as `telegram:${string}`, roles: new Set(['admin', 'staff'] as const) };
    const purged = await svc.review(admin, decided);
    expect(purged?.claim.documents).toEqual([]);
    expect(purged?.claim.purgedAt).toBeDefined();
    expect(purged?.secrets).toEqual({ idNumber: '', mobile: '', diagnosis: '', bankCard: '' });
    expect(purged?.claim.applicant.name).toBe('张*');
    expect(purged?.claim.payoutCents).toBe(100000);
    const kept = await svc.review(admin, open);
    expect(kept?.claim.documents).toHaveLength(5);
    const audit = (await h.audit()).filter((e) => e.target === decided).map((e) => e.action);
    expect(audit).toEqual(expect.arrayContaining(['claim.purge', 'claim.files.delete']));
  });
});

describe('the web API per IP', () => {
  it('counts requests per client IP, whatever user ids they claim', async () => {
    const te = await startTestEngine({ WEB_RATE_LIMIT_PER_MINUTE_PER_IP: '5' });
    const app = await startChannels(te.engine);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        const res = await fetch(`${app.url}/api/web/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: `rotating-${i}`, chatType: 'private', text: '菜单' }) });
        statuses.push(res.status);
        if (res.status === 429) expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      }
      // Twelve within at most two minute windows: at least one window is over five.
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(2);
      expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    } finally {
      await app.stop();
      await te.stop();
    }
  });
});
