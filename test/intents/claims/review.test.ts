/** Admin review in chat through the real engine: queue, detail, decisions, notifications, supplements, refusals. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORE_TEXT } from '../../../src/core/texts.ts';
import { Harness } from '../../helpers/harness.ts';
import { play, textOf } from '../../helpers/transcript.ts';
import { ADMIN, CLAIMS_NOW, claimNoIn, jpg, pdf, STAFF } from './data.ts';
import { startClaimsHarness } from './setup.ts';
import { applicationUntilSummary, CARD, ID, MOBILE, SUBMIT, type PlanKey } from './transcripts.ts';

let h: Harness;
/** A second process on the same Redis, serving WeChat members. */
let wechat: Harness;
let n = 0;

beforeAll(async () => {
  h = await startClaimsHarness();
  wechat = await Harness.start({ platform: 'wechat', redisUrl: h.redisUrl, now: CLAIMS_NOW });
});
afterAll(async () => {
  await wechat?.stop();
  await h?.stop();
});

async function submitClaim(plan: PlanKey = 'hospital', via: Harness = h): Promise<{ id: string; no: string }> {
  const id = `r${++n}`;
  const out = await play(via, [...applicationUntilSummary(plan), SUBMIT], id);
  return { id, no: claimNoIn(textOf(out.at(-1) ?? [])) };
}

const admin = (say: string) => h.dm(ADMIN).say(say);
const auditFor = async (no: string) => (await h.audit()).filter((e) => e.target === no).reverse();

describe('the queue and one claim', () => {
  it('/claims and 审核列表 list the pending queue with names masked', async () => {
    const { no } = await submitClaim();
    await play(h, [
      { say: '/claims', expect: [no, '张*'], not: '张三' },
      { say: '审核列表', expect: no },
    ], ADMIN);
  });

  it('/claim shows one claim unmasked with its five documents, and the view is audited', async () => {
    const { no } = await submitClaim();
    const detail = await admin(`/claim ${no}`);
    const text = textOf(detail);
    for (const s of [ID, MOBILE, CARD, '急性阑尾炎', '张三', '入院 2026-11-02', '出院 2026-11-10', 'pipl-']) expect(text).toContain(s);
    const files = detail.filter((r) => r.file);
    expect(files).toHaveLength(5);
    expect(files.map((f) => f.file?.mimeType)).toContain('application/pdf');
    expect(files.every((f) => (f.file?.data.length ?? 0) > 0)).toBe(true);
    expect((await auditFor(no)).map((e) => e.action)).toEqual(['claim.submit', 'claim.view']);
  });

  it('the detail shows times in China time, as the member sees dates (not UTC)', async () => {
    const { no } = await submitClaim();
    // The clock is 2026-11-22T02:00Z, i.e. 10:00 in China.
    const text = textOf(await admin(`/claim ${no}`));
    expect(text).toMatch(/同意书：pipl-[^，]+，2026-11-22 10:0\d/);
    expect(text).toMatch(/2026-11-22 10:0\d 待审核/);
    expect(text).not.toMatch(/\dT\d\d:\d\d/);
  });
});

describe('decisions', () => {
  it('approve: the member is told on their own platform, audit before → after, the queue and status show it', async () => {
    const { id, no } = await submitClaim('accident', wechat);
    await play(h, [{ say: `/approve ${no} 2768.40 材料齐全`, expect: ['已批准', no, '2768.40'] }], ADMIN);
    expect(await wechat.notification(id, '已审核通过')).toContain(`${no}（意外伤害互助）已审核通过，互助金 2768.40 元将转入尾号 ${CARD.slice(-4)}`);
    expect((await auditFor(no)).at(-1)).toMatchObject({ actor: h.identity(ADMIN), action: 'claim.approve', before: 'pending', after: 'approved', note: '材料齐全' });
    expect(textOf(await admin('/claims'))).not.toContain(no);
    await play(wechat, [{ say: `查询 ${no}`, expect: ['已通过', '2768.40', '材料齐全'] }], id);
  });

  it('a decided claim cannot be decided again', async () => {
    const { no } = await submitClaim('accident');
    await play(h, [
      { say: `/approve ${no} 100`, expect: '已批准' },
      { say: `驳回 ${no} 重复`, expect: '已通过」，不能执行' },
    ], ADMIN);
  });

  it('approve above the per-claim limit is refused; bad usage shows the syntax; an unknown number is not found', async () => {
    const { no } = await submitClaim('accident');
    await play(h, [
      { say: `/approve ${no} 20000`, expect: '单次上限 10000' },
      { say: `/approve ${no}`, expect: '用法' },
      { say: '/approve HZ-20990101-0001 100', expect: '没有找到' },
    ], ADMIN);
  });

  it('the yearly limit counts earlier approved claims of the same person and plan', async () => {
    const a = await submitClaim('accident');
    const b = await submitClaim('accident');
    await play(h, [
      { say: `批准 ${a.no} 1000 第一次`, expect: '已批准' },
      { say: `批准 ${b.no} 10000 第二次`, expect: '剩余额度' },
    ], ADMIN);
  });

  it('reject: the member is told the reason', async () => {
    const { id, no } = await submitClaim('female_special');
    await play(h, [
      { say: `/reject ${no}`, expect: '用法' },
      { say: `/reject ${no} 确诊日期在等待期内`, expect: '已驳回' },
    ], ADMIN);
    expect(await h.notification(id, '未通过审核')).toContain('未通过审核。原因：确诊日期在等待期内');
    expect((await auditFor(no)).at(-1)).toMatchObject({ action: 'claim.reject', before: 'pending', after: 'rejected' });
  });
});

