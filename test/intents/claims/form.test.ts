/** The application form through the real engine: every plan, validation, navigation, interruptions, resuming, submission. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CORE_TEXT } from '../../../src/core/texts.ts';
import { registry } from '../../../src/core/metrics.ts';
import type { Harness } from '../../helpers/harness.ts';
import { play, textOf, type Step } from '../../helpers/transcript.ts';
import { CLAIMS_NOW, claimNoIn, jpg, validId } from './data.ts';
import { actorOf, claimsService, startClaimsHarness } from './setup.ts';
import { applicationUntilSummary, CARD, ID, MOBILE, SUBMIT, type PlanKey } from './transcripts.ts';

let h: Harness;
let n = 0;
const fresh = () => `m${++n}`;
/** What the bot says to a message nothing claims (here: a form answer after the form ended). */
const NOT_UNDERSTOOD = '没太明白';

beforeAll(async () => {
  h = await startClaimsHarness();
});
afterAll(async () => {
  await h?.stop();
});
beforeEach(() => {
  h.clock.now = CLAIMS_NOW;
});

/** The application up to (and including) the answer whose reply asks the question containing `asks`. */
function until(plan: PlanKey, asks: string): Step[] {
  const steps = applicationUntilSummary(plan);
  const i = steps.findIndex((s) => [s.expect].flat().some((e) => e === asks));
  if (i < 0) throw new Error(`no step asks ${asks}`);
  return steps.slice(0, i + 1);
}

const sessionKey = (id: string) => h.engine.deps.keys.session(h.platform, id, id);

describe('happy path for every plan', () => {
  for (const plan of ['hospital', 'critical_illness', 'accident', 'female_special'] as const) {
    it(`${plan}: submitted as pending from the member's private chat, with consent; the next message is not a form answer`, async () => {
      const member = fresh();
      const out = await play(h, [...applicationUntilSummary(plan), SUBMIT], member);
      const no = claimNoIn(textOf(out.at(-1) ?? []));
      const [claim] = await claimsService(h).myClaims(actorOf(h, member));
      expect(claim).toMatchObject({ no, planId: plan, status: 'pending', address: { platform: 'telegram', chatId: member, chatType: 'private' } });
      expect(claim?.consent.version).toMatch(/^pipl-/);
      await play(h, [{ say: '查询互助进度', expect: [no, '待审核'] }], member);
    });
  }
});

