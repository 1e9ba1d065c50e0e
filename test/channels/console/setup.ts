/**
 * The web console under test: the real bot (engine, web chat API, console) on a fresh redis-server, accounts
 * made through the real `console-user` CLI, and Debian's Chromium through playwright-core (one browser per
 * file). `shoot` saves each page at 1280×800 and 390×844 under test-results/console-screenshots/ and checks
 * that every form field has a label, the page fits a phone, and nothing broke (script errors, CSP reports).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { run as consoleUser } from '../../../src/channels/console/cli.ts';
import { startWebChannel, type TestChannel } from '../../helpers/chat-paths.ts';
import { TEST_KEY_HEX } from '../../helpers/harness.ts';
import type { Logger } from 'pino';
import type { RunningApp } from '../../../src/channels/index.ts';

export const SCREENSHOTS = 'test-results/console-screenshots';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface ConsoleRig {
  ch: TestChannel & { url: string; app: RunningApp };
  browser: BrowserContext;
  /** Script errors and console errors (CSP violations included) seen on any page. */
  errors: string[];
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** `logger`: where the bot logs (silent by default). */
export async function startConsoleRig(extraEnv: Record<string, string> = {}, opts: { logger?: Logger } = {}): Promise<ConsoleRig> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ua-console-'));
  const env = { DATA_DIR: dataDir, DATA_ENCRYPTION_KEY: TEST_KEY_HEX, RATE_LIMIT_PER_MINUTE: '1000', ...extraEnv };
  const ch = await startWebChannel(env, opts);
  const profile = mkdtempSync(join(tmpdir(), 'ua-console-chromium-'));
  mkdirSync(SCREENSHOTS, { recursive: true });
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 800 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const errors: string[] = [];
  browser.on('page', (page) => {
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !/status of (400|401|403|404|429)/.test(msg.text())) errors.push(msg.text());
    });
  });
  return {
    ch,
    browser,
    errors,
    env: { ...env, REDIS_URL: ch.engine.config.REDIS_URL ?? '', LOG_LEVEL: 'silent' },
    async stop() {
      await browser.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
      await ch.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs `npm run cli -- console-user …` in process against the rig's Redis; returns exit code and output. */
export async function cli(rig: ConsoleRig, args: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await consoleUser(args, { out: (l) => (out += l), err: (l) => (err += l), readStdin: async () => stdin }, rig.env);
  return { code, out, err };
}

/** Signs in on this page (its browser context's cookies cleared first: the context is shared by a file's tests). */
export async function login(page: Page, url: string, username: string, password: string): Promise<void> {
  await page.context().clearCookies();
  await page.goto(`${url}/console/login`);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码', { exact: true }).fill(password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForLoadState('domcontentloaded');
}

// The few browser globals the page functions below use (the project's TypeScript has no DOM library).
interface El {
  id: string;
  type?: string;
  closest(sel: string): El | null;
  getAttribute(name: string): string | null;
}
declare const document: { querySelectorAll(sel: string): El[]; querySelector(sel: string): El | null; documentElement: { scrollWidth: number } };
declare const window: { innerWidth: number };

/** Every visible form field has a label (label[for], a wrapping label, or aria-label); returns the unlabelled ones. */
export async function unlabelledFields(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('input, select, textarea'))
      .filter((el) => el.type !== 'hidden')
      .filter((el) => !(el.id && document.querySelector(`label[for="${el.id}"]`)) && !el.closest('label') && !el.getAttribute('aria-label'))
      .map((el) => el.getAttribute('name') ?? '?'),
  );
}

/** Screenshots of the current page at desktop and phone size; checks labels and that the phone layout does not overflow. */
export async function shoot(page: Page, name: string): Promise<void> {
  expect(await unlabelledFields(page), `${name}: form fields without a label`).toEqual([]);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-1280x800.png`) });
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${name}: wider than a 390 px phone`).toBeLessThanOrEqual(1);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-390x844.png`) });
  await page.setViewportSize({ width: 1280, height: 800 });
}

/** A real PNG (a solid colour), so an <img> preview actually decodes. */
export function realPng(width: number, height: number, rgb: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.writeUInt8(8, 8);
  ihdr.writeUInt8(2, 9);
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => rgb).flat())]);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** A small but well-formed one-page PDF. */
export function realPdf(text: string): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${`BT /F1 18 Tf 20 100 Td (${text}) Tj ET`.length} >>\nstream\nBT /F1 18 Tf 20 100 Td (${text}) Tj ET\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}
