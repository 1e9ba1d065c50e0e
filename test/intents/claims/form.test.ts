import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { claimsServices } from '../../../intents/claims/context.ts';
import { startRedis } from '../../helpers/redis.ts';
import { ClaimsHarness, jpg, OTHER_INTENT_REPLY, play, textOf, validId, type Step } from './harness.ts';
import { applicationUntilSummary, CARD, SUBMIT, type PlanKey } from './transcripts.ts';

let redis: Awaited<ReturnType<typeof startRedis>>;
let h: ClaimsHarness;
let n = 0;
const fresh = () => `m${++n}`;

beforeAll(async () => {
  redis = await startRedis();
  h = await ClaimsHarness.create(redis.url);
});
afterAll(async () => {
  await h?.close();
  await redis?.stop();
});
beforeEach(() => {
  h.clock.now = new Date('2026-11-22T02:00:00Z');
});

/** Everything up to (and including) the answer to the question whose prompt contains `upTo`. */
function until(plan: PlanKey, expectText: string): Step[] {
  const steps = applicationUntilSummary(plan);
  const i = steps.findIndex((s) => [s.expect].flat().some((e) => typeof e === 'string' && e === expectText));
  return steps.slice(0, i + 1);
}

describe('happy path for every plan', () => {
  for (const plan of ['hospital', 'critical_illness', 'accident', 'female_special'] as const) {
    it(plan, async () => {
      const member = fresh();
      const out = await play(h.member(member), [...applicationUntilSummary(plan), SUBMIT]);
      const no = /HZ-\d{8}-\d{4}/.exec(out.at(-1) ?? '')?.[0] ?? '';
      const [claim] = await claimsServices(h.deps).store.listForMember({ key: `telegram:${member}`, roles: new Set() });
      expect(claim?.no).toBe(no);
      expect(claim?.planId).toBe(plan);
      expect(claim?.status).toBe('pending');
      expect(claim?.consent.version).toMatch(/^pipl-/);
      expect(claim?.address).toEqual({ platform: 'telegram', chatId: member, chatType: 'private' });
      // The form is over: the next message is not treated as an answer.
      await play(h.member(member), [{ say: '查询互助进度', expect: [no, '待审核'] }]);
    });
  }
});

describe('validation errors re-ask with a friendly message and keep earlier answers', () => {
  it('every field', async () => {
    const m = h.member(fresh());
    const big = jpg('big.jpg');
    big.data = Buffer.concat([big.data, Buffer.alloc(10 * 1024 * 1024)]);
    await play(m, [
      { say: '我要申请住院医疗互助', expect: '同意' },
      { say: '嗯嗯', expect: '请回复「同意」或「不同意」' },
      { say: '同意', expect: '姓名' },
      { say: '1', expect: ['姓名格式不对', '请输入申请人姓名'] },
      { say: '李四', expect: '身份证号' },
      { say: '12345', expect: ['应为 18 位', '18 位身份证号码'] },
      { say: validId().slice(0, 17) + (validId().endsWith('1') ? '2' : '1'), expect: '校验未通过' },
      { say: validId(), expect: '手机号' },
      { say: '1381234567', expect: ['手机号格式不对', '手机号码'] },
      { say: '13812345678', expect: '工作单位' },
      { say: '2026-11-12', expect: ['不能只有数字或日期', '工作单位'] },
      { say: '市第一机床厂', expect: '入院日期' },
      { say: '下周一', expect: '没看懂这个日期' },
      { say: '2026-11-23', expect: '不能晚于今天' },
      { say: '2026-02-30', expect: '日期不存在' },
      { say: '2026-11-12', expect: '出院日期' },
      { say: '2026-11-10', expect: '出院日期不能早于入院日期' },
      { say: '2026-11-15', expect: '医院' },
      { say: '市第一人民医院', expect: '诊断' },
      { say: '急性阑尾炎', expect: '自付' },
      { say: '12.345', expect: '最多保留两位小数' },
      { say: '0', expect: '必须大于 0' },
      { say: '50', expect: '不能低于 100 元' },
      { say: '99999999', expect: '上限' },
      { say: '1.2万', expect: '银行卡号' },
      { say: '改一下金额', expect: ['自付', '12000 元'] },
      { say: '3560', expect: '银行卡号' },
      { say: '4111111111111112', expect: '校验未通过' },
      { say: '41111111', expect: '16–19 位' },
      { say: CARD, expect: '开户银行' },
      { say: '不知道', expect: '开户银行的名称' },
      { say: '建设银行', expect: '出院小结' },
      { say: '', files: [{ name: 'fake.jpg', mimeType: 'image/jpeg', data: Buffer.from('<script>alert(1)</script>') }], expect: '无法识别' },
      { say: '', files: [big], expect: '超过 10 MB' },
      { say: '完成', expect: ['材料还没有齐', '出院小结', '银行卡'] },
      { say: '', files: [jpg()], expect: ['已收到「出院小结」', '还缺'] },
      // Everything typed before is still there.
      { say: '改一下姓名', expect: ['姓名', '当前填写的是：李四'] },
    ]);
  });

  it('the filing deadline is enforced per plan', async () => {
    await play(h.member(fresh()), [
      ...until('hospital', '入院日期'),
      { say: '2026-01-02', expect: '出院日期' },
      { say: '2026-01-10', expect: ['180 天内', '已超过申请时限'] },
      { say: '2026-11-10', expect: '医院' },
    ]);
  });
});

