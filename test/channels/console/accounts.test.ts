/**
 * 后台账号 in Chromium against the real bot: an admin creates a staff account (one-time password shown once),
 * links a chat identity, resets a password, disables and enables the account, turns its TOTP off; an admin
 * cannot lock themselves out; a staff account is refused the page; and the staff member turns TOTP on for
 * themselves from 我的账号. Every change is audited under the acting account.
 */
import { request, type APIRequestContext, type APIResponse, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { totpCode, totpStep } from '../../../src/channels/console/totp.ts';
import { linkedRolesKey } from '../../../src/core/roles.ts';
import { cli, login, shoot, startConsoleRig, type ConsoleRig } from './setup.ts';

let rig: ConsoleRig;
let admin: Page;
let url: string;
const ADMIN_PW = 'admin-password-1';

beforeAll(async () => {
  rig = await startConsoleRig();
  url = rig.ch.url;
  expect((await cli(rig, ['add', 'wang', '--role', 'admin', '--password-stdin'], `${ADMIN_PW}\n`)).code).toBe(0);
  admin = await rig.browser.newPage();
}, 60_000);
afterEach(() => {
  expect(rig.errors.splice(0)).toEqual([]);
});
afterAll(async () => {
  await rig?.stop();
});

const audited = async (action: string) => (await rig.ch.engine.deps.audit.recent(500)).filter((e) => e.action === action);
const account = async (name: string) => JSON.parse((await rig.ch.engine.deps.redis.hget(rig.ch.engine.deps.keys.tagged('console', 'accounts'), name)) ?? 'null') as { role: string; disabled: boolean; totp?: string; links: string[] } | null;

/** Opens the 管理 panel of an account's row and presses one of its buttons. */
async function manage(page: Page, name: string, button: string): Promise<void> {
  const row = page.locator('tr', { has: page.locator('td', { hasText: new RegExp(`^${name}`) }) });
  await row.locator('summary').click();
  await row.getByRole('button', { name: button, exact: true }).click();
  await page.waitForLoadState('domcontentloaded');
}

/** Another person's session with its own cookies (the browser context is the admin's): signs in over HTTP. */
async function signedIn(name: string, password: string): Promise<{ http: APIRequestContext; landed: string; path(p: string): Promise<string> }> {
  const http = await request.newContext({ baseURL: url });
  const csrfOf = async (res: APIResponse) => /name="_csrf" value="([^"]+)"/.exec(await res.text())?.[1] ?? '';
  const form = await http.get('/console/login');
  const res = await http.post('/console/login', { form: { _csrf: await csrfOf(form), username: name, password } });
  return { http, landed: new URL(res.url()).pathname, path: async (p) => new URL((await http.get(p)).url()).pathname };
}

let zhouPassword = '';

