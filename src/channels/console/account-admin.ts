/**
 * 后台账号 (admins): the console accounts the `console-user` CLI manages, from the browser. New accounts and
 * reset passwords get a one-time password shown once; roles, disabling, TOTP reset and linked chat identities
 * change at once (every request re-reads the account). An admin cannot disable or demote themselves, and one
 * enabled admin always remains. Every change is audited under the acting account.
 */
import { consoleActorKey, csrfField, formValue, type ConsolePage, type ConsoleRequest, type ConsoleResult, type ConsoleSection } from '../../core/console.ts';
import type { CoreDeps, Role } from '../../core/service.ts';
import { field, notice, section, table } from '../../kit/console-ui.ts';
import { html, type Html } from '../../kit/html.ts';
import { ACCOUNT_NAME, AccountError, generatePassword, IDENTITY, type Account, type AccountStore } from './accounts.ts';
import { BASE } from './layout.ts';
import type { SessionStore } from './sessions.ts';
import { CONSOLE_TEXT as T } from './texts.ts';

const A = T.accounts;
const ROLES: readonly Role[] = ['admin', 'staff'];

export function accountAdminSection(deps: CoreDeps, accounts: AccountStore, sessions: SessionStore): ConsoleSection {
  const audit = (req: ConsoleRequest, action: string, target: string, note?: string) =>
    deps.audit.record({ actor: req.actor.key, action, target: consoleActorKey(target), ...(note ? { note } : {}), at: req.now });

  /** Runs a change to another account, or explains in the list page why it was refused. */
  const change = (
    action: (req: ConsoleRequest, target: Account) => Promise<Html>,
    guard: (req: ConsoleRequest, target: Account, all: Account[]) => string | null = () => null,
  ) => async (req: ConsoleRequest): Promise<ConsoleResult> => {
    const all = await accounts.list(req.actor.log);
    const target = all.find((a) => a.name === (req.params['name'] ?? '').toLowerCase());
    if (!target) return { kind: 'not-found' };
    const refused = guard(req, target, all);
    if (refused) return listPage(req, notice('error', refused), 400);
    try {
      return listPage(req, await action(req, target));
    } catch (err) {
      if (err instanceof AccountError) return listPage(req, notice('error', A.bad(err.message)), 400);
      throw err;
    }
  };

  /** A change to the account named in the path (`/accounts/<name>/<path>`). */
  const post = (path: string, ...how: Parameters<typeof change>): ConsolePage => ({ method: 'POST', path: `/accounts/:name/${path}`, role: 'admin', handle: change(...how) });

  const enabledAdmins = (all: Account[]) => all.filter((a) => a.role === 'admin' && !a.disabled);
  /** Would this leave the console without an enabled admin, or lock the acting admin out? */
  const keepsAnAdmin = (req: ConsoleRequest, target: Account, all: Account[]) => {
    if (target.name === req.account) return A.notSelf;
    return target.role === 'admin' && !target.disabled && enabledAdmins(all).length <= 1 ? A.lastAdmin : null;
  };

  const listPage = async (req: ConsoleRequest, message?: Html, status?: number): Promise<ConsoleResult> => {
    const all = await accounts.list(req.actor.log);
    const action = (a: Account, path: string, label: string, extra: Html = html``) =>
      html`<form method="post" action="${BASE}/accounts/${a.name}/${path}" class="inline">${csrfField(req)}${extra}<button type="submit" class="secondary">${label}</button></form>`;
    const rows = all.map((a) => {
      const other = ROLES.find((r) => r !== a.role)!;
      const links = a.links.map((l) => html`<div class="nowrap">${l} ${action(a, 'unlink', A.unlink, html`<input type="hidden" name="identity" value="${l}">`)}</div>`);
      return [
        html`${a.name}${a.name === req.account ? A.you : ''}`,
        T.roles[a.role] ?? a.role,
        links.length ? links : '—',
        a.totp ? A.on : A.off,
        a.disabled ? A.disabled : A.enabled,
        html`<details><summary>${A.manage}</summary>
${action(a, 'password', A.reset)}${action(a, 'role', A.makeRole(T.roles[other] ?? other), html`<input type="hidden" name="role" value="${other}">`)}
${action(a, a.disabled ? 'enable' : 'disable', a.disabled ? A.enable : A.disable)}${a.totp ? action(a, 'totp-off', A.totpOff) : ''}
<form method="post" action="${BASE}/accounts/${a.name}/link">${csrfField(req)}${field({ label: A.identity, name: 'identity', required: true })}<button type="submit" class="secondary">${A.link}</button></form></details>`,
      ];
    });
    const body = html`${message ?? ''}${section(A.title, table(A.headers, rows, A.empty))}
${section(A.addTitle, html`<form method="post" action="${BASE}/accounts">${csrfField(req)}
${field({ label: A.name, name: 'name', required: true, autocomplete: 'off' })}
${field({ label: A.role, name: 'role', type: 'select', value: 'staff', options: ROLES.map((r) => [r, T.roles[r] ?? r] as const) })}
<button type="submit">${A.add}</button></form>`)}`;
    return { kind: 'page', title: A.title, body, ...(status ? { status } : {}) };
  };

  const oneTimePassword = (name: string, password: string) => html`<p>${A.oneTime(name)}</p><p><code class="secret">${password}</code></p>`;
  const roleOf = (req: ConsoleRequest): Role | null => {
    const r = formValue(req, 'role');
    return r === 'admin' || r === 'staff' ? r : null;
  };

  return {
    nav: [{ path: '/accounts', label: T.nav.accounts, role: 'admin', order: 95 }],
    pages: [
      { method: 'GET', path: '/accounts', role: 'admin', handle: (req) => listPage(req) },
      {
        method: 'POST',
        path: '/accounts',
        role: 'admin',
        async handle(req) {
          const name = formValue(req, 'name').trim().toLowerCase();
          const role = roleOf(req);
          if (!ACCOUNT_NAME.test(name) || !role) return listPage(req, notice('error', A.bad(A.name)), 400);
          const password = generatePassword();
          try {
            await accounts.add(name, role, password, true, req.now);
          } catch (err) {
            if (err instanceof AccountError) return listPage(req, notice('error', A.bad(err.message)), 400);
            throw err;
          }
          await audit(req, 'console.account_add', name, role);
          return listPage(req, notice('ok', html`${A.created(name)}${oneTimePassword(name, password)}`));
        },
      },
      post('password', async (req, a) => {
        const password = generatePassword();
        await accounts.setPassword(a.name, password, true);
        await sessions.revokeAll(a.name);
        await audit(req, 'console.account_password', a.name);
        return notice('ok', html`${A.passwordReset(a.name)}${oneTimePassword(a.name, password)}`);
      }),
      post(
        'role',
        async (req, a) => {
          const role = roleOf(req)!;
          await accounts.setRole(a.name, role);
          await audit(req, 'console.account_role', a.name, role);
          return notice('ok', A.roleChanged(a.name, T.roles[role] ?? role));
        },
        (req, a, all) => (roleOf(req) ? (roleOf(req) === 'admin' ? null : keepsAnAdmin(req, a, all)) : A.bad(A.role)),
      ),
      post(
        'disable',
        async (req, a) => {
          await accounts.setDisabled(a.name, true);
          await sessions.revokeAll(a.name);
          await audit(req, 'console.account_disable', a.name);
          return notice('ok', A.disabledDone(a.name));
        },
        keepsAnAdmin,
      ),
      post('enable', async (req, a) => {
        await accounts.setDisabled(a.name, false);
        await audit(req, 'console.account_enable', a.name);
        return notice('ok', A.enabledDone(a.name));
      }),
      post('totp-off', async (req, a) => {
        await accounts.setTotp(a.name, null);
        await audit(req, 'console.totp_off', a.name);
        return notice('ok', A.totpOffDone(a.name));
      }),
      post(
        'link',
        async (req, a) => {
          const identity = formValue(req, 'identity').trim();
          await accounts.link(a.name, identity);
          await audit(req, 'console.account_link', a.name, identity);
          return notice('ok', A.linked(a.name, identity));
        },
        (req) => (IDENTITY.test(formValue(req, 'identity').trim()) ? null : A.bad(A.identity)),
      ),
      post('unlink', async (req, a) => {
        const identity = formValue(req, 'identity');
        await accounts.unlink(a.name, identity);
        await audit(req, 'console.account_unlink', a.name, identity);
        return notice('ok', A.unlinked(a.name, identity));
      }),
    ],
  };
}
