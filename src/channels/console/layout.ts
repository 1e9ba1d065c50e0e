/** The page around every console page: menu with badges, the signed-in account, sign-out. */
import type { Actor } from '../../core/actor.ts';
import type { ConsoleNavItem } from '../../core/console.ts';
import { html, type Html } from '../../kit/html.ts';
import { CONSOLE_TEXT as T } from './texts.ts';

export const BASE = '/console';
/** htmx must not inject or settle styles (the CSP allows none inline) nor evaluate code. */
const HTMX_CONFIG = '{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,"historyCacheSize":0,"attributesToSettle":["class","width","height"]}';

export interface Viewer {
  actor: Actor;
  account: string;
  role: string;
  csrfToken: string;
}

export function documentPage(title: string, body: Html, viewer?: Viewer & { nav: { item: ConsoleNavItem; badge: number }[]; path: string }): string {
  const head = html`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="htmx-config" content="${HTMX_CONFIG}"><title>${title} · ${T.brand}</title><link rel="stylesheet" href="${BASE}/static/console.css"><script src="${BASE}/static/htmx.min.js" defer></script></head>`;
  if (!viewer) return html`${head}<body><main>${body}</main></body></html>`.value;
  const current = (p: string) => (p === '/' ? viewer.path === '/' : viewer.path === p || viewer.path.startsWith(`${p}/`));
  const nav = viewer.nav.map(
    ({ item, badge }) =>
      html`<a href="${BASE}${item.path === '/' ? '/' : item.path}"${current(item.path) ? html` aria-current="page"` : ''}>${item.label}${badge > 0 ? html`<span class="badge" data-badge="${item.path}">${badge}</span>` : ''}</a>`,
  );
  return html`${head}<body hx-headers="${JSON.stringify({ 'x-csrf-token': viewer.csrfToken })}">
<header class="top"><a class="brand" href="${BASE}/">${T.brand}</a><nav class="main" aria-label="${T.brand}">${nav}</nav>
<div class="me"><a href="${BASE}/account">${viewer.account}（${viewer.role}）</a><form method="post" action="${BASE}/logout"><input type="hidden" name="_csrf" value="${viewer.csrfToken}"><button type="submit">${T.logout}</button></form></div></header>
<main id="main"><h1>${title}</h1>${body}</main></body></html>`.value;
}