describe('validation errors re-ask with a friendly message', () => {
  it('consent: an unclear answer asks for 同意 or 不同意', async () => {
    await play(h, [
      { say: '我要申请住院医疗互助', expect: '同意' },
      { say: '嗯嗯', expect: '请回复「同意」或「不同意」' },
      { say: '同意', expect: '姓名' },
    ], fresh());
  });

  it('consent must be explicit (PIPL art. 29): 好的 or 嗯 is not consent, 我同意 is', async () => {
    await play(h, [
      { say: '申请互助', expect: '同意' },
      { say: '好的', expect: '请回复「同意」或「不同意」', not: '请输入申请人姓名' },
      { say: '嗯', expect: '请回复「同意」或「不同意」', not: '请输入申请人姓名' },
      { say: '我同意', expect: '请输入申请人姓名' },
    ], fresh());
  });

  it('name: digits are not a name', async () => {
    await play(h, [...until('hospital', '姓名'), { say: '1', expect: ['姓名格式不对', '请输入申请人姓名'] }, { say: '李四', expect: '身份证号' }], fresh());
  });

  it('a turn of a draft without files writes nothing outside the session: it runs speculatively, in one round trip', async () => {
    const turns = async () => Object.fromEntries(((await registry.getSingleMetric('ua_turns_total')?.get())?.values ?? []).map((v) => [String(v.labels['path']), v.value]));
    const who = fresh();
    await play(h, until('hospital', '姓名'), who);
    const before = await turns();
    await play(h, [{ say: '1', expect: '姓名格式不对' }, { say: '李四', expect: '身份证号' }], who);
    const after = await turns();
    expect((after['speculative'] ?? 0) - (before['speculative'] ?? 0)).toBe(2);
    expect(after['locked']).toBe(before['locked']);
    expect(after['retried']).toBe(before['retried']);
  });

  it('ID number: length and check digit', async () => {
    const wrongCheck = validId().slice(0, 17) + (validId().endsWith('1') ? '2' : '1');
    await play(h, [
      ...until('hospital', '身份证号'),
      { say: '12345', expect: ['应为 18 位', '18 位身份证号码'] },
      { say: wrongCheck, expect: '校验未通过' },
      { say: ID, expect: '手机号' },
    ], fresh());
  });

  it('mobile: ten digits are refused', async () => {
    await play(h, [...until('hospital', '手机号'), { say: '1381234567', expect: ['手机号格式不对', '手机号码'] }, { say: MOBILE, expect: '工作单位' }], fresh());
  });

  it('work unit: a date typed one question late is not a unit', async () => {
    await play(h, [...until('hospital', '工作单位'), { say: '2026-11-12', expect: ['不能只有数字或日期', '工作单位'] }, { say: '市第一机床厂', expect: '入院日期' }], fresh());
  });

  it('dates: format, future, impossible day, discharge before admission', async () => {
    await play(h, [
      ...until('hospital', '入院日期'),
      { say: '明年五月', expect: '没看懂这个日期' },
      { say: '下周一', expect: '不能晚于今天' },
      { say: '2026-11-23', expect: '不能晚于今天' },
      { say: '2026-02-30', expect: '日期不存在' },
      { say: '2026-11-12', expect: '出院日期' },
      { say: '2026-11-10', expect: '出院日期不能早于入院日期' },
      { say: '2026-11-15', expect: '医院' },
    ], fresh());
  });

  it('dates as people say them: 上周三 and 3天前 are understood (today is Sunday 2026-11-22 in China)', async () => {
    await play(h, [...until('hospital', '入院日期'), { say: '上周三', expect: '出院日期' }, { say: '3天前', expect: '医院' }, { say: '改一下入院日期', expect: '2026-11-11' }], fresh());
  });

  it('hospital and diagnosis: a disease typed for the hospital, or a hospital for the diagnosis, is questioned; sent again it is kept', async () => {
    await play(h, [
      ...until('hospital', '医院'),
      { say: '阑尾炎', expect: ['好像是病名', '医院'] },
      { say: '市第一人民医院', expect: '诊断结果' },
      { say: '市中医院', expect: ['好像是医院名称', '诊断'] },
      { say: '市中医院', expect: '自付' },
    ], fresh());
  });

  it('the filing deadline is enforced per plan', async () => {
    await play(h, [
      ...until('hospital', '入院日期'),
      { say: '2026-01-02', expect: '出院日期' },
      { say: '2026-01-10', expect: ['180 天内', '已超过申请时限'] },
      { say: '2026-11-10', expect: '医院' },
    ], fresh());
  });

  it('amount: decimals, zero, below the minimum, above the cap; 1.2万 is accepted', async () => {
    await play(h, [
      ...until('hospital', '自付'),
      { say: '12.345', expect: '最多保留两位小数' },
      { say: '0', expect: '必须大于 0' },
      { say: '50', expect: '不能低于 100 元' },
      { say: '99999999', expect: '上限' },
      { say: '1.2万', expect: '银行卡号' },
      { say: '改一下金额', expect: ['自付', '12000 元'] },
      { say: '3560', expect: '银行卡号' },
    ], fresh());
  });

  it('bank card and bank name: check digit, length, a name that is not a bank', async () => {
    await play(h, [
      ...until('hospital', '银行卡号'),
      { say: '4111111111111112', expect: '校验未通过' },
      { say: '41111111', expect: '16–19 位' },
      { say: CARD, expect: '开户银行' },
      { say: '不知道', expect: '开户银行的名称' },
      { say: '建设银行', expect: '出院小结' },
    ], fresh());
  });

  it('documents: a fake image and a file over 10 MB are refused; 完成 with documents missing lists them; earlier answers are kept', async () => {
    const big = jpg('big.jpg');
    big.data = Buffer.concat([big.data, Buffer.alloc(10 * 1024 * 1024)]);
    await play(h, [
      ...until('hospital', '上传'),
      { say: '', files: [{ name: 'fake.jpg', mimeType: 'image/jpeg', data: Buffer.from('<script>alert(1)</script>') }], expect: '无法识别' },
      { say: '', files: [big], expect: '超过 10 MB' },
      { say: '完成', expect: ['材料还没有齐', '出院小结', '银行卡'] },
      { say: '', files: [jpg()], expect: ['已收到「出院小结」', '还缺'] },
      { say: '改一下姓名', expect: ['姓名', '当前填写的是：张三'] },
    ], fresh());
  });
});

