/**
 * 群发 in the web console: compose (text, audience, time) → preview (the operation's own preview) → send,
 * approval by another staff member, pause/resume/cancel, progress, and the per-target report of the latest
 * run with a confirmed resend of the targets a crash cut off mid-send; who subscribed to notices. Every action is a BroadcastService operation, the same the chat commands call.
 */
import { requireRole } from '../../src/core/actor.ts';
import type { ConsoleRequest, ConsoleResult, ConsoleSection } from '../../src/core/console.ts';
import { csrfField, formValue, formValues } from '../../src/core/console.ts';
import type { Address } from '../../src/core/message.ts';
import { facts, field, notice, pageOf, pager, pagesOf, section, table } from '../../src/kit/console-ui.ts';
import { CORE_TEXT } from '../../src/core/texts.ts';
import { html, type Html } from '../../src/kit/html.ts';
import { parseDateTime } from '../../src/kit/time.ts';
import { groupName, progressText, stateText, statusText, targetLabel, type BroadcastService, type Draft } from './service.ts';
import type { Audience, Schedule } from './store.ts';
import { AUDIENCE_WORDS, CONSOLE as C, WHEN_WORDS, scheduleText } from './texts.ts';

const BASE = '/console/broadcasts';
const BASE_SUBSCRIBERS = '/console/subscribers';
const MAX_TEXT = 2000;
const WHENS = ['now', 'at', 'daily', 'weekly'] as const;
type When = (typeof WHENS)[number];

type Typed = { text: string; audience: string; groups: string[]; when: string; at: string };

const typedOf = (req: ConsoleRequest): Typed => ({
  text: formValue(req, 'text').slice(0, MAX_TEXT),
  audience: formValue(req, 'audience'),
  groups: formValues(req, 'groups'),
  when: formValue(req, 'when') || 'now',
  at: formValue(req, 'at').slice(0, 50),
});

/** A console author is told in the chat linked to the account (else the web inbox of `console:<name>`). */
function authorChat(req: ConsoleRequest): Address {
  const [platform, ...rest] = (req.identities[0] ?? `web:console:${req.account}`).split(':');
  return { platform: platform as Address['platform'], chatId: rest.join(':'), chatType: 'private' };
}

export function broadcastsConsole(svc: BroadcastService): ConsoleSection {
  return {
    nav: [
      { path: '/broadcasts', label: C.nav, role: 'staff', order: 40 },
      { path: '/subscribers', label: C.subscribersNav, role: 'staff', order: 75 },
    ],
    async overview(actor) {
      if (!actor.roles.has('staff')) return null;
      const active = (await svc.list(actor, 20)).filter((p) => ['pending', 'scheduled', 'sending', 'paused'].includes(p.broadcast.status));
      return {
        title: C.overviewTitle,
        count: active.length,
        href: '/broadcasts',
        lines: active.slice(0, 5).map((p) => html`<a href="${BASE}/${p.broadcast.id}">${C.overviewLine(p.broadcast.id, statusText(p.broadcast.status), progressText(p.counts))}</a>`),
        order: 40,
      };
    },
    pages: [
      { method: 'GET', path: '/broadcasts', role: 'staff', handle: (req) => listPage(svc, req) },
      { method: 'POST', path: '/broadcasts/edit', role: 'staff', handle: (req) => listPage(svc, req, typedOf(req)) },
      { method: 'POST', path: '/broadcasts/preview', role: 'staff', handle: (req) => previewPage(svc, req) },
      { method: 'POST', path: '/broadcasts/send', role: 'staff', handle: (req) => send(svc, req) },
      { method: 'GET', path: '/broadcasts/:id', role: 'staff', handle: (req) => reportPage(svc, req) },
      { method: 'POST', path: '/broadcasts/:id/control', role: 'staff', handle: (req) => control(svc, req) },
      { method: 'GET', path: '/subscribers', role: 'staff', handle: (req) => subscribersPage(svc, req) },
    ],
  };
}

