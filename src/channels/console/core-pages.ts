/** The console's own pages (not any service's): overview, audit log, groups and roles, the account. */
import type { AuditEntry } from '../../core/audit.ts';
import { csrfField, formValue, type ConsoleRequest, type ConsoleSection } from '../../core/console.ts';
import type { CoreDeps } from '../../core/service.ts';
import { facts, field, notice, pageOf, pager, section, table } from '../../kit/console-ui.ts';
import { html, type Html } from '../../kit/html.ts';
import { chinaDate, formatChinaTime } from './time.ts';
import { AccountError, checkPassword, type AccountStore } from './accounts.ts';
import type { SessionStore } from './sessions.ts';
import { otpauthUri } from './totp.ts';
import { BASE } from './layout.ts';
import { CONSOLE_TEXT as T } from './texts.ts';

/** The audit page searches this many of the newest entries. */
const AUDIT_SCAN = 5000;
const AUDIT_PAGE = 50;

export function coreSection(deps: CoreDeps, accounts: AccountStore, sessions: SessionStore, others: () => ConsoleSection[]): ConsoleSection {
  return {
    nav: [
      { path: '/', label: T.nav.overview, role: 'staff', order: 0 },
      { path: '/groups', label: T.nav.groups, role: 'staff', order: 70 },
      { path: '/audit', label: T.nav.audit, role: 'admin', order: 90 },
    ],
    pages: [
      {
        method: 'GET',
        path: '/',
        role: 'staff',
        async handle(req) {
          const cards = (await Promise.all(others().map((s) => s.overview?.(req.actor) ?? null))).filter((c) => c !== null).sort((a, b) => a.order - b.order);
          const body = cards.length
            ? html`<div class="cards">${cards.map((c) => html`<section class="card"><h2><a href="${BASE}${c.href}">${c.title}</a></h2><div class="count">${c.count}</div>${c.lines.map((l) => html`<div>${l}</div>`)}</section>`)}</div>`
            : html`<p class="empty">${T.overview.empty}</p>`;
          return { kind: 'page', title: T.overview.title, body };
        },
      },
      { method: 'GET', path: '/audit', role: 'admin', handle: (req) => auditPage(deps, req) },
      { method: 'GET', path: '/groups', role: 'staff', handle: (req) => groupsPage(deps, accounts, req) },
      { method: 'GET', path: '/account', role: 'staff', handle: (req) => accountPage(accounts, req) },
      {
        method: 'POST',
        path: '/account/totp',
        role: 'staff',
        async handle(req) {
          const secret = await accounts.startTotp(req.account);
          const body = html`${section(T.account.totpStart, html`<p>${T.account.totpScan}</p>
${facts([[T.account.totpSecret, html`<code class="secret">${secret}</code>`], [T.account.totpUri, html`<code class="secret">${otpauthUri(T.brand, req.account, secret)}</code>`]])}
<form method="post" action="${BASE}/account/totp/confirm">${csrfField(req)}
${field({ label: T.account.totpCode, name: 'code', required: true, autocomplete: 'one-time-code', inputmode: 'numeric' })}
<button type="submit">${T.account.totpConfirm}</button></form>`)}`;
          return { kind: 'page', title: T.account.totpStart, body };
        },
      },
      {
        method: 'POST',
        path: '/account/totp/confirm',
        role: 'staff',
        async handle(req) {
          if (!(await accounts.confirmTotp(req.account, formValue(req, 'code'), req.now.getTime()))) return accountPage(accounts, req, notice('error', T.account.totpWrong), 400);
          await deps.audit.record({ actor: req.actor.key, action: 'console.totp_on', target: req.account, at: req.now });
          return accountPage(accounts, req, notice('ok', T.account.totpDone));
        },
      },
      {
        method: 'POST',
        path: '/account/password',
        role: 'staff',
        async handle(req) {
          const current = formValue(req, 'current');
          const next = formValue(req, 'password');
          const problem = async (): Promise<string | null> => {
            if (next !== formValue(req, 'repeat')) return T.account.mismatch;
            try {
              checkPassword(next);
            } catch {
              return T.account.tooShort;
            }
            return (await accounts.verify(req.account, current, req.actor.log)) ? null : T.account.wrongCurrent;
          };
          const why = await problem();
          if (why) return accountPage(accounts, req, notice('error', why), 400);
          await accounts.setPassword(req.account, next).catch((err: unknown) => {
            if (err instanceof AccountError) throw Object.assign(err, { statusCode: 400 });
            throw err;
          });
          await sessions.revokeAll(req.account);
          await deps.audit.record({ actor: req.actor.key, action: 'console.password', target: req.account, at: req.now });
          // Signed out everywhere, this device too: it signs in again with the new password.
          return { kind: 'redirect', to: `${BASE}/login?changed=1` };
        },
      },
    ],
  };
}