describe('后台账号 (admin)', () => {
  it('creates a staff account with a one-time password shown once, which must be changed at first sign-in', async () => {
    await login(admin, url, 'wang', ADMIN_PW);
    await admin.getByRole('link', { name: '后台账号' }).click();
    await admin.waitForURL(/\/console\/accounts$/);
    await admin.getByLabel('用户名（2–32 位字母、数字、_ . -）').fill('Zhou');
    await admin.getByLabel('角色').selectOption('staff');
    await admin.getByRole('button', { name: '新建' }).click();
    await expect.poll(() => admin.textContent('main')).toContain('账号 zhou 已建立');
    zhouPassword = (await admin.locator('.notice code.secret').textContent()) ?? '';
    expect(zhouPassword).toMatch(/^[A-Za-z0-9]{16}$/);
    await shoot(admin, 'accounts');
    expect((await account('zhou'))?.role).toBe('staff');
    expect(JSON.stringify(await rig.ch.engine.deps.redis.hgetall(rig.ch.engine.deps.keys.tagged('console', 'accounts')))).not.toContain(zhouPassword);
    expect((await audited('console.account_add')).map((e) => [e.actor, e.target, e.note])).toContainEqual(['console:wang', 'console:zhou', 'staff']);
    // Shown once: the list page no longer has it.
    await admin.goto(`${url}/console/accounts`);
    expect(await admin.textContent('main')).not.toContain(zhouPassword);
    // A name taken or malformed is refused with a message, nothing created.
    await admin.getByLabel('用户名（2–32 位字母、数字、_ . -）').fill('a b');
    await admin.getByRole('button', { name: '新建' }).click();
    await expect.poll(() => admin.textContent('main')).toContain('操作未完成');

    const zhou = await rig.browser.newPage();
    await login(zhou, url, 'zhou', zhouPassword);
    expect(zhou.url()).toMatch(/\/console\/account$/);
    await zhou.getByLabel('当前密码').fill(zhouPassword);
    await zhou.getByLabel('新密码（至少 10 个字符）').fill('zhou-own-password');
    await zhou.getByLabel('再次输入新密码').fill('zhou-own-password');
    await zhou.getByRole('button', { name: '修改密码' }).click();
    await zhou.waitForURL(/changed=1/);
    zhouPassword = 'zhou-own-password';
    await zhou.close();
    await login(admin, url, 'wang', ADMIN_PW);
  });

  it('links a chat identity (it holds the role in chat), resets a password, and disables an account at once', async () => {
    await admin.goto(`${url}/console/accounts`);
    const row = admin.locator('tr', { has: admin.locator('td', { hasText: /^zhou/ }) });
    await row.locator('summary').click();
    await row.getByLabel('聊天账号（平台:用户ID，例如 telegram:123456）').fill('telegram:777');
    await row.getByRole('button', { name: '关联', exact: true }).click();
    await expect.poll(() => admin.textContent('main')).toContain('telegram:777 已关联到 zhou');
    expect(JSON.parse((await rig.ch.engine.deps.redis.hget(linkedRolesKey(rig.ch.engine.deps.keys), 'telegram:777')) ?? '{}')).toMatchObject({ role: 'staff', account: 'zhou' });

    const zhou = await signedIn('zhou', zhouPassword);
    expect(zhou.landed).toBe('/console/');
    await manage(admin, 'zhou', '重置密码');
    await expect.poll(() => admin.textContent('main')).toContain('zhou 的密码已重置');
    const reset = (await admin.locator('.notice code.secret').textContent()) ?? '';
    // Signed out everywhere; the old password no longer works, the one-time one does.
    expect(await zhou.path('/console/')).toBe('/console/login');
    expect((await signedIn('zhou', zhouPassword)).landed).toBe('/console/login');
    const again = await signedIn('zhou', reset);
    expect(again.landed).toBe('/console/account');

    await manage(admin, 'zhou', '停用');
    await expect.poll(() => admin.textContent('main')).toContain('zhou 已停用');
    expect((await account('zhou'))?.disabled).toBe(true);
    expect(await rig.ch.engine.deps.redis.hexists(linkedRolesKey(rig.ch.engine.deps.keys), 'telegram:777')).toBe(0);
    expect(await again.path('/console/account')).toBe('/console/login');
    expect((await signedIn('zhou', reset)).landed).toBe('/console/login');
    await manage(admin, 'zhou', '启用');
    await expect.poll(() => admin.textContent('main')).toContain('zhou 已启用');
    expect(JSON.parse((await rig.ch.engine.deps.redis.hget(linkedRolesKey(rig.ch.engine.deps.keys), 'telegram:777')) ?? '{}')).toMatchObject({ role: 'staff' });
    for (const action of ['console.account_link', 'console.account_password', 'console.account_disable', 'console.account_enable']) {
      expect((await audited(action)).some((e) => e.actor === 'console:wang' && e.target === 'console:zhou'), action).toBe(true);
    }
  });

  it('an admin cannot disable or demote themselves, nor leave the console without an enabled admin', async () => {
    await admin.goto(`${url}/console/accounts`);
    await manage(admin, 'wang', '停用');
    await expect.poll(() => admin.textContent('main')).toContain('不能停用或降级您自己的账号');
    await manage(admin, 'wang', '改为工作人员');
    await expect.poll(() => admin.textContent('main')).toContain('不能停用或降级您自己的账号');
    expect(await account('wang')).toMatchObject({ role: 'admin', disabled: false });
  });

  it('a staff account is refused the page (audited), and a forged POST changes nothing', async () => {
    const staff = await signedIn('li', await addStaff('li'));
    expect(staff.landed).toBe('/console/');
    const page = await staff.http.get('/console/accounts');
    expect(page.status()).toBe(403);
    expect((await audited('refused')).some((e) => e.actor === 'console:li' && e.target === 'console/accounts')).toBe(true);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
    expect(csrf).not.toBe('');
    const forged = await staff.http.post('/console/accounts/wang/disable', { form: { _csrf: csrf } });
    expect(forged.status()).toBe(403);
    expect((await account('wang'))?.disabled).toBe(false);
  });
});

