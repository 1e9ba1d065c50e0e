/**
 * 活动 in the web console: the list, create and edit with the same field rules as chat (fields.ts via the
 * service's operations), the roster with search and check-in of several people at once, close/reopen, and
 * cancel after a confirmation. Every action is an EventService operation, the same the chat commands call.
 */
import type { Actor } from '../../src/core/actor.ts';
import { csrfField, formValue, formValues, type ConsoleRequest, type ConsoleResult, type ConsoleSection } from '../../src/core/console.ts';
import { GroupDirectory } from '../../src/core/groups.ts';
import { toCsv } from '../../src/kit/csv.ts';
import { facts, field, notice, pageOf, pager, pagesOf, section, table } from '../../src/kit/console-ui.ts';
import { CORE_TEXT } from '../../src/core/texts.ts';
import { html, type Html } from '../../src/kit/html.ts';
import { formatIso } from '../../src/kit/time.ts';
import { EDITABLE_FIELDS, FIELD_RULES, type EditableField, type FieldValues } from './fields.ts';
import type { EventDef } from './model.ts';
import type { EventService } from './service.ts';
import { CONSOLE as C, FIELD_ERRORS } from './texts.ts';
import { parseFieldSpec } from './util.ts';

const BASE = '/console/events';
const ID = /^\d{1,12}$/;

/** A field's value as the edit form shows it (and the rules read it back). */
function shown(ev: FieldValues, f: EditableField): string {
  const v = ev[f];
  return typeof v === 'number' ? (f === 'capacity' ? String(v) : formatIso(v)) : v;
}

export function eventsConsole(svc: EventService): ConsoleSection {
  return {
    nav: [{ path: '/events', label: C.nav, role: 'staff', order: 20 }],
    async overview(actor) {
      if (!actor.roles.has('staff')) return null;
      const now = Date.now();
      const upcoming = (await svc.allEvents(actor)).filter((e) => e.event.status !== 'cancelled' && e.event.startAt > now).sort((a, b) => a.event.startAt - b.event.startAt);
      return {
        title: C.overviewTitle,
        count: upcoming.length,
        href: '/events',
        lines: upcoming.slice(0, 5).map((e) => html`<a href="${BASE}/${e.event.id}">${C.overviewLine(e.event.title, formatIso(e.event.startAt), e.counts.registered, e.event.capacity)}</a>`),
        order: 30,
      };
    },
    pages: [
      { method: 'GET', path: '/events', role: 'staff', handle: (req) => listPage(svc, req) },
      { method: 'GET', path: '/events/new', role: 'staff', handle: (req) => newPage(svc, req) },
      { method: 'POST', path: '/events/new', role: 'staff', handle: (req) => create(svc, req) },
      { method: 'GET', path: '/events/:id', role: 'staff', handle: (req) => eventPage(svc, req) },
      { method: 'POST', path: '/events/:id/edit', role: 'staff', handle: (req) => edit(svc, req) },
      { method: 'POST', path: '/events/:id/checkin', role: 'staff', handle: (req) => checkIn(svc, req) },
      { method: 'POST', path: '/events/:id/status', role: 'staff', handle: (req) => setStatus(svc, req) },
      { method: 'POST', path: '/events/:id/cancel', role: 'staff', handle: (req) => cancel(svc, req) },
      {
        method: 'GET',
        path: '/events/:id/roster.csv',
        role: 'staff',
        async handle(req) {
          const r = await svc.roster(req.actor, req.params['id'] ?? '');
          if (r.outcome !== 'ok') return { kind: 'not-found' };
          return { kind: 'file', name: `名单_${r.event.title}.csv`, mimeType: 'text/csv; charset=utf-8', data: toCsv(r.rows), inline: false };
        },
      },
    ],
  };
}

async function listPage(svc: EventService, req: ConsoleRequest): Promise<ConsoleResult> {
  const all = await svc.allEvents(req.actor);
  const rows = await Promise.all(
    all.map(async ({ event: e, counts }) => {
      const checked = (await svc.store.counts(e.id)).checkedIn;
      return [e.id, html`<a href="${BASE}/${e.id}">${e.title}</a>`, formatIso(e.startAt), e.place, C.status[e.status], `${counts.registered}/${e.capacity}`, counts.waitlisted, checked];
    }),
  );
  const body = html`<p class="actions"><a class="button" href="${BASE}/new">${C.newEvent}</a></p>${table(C.headers, rows, C.empty)}`;
  return { kind: 'page', title: C.title, body };
}

// ---------------------------------------------------------------- create