describe('navigation', () => {
  it('返回 goes to the previous question, which shows what was entered', async () => {
    await play(h, [
      ...until('hospital', '手机号'),
      { say: '返回', expect: ['上一题', '身份证号', '110***********'] },
      { say: '返回', expect: ['姓名', '张三'] },
      { say: '王五', expect: '手机号' },
      { say: '13912345678', expect: '工作单位' },
    ], fresh());
  });

  it('返回 at the first question says so', async () => {
    await play(h, [
      { say: '申请互助', expect: '同意' },
      { say: '同意', expect: '姓名' },
      { say: '返回', expect: ['第一个问题', '姓名'] },
    ], fresh());
  });

  it('change a field from the summary, by phrase and through the menu', async () => {
    await play(h, [
      ...applicationUntilSummary('hospital'),
      { say: '改一下电话', expect: ['手机号码', '138****5678'] },
      { say: '13987654321', expect: ['请核对', '139****4321'], not: '138****5678' },
      { say: '2', expect: ['要修改哪一项', '开户银行'] },
      { say: '开户银行', expect: '开户银行名称' },
      { say: '招商银行', expect: ['请核对', '招商银行'] },
      { say: '修改银行卡', expect: '银行卡号' },
      { say: '4111111111111111', expect: ['请核对', '****1111'] },
      SUBMIT,
    ], fresh());
  });

  it('change a field mid-form returns to where the member was', async () => {
    await play(h, [...until('hospital', '医院'), { say: '改一下电话', expect: '手机号码' }, { say: '13987654321', expect: '医院' }], fresh());
  });

  it('changing the plan keeps what fits and asks what the new plan needs', async () => {
    await play(h, [
      ...applicationUntilSummary('hospital'),
      { say: '修改互助项目', expect: ['选择', '重大疾病互助'] },
      { say: '2', expect: '确诊日期' },
      { say: '2026-10-08', expect: ['上传', '诊断证明', '身份证正反面 ✅'] },
      { say: '', files: [jpg()], expect: '已收到「诊断证明」' },
      { say: '', files: [jpg()], expect: ['病理报告', '所需材料已齐'] },
      { say: '完成', expect: ['请核对', '重大疾病互助', '确诊日期：2026-10-08'], not: '入院日期' },
    ], fresh());
  });

  it('the documents question asked again lists what was received, without a "当前填写的是" line', async () => {
    await play(h, [
      ...applicationUntilSummary('hospital'),
      { say: '改一下材料', expect: ['上传', '出院小结 ✅ 已收到 1 个文件', '所需材料已齐'], not: '当前填写的是' },
      { say: '完成', expect: ['请核对', '申请材料：出院小结×1'] },
    ], fresh());
  });

  it('picks a document by number for several photos', async () => {
    await play(h, [
      ...until('hospital', '开户银行'),
      { say: '招商银行', expect: '上传' },
      { say: '4', expect: '算作「身份证正反面」' },
      { say: '', files: [jpg('正面.jpg')], expect: '已收到「身份证正反面」' },
      { say: '', files: [jpg('反面.jpg')], expect: '已收到「身份证正反面」' },
      { say: '下一项', expect: '出院小结' },
      { say: '', files: [jpg()], expect: '已收到「出院小结」' },
    ], fresh());
  });

  describe('a document of several pages (身份证正反面)', () => {
    /** The hospital plan's documents up to the ID card's first photo, whose reply asks 另一页 or 下一项. */
    const untilIdFront = (): Step[] => [
      ...until('hospital', '开户银行'),
      { say: '招商银行', expect: '上传' },
      ...['出院小结', '发票', '清单'].map((name) => ({ say: '', files: [jpg(`${name}.jpg`)], expect: '已收到' })),
      {
        say: '',
        files: [jpg('正面.jpg')],
        expect: ['已收到「身份证正反面」', '还缺：银行卡', '这是「身份证正反面」的另一页，还是下一项「银行卡」？', '1. 同一项的另一页', '2. 下一项'],
      },
    ];

    it('"1": the next photo is its other page; with both pages in, the next one is the bank card without asking', async () => {
      await play(h, [
        ...untilIdFront(),
        { say: '1', expect: '请发送「身份证正反面」的另一页' },
        { say: '', files: [jpg('反面.jpg')], expect: ['已收到「身份证正反面」', '还缺：银行卡'], not: '另一页' },
        { say: '', files: [jpg('银行卡.jpg')], expect: ['已收到「银行卡」', '所需材料已齐'] },
        { say: '完成', expect: ['请核对', '身份证正反面×2', '银行卡×1'] },
      ], fresh());
    });

    it('"2" or 下一项: the next photo is the bank card', async () => {
      await play(h, [
        ...untilIdFront(),
        { say: '2', expect: '请发送「银行卡」' },
        { say: '', files: [jpg('银行卡.jpg')], expect: ['已收到「银行卡」', '所需材料已齐'] },
      ], fresh());
      await play(h, [...untilIdFront(), { say: '下一项', expect: '请发送「银行卡」' }], fresh());
    });

    it('a photo sent without answering is filed as the next document, and the reply says so', async () => {
      await play(h, [
        ...untilIdFront(),
        { say: '', files: [jpg('银行卡.jpg')], expect: ['按下一项收为「银行卡」', '所需材料已齐'], not: '另一页' },
        { say: '完成', expect: ['身份证正反面×1', '银行卡×1'] },
      ], fresh());
    });

    it('"第3项" (or 3) picks that document instead, for the following photos', async () => {
      await play(h, [
        ...untilIdFront(),
        { say: '第3项', expect: '接下来收到的文件都算作「住院费用明细清单」' },
        { say: '', files: [jpg('清单2.jpg')], expect: '已收到「住院费用明细清单」', not: '另一页' },
        { say: '3', expect: '算作「住院费用明细清单」' },
        { say: '下一项', expect: '请发送「银行卡」' },
        { say: '', files: [jpg('银行卡.jpg')], expect: ['已收到「银行卡」', '所需材料已齐'] },
        { say: '完成', expect: ['住院费用明细清单×2', '身份证正反面×1'] },
      ], fresh());
    });

    it('"第1项" while asked picks document 1, where a bare 1 answers the question', async () => {
      await play(h, [
        ...untilIdFront(),
        { say: '第1项', expect: '算作「出院小结」' },
        { say: '', files: [jpg('出院小结2.jpg')], expect: '已收到「出院小结」' },
      ], fresh());
    });

    it('when nothing else is missing, the next photo is its other page', async () => {
      await play(h, [
        ...until('hospital', '开户银行'),
        { say: '招商银行', expect: '上传' },
        ...['出院小结', '发票', '清单'].map((name) => ({ say: '', files: [jpg(`${name}.jpg`)], expect: '已收到' })),
        { say: '第5项', expect: '算作「银行卡」' },
        { say: '', files: [jpg('银行卡.jpg')], expect: '已收到「银行卡」' },
        { say: '下一项', expect: '请发送「身份证正反面」' },
        { say: '', files: [jpg('正面.jpg')], expect: ['已收到「身份证正反面」', '所需材料已齐'], not: '另一页' },
        { say: '', files: [jpg('反面.jpg')], expect: '已收到「身份证正反面」' },
        { say: '完成', expect: ['身份证正反面×2', '银行卡×1'] },
      ], fresh());
    });
  });

  it('saying 申请互助 again mid-form continues the same form', async () => {
    await play(h, [...until('hospital', '工作单位'), { say: '我要申请互助', expect: ['正在填写', '工作单位'] }], fresh());
  });
});