async function composeForm(svc: BroadcastService, req: ConsoleRequest, typed: Typed, errors: string[]): Promise<Html> {
  const options = await svc.audienceOptions(req.actor);
  const audiences: [string, string][] = [
    ['all-groups', AUDIENCE_WORDS.allGroups(options.groups.length)],
    ['groups', AUDIENCE_WORDS.groups],
    ['subscribers', AUDIENCE_WORDS.subscribers],
    ['staff', AUDIENCE_WORDS.staff],
    ...options.sources.flatMap((s) => s.choices.map((c): [string, string] => [`source:${s.kind}:${c.key}`, `${s.title}：${c.label}`])),
  ];
  const chosen = new Set(typed.groups);
  return section(
    C.compose,
    html`${errors.length ? notice('error', errors.join(' ')) : ''}<form method="post" action="${BASE}/preview">${csrfField(req)}
${field({ label: C.text, name: 'text', type: 'textarea', value: typed.text, required: true, id: 'bc-text' })}
${field({ label: C.audience, name: 'audience', type: 'select', value: typed.audience || 'all-groups', options: audiences, id: 'bc-audience' })}
<fieldset><legend>${C.groups}</legend>${options.groups.length ? options.groups.map((g, i) => field({ label: groupName(g), name: 'groups', type: 'checkbox', value: `${g.platform}:${g.chatId}`, checked: chosen.has(`${g.platform}:${g.chatId}`), id: `bc-group-${i}` })) : html`<p class="muted">${C.noGroups}</p>`}</fieldset>
${field({ label: C.when, name: 'when', type: 'select', value: typed.when, options: WHENS.map((w) => [w, WHEN_WORDS[w]] as const), id: 'bc-when' })}
${field({ label: C.at, name: 'at', value: typed.at, id: 'bc-at' })}
<button type="submit">${C.preview}</button></form>`,
  );
}

async function listPage(svc: BroadcastService, req: ConsoleRequest, typed?: Typed, errors: string[] = [], status?: number): Promise<ConsoleResult> {
  const list = await svc.list(req.actor, 20);
  const rows = list.map((p) => [
    html`<a href="${BASE}/${p.broadcast.id}">#${p.broadcast.id}</a>`,
    p.broadcast.text.slice(0, 40),
    svc.audienceLabel(p.broadcast.audience),
    scheduleText(p.broadcast.schedule.kind, p.broadcast.schedule.at, req.now.getTime()),
    statusText(p.broadcast.status),
    progressText(p.counts),
    p.broadcast.authorName,
  ]);
  const body = html`${await composeForm(svc, req, typed ?? { text: '', audience: 'all-groups', groups: [], when: 'now', at: '' }, errors)}${section(C.listTitle, table(C.headers, rows, C.empty))}`;
  return { kind: 'page', title: C.title, body, ...(status ? { status } : {}) };
}

/** The draft from the form, or what is wrong with it. */
async function draftOf(svc: BroadcastService, req: ConsoleRequest, t: Typed): Promise<{ draft: Draft } | { errors: string[] }> {
  const errors: string[] = [];
  const text = t.text.trim();
  if (!text) errors.push(C.errors.text);
  let audience: Audience | null = null;
  if (t.audience === 'all-groups' || t.audience === 'subscribers' || t.audience === 'staff') audience = { kind: t.audience };
  else if (t.audience === 'groups') {
    const known = (await svc.audienceOptions(req.actor)).groups;
    const groups = known.filter((g) => t.groups.includes(`${g.platform}:${g.chatId}`)).map((g) => ({ name: groupName(g), address: { platform: g.platform, chatId: g.chatId, chatType: 'group' as const } }));
    if (groups.length) audience = { kind: 'groups', groups };
    else errors.push(C.errors.groups);
  } else if (t.audience.startsWith('source:')) {
    const [, kind = '', ...key] = t.audience.split(':');
    const source = (await svc.audienceOptions(req.actor)).sources.find((s) => s.kind === kind);
    const choice = source?.choices.find((c) => c.key === key.join(':'));
    if (source && choice) audience = { kind: 'source', source: kind, key: choice.key, label: `${source.title}：${choice.label}` };
    else errors.push(C.errors.audience);
  } else errors.push(C.errors.audience);
  const when: When = (WHENS as readonly string[]).includes(t.when) ? (t.when as When) : 'now';
  let schedule: Schedule = { kind: 'now' };
  if (when !== 'now') {
    const now = req.now.getTime();
    const at = parseDateTime(t.at, now, { defaultTime: null });
    if (at === null || at <= now) errors.push(C.errors.at);
    else schedule = { kind: when, at };
  }
  return errors.length || !audience ? { errors } : { draft: { text, audience, schedule } };
}