async function newPage(svc: EventService, req: ConsoleRequest, typed: Record<string, string> = {}, errors: Partial<Record<string, string>> = {}, status?: number): Promise<ConsoleResult> {
  const groups = await svc.knownGroups(req.actor);
  const chosen = new Set(formValues(req, 'groups'));
  const err = (k: string) => (errors[k] ? html`<div class="notice error" role="alert">${errors[k]}</div>` : '');
  const body = html`${Object.keys(errors).length ? notice('error', Object.values(errors).join(' ')) : ''}
<form class="card" method="post" action="${BASE}/new">${csrfField(req)}<p class="muted">${C.fieldHint}</p>
${EDITABLE_FIELDS.map((f) => html`${err(f)}${field({ label: C.fields[f], name: f, type: f === 'description' ? 'textarea' : 'text', value: typed[f] ?? (f === 'deadline' ? '默认' : ''), required: f === 'title' || f === 'startAt' || f === 'endAt' || f === 'capacity', id: `ev-${f}` })}`)}
${err('collect')}${field({ label: C.collect, name: 'collect', value: typed['collect'] ?? '默认', id: 'ev-collect' })}
<fieldset><legend>${C.groups}</legend>${groups.length ? groups.map((g, i) => field({ label: g.name || `${g.address.platform}:${g.address.chatId}`, name: 'groups', type: 'checkbox', value: `${g.address.platform}:${g.address.chatId}`, checked: chosen.has(`${g.address.platform}:${g.address.chatId}`), id: `ev-group-${i}` })) : html`<p class="muted">${C.noGroups}</p>`}</fieldset>
<p><button type="submit">${C.publish}</button></p></form>`;
  return { kind: 'page', title: C.newEvent, body, ...(status ? { status } : {}) };
}

async function create(svc: EventService, req: ConsoleRequest): Promise<ConsoleResult> {
  const now = req.now.getTime();
  const typed = Object.fromEntries([...EDITABLE_FIELDS, 'collect'].map((f) => [f, formValue(req, f).slice(0, 600)]));
  const errors: Record<string, string> = {};
  const values: Partial<FieldValues> = {};
  // The start first: the end and the deadline are read against it, as in the chat wizard.
  const start = FIELD_RULES.startAt(typed['startAt'] ?? '', { now, startAt: now });
  const startAt = start.ok ? start.value : now;
  for (const f of EDITABLE_FIELDS) {
    const r = FIELD_RULES[f](typed[f] ?? '', { now, startAt });
    if (r.ok) (values as Record<string, unknown>)[f] = r.value;
    else errors[f] = `${C.fields[f]}：${FIELD_ERRORS[r.error].replace(/[:：]$/, '')}`;
  }
  const collect = parseFieldSpec(typed['collect'] || '默认');
  if (!collect.ok) errors['collect'] = C.badCollect(collect.bad);
  const known = await svc.knownGroups(req.actor);
  const groups = formValues(req, 'groups').flatMap((v) => known.filter((g) => `${g.address.platform}:${g.address.chatId}` === v).map((g) => GroupDirectory.address({ platform: g.address.platform, chatId: g.address.chatId })));
  if (Object.keys(errors).length || !collect.ok) return newPage(svc, req, typed, errors, 400);
  const r = await svc.createEvent(req.actor, { ...(values as FieldValues), groups, fields: collect.fields });
  if (r.outcome === 'invalid') return newPage(svc, req, typed, { [r.field]: `${C.fields[r.field]}：${FIELD_ERRORS[r.error]}` }, 400);
  return { kind: 'redirect', to: `${BASE}/${r.event.id}?published=${r.announcedGroups}` };
}

// ---------------------------------------------------------------- one event

async function eventPage(svc: EventService, req: ConsoleRequest, message?: Html, cancelPanel?: Html, status?: number): Promise<ConsoleResult> {
  const id = req.params['id'] ?? '';
  if (!ID.test(id)) return { kind: 'not-found' };
  const ev = await svc.findEvent(id, req.actor.log);
  if (!ev) return { kind: 'not-found' };
  const published = req.query['published'];
  return { kind: 'page', title: C.eventTitle(ev.title), body: html`${published !== undefined ? notice('ok', C.published(ev.id, Number(published) || 0)) : ''}${message ?? ''}
<div class="two"><div>
${await rosterBox(svc, req.actor, ev, rosterViewOf(req), req)}
</div><div>
${section(C.details, facts([[C.fields.startAt, formatIso(ev.startAt)], [C.fields.endAt, formatIso(ev.endAt)], [C.fields.place, ev.place], [C.fields.capacity, String(ev.capacity)], [C.statusLabel, C.status[ev.status]]]))}
${ev.status === 'cancelled' ? notice('info', C.isCancelled) : html`${editForm(req, ev)}${statusForms(req, ev)}<div id="cancel">${cancelPanel ?? cancelForm(req, ev)}</div>`}
</div></div>`, ...(status ? { status } : {}) };
}

