/**
 * The web chat page in Debian's Chromium (playwright-core), against the real engine and Redis: it fits a phone
 * and a desktop, answers, shows uploads, and keeps the conversation across reloads. Screenshots of both sizes
 * are saved under test-results/screenshots/ for a person to look at.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, crc32 } from 'node:zlib';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startChannels, type RunningApp } from '../../../src/channels/index.ts';
import { startTestEngine, type TestEngine } from '../../helpers/engine.ts';
import { haveStatutes } from '../../helpers/shared.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = 'test-results/screenshots';
let te: TestEngine;
let app: RunningApp;
let browser: BrowserContext;
let profile: string;

beforeAll(async () => {
  te = await startTestEngine();
  app = await startChannels(te.engine);
  profile = mkdtempSync(join(tmpdir(), 'ua-chromium-'));
  mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});
afterAll(async () => {
  await browser?.close();
  rmSync(profile, { recursive: true, force: true });
  await app?.stop();
  await te?.stop();
});

// The few browser globals the page functions below use (the project's TypeScript has no DOM library).
interface ClientRect { top: number; bottom: number; height: number }
interface PageElement { scrollWidth: number; getBoundingClientRect(): ClientRect }
declare const window: { innerWidth: number };
declare const document: { documentElement: PageElement; body: PageElement; getElementById(id: string): PageElement | null };
declare const localStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void; clear(): void };

/** A small solid-colour PNG, made here rather than stored as a fixture. */
function png(width: number, height: number, rgb: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => rgb).flat())]);
  const pixels = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(pixels)), chunk('IEND', Buffer.alloc(0))]);
}

/** Script errors and CSP refusals reported by the page (each test expects none). */
const pageErrors: string[] = [];

/** A fresh member: a new page with empty storage (the profile is shared by the tests). */
async function freshPage(width: number, height: number): Promise<Page> {
  const page = await browser.newPage();
  page.setDefaultTimeout(5_000);
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(msg.text());
  });
  await page.setViewportSize({ width, height });
  await page.goto(app.url);
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  return page;
}

async function send(page: Page, text: string): Promise<Locator> {
  const before = await page.locator('.msg.bot:not(.pending)').count();
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
  await expect.poll(() => page.locator('.msg.bot:not(.pending)').count()).toBeGreaterThan(before);
  await expect.poll(() => page.locator('.msg.pending').count()).toBe(0);
  return page.locator('.msg.bot').nth(before);
}

async function expectFitsWidth(page: Page) {
  const widths = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, body: document.body.scrollWidth, log: document.getElementById('log')!.scrollWidth, view: window.innerWidth }));
  expect(widths.doc).toBe(widths.view);
  expect(widths.body).toBe(widths.view);
  expect(widths.log).toBeLessThanOrEqual(widths.view);
}

/** Inside the viewport, not merely in the DOM. */
async function expectOnScreen(page: Page, target: Locator) {
  await expect.poll(() => target.isVisible()).toBe(true);
  const box = (await target.boundingBox())!;
  const view = page.viewportSize()!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.y).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(view.width);
  expect(box.y + box.height).toBeLessThanOrEqual(view.height);
}

/** The first line of a reply is in the conversation's visible area (the member reads it from the start). */
async function expectStartVisible(page: Page, reply: Locator) {
  const { top, logTop, logBottom, replyHeight } = await reply.evaluate((el) => {
    const log = document.getElementById('log')!.getBoundingClientRect();
    const r = el.getBoundingClientRect();
    return { top: r.top, logTop: log.top, logBottom: log.bottom, replyHeight: r.height };
  });
  expect(top).toBeGreaterThanOrEqual(logTop);
  expect(top + 30).toBeLessThanOrEqual(logBottom);
  // A reply taller than the visible area starts at its top edge rather than being scrolled to its end.
  if (replyHeight > logBottom - logTop) expect(top - logTop).toBeLessThan(20);
}

