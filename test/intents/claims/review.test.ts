import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimsServices } from '../../../intents/claims/context.ts';
import { ClaimForbiddenError } from '../../../intents/claims/store.ts';
import type { MemberKey } from '../../../src/core/message.ts';
import { startRedis } from '../../helpers/redis.ts';
import { ADMIN, ClaimsHarness, jpg, pdf, play, textOf } from './harness.ts';
import { applicationUntilSummary, CARD, ID, MOBILE, SUBMIT, type PlanKey } from './transcripts.ts';

let redis: Awaited<ReturnType<typeof startRedis>>;
let h: ClaimsHarness;
let n = 0;

beforeAll(async () => {
  redis = await startRedis();
  h = await ClaimsHarness.create(redis.url);
});
afterAll(async () => {
  await h?.close();
  await redis?.stop();
});

const adminActor = { key: `${ADMIN.platform}:${ADMIN.userId}` as MemberKey, roles: new Set(['admin', 'staff'] as const) };

async function submitClaim(plan: PlanKey = 'hospital', platform: 'telegram' | 'wechat' | 'web' = 'telegram'): Promise<{ id: string; no: string }> {
  const id = `r${++n}`;
  const out = await play(h.member(id, platform), [...applicationUntilSummary(plan), SUBMIT]);
  const no = /HZ-\d{8}-\d{4}/.exec(out.at(-1) ?? '')?.[0];
  if (!no) throw new Error('no claim number');
  return { id, no };
}

const outboxFor = async (platform: 'telegram' | 'wechat' | 'web', chatId: string) =>
  (await h.outboxItems(platform)).filter((i) => i.to.chatId === chatId).flatMap((i) => i.replies.map((r) => r.text ?? ''));

const auditFor = async (no: string) => (await h.auditEntries()).filter((e) => e.target === no).reverse();

