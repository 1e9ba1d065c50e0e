/**
 * 工单 in the web console: open tickets, one ticket with its whole conversation (reading it is audited), a reply
 * that reaches the member in private chat, and closing. Every action is a TicketService operation, the same the
 * chat commands (/tickets, /ticket, /reply, /close) call.
 */
import { csrfField, formValue, type ConsoleRequest, type ConsoleResult, type ConsoleSection } from '../../src/core/console.ts';
import { facts, field, notice, pageOf, pager, pagesOf, section, table } from '../../src/kit/console-ui.ts';
import { CORE_TEXT } from '../../src/core/texts.ts';
import { html, type Html } from '../../src/kit/html.ts';
import { formatIso } from '../../src/kit/time.ts';
import type { TicketService } from './service.ts';
import { CONSOLE as C } from './texts.ts';

const BASE = '/console/tickets';
const TICKET_ID = /^[A-Za-z0-9-]{1,40}$/;
/** Open tickets per page, oldest first. */
const PAGE_SIZE = 20;

export function ticketsConsole(tickets: TicketService): ConsoleSection {
  return {
    nav: [{ path: '/tickets', label: C.nav, role: 'staff', order: 30, badge: (actor) => tickets.openCount(actor) }],
    async overview(actor) {
      if (!actor.roles.has('staff')) return null;
      const { tickets: open, total } = await tickets.openPage(actor, 1, 5);
      return { title: C.overviewTitle, count: total, href: '/tickets', lines: open.map((t) => html`<a href="${BASE}/${t.id}">${C.overviewLine(t.id, t.memberName)}</a>`), order: 20 };
    },
    pages: [
      {
        method: 'GET',
        path: '/tickets',
        role: 'staff',
        async handle(req) {
          const page = pageOf(req.query);
          const { tickets: open, total } = await tickets.openPage(req.actor, page, PAGE_SIZE);
          const rows = open.map((t) => {
            const last = t.history.at(-1);
            return [html`<a href="${BASE}/${t.id}">${t.id}</a>`, t.memberName, formatIso(Date.parse(t.createdAt)), (last?.text ?? '').slice(0, 60), t.history.length];
          });
          const closed = req.query['closed'];
          return { kind: 'page', title: C.title, body: html`${closed ? notice('ok', C.closed(closed)) : ''}<p>${C.openCount(total)}</p>${table(C.headers, rows, C.empty)}${pager(BASE, {}, page, pagesOf(total, PAGE_SIZE), CORE_TEXT.pager)}` };
        },
      },
      { method: 'GET', path: '/tickets/:id', role: 'staff', handle: (req) => ticketPage(tickets, req) },
      {
        method: 'POST',
        path: '/tickets/:id/reply',
        role: 'staff',
        async handle(req) {
          const text = formValue(req, 'text').trim().slice(0, 2000);
          if (!text) return ticketPage(tickets, req, notice('error', C.empty_reply), 400);
          const t = await tickets.reply(req.actor, req.params['id'] ?? '', text);
          return t ? { kind: 'redirect', to: `${BASE}/${t.id}?sent=1` } : { kind: 'not-found' };
        },
      },
      {
        method: 'POST',
        path: '/tickets/:id/close',
        role: 'staff',
        async handle(req) {
          const t = await tickets.close(req.actor, req.params['id'] ?? '');
          return t ? { kind: 'redirect', to: `${BASE}?closed=${encodeURIComponent(t.id)}` } : { kind: 'not-found' };
        },
      },
    ],
  };
}

async function ticketPage(tickets: TicketService, req: ConsoleRequest, message?: Html, status?: number): Promise<ConsoleResult> {
  const id = req.params['id'] ?? '';
  if (!TICKET_ID.test(id)) return { kind: 'not-found' };
  const t = await tickets.view(req.actor, id);
  if (!t) return { kind: 'not-found' };
  const turns = t.history.map(
    (turn) => html`<li class="${turn.from}"><span class="who">${turn.from === 'staff' && turn.by ? C.byStaff(turn.by) : C.who[turn.from]} · ${formatIso(turn.at)}</span>${turn.text}</li>`,
  );
  const body = html`${req.query['sent'] ? notice('ok', C.sent) : ''}${message ?? ''}
<div class="two"><div>${section(C.conversation, html`<ol class="conversation">${turns}</ol>`)}</div><div>
${section(C.ticketTitle(t.id), facts([[C.facts.member, t.memberName], [C.facts.status, C.status[t.status] ?? t.status], [C.facts.createdAt, formatIso(Date.parse(t.createdAt))], [C.facts.chat, C.chat[t.address.chatType] ?? '']]))}
${t.address.chatType === 'group' ? notice('info', C.inGroup) : ''}
${t.status === 'open'
    ? html`${section(C.reply, html`<form method="post" action="${BASE}/${t.id}/reply">${csrfField(req)}${field({ label: C.reply, name: 'text', type: 'textarea', required: true, id: 'reply-text' })}<button type="submit">${C.send}</button></form>`)}
<form method="post" action="${BASE}/${t.id}/close" class="actions">${csrfField(req)}<button type="submit" class="secondary">${C.close}</button></form>`
    : notice('info', C.isClosed)}
<p><a href="${BASE}">${C.back}</a></p></div></div>`;
  return { kind: 'page', title: C.ticketTitle(t.id), body, ...(status ? { status } : {}) };
}