describe('navigation', () => {
  it('返回 goes to the previous question, which shows what was entered', async () => {
    await play(h.member(fresh()), [
      ...until('hospital', '手机号'),
      { say: '返回', expect: ['上一题', '身份证号', '110***********'] },
      { say: '返回', expect: ['姓名', '张三'] },
      { say: '王五', expect: '手机号' },
      { say: '13912345678', expect: '工作单位' },
    ]);
  });

  it('返回 at the first question says so', async () => {
    await play(h.member(fresh()), [
      { say: '申请互助', expect: '同意' },
      { say: '同意', expect: '姓名' },
      { say: '返回', expect: ['第一个问题', '姓名'] },
    ]);
  });

  it('change a field from the summary, by phrase and through the menu', async () => {
    await play(h.member(fresh()), [
      ...applicationUntilSummary('hospital'),
      { say: '改一下电话', expect: ['手机号码', '138****5678'] },
      { say: '13987654321', expect: ['请核对', '139****4321'], not: '138****5678' },
      { say: '2', expect: ['要修改哪一项', '开户银行'] },
      { say: '开户银行', expect: '开户银行名称' },
      { say: '招商银行', expect: ['请核对', '招商银行'] },
      { say: '修改银行卡', expect: '银行卡号' },
      { say: '4111111111111111', expect: ['请核对', '****1111'] },
      SUBMIT,
    ]);
  });

  it('change a field mid-form returns to where the member was', async () => {
    await play(h.member(fresh()), [
      ...until('hospital', '医院'),
      { say: '改一下电话', expect: '手机号码' },
      { say: '13987654321', expect: '医院' },
    ]);
  });

  it('changing the plan keeps what fits and asks what the new plan needs', async () => {
    await play(h.member(fresh()), [
      ...applicationUntilSummary('hospital'),
      { say: '修改互助项目', expect: ['选择', '重大疾病互助'] },
      { say: '2', expect: '确诊日期' },
      { say: '2026-10-08', expect: ['上传', '诊断证明', '身份证正反面 ✅'] },
      { say: '', files: [jpg()], expect: '已收到「诊断证明」' },
      { say: '', files: [jpg()], expect: ['病理报告', '所需材料已齐'] },
      { say: '完成', expect: ['请核对', '重大疾病互助', '确诊日期：2026-10-08'], not: '入院日期' },
    ]);
  });

  it('picks a document by number for several photos', async () => {
    await play(h.member(fresh()), [
      ...until('hospital', '开户银行'),
      { say: '招商银行', expect: '上传' },
      { say: '4', expect: '算作「身份证正反面」' },
      { say: '', files: [jpg('正面.jpg')], expect: '已收到「身份证正反面」' },
      { say: '', files: [jpg('反面.jpg')], expect: '已收到「身份证正反面」' },
      { say: '下一项', expect: '出院小结' },
      { say: '', files: [jpg()], expect: '已收到「出院小结」' },
    ]);
  });

  it('cancel asks first; 继续填写 keeps everything, 确定取消 ends the form', async () => {
    const m = h.member(fresh());
    await play(m, [
      ...until('hospital', '工作单位'),
      { say: '取消', expect: ['确定要取消', '继续填写'] },
      { say: '继续填写', expect: ['继续', '工作单位'] },
      { say: '不申请了', expect: '确定要取消' },
      { say: '确定取消', expect: '已取消' },
      { say: '市第一机床厂', expect: OTHER_INTENT_REPLY },
    ]);
  });

  it('declining consent ends politely and stores nothing', async () => {
    await play(h.member(fresh()), [
      { say: '申请互助', expect: '同意' },
      { say: '不同意', expect: ['没有保存', '单位工会'] },
      { say: '张三', expect: OTHER_INTENT_REPLY },
    ]);
  });

  it('saying 申请互助 again mid-form continues the same form', async () => {
    await play(h.member(fresh()), [...until('hospital', '工作单位'), { say: '我要申请互助', expect: ['正在填写', '工作单位'] }]);
  });
});