async function accountPage(accounts: AccountStore, req: ConsoleRequest, message?: Html, status?: number) {
  const a = await accounts.get(req.account, req.actor.log);
  const body = html`${message ?? ''}${a?.mustChangePassword ? notice('warn', T.account.mustChange) : ''}
${section(T.account.title, facts([[T.account.role, T.roles[a?.role ?? ''] ?? ''], [T.account.links, a?.links.length ? a.links.join('，') : T.account.noLinks], [T.account.totp, a?.totp ? T.account.totpOn : T.account.totpOff]]))}
${a?.totp ? '' : html`<form method="post" action="${BASE}/account/totp">${csrfField(req)}<button type="submit" class="secondary">${T.account.totpStart}</button></form>`}
${section(T.account.submit, html`<form method="post" action="${BASE}/account/password">${csrfField(req)}
${field({ label: T.account.current, name: 'current', type: 'password', required: true, autocomplete: 'current-password' })}
${field({ label: T.account.next, name: 'password', type: 'password', required: true, autocomplete: 'new-password' })}
${field({ label: T.account.repeat, name: 'repeat', type: 'password', required: true, autocomplete: 'new-password' })}
<button type="submit">${T.account.submit}</button></form>`)}`;
  return { kind: 'page' as const, title: T.account.title, body, ...(status ? { status } : {}) };
}

async function auditPage(deps: CoreDeps, req: ConsoleRequest) {
  const q = req.query;
  const want = { actor: (q['actor'] ?? '').trim(), action: (q['action'] ?? '').trim(), target: (q['target'] ?? '').trim(), from: q['from'] ?? '', to: q['to'] ?? '' };
  const entries = await deps.audit.recent(AUDIT_SCAN);
  const hit = (e: AuditEntry) =>
    (!want.actor || e.actor.includes(want.actor)) &&
    (!want.action || e.action.includes(want.action)) &&
    (!want.target || e.target.includes(want.target)) &&
    (!want.from || chinaDate(e.at) >= want.from) &&
    (!want.to || chinaDate(e.at) <= want.to);
  const found = entries.filter(hit);
  const pages = Math.max(1, Math.ceil(found.length / AUDIT_PAGE));
  const page = Math.min(pageOf(q), pages);
  const shown = found.slice((page - 1) * AUDIT_PAGE, page * AUDIT_PAGE);
  const change = (e: AuditEntry) => (e.before === undefined && e.after === undefined ? '' : `${JSON.stringify(e.before ?? null)} → ${JSON.stringify(e.after ?? null)}`);
  const A = T.audit;
  const body = html`<form class="filters card" method="get" action="${BASE}/audit">
${field({ label: A.actor, name: 'actor', value: want.actor, type: 'search' })}${field({ label: A.action, name: 'action', value: want.action, type: 'search' })}
${field({ label: A.target, name: 'target', value: want.target, type: 'search' })}${field({ label: A.from, name: 'from', value: want.from, type: 'date' })}
${field({ label: A.to, name: 'to', value: want.to, type: 'date' })}<button type="submit">${A.filter}</button></form>
<p class="muted">${A.scanned(entries.length)}</p>
${table(A.headers, shown.map((e) => [html`<span class="nowrap">${formatChinaTime(e.at)}</span>`, e.actor, e.action, e.target, change(e), e.note ?? '']), A.empty)}
${pager(`${BASE}/audit`, Object.fromEntries(Object.entries(want).filter(([, v]) => v)), page, pages, T.pager)}`;
  return { kind: 'page' as const, title: A.title, body };
}

async function groupsPage(deps: CoreDeps, accounts: AccountStore, req: ConsoleRequest) {
  const G = T.groups;
  const groups = await deps.groups.list(500, req.actor.log);
  const linked = await accounts.list(req.actor.log);
  const roleRows = [
    ...deps.config.BOT_ADMINS.map((id) => [id, T.roles['admin'], G.fromConfig]),
    ...deps.config.BOT_STAFF.map((id) => [id, T.roles['staff'], G.fromConfig]),
    ...linked.filter((a) => !a.disabled).flatMap((a) => [[`console:${a.name}`, T.roles[a.role], G.fromAccount(a.name)], ...a.links.map((l) => [l, T.roles[a.role], G.fromAccount(a.name)])]),
  ];
  const body = html`${section(G.groupsTitle, table(G.headers, groups.map((g) => [g.name || G.unnamed, G.platforms[g.platform] ?? g.platform, g.chatId, formatChinaTime(new Date(g.lastSeenAt).toISOString())]), G.empty))}
${section(G.rolesTitle, table(G.roleHeaders, roleRows, ''))}`;
  return { kind: 'page' as const, title: G.title, body };
}