describe('admin review', () => {
  it('lists the pending queue masked, shows one claim unmasked with its documents', async () => {
    const { no } = await submitClaim();
    const list = textOf(await h.admin().say('/claims'));
    expect(list).toContain(no);
    expect(list).toContain('张*');
    expect(list).not.toContain('张三');
    const aliased = textOf(await h.admin().say('审核列表'));
    expect(aliased).toContain(no);

    const detail = await h.admin().say(`/claim ${no}`);
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
    // The harness clock is 2026-11-22T02:00Z, i.e. 10:00 in China.
    const text = textOf(await h.admin().say(`/claim ${no}`));
    expect(text).toMatch(/同意书：pipl-[^，]+，2026-11-22 10:0\d/);
    expect(text).toMatch(/2026-11-22 10:0\d 待审核/);
    expect(text).not.toMatch(/\dT\d\d:\d\d/);
  });

  it('approve: member notified on their platform, audit before → after, queue updated, status shows it', async () => {
    const { id, no } = await submitClaim('accident', 'wechat');
    await play(h.admin(), [{ say: `/approve ${no} 2768.40 材料齐全`, expect: ['已批准', no, '2768.40'] }]);
    const notes = await outboxFor('wechat', id);
    expect(notes.join('\n')).toContain(`${no}（意外伤害互助）已审核通过，互助金 2768.40 元将转入尾号 ${CARD.slice(-4)}`);
    const audit = await auditFor(no);
    expect(audit.at(-1)).toMatchObject({ actor: adminActor.key, action: 'claim.approve', before: 'pending', after: 'approved', note: '材料齐全' });
    expect(textOf(await h.admin().say('/claims'))).not.toContain(no);
    await play(h.member(id, 'wechat'), [{ say: `查询 ${no}`, expect: ['已通过', '2768.40', '材料齐全'] }]);
    // Already decided: cannot be decided again.
    await play(h.admin(), [{ say: `驳回 ${no} 重复`, expect: '已通过」，不能执行' }]);
  });

  it('approve above the per-claim limit is refused; bad usage shows the syntax', async () => {
    const { no } = await submitClaim('accident');
    await play(h.admin(), [
      { say: `/approve ${no} 20000`, expect: '单次上限 10000' },
      { say: `/approve ${no}`, expect: '用法' },
      { say: '/approve HZ-20990101-0001 100', expect: '没有找到' },
    ]);
  });

  it('the yearly limit counts earlier approved claims of the same person and plan', async () => {
    const a = await submitClaim('accident');
    const b = await submitClaim('accident');
    await play(h.admin(), [
      { say: `批准 ${a.no} 1000 第一次`, expect: "已批准" },
      { say: `批准 ${b.no} 10000 第二次`, expect: "剩余额度" },
    ]);
  });

  it('reject: member told the reason', async () => {
    const { id, no } = await submitClaim('female_special');
    await play(h.admin(), [
      { say: `/reject ${no}`, expect: '用法' },
      { say: `/reject ${no} 确诊日期在等待期内`, expect: '已驳回' },
    ]);
    expect((await outboxFor('telegram', id)).join('\n')).toContain('未通过审核。原因：确诊日期在等待期内');
    expect((await auditFor(no)).at(-1)).toMatchObject({ action: 'claim.reject', before: 'pending', after: 'rejected' });
  });

  it('needmore → member adds documents with 补充材料 → back in the queue', async () => {
    const { id, no } = await submitClaim('critical_illness');
    await play(h.admin(), [{ say: `/needmore ${no} 请补充病理报告原件照片`, expect: '已要求' }]);
    expect((await outboxFor('telegram', id)).join('\n')).toContain(`需要补充材料：请补充病理报告原件照片。请回复「补充材料 ${no}」`);
    expect(textOf(await h.admin().say('/claims'))).not.toContain(no);
    await play(h.member(id), [
      { say: '查询互助进度', expect: ['待补充材料', `补充材料 ${no}`] },
      { say: `补充材料 ${no}`, expect: ['请补充', '病理报告原件照片'] },
      { say: '完成', expect: '还没有收到' },
      { say: '', files: [jpg('病理1.jpg')], expect: '第 1 个' },
      { say: '', files: [pdf('病理2.pdf')], expect: '第 2 个' },
      { say: '好了', expect: ['已收到补充材料', '重新进入审核队列'] },
    ]);
    expect(textOf(await h.admin().say('/claims'))).toContain(no);
    const detail = await h.admin().say(`/claim ${no}`);
    expect(detail.filter((r) => r.file)).toHaveLength(6);
    expect((await auditFor(no)).map((e) => `${e.action}:${String(e.before)}→${String(e.after)}`)).toEqual([
      'claim.submit:null→pending',
      'claim.needmore:pending→needs_more',
      'claim.supplement:needs_more→pending',
      'claim.view:pending→pending',
    ]);
  });

  it('files sent outside a form go to the claim waiting for documents', async () => {
    const { id, no } = await submitClaim('critical_illness');
    await h.admin().say(`要求补充 ${no} 缺诊断证明`);
    await play(h.member(id), [
      { say: '', files: [jpg()], expect: [no, '第 1 个'] },
      { say: '完成', expect: '重新进入审核队列' },
    ]);
  });

  it('补充材料 for a claim that does not need it, or someone else’s, is refused', async () => {
    const { no } = await submitClaim('critical_illness');
    const other = `x${++n}`;
    await play(h.member(other), [
      { say: `补充材料 ${no}`, expect: '没有找到您名下' },
      { say: '补充材料', expect: '没有需要补充材料' },
    ]);
  });

  it('non-admins are refused by the router and by the store itself', async () => {
    const { id, no } = await submitClaim();
    await play(h.member(id), [{ say: `/approve ${no} 100`, expect: '【无权限】' }]);
    const s = claimsServices(h.deps);
    const member = { key: `telegram:${id}` as MemberKey, roles: new Set<never>() };
    await expect(s.store.approve(member, no, 100, '', h.clock.now)).rejects.toBeInstanceOf(ClaimForbiddenError);
    await expect(s.store.listPending(member)).rejects.toBeInstanceOf(ClaimForbiddenError);
    await expect(s.store.getForAdmin(member, no, h.clock.now)).rejects.toBeInstanceOf(ClaimForbiddenError);
    await expect(s.store.requestMore(member, no, 'x', h.clock.now)).rejects.toBeInstanceOf(ClaimForbiddenError);
  });

  it('review commands are refused in a group chat', async () => {
    const { no } = await submitClaim();
    const inGroup = h.member(ADMIN.userId, ADMIN.platform, 'group', 'g1');
    await play(inGroup, [{ say: `/claim ${no}`, expect: '只能在与小助手的私聊中使用', not: ID }]);
  });
});

describe('claim_status: members see only their own claims', () => {
  it('lists own claims with history; another member’s number is not found', async () => {
    const a = await submitClaim('hospital');
    const b = await submitClaim('accident');
    const mine = textOf(await h.member(a.id).say('查询互助进度'));
    expect(mine).toContain(a.no);
    expect(mine).not.toContain(b.no);
    expect(textOf(await h.member(a.id).say(`查询 ${b.no}`))).toContain('没有找到您名下');
    expect(textOf(await h.member('nobody').say('我的申请进度'))).toContain('还没有提交过');
  });
});
