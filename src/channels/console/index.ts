/**
 * The web console's HTTP shell at /console/: sign-in (argon2id, throttled per account and per IP, optional
 * TOTP), sessions in Redis, a session-bound CSRF token checked on every POST, role checks per page (refusals
 * audited), and the layout. The pages themselves come from the services (ServiceRuntime.console) and from
 * core-pages.ts; they call the services' operations with the account as the Actor, so every action is audited
 * under `console:<account>`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import type { Engine } from '../../app/engine.ts';
import { ForbiddenError, type Actor } from '../../core/actor.ts';
import { consoleActorKey, CSRF_FIELD, type ConsoleNavItem, type ConsolePage, type ConsoleRequest, type ConsoleResult, type ConsoleSection } from '../../core/console.ts';
import { loadEncryptionKey, FieldCipher } from '../../core/crypto.ts';
import type { Role } from '../../core/service.ts';
import { field, notice } from '../../kit/console-ui.ts';
import { html, type Html } from '../../kit/html.ts';
import { accountAdminSection } from './account-admin.ts';
import { AccountStore, type Account } from './accounts.ts';
import { coreSection } from './core-pages.ts';
import { BASE, documentPage, type Viewer } from './layout.ts';
import { LoginThrottle, sameToken, SessionStore, type ConsoleSession } from './sessions.ts';
import { CONSOLE_CSS } from './style.ts';
import { CONSOLE_TEXT as T } from './texts.ts';
import { matchTotp } from './totp.ts';
import { pathOf } from '../http/server.ts';

const FORM_BODY_LIMIT = 256 * 1024;
const COOKIE = 'ua_console';

type Form = Record<string, string | string[]>;

export function parseForm(body: string): Form {
  const out: Form = {};
  for (const [k, v] of new URLSearchParams(body)) {
    const cur = out[k];
    out[k] = cur === undefined ? v : Array.isArray(cur) ? [...cur, v] : [cur, v];
  }
  return out;
}

function cookieOf(req: FastifyRequest, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/** Account stores for the shell and the CLI, on the engine's Redis and data key. */
export function accountStore(engine: Pick<Engine, 'deps'>): AccountStore {
  const { config, logger, redis, keys } = engine.deps;
  return new AccountStore(redis, keys, new FieldCipher(loadEncryptionKey(config, logger)), logger);
}