const hiddenDraft = (t: Typed): Html =>
  html`<input type="hidden" name="text" value="${t.text}"><input type="hidden" name="audience" value="${t.audience}">${t.groups.map((g) => html`<input type="hidden" name="groups" value="${g}">`)}<input type="hidden" name="when" value="${t.when}"><input type="hidden" name="at" value="${t.at}">`;

async function previewPage(svc: BroadcastService, req: ConsoleRequest): Promise<ConsoleResult> {
  const typed = typedOf(req);
  const d = await draftOf(svc, req, typed);
  if ('errors' in d) return listPage(svc, req, typed, d.errors, 400);
  const replies = await svc.preview(req.actor, d.draft);
  const body = html`${section(C.previewTitle, html`<div class="preview">${replies.map((r) => html`<p class="pre">${r.text ?? ''}</p>`)}</div>`)}
<div class="actions"><form method="post" action="${BASE}/send">${csrfField(req)}${hiddenDraft(typed)}<button type="submit" id="bc-send">${C.send}</button></form>
<form method="post" action="${BASE}/edit">${csrfField(req)}${hiddenDraft(typed)}<button type="submit" class="secondary">${C.edit}</button></form></div>`;
  return { kind: 'page', title: C.previewTitle, body };
}

async function send(svc: BroadcastService, req: ConsoleRequest): Promise<ConsoleResult> {
  const typed = typedOf(req);
  const d = await draftOf(svc, req, typed);
  if ('errors' in d) return listPage(svc, req, typed, d.errors, 400);
  const r = await svc.compose(req.actor, { name: req.account, chat: authorChat(req) }, d.draft);
  if (r.outcome === 'no-audience') return listPage(svc, req, typed, [C.outcomes['no-audience']], 400);
  return { kind: 'redirect', to: `${BASE}/${r.broadcast.id}?outcome=${r.outcome}${r.outcome === 'started' ? `&total=${r.total}` : ''}` };
}

function outcomeNotice(q: Record<string, string>): Html | '' {
  const o = q['outcome'];
  if (o === 'started') return notice('ok', C.outcomes.started(Number(q['total']) || 0));
  if (o === 'cancelled') return notice('ok', C.outcomes.cancelled(Number(q['skipped']) || 0));
  const text = o ? (C.outcomes as Record<string, unknown>)[o] : undefined;
  return typeof text === 'string' ? notice(o === 'self-approval' || o === 'not-allowed' ? 'warn' : 'ok', text) : '';
}

async function reportPage(svc: BroadcastService, req: ConsoleRequest): Promise<ConsoleResult> {
  const id = Number(req.params['id']);
  if (!Number.isInteger(id) || id <= 0) return { kind: 'not-found' };
  const r = await svc.report(req.actor, id);
  if (!r) return { kind: 'not-found' };
  const b = r.broadcast;
  const names = await svc.targetNames();
  const button = (action: string, label: string, cls = 'secondary') =>
    html`<form method="post" action="${BASE}/${b.id}/control">${csrfField(req)}<input type="hidden" name="action" value="${action}"><button type="submit" class="${cls}">${label}</button></form>`;
  const interrupted = r.items.filter((i) => i.state === 'failed:interrupted').length;
  const controls = html`<div class="actions">${b.status === 'pending' ? button('approve', C.approve, '') : ''}${b.status === 'sending' ? button('pause', C.pause) : ''}${b.status === 'paused' ? button('resume', C.resume) : ''}${interrupted && b.status !== 'cancelled' ? button('resend', C.resend(interrupted)) : ''}${['pending', 'scheduled', 'sending', 'paused'].includes(b.status) ? button('cancel', C.cancel, 'danger') : ''}<a href="${BASE}/${b.id}">${C.refresh}</a></div>`;
  const body = html`${outcomeNotice(req.query)}
${section(C.reportTitle(b.id), html`${facts([
    [C.facts.status, statusText(b.status)],
    [C.facts.audience, svc.audienceLabel(b.audience)],
    [C.facts.when, scheduleText(b.schedule.kind, b.schedule.at, req.now.getTime())],
    [C.facts.author, b.authorName],
    ...(b.approvedBy ? [[C.facts.approvedBy, b.approvedBy] as const] : []),
    [C.facts.progress, progressText(r.counts)],
    [C.facts.text, html`<span class="pre">${b.text}</span>`],
  ])}${controls}`)}
${section(C.reportSection, table(C.reportHeaders, r.items.map((i) => [names.get(i.id) ?? targetLabel(i.id), stateText(i.state)]), C.reportEmpty))}`;
  return { kind: 'page', title: C.reportTitle(b.id), body };
}