describe.each([
  { name: 'phone', width: 390, height: 844 },
  { name: 'desktop', width: 1280, height: 800 },
])('web chat page on a $name ($width×$height)', ({ name, width, height }) => {
  it('fits the screen, answers from the start of a long reply, shows uploads and keeps the conversation after a reload', async () => {
    const page = await freshPage(width, height);
    await expectFitsWidth(page);
    await expectOnScreen(page, page.getByRole('button', { name: '发送' }));
    await expectOnScreen(page, page.locator('label.attach', { hasText: '📎 上传材料' }));
    expect(await page.locator('#file').getAttribute('accept')).toBe('image/jpeg,image/png,application/pdf');
    expect(await page.locator('#file').getAttribute('multiple')).not.toBeNull();

    // Bot and member text is text, never markup.
    const markup = '<img src=x id=injected>';
    await send(page, markup);
    expect(await page.locator('#injected').count()).toBe(0);
    await expect.poll(() => page.locator('.msg.me').last().textContent()).toBe(markup);

    // A few turns first, so the conversation scrolls, then a long answer.
    await send(page, '菜单');
    await send(page, '你好');
    const answer = await send(page, '公司拖欠工资三个月不发怎么办？');
    await expect.poll(() => answer.textContent()).toMatch(/工资/);
    await expectStartVisible(page, answer);
    await expectFitsWidth(page);
    await page.screenshot({ path: `${SCREENSHOTS}/chat-${name}-answer.png` });

    // Numbered choices are buttons; the handoff gives a ticket number.
    await send(page, 'qwzx 呜啦啦');
    const handoff = page.locator('.choices button', { hasText: '转人工' }).last();
    await handoff.waitFor();
    await handoff.click();
    await expect.poll(() => page.locator('.msg.bot:not(.pending)').last().textContent()).toContain('工单号');
    const ticketReply = (await page.locator('.msg.bot:not(.pending)').last().textContent())!;
    const ticket = /[A-Z0-9-]{6,}/.exec(ticketReply)?.[0];
    expect(ticket, ticketReply).toBeTruthy();
    // Choices of a question already answered are retired.
    expect(await handoff.isDisabled()).toBe(true);

    // An image upload shows its thumbnail with the member's message; a PDF shows as a file chip.
    const botBefore = await page.locator('.msg.bot:not(.pending)').count();
    await page.setInputFiles('#file', [
      { name: '工资条.png', mimeType: 'image/png', buffer: png(40, 30, [200, 60, 40]) },
      { name: '劳动合同.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n') },
    ]);
    const thumb = page.locator('.msg.me img.thumb').last();
    await thumb.waitFor();
    expect(await thumb.getAttribute('alt')).toBe('工资条.png');
    expect(await thumb.evaluate((img: { complete: boolean; naturalWidth: number }) => img.complete && img.naturalWidth > 0)).toBe(true);
    await expect.poll(() => page.locator('.msg.me .chip').last().textContent()).toContain('劳动合同.pdf');
    await expect.poll(() => page.locator('.msg.bot:not(.pending)').count()).toBeGreaterThan(botBefore);
    await expectFitsWidth(page);
    await page.screenshot({ path: `${SCREENSHOTS}/chat-${name}-upload.png` });

    // After a reload: the same member, the same conversation (text and file names, not the files).
    const userId = await page.evaluate(() => localStorage.getItem('ua-user'));
    await page.reload();
    expect(await page.evaluate(() => localStorage.getItem('ua-user'))).toBe(userId);
    await expect.poll(() => page.locator('#log').textContent()).toContain(ticket!);
    const log = (await page.locator('#log').textContent())!;
    expect(log).toContain('公司拖欠工资三个月不发怎么办？');
    expect(log).toContain(markup);
    expect(log).toContain('工资条.png');
    expect(await page.locator('.msg.me').count()).toBeGreaterThanOrEqual(6);
    await expectFitsWidth(page);
    await expectOnScreen(page, page.getByRole('button', { name: '发送' }));
    await page.screenshot({ path: `${SCREENSHOTS}/chat-${name}-reloaded.png` });

    // The conversation goes on after the reload.
    await expect.poll(async () => (await send(page, '菜单')).textContent()).toContain('劳动法');
    await page.close();
  });
});

describe('web chat page choices', () => {
  it("keeps the last answer's choices usable after a reload (a phone may reload while a file is picked)", async () => {
    const page = await freshPage(390, 844);
    await send(page, 'qwzx 呜啦啦');
    await page.reload();
    const handoff = page.locator('.choices button:enabled', { hasText: '转人工' });
    await handoff.waitFor();
    expect(await handoff.count()).toBe(1);
    await handoff.click();
    await expect.poll(() => page.locator('.msg.bot:not(.pending)').last().textContent()).toContain('工单号');
    await page.close();
  });
});