describe('cancel and consent', () => {
  it('取消 asks first; 继续填写 keeps everything', async () => {
    await play(h, [
      ...until('hospital', '工作单位'),
      { say: '取消', expect: ['确定要取消', '继续填写'] },
      { say: '继续填写', expect: ['继续', '工作单位'] },
    ], fresh());
  });

  it('确定取消 ends the form: the next answer is not taken as the unit', async () => {
    await play(h, [
      ...until('hospital', '工作单位'),
      { say: '不申请了', expect: '确定要取消' },
      { say: '确定取消', expect: '已取消' },
      { say: '市第一机床厂', expect: NOT_UNDERSTOOD, not: ['入院日期', '工作单位'] },
    ], fresh());
  });

  it('declining consent ends politely and stores nothing', async () => {
    const id = fresh();
    await play(h, [
      { say: '申请互助', expect: '同意' },
      { say: '不同意', expect: ['没有保存', '单位工会'] },
      { say: '张三', expect: NOT_UNDERSTOOD, not: '身份证号' },
    ], id);
    const session = (await h.engine.deps.redis.get(sessionKey(id))) ?? '';
    expect(session).toContain('"dialog":null');
  });
});

describe('interruptions and resuming', () => {
  it('a labor-law question mid-form gets the labor-law answer, then the form question again', async () => {
    await play(h, [
      ...until('hospital', '医院'),
      { say: '公司拖欠工资怎么办？', expect: ['【拖欠工资怎么办】', '劳动合同法', '我们继续填写互助申请', '就诊医院'] },
      { say: '加班费怎么算', expect: ['加班费', '就诊医院'] },
      { say: '市第一人民医院', expect: '诊断结果' },
    ], fresh());
  });

  it('an interruption keeps every answer: the application goes on to be submitted', async () => {
    const steps = applicationUntilSummary('hospital');
    await play(h, [...steps.slice(0, 8), { say: '公司拖欠工资怎么办？', expect: ['拖欠工资', '就诊医院'] }, ...steps.slice(8), SUBMIT], fresh());
  });

  it('an abandoned form survives a restart, encrypted, and resumes with a greeting', async () => {
    const id = fresh();
    await play(h, until('hospital', '医院'), id);
    const stored = await h.engine.deps.redis.get(sessionKey(id));
    // Sensitive draft values are encrypted inside the session too.
    expect(stored).not.toContain(MOBILE);
    expect(stored).toContain('"asking":"hospital"');
    await h.restart();
    h.advance(5 * 3600_000);
    await play(h, [
      { say: '在吗', expect: ['您上次的互助申请还没填完，我们继续', '就诊医院'] },
      { say: '市第一人民医院', expect: '诊断结果' },
    ], id);
    // After a pause, an interruption also gets the resume greeting.
    h.advance(2 * 3600_000);
    await play(h, [{ say: '试用期可以不交社保吗？', expect: ['社会保险', '您上次的互助申请还没填完', '诊断结果'] }], id);
  });

  it('a form older than FORM_RESUME_HOURS is gone', async () => {
    const id = fresh();
    await play(h, until('hospital', '医院'), id);
    h.advance((h.engine.config.FORM_RESUME_HOURS + 1) * 3600_000);
    await play(h, [{ say: '市第一人民医院', expect: NOT_UNDERSTOOD, not: '诊断结果' }], id);
  });

  it('an old form version restarts politely', async () => {
    const id = fresh();
    await play(h, until('hospital', '医院'), id);
    const { redis } = h.engine.deps;
    const session = JSON.parse((await redis.get(sessionKey(id))) ?? '{}') as { dialog: { v: number } };
    session.dialog.v = 0;
    await redis.set(sessionKey(id), JSON.stringify(session));
    await play(h, [{ say: '市第一人民医院', expect: ['已更新', '重新填写', '个人信息保护法'] }], id);
  });
});