export function registerConsole(http: FastifyInstance, engine: Engine): void {
  const { deps } = engine;
  const { config, redis, keys, logger, audit } = deps;
  const accounts = accountStore(engine);
  const sessions = new SessionStore(redis, keys, logger, config.CONSOLE_SESSION_IDLE_MINUTES * 60, config.CONSOLE_SESSION_MAX_HOURS * 3600_000);
  const throttle = new LoginThrottle(redis, keys, { perAccount: config.CONSOLE_LOGIN_FAILURES_PER_ACCOUNT, perIp: config.CONSOLE_LOGIN_FAILURES_PER_IP, windowSeconds: config.CONSOLE_LOGIN_LOCK_MINUTES * 60 });
  const secure = config.CONSOLE_COOKIE_SECURE ?? config.NODE_ENV === 'production';
  const sections: ConsoleSection[] = [];
  sections.push(coreSection(deps, accounts, sessions, () => sections), accountAdminSection(deps, accounts, sessions), ...engine.console);
  const nav: ConsoleNavItem[] = sections.flatMap((s) => s.nav).sort((a, b) => a.order - b.order);
  const htmx = readFileSync(createRequire(import.meta.url).resolve('htmx.org/dist/htmx.min.js'), 'utf8');
  const now = () => deps.now();

  const setCookie = (reply: FastifyReply, token: string | null) =>
    reply.header('set-cookie', `${COOKIE}=${token ?? ''}; Path=${BASE}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}${token ? '' : '; Max-Age=0'}`);
  const html200 = (reply: FastifyReply, page: string, status = 200) =>
    reply.code(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(page);
  const loginPage = (reply: FastifyReply, csrf: string, message?: Html, status = 200) =>
    html200(
      reply,
      documentPage(
        T.login.title,
        html`<div class="login card"><h1>${T.brand}</h1>${message ?? ''}<form method="post" action="${BASE}/login"><input type="hidden" name="${CSRF_FIELD}" value="${csrf}">
${field({ label: T.login.username, name: 'username', required: true, autocomplete: 'username', id: 'username' })}
${field({ label: T.login.password, name: 'password', type: 'password', required: true, autocomplete: 'current-password', id: 'password' })}
<button type="submit">${T.login.submit}</button></form></div>`,
      ),
      status,
    );
  const totpPage = (reply: FastifyReply, csrf: string, message?: Html, status = 200) =>
    html200(
      reply,
      documentPage(
        T.login.totpTitle,
        html`<div class="login card"><h1>${T.login.totpTitle}</h1>${message ?? ''}<form method="post" action="${BASE}/login/totp"><input type="hidden" name="${CSRF_FIELD}" value="${csrf}">
${field({ label: T.login.totpLabel, name: 'code', required: true, autocomplete: 'one-time-code', inputmode: 'numeric', id: 'code' })}
<button type="submit">${T.login.totpSubmit}</button></form></div>`,
      ),
      status,
    );
  const csrfOk = (req: FastifyRequest, session: ConsoleSession) => {
    const body = (req.body ?? {}) as Form;
    const sent = body[CSRF_FIELD] ?? req.headers['x-csrf-token'];
    return typeof sent === 'string' && sameToken(sent, session.csrf);
  };
  const refuseCsrf = async (req: FastifyRequest, reply: FastifyReply, who: string) => {
    await audit.record({ actor: who, action: 'console.csrf_refused', target: pathOf(req.url), at: now() });
    return html200(reply, documentPage(T.login.title, notice('error', T.csrf)), 403);
  };

  http.register(
    async (app) => {
      app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_req, body, done) => done(null, parseForm(String(body))));

      app.get('/static/htmx.min.js', async (_req, reply) => reply.header('content-type', 'text/javascript; charset=utf-8').header('cache-control', 'public, max-age=86400').send(htmx));
      app.get('/static/console.css', async (_req, reply) => reply.header('content-type', 'text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(CONSOLE_CSS));

      // ---- sign-in ----
      app.get('/login', async (req, reply) => {
        const cur = await sessions.get(cookieOf(req, COOKIE), now().getTime(), req.log);
        if (cur?.stage === 'in') return reply.redirect(`${BASE}/`, 303);
        const { token, session } = await sessions.create('anon', undefined, now().getTime());
        setCookie(reply, token);
        const q = req.query as Record<string, string>;
        const message = q['out'] ? notice('ok', T.login.loggedOut) : q['changed'] ? notice('ok', T.account.changed) : q['idle'] ? notice('info', T.login.idle) : undefined;
        return loginPage(reply, session.csrf, message);
      });

      app.post('/login', async (req, reply) => {
        const token = cookieOf(req, COOKIE);
        const anon = await sessions.get(token, now().getTime(), req.log);
        if (!anon || anon.stage !== 'anon' || !token) {
          const fresh = await sessions.create('anon', undefined, now().getTime());
          setCookie(reply, fresh.token);
          return loginPage(reply, fresh.session.csrf, notice('warn', T.login.expired), 403);
        }
        if (!csrfOk(req, anon)) return refuseCsrf(req, reply, 'console:?');
        const body = req.body as Form;
        const name = String(body['username'] ?? '').trim().toLowerCase().slice(0, 64);
        const password = String(body['password'] ?? '');
        const ip = req.ip;
        if (await throttle.blocked(name, ip)) {
          await audit.record({ actor: consoleActorKey(name || '?'), action: 'console.login_throttled', target: name || '?', note: `ip ${ip}`, at: now() });
          return loginPage(reply, anon.csrf, notice('error', T.login.throttled), 429);
        }
        const account = await accounts.verify(name, password, req.log);
        if (!account) {
          await throttle.failed(name, ip);
          await audit.record({ actor: consoleActorKey(name || '?'), action: 'console.login_failed', target: name || '?', note: `ip ${ip}`, at: now() });
          return loginPage(reply, anon.csrf, notice('error', T.login.wrong), 401);
        }
        await sessions.destroy(token);
        if (account.totp) {
          const next = await sessions.create('totp', account.name, now().getTime());
          setCookie(reply, next.token);
          return reply.redirect(`${BASE}/login/totp`, 303);
        }
        return signIn(reply, account, ip);
      });

      const signIn = async (reply: FastifyReply, account: Account, ip: string) => {
        await throttle.succeeded(account.name);
        const next = await sessions.create('in', account.name, now().getTime());
        setCookie(reply, next.token);
        await audit.record({ actor: consoleActorKey(account.name), action: 'console.login', target: account.name, note: `ip ${ip}`, at: now() });
        return reply.redirect(account.mustChangePassword ? `${BASE}/account` : `${BASE}/`, 303);
      };

      app.get('/login/totp', async (req, reply) => {
        const s = await sessions.get(cookieOf(req, COOKIE), now().getTime(), req.log);
        if (s?.stage !== 'totp') return reply.redirect(`${BASE}/login`, 303);
        return totpPage(reply, s.csrf);
      });

      app.post('/login/totp', async (req, reply) => {
        const token = cookieOf(req, COOKIE);
        const s = await sessions.get(token, now().getTime(), req.log);
        if (!token || s?.stage !== 'totp' || !s.account) return reply.redirect(`${BASE}/login`, 303);
        if (!csrfOk(req, s)) return refuseCsrf(req, reply, consoleActorKey(s.account));
        const account = await accounts.get(s.account, req.log);
        const secret = account ? accounts.totpSecret(account) : null;
        if (!account || !secret || account.disabled) return reply.redirect(`${BASE}/login`, 303);
        if (await throttle.blocked(account.name, req.ip)) return totpPage(reply, s.csrf, notice('error', T.login.throttled), 429);
        const step = matchTotp(secret, String((req.body as Form)['code'] ?? ''), now().getTime());
        // A code works once: a replayed (observed) code is refused.
        const fresh = step !== null && (await redis.set(keys.tagged('console', 'totp-used', account.name, step), '1', 'EX', 120, 'NX')) === 'OK';
        if (!fresh) {
          await throttle.failed(account.name, req.ip);
          await audit.record({ actor: consoleActorKey(account.name), action: 'console.totp_failed', target: account.name, at: now() });
          return totpPage(reply, s.csrf, notice('error', T.login.totpWrong), 401);
        }
        await sessions.destroy(token);
        return signIn(reply, account, req.ip);
      });

      // ---- signed-in pages ----
      /** The signed-in viewer, or null after answering (redirect to sign-in, CSRF refusal). */
      const viewerOf = async (req: FastifyRequest, reply: FastifyReply): Promise<(Viewer & { session: ConsoleSession; token: string; account: string; identities: string[]; roles: Set<Role>; mustChange: boolean }) | null> => {
        const token = cookieOf(req, COOKIE);
        const session = await sessions.get(token, now().getTime(), req.log);
        const account = session?.stage === 'in' && session.account ? await accounts.get(session.account, req.log) : null;
        if (!token || !session || !account || account.disabled) {
          const to = `${BASE}/login${token ? '?idle=1' : ''}`;
          if (req.headers['hx-request']) await reply.header('hx-redirect', to).code(204).send();
          else await reply.redirect(to, 303);
          return null;
        }
        const roles = new Set<Role>(account.role === 'admin' ? ['admin', 'staff'] : ['staff']);
        // Its operations log through the request's log, which carries the request id.
        const actor: Actor = { key: consoleActorKey(account.name), roles, log: req.log };
        if (req.method === 'POST' && !csrfOk(req, session)) {
          await refuseCsrf(req, reply, actor.key);
          return null;
        }
        return { actor, account: account.name, identities: account.links, role: T.roles[account.role] ?? account.role, csrfToken: session.csrf, session, token, roles, mustChange: account.mustChangePassword };
      };

      app.post('/logout', async (req, reply) => {
        const v = await viewerOf(req, reply);
        if (!v) return reply;
        await sessions.destroy(v.token);
        await audit.record({ actor: v.actor.key, action: 'console.logout', target: v.account, at: now() });
        setCookie(reply, null);
        return reply.redirect(`${BASE}/login?out=1`, 303);
      });

      const render = async (req: FastifyRequest, reply: FastifyReply, v: Viewer, path: string, result: ConsoleResult) => {
        const partial = Boolean(req.headers['hx-request']) && !req.headers['hx-boosted'];
        const full = async (title: string, body: Html, status = 200) => {
          const items = await Promise.all(
            nav.filter((i) => v.actor.roles.has(i.role)).map(async (item) => ({ item, badge: item.badge ? await item.badge(v.actor).catch(() => 0) : 0 })),
          );
          return html200(reply, documentPage(title, body, { ...v, nav: items, path }), status);
        };
        switch (result.kind) {
          case 'page':
            return full(result.title, result.body, result.status);
          case 'fragment':
            return partial ? html200(reply, result.body.value, result.status) : full(result.title, result.body, result.status);
          case 'redirect':
            if (partial) return reply.header('hx-redirect', result.to).code(204).send();
            return reply.redirect(result.to, 303);
          case 'not-found':
            return full(T.notFound, notice('warn', T.notFound), 404);
          case 'file': {
            const disposition = `${result.inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(result.name)}`;
            reply.header('content-type', result.mimeType).header('content-disposition', disposition).header('cache-control', 'no-store');
            // A document previewed in a frame of the claim page: framing by this origin only, nothing else loads.
            if (result.inline) reply.header('content-security-policy', "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'").header('x-frame-options', 'SAMEORIGIN');
            return reply.send(result.data);
          }
        }
      };

      const mount = (page: ConsolePage) => {
        app.route({
          method: page.method,
          url: page.path,
          handler: async (req, reply) => {
            const v = await viewerOf(req, reply);
            if (!v) return reply;
            const path = page.path === '/' ? '/' : pathOf(req.url).slice(BASE.length);
            if (v.mustChange && !path.startsWith('/account')) return reply.redirect(`${BASE}/account`, 303);
            if (!v.roles.has(page.role)) {
              await audit.record({ actor: v.actor.key, action: 'refused', target: `console${path}`, note: `needs ${page.role}`, at: now() });
              return render(req, reply, v, path, { kind: 'page', title: T.forbidden, body: notice('error', T.forbidden), status: 403 });
            }
            const request: ConsoleRequest = {
              actor: v.actor,
              account: v.account,
              identities: v.identities,
              params: (req.params ?? {}) as Record<string, string>,
              query: Object.fromEntries(Object.entries((req.query ?? {}) as Record<string, unknown>).map(([k, val]) => [k, String(Array.isArray(val) ? val[0] : val)])),
              form: page.method === 'POST' ? ((req.body ?? {}) as Form) : {},
              csrfToken: v.csrfToken,
              partial: Boolean(req.headers['hx-request']) && !req.headers['hx-boosted'],
              now: now(),
            };
            try {
              return await render(req, reply, v, path, await page.handle(request));
            } catch (err) {
              if (err instanceof ForbiddenError) return render(req, reply, v, path, { kind: 'page', title: T.forbidden, body: notice('error', T.forbidden), status: 403 });
              if (err instanceof ZodError) return render(req, reply, v, path, { kind: 'page', title: T.badInput(''), body: notice('error', T.badInput(err.issues.map((i) => i.message).join('；'))), status: 400 });
              logger.error({ err, path: pathOf(req.url) }, 'console page failed');
              return render(req, reply, v, path, { kind: 'page', title: T.failed, body: notice('error', T.failed), status: 500 });
            }
          },
        });
      };
      for (const s of sections) for (const p of s.pages) mount(p);
    },
    { prefix: BASE },
  );
}