async function control(svc: BroadcastService, req: ConsoleRequest): Promise<ConsoleResult> {
  const id = Number(req.params['id']);
  const action = formValue(req, 'action');
  if (!Number.isInteger(id) || id <= 0) return { kind: 'not-found' };
  if (action === 'cancel' && formValue(req, 'confirmed') !== '1') {
    const body = html`${notice('warn', C.cancelConfirm)}<form method="post" action="${BASE}/${id}/control" class="actions">${csrfField(req)}<input type="hidden" name="action" value="cancel"><input type="hidden" name="confirmed" value="1"><button type="submit" class="danger">${C.confirmCancel}</button><a href="${BASE}/${id}">${C.back}</a></form>`;
    return { kind: 'page', title: C.reportTitle(id), body };
  }
  if (action === 'resend' && formValue(req, 'confirmed') !== '1') {
    // Confirmed first: a target cut off mid-send may already have it.
    const found = await svc.interrupted(req.actor, id);
    if (!found) return { kind: 'not-found' };
    const names = await svc.targetNames();
    const body = html`${notice('warn', C.resendConfirm(found.items.length))}${table(C.reportHeaders, found.items.map((i) => [names.get(i.id) ?? targetLabel(i.id), stateText(i.state)]), C.outcomes['nothing-to-resend'])}<form method="post" action="${BASE}/${id}/control" class="actions">${csrfField(req)}<input type="hidden" name="action" value="resend"><input type="hidden" name="confirmed" value="1"><button type="submit" id="bc-resend-confirm">${C.confirmResend}</button><a href="${BASE}/${id}">${C.back}</a></form>`;
    return { kind: 'page', title: C.reportTitle(id), body };
  }
  const r =
    action === 'approve' ? await svc.approve(req.actor, id)
    : action === 'pause' ? await svc.pause(req.actor, id)
    : action === 'resume' ? await svc.resume(req.actor, id)
    : action === 'cancel' ? await svc.cancel(req.actor, id)
    : action === 'resend' ? await svc.resendInterrupted(req.actor, id)
    : null;
  if (!r || r.outcome === 'missing') return { kind: 'not-found' };
  const outcome = r.outcome === 'done' ? { approve: 'approved', pause: 'paused', resume: 'resumed', cancel: 'cancelled', resend: 'resent' }[action] ?? 'approved' : r.outcome;
  return { kind: 'redirect', to: `${BASE}/${id}?outcome=${outcome}${r.outcome === 'done' && r.skipped ? `&skipped=${r.skipped}` : ''}` };
}

/** Subscribers shown per page: a union's members may number in the tens of thousands. */
const SUBSCRIBERS_PER_PAGE = 50;

async function subscribersPage(svc: BroadcastService, req: ConsoleRequest): Promise<ConsoleResult> {
  requireRole(req.actor, 'staff');
  const page = pageOf(req.query);
  const { subscribers, total } = await svc.store.subscriberPage(page, SUBSCRIBERS_PER_PAGE);
  const optedOut = await svc.store.optedOutCount();
  const body = html`<p>${C.subscribersCount(total)}</p>${optedOut ? html`<p class="muted">${C.optedOut(optedOut)}</p>` : ''}
${table(C.subscribersHeaders, subscribers.map((s) => [s.member, s.address.platform, s.address.chatType === 'private' ? C.privateChat : s.address.chatId]), C.subscribersEmpty)}
${pager(BASE_SUBSCRIBERS, {}, page, pagesOf(total, SUBSCRIBERS_PER_PAGE), CORE_TEXT.pager)}`;
  return { kind: 'page', title: C.subscribersTitle, body };
}