describe('group privacy', () => {
  it('in a group the member is invited to a private chat and nothing is collected', async () => {
    await play(h, [{ say: '我要申请互助', in: { group: 'g1', mention: true }, expect: CORE_TEXT.inviteToPrivate, not: '个人信息保护法' }], fresh());
  });
});

describe('submission', () => {
  it('the same draft submitted twice (a retry after a crash before the session save) gives one claim', async () => {
    const id = fresh();
    await play(h, applicationUntilSummary('accident'), id);
    const { redis } = h.engine.deps;
    const before = await redis.get(sessionKey(id));
    const first = textOf(await h.dm(id).say('确认提交'));
    await redis.set(sessionKey(id), before ?? '');
    const second = textOf(await h.dm(id).say('确认'));
    expect(second).toContain(claimNoIn(first));
    expect(await claimsService(h).myClaims(actorOf(h, id))).toHaveLength(1);
  });

  it('concurrent submissions by different members get distinct consecutive numbers', async () => {
    const ids = Array.from({ length: 8 }, fresh);
    h.clock.now = new Date('2026-11-23T02:00:00Z');
    for (const id of ids) await play(h, applicationUntilSummary('critical_illness', '赵六', h.clock.now), id);
    const results = await Promise.all(ids.map((id) => h.dm(id).say('确认提交')));
    const nos = results.map((r) => claimNoIn(textOf(r)));
    expect([...nos].sort()).toEqual(ids.map((_, i) => `HZ-20261123-${String(i + 1).padStart(4, '0')}`));
  });

  it('claim data is encrypted at rest', async () => {
    const id = fresh();
    const out = await play(h, [...applicationUntilSummary('hospital'), SUBMIT], id);
    const raw = (await h.engine.deps.redis.get(h.engine.deps.keys.tagged('claims', 'c', claimNoIn(textOf(out.at(-1) ?? []))))) ?? '';
    expect(raw).toContain('"status":"pending"');
    for (const secret of [MOBILE, CARD, ID, '急性阑尾炎']) expect(raw).not.toContain(secret);
  });

  it('documents are encrypted on disk and a changed file is refused', async () => {
    const { documents } = claimsService(h);
    const attachment = jpg('身份证.jpg');
    const photo = attachment.data;
    const saved = await documents.save(attachment);
    if (!saved.ok) throw new Error(saved.error);
    const file = join(documents.dir, saved.file.sha256.slice(0, 2), saved.file.sha256);
    const onDisk = await readFile(file);
    expect(onDisk.subarray(0, 3).equals(photo.subarray(0, 3))).toBe(false);
    expect(onDisk.includes(photo.subarray(4, 36))).toBe(false);
    expect((await documents.read(saved.file)).equals(photo)).toBe(true);
    onDisk.writeUInt8(onDisk.readUInt8(onDisk.length - 1) ^ 0xff, onDisk.length - 1);
    await writeFile(file, onDisk);
    await expect(documents.read(saved.file)).rejects.toThrow(/tampered|corrupt/);
  });
});