/** A staff account made through the CLI with a known password. */
async function addStaff(name: string): Promise<string> {
  const password = `${name}-password-1`;
  expect((await cli(rig, ['add', name, '--role', 'staff', '--password-stdin'], `${password}\n`)).code).toBe(0);
  return password;
}

/** Sets a known password through the CLI. */
async function knownPassword(name: string): Promise<string> {
  const password = `${name}-reset-password`;
  expect((await cli(rig, ['passwd', name, '--password-stdin'], `${password}\n`)).code).toBe(0);
  return password;
}

describe('我的账号: TOTP for oneself', () => {
  it('turns TOTP on after the first code from the authenticator; the next sign-in asks for a code; an admin can turn it off', async () => {
    const password = await knownPassword('zhou');
    const zhou = await rig.browser.newPage();
    await login(zhou, url, 'zhou', password);
    await zhou.goto(`${url}/console/account`);
    await zhou.getByRole('button', { name: '开启动态验证码' }).click();
    await expect.poll(() => zhou.textContent('main')).toContain('身份验证器');
    await shoot(zhou, 'account-totp');
    const secret = (await zhou.locator('code.secret').first().textContent()) ?? '';
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    // Sealed while pending: Redis never holds the secret in the clear.
    const pending = await rig.ch.engine.deps.redis.get(rig.ch.engine.deps.keys.tagged('console', 'totp-pending', 'zhou'));
    expect(pending).toBeTruthy();
    expect(pending).not.toContain(secret);
    await zhou.getByLabel('身份验证器中的 6 位数字').fill(totpCode(secret, totpStep(Date.now())) === '000000' ? '111111' : '000000');
    await zhou.getByRole('button', { name: '确认开启' }).click();
    await expect.poll(() => zhou.textContent('main')).toContain('验证码不正确');
    expect((await account('zhou'))?.totp).toBeUndefined();

    await zhou.getByRole('button', { name: '开启动态验证码' }).click();
    const again = (await zhou.locator('code.secret').first().textContent()) ?? '';
    await zhou.getByLabel('身份验证器中的 6 位数字').fill(totpCode(again, totpStep(Date.now())));
    await zhou.getByRole('button', { name: '确认开启' }).click();
    await expect.poll(() => zhou.textContent('main')).toContain('动态验证码已开启');
    expect((await account('zhou'))?.totp).toBeTruthy();
    expect((await audited('console.totp_on')).some((e) => e.actor === 'console:zhou')).toBe(true);
    await login(zhou, url, 'zhou', password);
    expect(zhou.url()).toContain('/console/login/totp');
    await zhou.close();

    await login(admin, url, 'wang', ADMIN_PW);
    await admin.goto(`${url}/console/accounts`);
    await manage(admin, 'zhou', '关闭动态验证码');
    await expect.poll(() => admin.textContent('main')).toContain('已关闭 zhou 的动态验证码');
    expect((await account('zhou'))?.totp).toBeUndefined();
  });
});
