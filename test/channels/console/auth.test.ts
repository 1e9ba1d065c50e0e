/**
 * The web console's doors, in Chromium against the real bot: accounts from the console-user CLI (argon2id,
 * one-time password changed at first sign-in), sign-in and sign-out, a wrong password, throttling per account
 * and per IP, CSRF refusals, a staff account refused admin pages (audited), security headers, idle expiry,
 * TOTP, and a chat identity linked to an account holding its role in chat.
 */
import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { totpCode, totpStep } from '../../../src/channels/console/totp.ts';
import { cli, login, shoot, startConsoleRig, type ConsoleRig } from './setup.ts';

let rig: ConsoleRig;
let page: Page;
let url: string;
const ADMIN_PW = 'admin-password-1';
const STAFF_PW = 'staff-password-1';

beforeAll(async () => {
  rig = await startConsoleRig({ CONSOLE_LOGIN_FAILURES_PER_ACCOUNT: '3', CONSOLE_LOGIN_FAILURES_PER_IP: '8' });
  url = rig.ch.url;
  expect((await cli(rig, ['add', 'wang', '--role', 'admin', '--password-stdin'], `${ADMIN_PW}\n`)).code).toBe(0);
  expect((await cli(rig, ['add', 'li', '--role', 'staff', '--password-stdin'], `${STAFF_PW}\n`)).code).toBe(0);
  page = await rig.browser.newPage();
}, 60_000);
afterEach(() => {
  expect(rig.errors.splice(0)).toEqual([]);
});
afterAll(async () => {
  await rig?.stop();
});

const audit = async (action: string) => (await rig.ch.engine.deps.audit.recent(500)).filter((e) => e.action === action);

describe('accounts (CLI)', () => {
  it('add prints a one-time password, stores only an argon2id hash, and the first sign-in asks for a new password', async () => {
    const added = await cli(rig, ['add', 'zhao', '--role', 'staff']);
    expect(added.code).toBe(0);
    const pw = /one-time password: (\S+)/.exec(added.out)?.[1] ?? '';
    expect(pw.length).toBeGreaterThanOrEqual(16);
    const stored = await rig.ch.engine.deps.redis.hget(rig.ch.engine.deps.keys.tagged('console', 'accounts'), 'zhao');
    expect(stored).toContain('$argon2id$');
    expect(stored).not.toContain(pw);
    expect((await cli(rig, ['add', 'zhao', '--role', 'staff'])).code).toBe(1);
    expect((await cli(rig, ['add', 'x', '--role', 'boss'])).code).toBe(2);

    const p = await rig.browser.newPage();
    await login(p, url, 'zhao', pw);
    expect(p.url()).toMatch(/\/console\/account$/);
    await expect.poll(() => p.textContent('main')).toContain('一次性密码');
    await shoot(p, 'account');
    await p.getByLabel('当前密码').fill(pw);
    await p.getByLabel('新密码（至少 10 个字符）').fill('zhao-new-password');
    await p.getByLabel('再次输入新密码').fill('zhao-new-password');
    await p.getByRole('button', { name: '修改密码' }).click();
    await p.waitForURL(/\/console\/login\?changed=1/);
    await login(p, url, 'zhao', 'zhao-new-password');
    expect(p.url()).toMatch(/\/console\/$/);
    await p.close();
  });
});