describe('web chat page notifications', () => {
  it('shows a notification from the inbox once, acknowledges it and keeps it after a reload', async () => {
    const page = await freshPage(390, 844);
    const userId = (await page.evaluate(() => localStorage.getItem('ua-user')))!;
    await te.engine.outbox.notify({ platform: 'web', chatId: userId, chatType: 'private' }, [{ text: '您的互助申请 HZ-20261122-0007 已通过。' }]);
    await expect.poll(() => page.locator('.msg.bot', { hasText: 'HZ-20261122-0007' }).count(), { timeout: 10_000 }).toBe(1);
    const inbox = async () => ((await (await fetch(`${app.url}/api/web/messages?chatId=${userId}`)).json()) as { items: unknown[] }).items;
    await expect.poll(inbox, { timeout: 5_000 }).toEqual([]);
    await page.reload();
    await expect.poll(() => page.locator('.msg.bot', { hasText: 'HZ-20261122-0007' }).count()).toBe(1);
    await page.close();
  });
});

describe('web chat page layout', () => {
  it('never scrolls sideways from 320 to 1280 px, even with long unbroken text', async () => {
    const page = await freshPage(320, 640);
    await send(page, '9'.repeat(120));
    await send(page, '菜单');
    for (const width of [320, 360, 414, 768, 1024, 1280]) {
      await page.setViewportSize({ width, height: 700 });
      await expectFitsWidth(page);
      await expectOnScreen(page, page.getByRole('button', { name: '发送' }));
      await expectOnScreen(page, page.locator('label.attach'));
    }
    await page.setViewportSize({ width: 320, height: 640 });
    await page.screenshot({ path: `${SCREENSHOTS}/chat-320-long-text.png` });
    await page.close();
  });

  it('says in one line when statute texts are missing and how WeChat is doing; the QR code stays off the public page', async () => {
    const page = await freshPage(390, 844);
    await page.route('**/api/status', (route) =>
      route.fulfill({ json: { web: { state: 'ready' }, wechat: { state: 'reconnecting', restarts: 2 }, statutes: { installed: false, installCommand: 'npm run laws -- install <folder|URL>' } } }),
    );
    await page.reload();
    const notice = page.locator('#status-line');
    await expect.poll(() => notice.textContent()).toContain('未安装法条原文');
    expect(await notice.textContent()).toContain('npm run laws -- install');
    expect(await notice.textContent()).toContain('微信：重连中');
    expect(await page.locator('#wechat').isHidden()).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'chat-phone-notice.png') });
    await page.unroute('**/api/status');
    await page.reload();
    // The real status: WeChat not configured; the statute texts installed (CI) or not (a plain clone).
    if (haveStatutes) await expect.poll(() => notice.isHidden()).toBe(true);
    else await expect.poll(() => notice.textContent()).toContain('未安装法条原文');
    await page.close();
  });

  it('clears the history kept on this device when the member confirms', async () => {
    const page = await freshPage(390, 844);
    await send(page, '你好');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: '清除记录' }).click();
    await expect.poll(() => page.locator('.msg.me').count()).toBe(0);
    await page.reload();
    await expect.poll(() => page.locator('.msg.bot').count()).toBe(1);
    expect(await page.locator('.msg.me').count()).toBe(0);
    await page.close();
  });

  it('keeps only the latest 100 messages', async () => {
    const page = await freshPage(390, 844);
    const old = Array.from({ length: 120 }, (_, i) => ({ who: 'me', text: `旧消息${i}` }));
    await page.evaluate((entries) => localStorage.setItem(`ua-history:${localStorage.getItem('ua-user')}`, JSON.stringify(entries)), old);
    await page.reload();
    await expect.poll(() => page.locator('.msg.me').count()).toBe(100);
    await send(page, '你好');
    const kept = await page.evaluate(() => JSON.parse(localStorage.getItem(`ua-history:${localStorage.getItem('ua-user')}`)!) as { text?: string }[]);
    expect(kept).toHaveLength(100);
    expect(kept.some((e) => e.text === '旧消息20')).toBe(false);
    expect(kept.at(-1)?.text).not.toBe('旧消息119');
    await page.close();
  });
});