/** People on one page of an event's roster: a union-wide event holds thousands. */
const ROSTER_PAGE_SIZE = 50;

/** The roster's page and search: from the address, or from the check-in form, which carries them (a check-in stays where it was made). */
const rosterViewOf = (req: ConsoleRequest): { q: string; page: number } => ({
  q: (formValue(req, 'q') || req.query['q'] || '').trim(),
  page: pageOf({ page: formValue(req, 'page') || req.query['page'] || '' }),
});

async function rosterBox(svc: EventService, actor: Actor, ev: EventDef, view: { q: string; page: number }, req: ConsoleRequest, results?: Html): Promise<Html> {
  const { q, page } = view;
  const r = await svc.rosterPage(actor, ev.id, { page, size: ROSTER_PAGE_SIZE, query: q });
  if (r.outcome !== 'ok') return html``;
  // Registered rows start with their seat number: those can be ticked for check-in.
  const pick = (row: string[]) => (/^\d+$/.test(row[0] ?? '') ? field({ label: C.pick(row[2] ?? ''), name: 'seat', type: 'checkbox', value: row[0] ?? '', id: `seat-${row[0] ?? ''}`, hideLabel: true }) : '');
  return section(
    C.roster,
    html`<div id="roster">${results ?? ''}<p>${C.counts(r.counts.checkedIn, r.counts.registered)}</p>
<form class="filters" method="get" action="${BASE}/${ev.id}">${field({ label: C.rosterSearch, name: 'q', type: 'search', value: q, id: 'roster-q' })}<button type="submit" class="secondary">${C.search}</button></form>
<form method="post" action="${BASE}/${ev.id}/checkin" hx-post="${BASE}/${ev.id}/checkin" hx-target="#roster" hx-swap="outerHTML">${csrfField(req)}<input type="hidden" name="q" value="${q}"><input type="hidden" name="page" value="${String(page)}">
${table(['', ...r.header.slice(0, -1)], r.rows.map((row) => [pick(row), ...row.slice(0, -1)]), C.empty)}
${field({ label: C.checkInTyped, name: 'names', id: 'checkin-names' })}
<div class="actions"><button type="submit" id="checkin">${C.checkIn}</button><a href="${BASE}/${ev.id}/roster.csv">${C.exportRoster}</a></div></form>
${pager(`${BASE}/${ev.id}`, q ? { q } : {}, page, pagesOf(r.total, ROSTER_PAGE_SIZE), CORE_TEXT.pager)}</div>`,
  );
}

function editForm(req: ConsoleRequest, ev: EventDef): Html {
  return section(
    C.edit,
    html`<form method="post" action="${BASE}/${ev.id}/edit">${csrfField(req)}<p class="muted">${C.fieldHint}</p>
${EDITABLE_FIELDS.map((f) => field({ label: C.fields[f], name: f, type: f === 'description' ? 'textarea' : 'text', value: shown(ev, f), id: `edit-${f}` }))}
<button type="submit">${C.save}</button></form>`,
  );
}

function statusForms(req: ConsoleRequest, ev: EventDef): Html {
  const to = ev.status === 'open' ? 'close' : 'reopen';
  return html`<form method="post" action="${BASE}/${ev.id}/status" class="actions">${csrfField(req)}<input type="hidden" name="to" value="${to}"><button type="submit" class="secondary">${to === 'close' ? C.close : C.reopen}</button></form>`;
}

function cancelForm(req: ConsoleRequest, ev: EventDef, reason = ''): Html {
  return html`<form method="post" action="${BASE}/${ev.id}/cancel" hx-post="${BASE}/${ev.id}/cancel" hx-target="#cancel">${csrfField(req)}
${field({ label: C.cancelReason, name: 'reason', value: reason, required: true, id: 'cancel-reason' })}<button type="submit" class="danger" id="cancel-event">${C.cancel}</button></form>`;
}