describe('sign-in', () => {
  it('signs in, shows the overview with the security headers, signs out; the old session is gone', async () => {
    await page.goto(`${url}/console/login`);
    await shoot(page, 'login');
    await login(page, url, 'wang', ADMIN_PW);
    expect(page.url()).toBe(`${url}/console/`);
    await expect.poll(() => page.textContent('header')).toContain('wang');
    const res = await page.request.get(`${url}/console/`);
    const h = res.headers();
    expect(h['content-security-policy']).toContain("script-src 'self'");
    expect(h['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(h['x-frame-options']).toBe('DENY');
    expect(h['x-content-type-options']).toBe('nosniff');
    expect(h['cache-control']).toBe('no-store');
    const cookie = (await rig.browser.cookies(`${url}/console/`)).find((c) => c.name === 'ua_console');
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Strict');
    // Redis holds a digest of the token, never the token.
    const keys = await rig.ch.engine.deps.redis.keys('*{console}:session:*');
    expect(keys.some((k) => k.endsWith(cookie?.value ?? '-'))).toBe(false);
    expect(keys.some((k) => k.endsWith(createHash('sha256').update(cookie?.value ?? '').digest('hex')))).toBe(true);
    expect((await audit('console.login')).some((e) => e.actor === 'console:wang')).toBe(true);

    await page.getByRole('button', { name: '退出登录' }).click();
    await page.waitForURL(/\/console\/login\?out=1/);
    expect(await page.textContent('main')).toContain('您已退出登录');
    expect((await audit('console.logout')).length).toBe(1);
    // The old cookie opens nothing any more.
    const again = await fetch(`${url}/console/`, { headers: { cookie: `ua_console=${cookie?.value ?? ''}` }, redirect: 'manual' });
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).toMatch(/\/console\/login/);
  });

  it('a wrong password is refused; after 3 failures the account is throttled even with the right password', async () => {
    for (let i = 0; i < 3; i++) {
      await login(page, url, 'li', 'not-the-password');
      expect(await page.textContent('main')).toContain('用户名或密码不正确');
    }
    await login(page, url, 'li', STAFF_PW);
    expect(page.url()).toContain('/console/login');
    expect(await page.textContent('main')).toContain('登录失败次数过多');
    expect((await audit('console.login_failed')).filter((e) => e.target === 'li')).toHaveLength(3);
    expect((await audit('console.login_throttled')).length).toBeGreaterThan(0);
    // Unknown names count against the address too: 8 failures in all from this IP lock it for every account.
    for (let i = 0; i < 5; i++) await login(page, url, `nobody${i}`, 'whatever-password');
    await login(page, url, 'wang', ADMIN_PW);
    expect(await page.textContent('main')).toContain('登录失败次数过多');
    // The window passes (here: the counters are cleared as their expiry would), sign-in works again.
    const r = rig.ch.engine.deps.redis;
    const fails = await r.keys('*{console}:login-fail:*');
    expect(await r.ttl(fails[0] ?? '')).toBeGreaterThan(0);
    await r.del(...fails);
  });

  it('a form without a valid CSRF token is refused', async () => {
    await login(page, url, 'wang', ADMIN_PW);
    expect(page.url()).toBe(`${url}/console/`);
    const cookie = (await rig.browser.cookies(`${url}/console/`)).find((c) => c.name === 'ua_console')?.value ?? '';
    const post = (body: string) =>
      fetch(`${url}/console/logout`, { method: 'POST', headers: { cookie: `ua_console=${cookie}`, 'content-type': 'application/x-www-form-urlencoded' }, body, redirect: 'manual' });
    const none = await post('');
    expect(none.status).toBe(403);
    expect(await none.text()).toContain('安全令牌');
    expect((await post('_csrf=forged-token')).status).toBe(403);
    // A sign-in form posted without the page's token (another site's form) is refused too.
    const login403 = await fetch(`${url}/console/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `username=wang&password=${ADMIN_PW}`, redirect: 'manual' });
    expect(login403.status).toBe(403);
    expect((await audit('console.csrf_refused')).length).toBeGreaterThanOrEqual(2);
    // Still signed in: the refused logout did nothing.
    await page.goto(`${url}/console/`);
    expect(page.url()).toBe(`${url}/console/`);
  });

  it('a staff account is refused admin pages (and the attempt is audited), and does not see them in the menu', async () => {
    const p = await rig.browser.newPage();
    await rig.browser.clearCookies();
    await login(p, url, 'li', STAFF_PW);
    expect(p.url()).toBe(`${url}/console/`);
    const menu = (await p.textContent('nav.main')) ?? '';
    expect(menu).not.toContain('互助审核');
    expect(menu).not.toContain('审计日志');
    for (const path of ['/console/claims', '/console/audit', '/console/claims/HZ-20260101-0001']) {
      const res = await p.goto(`${url}${path}`);
      expect(res?.status()).toBe(403);
      expect(await p.textContent('main')).toContain('您没有权限');
    }
    const refused = (await audit('refused')).filter((e) => e.actor === 'console:li');
    expect(refused.map((e) => e.target)).toEqual(expect.arrayContaining(['console/claims', 'console/audit']));
    await p.close();
  });

  it('a session unused past the idle timeout is gone', async () => {
    await rig.browser.clearCookies();
    await login(page, url, 'wang', ADMIN_PW);
    const r = rig.ch.engine.deps.redis;
    const digest = createHash('sha256').update((await rig.browser.cookies(`${url}/console/`)).find((c) => c.name === 'ua_console')?.value ?? '').digest('hex');
    const key = rig.ch.engine.deps.keys.tagged('console', 'session', digest);
    const ttl = await r.ttl(key);
    expect(ttl).toBeGreaterThan(25 * 60);
    expect(ttl).toBeLessThanOrEqual(30 * 60);
    await r.expire(key, 1);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await page.goto(`${url}/console/`);
    expect(page.url()).toContain('/console/login?idle=1');
    expect(await page.textContent('main')).toContain('登录已过期');
  });

  it('revoking an account signs it out everywhere', async () => {
    await rig.browser.clearCookies();
    await login(page, url, 'wang', ADMIN_PW);
    expect(page.url()).toBe(`${url}/console/`);
    expect((await cli(rig, ['revoke', 'wang'])).out).toMatch(/[1-9]\d* sessions of wang ended/);
    await page.goto(`${url}/console/audit`);
    expect(page.url()).toContain('/console/login');
  });
});

describe('TOTP and linked chat identities', () => {
  it('an admin with TOTP on signs in with the code from the authenticator; a wrong or replayed code is refused', async () => {
    const on = await cli(rig, ['totp', 'wang', 'on']);
    const secret = /secret: ([A-Z2-7]+)/.exec(on.out)?.[1] ?? '';
    expect(on.out).toContain('otpauth://totp/');
    await rig.browser.clearCookies();
    await login(page, url, 'wang', ADMIN_PW);
    expect(page.url()).toContain('/console/login/totp');
    await shoot(page, 'login-totp');
    await page.getByLabel('身份验证器中的 6 位数字').fill('000000' === totpCode(secret, totpStep(Date.now())) ? '111111' : '000000');
    await page.getByRole('button', { name: '验证' }).click();
    expect(await page.textContent('main')).toContain('验证码不正确');
    const code = totpCode(secret, totpStep(Date.now()));
    await page.getByLabel('身份验证器中的 6 位数字').fill(code);
    await page.getByRole('button', { name: '验证' }).click();
    await page.waitForURL(`${url}/console/`);
    // The same code seen by someone else does not work a second time.
    const other = await rig.browser.browser()?.newContext();
    if (other) {
      const p2 = await other.newPage();
      await login(p2, url, 'wang', ADMIN_PW);
      await p2.getByLabel('身份验证器中的 6 位数字').fill(code);
      await p2.getByRole('button', { name: '验证' }).click();
      expect(await p2.textContent('main')).toContain('验证码不正确');
      await other.close();
    }
    await cli(rig, ['totp', 'wang', 'off']);
  });

  it('a chat identity linked to a staff account holds the staff role in chat; unlinked, it is refused again', async () => {
    const chat = rig.ch.dm('linked1');
    const refusedBefore = await chat.say('/tickets');
    expect(refusedBefore.map((r) => r.text).join('\n')).toMatch(/权限/);
    expect((await cli(rig, ['link', 'li', 'web:linked1'])).code).toBe(0);
    await rig.ch.engine.deps.roles.refresh();
    const allowed = await chat.say('/tickets');
    expect(allowed.map((r) => r.text).join('\n')).not.toMatch(/权限/);
    await page.goto(`${url}/console/groups`);
    if (page.url().includes('/login')) await login(page, url, 'wang', ADMIN_PW);
    await page.goto(`${url}/console/groups`);
    expect(await page.textContent('main')).toContain('web:linked1');
    await shoot(page, 'groups');
    expect((await cli(rig, ['unlink', 'li', 'web:linked1'])).code).toBe(0);
    await rig.ch.engine.deps.roles.refresh();
    expect((await chat.say('/tickets')).map((r) => r.text).join('\n')).toMatch(/权限/);
  });
});