describe('interruptions and resuming', () => {
  it('a labor-law question mid-form is passed through, then the form question is asked again', async () => {
    await play(h.member(fresh()), [
      ...until('hospital', '医院'),
      { say: '公司拖欠工资怎么办？', expect: [OTHER_INTENT_REPLY, '我们继续填写互助申请', '就诊医院'] },
      { say: '加班费怎么算', expect: [OTHER_INTENT_REPLY, '就诊医院'] },
      { say: '市第一人民医院', expect: '诊断结果' },
    ]);
  });

  it('an abandoned form survives a restart and resumes with a greeting', async () => {
    const id = fresh();
    await play(h.member(id), until('hospital', '医院'));
    const dialogRaw = await h.redis.get(h.deps.keys.session('telegram', id, id));
    // Sensitive draft values are encrypted inside the session too.
    expect(dialogRaw).not.toContain('13812345678');
    expect(dialogRaw).toContain('"asking":"hospital"');
    await h.restart();
    h.advance(5 * 3600_000);
    await play(h.member(id), [
      { say: '在吗', expect: ['您上次的互助申请还没填完，我们继续', '就诊医院'] },
      { say: '市第一人民医院', expect: '诊断结果' },
    ]);
    // After a pause, an interruption also gets the resume greeting.
    h.advance(2 * 3600_000);
    await play(h.member(id), [{ say: '试用期可以不交社保吗？', expect: [OTHER_INTENT_REPLY, '您上次的互助申请还没填完', '诊断结果'] }]);
  });

  it('a form older than FORM_RESUME_HOURS is gone', async () => {
    const id = fresh();
    await play(h.member(id), until('hospital', '医院'));
    h.advance((h.config.FORM_RESUME_HOURS + 1) * 3600_000);
    await play(h.member(id), [{ say: '市第一人民医院', expect: OTHER_INTENT_REPLY }]);
  });

  it('an old form version restarts politely', async () => {
    const id = fresh();
    await play(h.member(id), until('hospital', '医院'));
    const key = h.deps.keys.session('telegram', id, id);
    const session = JSON.parse((await h.redis.get(key)) ?? '{}') as { dialog: { v: number } };
    session.dialog.v = 0;
    await h.redis.set(key, JSON.stringify(session));
    await play(h.member(id), [{ say: '市第一人民医院', expect: ['已更新', '重新填写', '个人信息保护法'] }]);
  });
});

describe('submission', () => {
  it('the same draft submitted twice (e.g. a retry after a crash before the session save) gives one claim', async () => {
    const id = fresh();
    await play(h.member(id), applicationUntilSummary('accident'));
    const key = h.deps.keys.session('telegram', id, id);
    const before = await h.redis.get(key);
    const first = textOf(await h.member(id).say('确认提交'));
    await h.redis.set(key, before ?? '');
    const second = textOf(await h.member(id).say('确认'));
    const no = /HZ-\d{8}-\d{4}/.exec(first)?.[0];
    expect(no).toBeDefined();
    expect(second).toContain(no);
    const claims = await claimsServices(h.deps).store.listForMember({ key: `telegram:${id}`, roles: new Set() });
    expect(claims).toHaveLength(1);
  });

  it('concurrent submissions by different members get distinct numbers', async () => {
    const ids = Array.from({ length: 8 }, fresh);
    h.clock.now = new Date('2026-11-23T02:00:00Z');
    for (const id of ids) await play(h.member(id), applicationUntilSummary('critical_illness', '赵六'));
    const results = await Promise.all(ids.map((id) => h.member(id).say('确认提交')));
    const nos = results.map((r) => /HZ-\d{8}-\d{4}/.exec(textOf(r))?.[0]);
    expect(new Set(nos).size).toBe(ids.length);
    expect([...nos].sort()).toEqual(ids.map((_, i) => `HZ-20261123-${String(i + 1).padStart(4, '0')}`));
  });

  it('claim data is encrypted at rest', async () => {
    const id = fresh();
    await play(h.member(id), [...applicationUntilSummary('hospital'), SUBMIT]);
    const [claim] = await claimsServices(h.deps).store.listForMember({ key: `telegram:${id}`, roles: new Set() });
    const raw = (await h.redis.get(h.deps.keys.k('claims', 'c', claim?.no ?? ''))) ?? '';
    expect(raw).toContain('"status":"pending"');
    for (const secret of ['13812345678', CARD, '急性阑尾炎']) expect(raw).not.toContain(secret);
    expect(raw).not.toContain(claim ? claimsServices(h.deps).store.decrypt(claim).idNumber : 'x');
  });

  it('documents are encrypted on disk and a changed file is refused', async () => {
    const { documents } = claimsServices(h.deps);
    const attachment = jpg('身份证.jpg');
    const photo = attachment.data;
    const saved = await documents.save(attachment);
    if (!saved.ok) throw new Error(saved.error);
    const onDisk = await readFile(join(documents.dir, saved.file.sha256.slice(0, 2), saved.file.sha256));
    expect(onDisk.subarray(0, 3).equals(photo.subarray(0, 3))).toBe(false);
    expect(onDisk.includes(photo.subarray(4, 36))).toBe(false);
    expect((await documents.read(saved.file)).equals(photo)).toBe(true);
    onDisk.writeUInt8(onDisk.readUInt8(onDisk.length - 1) ^ 0xff, onDisk.length - 1);
    await writeFile(join(documents.dir, saved.file.sha256.slice(0, 2), saved.file.sha256), onDisk);
    await expect(documents.read(saved.file)).rejects.toThrow(/tampered|corrupt/);
  });
});
