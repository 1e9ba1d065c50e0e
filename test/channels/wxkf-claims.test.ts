/**
 * Across the official channels: a member applies for mutual aid through 微信客服 (photos and a PDF fetched with
 * media/get), the admin reviews in the WeCom app (documents back through media/upload) and approves, and the
 * decision reaches the member through kf/send_msg. Real engine and Redis; the fake WeCom server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_KEY_HEX } from '../helpers/harness.ts';
import { play, textOf, type ChatPaths } from '../helpers/transcript.ts';
import { kfPath, startWecomChannel, type WecomTestChannel } from '../helpers/wecom-harness.ts';
import { applicationUntilSummary, CARD, SUBMIT } from '../intents/claims/transcripts.ts';

const docsDir = mkdtempSync(join(tmpdir(), 'ua-wxkf-claims-'));
afterAll(() => rmSync(docsDir, { recursive: true, force: true }));

describe('a claim through 微信客服, reviewed in the WeCom app', () => {
  let ch: WecomTestChannel;
  beforeAll(async () => {
    ch = await startWecomChannel({ DATA_ENCRYPTION_KEY: TEST_KEY_HEX, DOCUMENTS_DIR: docsDir, BOT_ADMINS: 'wecom:admin1', RATE_LIMIT_PER_MINUTE: '1000' }, { which: ['wecom', 'wxkf'] });
  });
  afterAll(async () => {
    await ch?.stop();
  });

  it('consent, questions, photos and a PDF, submit; the admin sees the very files and approves; the member is told in WeChat', async () => {
    const member = 'wmClaimant';
    const kf: ChatPaths = { ...ch, platform: 'wxkf', dm: (who) => kfPath(ch, who) };
    const steps = applicationUntilSummary('hospital', '张三', new Date());
    const out = await play(kf, [...steps, SUBMIT], member);
    const no = /HZ-\d{8}-\d{4}/.exec(textOf(out.at(-1) ?? []))?.[0] ?? '';
    expect(no).not.toBe('');

    const detail = await ch.dm('admin1').say(`/claim ${no}`);
    const files = detail.flatMap((r) => (r.file ? [r.file] : []));
    const uploaded = steps.flatMap((s) => s.files ?? []).map((f) => f.data.toString('hex')).sort();
    expect(files.map((f) => f.data.toString('hex')).sort()).toEqual(uploaded);
    await play(ch, [{ say: `/approve ${no} 1800 材料齐全`, expect: ['已批准', no] }], 'admin1');

    const note = await ch.fake.waitForSent((s) => s.touser === member && s.api === 'kf/send_msg' && (s.text ?? '').includes('已审核通过'));
    expect(note.text).toContain(no);
    expect(note.text).toContain(`尾号 ${CARD.slice(-4)}`);
  }, 60_000);
});
