/** The web chat page in Debian's Chromium (playwright-core), against the real engine and Redis. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChannels, type RunningApp } from '../../../src/channels/index.ts';
import { startTestEngine, type TestEngine } from '../../helpers/engine.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let te: TestEngine;
let app: RunningApp;
let browser: BrowserContext;
let profile: string;

beforeAll(async () => {
  te = await startTestEngine();
  app = await startChannels(te.engine);
  profile = mkdtempSync(join(tmpdir(), 'ua-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => {
  await browser?.close();
  rmSync(profile, { recursive: true, force: true });
  await app?.stop();
  await te?.stop();
});

describe('web chat page', () => {
  it('sends a question and shows the answer, and numbered choices work as buttons', async () => {
    const page = await browser.newPage();
    await page.goto(app.url);
    await page.fill('#text', '菜单');
    await page.click('button[type=submit]');
    await expect.poll(() => page.locator('.msg.bot').last().textContent()).toContain('劳动法');

    await page.fill('#text', 'qwzx 呜啦啦');
    await page.click('button[type=submit]');
    const handoffButton = page.locator('.choices button', { hasText: '转人工' }).last();
    await handoffButton.waitFor();
    await handoffButton.click();
    await expect.poll(() => page.locator('.msg.bot').last().textContent()).toContain('工单号');
  });
});