describe('supplements', () => {
  it('needmore → the member adds documents with 补充材料 → back in the queue, every step audited', async () => {
    const { id, no } = await submitClaim('critical_illness');
    await play(h, [{ say: `/needmore ${no} 请补充病理报告原件照片`, expect: '已要求' }], ADMIN);
    expect(await h.notification(id, '需要补充材料')).toContain(`需要补充材料：请补充病理报告原件照片。请回复「补充材料 ${no}」`);
    expect(textOf(await admin('/claims'))).not.toContain(no);
    await play(h, [
      { say: '查询互助进度', expect: ['待补充材料', `补充材料 ${no}`] },
      { say: `补充材料 ${no}`, expect: ['请补充', '病理报告原件照片'] },
      { say: '完成', expect: '还没有收到' },
      { say: '', files: [jpg('病理1.jpg')], expect: '第 1 个' },
      { say: '', files: [pdf('病理2.pdf')], expect: '第 2 个' },
      { say: '好了', expect: ['已收到补充材料', '重新进入审核队列'] },
    ], id);
    expect(textOf(await admin('/claims'))).toContain(no);
    const detail = await admin(`/claim ${no}`);
    expect(detail.filter((r) => r.file)).toHaveLength(6);
    expect(textOf(detail)).toContain('补充 2 份材料');
    expect((await auditFor(no)).map((e) => `${e.action}:${String(e.before)}→${String(e.after)}`)).toEqual([
      'claim.submit:null→pending',
      'claim.needmore:pending→needs_more',
      'claim.supplement:needs_more→pending',
      'claim.view:pending→pending',
    ]);
  });

  it('the upload question asked again after an interruption repeats what the reviewer asked for; other words get the hint and the question', async () => {
    const { id, no } = await submitClaim('critical_illness');
    await admin(`/needmore ${no} 请补充病理报告原件照片`);
    await play(h, [
      { say: `补充材料 ${no}`, expect: '病理报告原件照片' },
      { say: '公司拖欠工资怎么办？', expect: ['拖欠工资', '我们继续填写互助申请', `请补充申请 ${no} 的材料（审核人员的说明：请补充病理报告原件照片）`] },
      { say: '张三', expect: ['还没有收到补充的文件', `请补充申请 ${no} 的材料`] },
      { say: '取消', expect: '已取消补充材料' },
    ], id);
  });

  it('asking in a sentence to add documents opens the supplement upload, never a new application', async () => {
    const { id, no } = await submitClaim('critical_illness');
    await admin(`/needmore ${no} 请补充病理报告原件照片`);
    await play(h, [
      { say: '我想补充一下申请材料', expect: [`请补充申请 ${no} 的材料`, '病理报告原件照片'], not: '个人信息保护法' },
      { say: '取消', expect: '已取消补充材料' },
      { say: '诊断证明要补交一下', expect: `请补充申请 ${no} 的材料`, not: '个人信息保护法' },
    ], id);
  });

  it('files sent outside a form go to the claim waiting for documents', async () => {
    const { id, no } = await submitClaim('critical_illness');
    await admin(`要求补充 ${no} 缺诊断证明`);
    await play(h, [
      { say: '', files: [jpg()], expect: [no, '第 1 个'] },
      { say: '完成', expect: '重新进入审核队列' },
    ], id);
  });

  it('补充材料 for someone else’s claim, or with nothing waiting, is refused', async () => {
    const { no } = await submitClaim('critical_illness');
    await play(h, [
      { say: `补充材料 ${no}`, expect: '没有找到您名下' },
      { say: '补充材料', expect: '没有需要补充材料' },
    ], `x${++n}`);
  });

  it('补充材料 for an own claim that needs nothing says its status', async () => {
    const { id, no } = await submitClaim('critical_illness');
    await play(h, [{ say: `补充材料 ${no}`, expect: ['待审核', '不需要补充材料'] }], id);
  });
});

describe('refusals', () => {
  it('a member is refused the review commands with the real refusal, and the attempt is audited', async () => {
    const { id, no } = await submitClaim();
    await play(h, [
      { say: `/approve ${no} 100`, expect: CORE_TEXT.notAllowed },
      { say: `/claim ${no}`, expect: CORE_TEXT.notAllowed, not: ID },
      { say: no, expect: '待审核' },
    ], id);
    expect((await h.audit()).some((e) => e.action === 'refused' && e.actor === h.identity(id) && e.target === 'approve')).toBe(true);
    expect((await auditFor(no)).map((e) => e.action)).toEqual(['claim.submit']);
  });

  it('staff are told review needs the admin role', async () => {
    const { no } = await submitClaim();
    await play(h, [
      { say: '/claims', expect: CORE_TEXT.adminOnly, not: no },
      { say: `/approve ${no} 100`, expect: CORE_TEXT.adminOnly },
    ], STAFF);
  });

  it('review commands are refused in a group chat', async () => {
    const { no } = await submitClaim();
    await play(h, [{ say: `/claim ${no}`, in: { group: 'g1', mention: true }, expect: CORE_TEXT.commandPrivateOnly, not: ID }], ADMIN);
  });
});

describe('claim_status: members see only their own claims', () => {
  it('lists own claims with history; another member’s number is not found', async () => {
    const a = await submitClaim('hospital');
    const b = await submitClaim('accident');
    await play(h, [
      { say: '查询互助进度', expect: a.no, not: b.no },
      { say: `查询 ${b.no}`, expect: '没有找到您名下' },
    ], a.id);
    await play(h, [{ say: '我的申请进度', expect: '还没有提交过' }], 'nobody');
  });
});
