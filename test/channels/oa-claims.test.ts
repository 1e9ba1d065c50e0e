/**
 * A claim through the Official Account: a follower applies with photos (answered passively), the admin approves in the
 * WeCom app two days later, when 客服消息 are no longer allowed; the decision goes through the delivery path and
 * reaches the follower as the union's template message (WXOA_TEMPLATES), filled from the claim.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_KEY_HEX } from '../helpers/harness.ts';
import { FakeWecom } from '../helpers/fake-wecom.ts';
import { play, textOf, type ChatPaths, type Step } from '../helpers/transcript.ts';
import { oaPath, startWecomChannel, type WecomTestChannel } from '../helpers/wecom-harness.ts';
import { applicationUntilSummary, SUBMIT } from '../intents/claims/transcripts.ts';

const docsDir = mkdtempSync(join(tmpdir(), 'ua-oa-claims-'));
afterAll(() => rmSync(docsDir, { recursive: true, force: true }));

const TEMPLATES = JSON.stringify({
  claim_decision: { id: 'TPL-claim', data: { character_string1: '{no}', thing2: '{plan}', phrase3: '{status}', amount4: '{amount}', thing5: '{note}' } },
});

/** Followers send pictures only: the PDF of the transcript goes as a photo of the same paper. */
const asPhotos = (steps: Step[]): Step[] =>
  steps.map((s) => (s.files ? { ...s, files: s.files.map((f) => (f.mimeType === 'application/pdf' ? { name: f.name.replace(/\.pdf$/, '.jpg'), mimeType: 'image/jpeg', data: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), f.data]) } : f)) } : s));

describe('a claim through the Official Account, decided after the 48-hour window', () => {
  let ch: WecomTestChannel;
  let offset = 0;
  const now = () => new Date(Date.now() + offset);
  beforeAll(async () => {
    const fake = await FakeWecom.start({ now: () => now().getTime() });
    ch = await startWecomChannel({ DATA_ENCRYPTION_KEY: TEST_KEY_HEX, DOCUMENTS_DIR: docsDir, BOT_ADMINS: 'wecom:admin1', RATE_LIMIT_PER_MINUTE: '1000', WXOA_TEMPLATES: TEMPLATES }, { fake, which: ['wecom', 'wxoa'], now });
  });
  afterAll(async () => {
    await ch?.stop();
    await ch?.fake.stop();
  });

  it('applies with photos, answered passively; the approval two days later arrives as a template message', async () => {
    const follower = 'oClaimant01';
    const oa: ChatPaths = { ...ch, platform: 'wxoa', dm: (who) => oaPath(ch, who) };
    const out = await play(oa, [...asPhotos(applicationUntilSummary('hospital', '张三', now())), SUBMIT], follower);
    const no = /HZ-\d{8}-\d{4}/.exec(textOf(out.at(-1) ?? []))?.[0] ?? '';
    expect(no).not.toBe('');

    offset += 49 * 3600_000;
    await play(ch, [{ say: `/approve ${no} 1800 材料齐全`, expect: ['已批准', no] }], 'admin1');
    const sent = await ch.fake.waitForSent((s) => s.touser === follower && s.api === 'template/send', 15_000);
    expect(sent.template).toEqual({
      id: 'TPL-claim',
      data: { character_string1: { value: no }, thing2: { value: '住院医疗互助' }, phrase3: { value: '已通过' }, amount4: { value: '1800 元' }, thing5: { value: '材料齐全' } },
    });
  }, 90_000);
});