async function edit(svc: EventService, req: ConsoleRequest): Promise<ConsoleResult> {
  const id = req.params['id'] ?? '';
  const ev = await svc.findEvent(id, req.actor.log);
  if (!ev) return { kind: 'not-found' };
  const changed: string[] = [];
  const problems: string[] = [];
  let notified = 0;
  let over: number | null = null;
  // The start first (it moves the end and may pull the deadline), then the rest against the event as it is then.
  for (const f of ['startAt', ...EDITABLE_FIELDS.filter((x) => x !== 'startAt')] as EditableField[]) {
    const cur = await svc.findEvent(id, req.actor.log);
    if (!cur) return { kind: 'not-found' };
    const typed = formValue(req, f).trim();
    if (typed === shown(cur, f) || (f !== 'description' && f !== 'place' && typed === '') || typed === shown(ev, f)) continue;
    const r = await svc.editEvent(req.actor, id, f, typed);
    if (r.outcome === 'invalid') problems.push(`${C.fields[f]}：${FIELD_ERRORS[r.error].replace(/[:：]$/, '')}`);
    else if (r.outcome === 'edited') {
      changed.push(C.fields[f]);
      notified += r.notified;
      over = r.overCapacity ?? over;
    } else if (r.outcome === 'cancelled') problems.push(C.isCancelled);
  }
  const message = html`${problems.length ? notice('error', problems.join(' ')) : ''}${notice('ok', C.saved(changed, notified))}${over ? notice('warn', C.overCapacity(over)) : ''}`;
  return eventPage(svc, req, message, undefined, problems.length ? 400 : undefined);
}

async function checkIn(svc: EventService, req: ConsoleRequest): Promise<ConsoleResult> {
  const id = req.params['id'] ?? '';
  const ev = await svc.findEvent(id, req.actor.log);
  if (!ev) return { kind: 'not-found' };
  const text = [...formValues(req, 'seat'), formValue(req, 'names')].join(' ').trim();
  const r = text ? await svc.checkInAll(req.actor, id, text) : null;
  const lines = r?.outcome === 'done' ? r.results.map((x) => (C.checkResults[x.outcome] ?? ((n: string) => n))('name' in x ? x.name : x.query)) : [];
  const results = lines.length ? notice('ok', html`<ul>${lines.map((l) => html`<li>${l}</li>`)}</ul>`) : '';
  // A plain form post gets the whole page; htmx swaps the roster, at the page and search the check-in was made on.
  if (!req.partial) return eventPage(svc, req, results || undefined);
  return { kind: 'fragment', title: C.eventTitle(ev.title), body: html`${await rosterBox(svc, req.actor, ev, rosterViewOf(req), req, results || undefined)}` };
}

async function setStatus(svc: EventService, req: ConsoleRequest): Promise<ConsoleResult> {
  const id = req.params['id'] ?? '';
  const r = formValue(req, 'to') === 'close' ? await svc.closeEvent(req.actor, id) : await svc.reopenEvent(req.actor, id);
  if (r.outcome === 'missing') return { kind: 'not-found' };
  const done = r.outcome === 'closed' ? C.closed : r.outcome === 'reopened' ? C.reopened : C.notChanged;
  return eventPage(svc, req, notice('ok', done));
}

async function cancel(svc: EventService, req: ConsoleRequest): Promise<ConsoleResult> {
  const id = req.params['id'] ?? '';
  const reason = formValue(req, 'reason').trim().slice(0, 200);
  const preview = await svc.cancelPreview(req.actor, id);
  if (preview.outcome === 'missing') return { kind: 'not-found' };
  const answer = (panel: Html): Promise<ConsoleResult> | ConsoleResult => (req.partial ? { kind: 'fragment', title: C.cancel, body: panel } : eventPage(svc, req, undefined, panel));
  if (preview.outcome === 'already-cancelled') return eventPage(svc, req, notice('info', C.isCancelled));
  if (!reason) return answer(html`${notice('error', C.needReason)}${cancelForm(req, preview.event)}`);
  if (formValue(req, 'confirmed') !== '1') {
    return answer(html`${notice('warn', C.cancelConfirm(preview.event.title, preview.people, preview.groups))}
<form method="post" action="${BASE}/${id}/cancel">${csrfField(req)}<input type="hidden" name="reason" value="${reason}"><input type="hidden" name="confirmed" value="1">
<div class="actions"><button type="submit" class="danger" id="cancel-confirm">${C.confirm}</button><a href="${BASE}/${id}">${C.back}</a></div></form>`);
  }
  const r = await svc.cancelEvent(req.actor, id, reason);
  if (r.outcome === 'missing') return { kind: 'not-found' };
  return { kind: 'redirect', to: `${BASE}/${id}?cancelled=${r.outcome === 'cancelled' ? r.notified : 0}` };
}
