/**
 * The claims transcripts (test/claims/transcripts.ts) through every real channel path: the web API,
 * Telegram (fake Bot API server) and WeChat (mock puppet), each on the real engine with real Redis.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundAttachment } from '../../src/core/message.ts';
import { TEST_KEY_HEX } from '../helpers/harness.ts';
import { play, textOf, type Step } from '../helpers/transcript.ts';
import { applicationUntilSummary, CARD, ID, MOBILE, SUBMIT } from '../intents/claims/transcripts.ts';
import { startTelegramChannel, startWebChannel, startWechatChannel, telegramUserId, wechatPrivilegedId, type TestChannel } from '../helpers/chat-paths.ts';

const docsDir = mkdtempSync(join(tmpdir(), 'ua-e2e-claims-'));
afterAll(() => rmSync(docsDir, { recursive: true, force: true }));

const baseEnv = (admin: string) => ({
  DATA_ENCRYPTION_KEY: TEST_KEY_HEX,
  DOCUMENTS_DIR: docsDir,
  BOT_ADMINS: admin,
  // A claim is ~20 messages in a minute: far above a member's default rate limit.
  RATE_LIMIT_PER_MINUTE: '1000',
});

const CHANNELS: { name: string; start: () => Promise<TestChannel> }[] = [
  { name: 'web API', start: () => startWebChannel(baseEnv('web:admin1')) },
  { name: 'Telegram', start: () => startTelegramChannel(baseEnv(`telegram:${telegramUserId('admin1')}`)) },
  { name: 'WeChat', start: () => startWechatChannel(baseEnv(`wechat:${wechatPrivilegedId('admin1')}`), { privileged: ['admin1'] }) },
];

const claimNo = (text: string) => /HZ-\d{8}-\d{4}/.exec(text)?.[0] ?? '';
const filesOf = (steps: Step[]): InboundAttachment[] => steps.flatMap((s) => s.files ?? []);
const sortedHex = (bufs: Buffer[]) => bufs.map((b) => b.toString('hex')).sort();

for (const channel of CHANNELS) {
  describe(`claims via ${channel.name}`, () => {
    let ch: TestChannel;
    beforeAll(async () => {
      ch = await channel.start();
    });
    afterAll(async () => {
      await ch?.stop();
    });

    it('hospital: documents, a labor-law question mid-form, submit; non-admin /approve refused; admin sees documents, approves; member notified here', async () => {
      const member = 'hosp1';
      const steps = applicationUntilSummary('hospital', '张三', new Date());
      const out = await play(ch, [
        ...steps.slice(0, 8),
        { say: '公司拖欠工资怎么办？', expect: ['依据', '我们继续填写互助申请', '就诊医院'] },
        ...steps.slice(8),
        SUBMIT,
      ], member);
      const no = claimNo(textOf(out.at(-1) ?? []));

      await play(ch, [
        { say: `/approve ${no} 1000`, expect: '权限', not: '已批准' },
        { say: '查询互助进度', expect: [no, '待审核'] },
      ], member);

      const admin = ch.dm('admin1');
      await play(ch, [{ say: '/claims', expect: [no, '张*'], not: '张三' }], 'admin1');
      const detail = await admin.say(`/claim ${no}`);
      const text = textOf(detail);
      for (const s of [ID, MOBILE, CARD, '急性阑尾炎', '张三']) expect(text).toContain(s);
      const files = detail.flatMap((r) => (r.file ? [r.file] : []));
      expect(files).toHaveLength(5);
      // The very bytes the member uploaded come back to the admin.
      expect(sortedHex(files.map((f) => f.data))).toEqual(sortedHex(filesOf(steps).map((f) => f.data)));

      await play(ch, [{ say: `/approve ${no} 2000.50 材料齐全`, expect: ['已批准', no, '2000.50'] }], 'admin1');
      const note = await ch.notification(member, new RegExp(`${no}.*已审核通过`));
      expect(note).toContain(`尾号 ${CARD.slice(-4)}`);
      await play(ch, [{ say: `查询 ${no}`, expect: ['已通过', '2000.50'] }], member);
    });

    it('accident: validation errors re-prompt, a field changed from the summary, submit', async () => {
      const steps = applicationUntilSummary('accident', '张三', new Date());
      const idStep = steps.findIndex((s) => s.say === ID);
      const cardStep = steps.findIndex((s) => s.say === CARD);
      const out = await play(ch, [
        ...steps.slice(0, idStep),
        { say: '12345', expect: ['应为 18 位', '18 位身份证号码'] },
        ...steps.slice(idStep, cardStep),
        { say: '4111111111111112', expect: '校验未通过' },
        ...steps.slice(cardStep),
        { say: '改一下电话', expect: ['手机号码', '138****5678'] },
        { say: '13987654321', expect: ['请核对', '139****4321'], not: '138****5678' },
        SUBMIT,
      ], 'acc1');
      expect(claimNo(textOf(out.at(-1) ?? []))).not.toBe('');
    });

    it('cancel asks first, 继续填写 keeps the answers, 确定取消 ends the form; in a group the member is invited to a private chat', async () => {
      const steps = applicationUntilSummary('critical_illness', '张三', new Date());
      const unit = steps.findIndex((s) => s.say === MOBILE);
      await play(ch, [
        ...steps.slice(0, unit + 1),
        { say: '取消', expect: ['确定要取消', '继续填写'] },
        { say: '继续填写', expect: ['继续', '工作单位'] },
        { say: '不申请了', expect: '确定要取消' },
        { say: '确定取消', expect: '已取消' },
        { say: '查询互助进度', expect: '还没有提交过' },
      ], 'cancel1');
      await play(ch, [{ say: '我要申请互助', in: { group: 'members', mention: true }, expect: '私聊', not: '个人信息保护法' }], 'cancel1');
    });
  });
}
