/**
 * 互助审核 in the web console: the queue (filters, paging, search), one claim in full (decrypted only here, each
 * view audited), documents previewed inline, history, plan rules, the year's total, duplicate warnings, and the
 * decision — approve (amount prefilled from the plan's rule, its working shown), reject, ask for more — each
 * confirmed first. Every action is a ClaimsService operation, the same the chat commands call.
 */
import { csrfField, formValue, type ConsoleRequest, type ConsoleResult, type ConsoleSection } from '../../src/core/console.ts';
import { toCsv } from '../../src/kit/csv.ts';
import { facts, field, notice, pageOf, pager, pagesOf, section, table, yuan } from '../../src/kit/console-ui.ts';
import { CORE_TEXT } from '../../src/core/texts.ts';
import { chinaDateTime, chinaToday, maskText } from '../../src/kit/fields.ts';
import { html, type Html } from '../../src/kit/html.ts';
import type { PayoutWorking } from './plans.ts';
import { ClaimStateError, isClaimStatus, type ClaimReview, type ClaimsService, type QueueFilter } from './service.ts';
import { CLAIM_STATUSES, type Claim } from './store.ts';
import { CONSOLE as C, STATUS_LABELS } from './texts.ts';

const BASE = '/console/claims';
const PAGE_SIZE = 20;
const DECISIONS = ['approve', 'reject', 'needmore'] as const;
type Decision = (typeof DECISIONS)[number];
const isDecision = (s: string): s is Decision => (DECISIONS as readonly string[]).includes(s);
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const CLAIM_NO = /^HZ-\d{8}-\d{4,}$/i;

export function claimsConsole(service: ClaimsService): ConsoleSection {
  return {
    nav: [{ path: '/claims', label: C.nav, role: 'admin', order: 10, badge: (actor) => service.pendingCount(actor) }],
    async overview(actor) {
      if (!actor.roles.has('admin')) return null;
      const pending = await service.listPending(actor, 5);
      return {
        title: C.overviewTitle,
        count: await service.pendingCount(actor),
        href: '/claims?status=pending',
        lines: pending.map((c) => html`<a href="${BASE}/${c.no}">${C.overviewLine(c.no, c.planName, maskText(c.applicant.name))}</a>`),
        order: 10,
      };
    },
    pages: [
      { method: 'GET', path: '/claims', role: 'admin', handle: (req) => queuePage(service, req) },
      { method: 'GET', path: '/claims/export.csv', role: 'admin', handle: (req) => exportCsv(service, req) },
      {
        method: 'GET',
        path: '/claims/next',
        role: 'admin',
        async handle(req) {
          const next = await service.nextPending(req.actor, req.query['after']);
          return { kind: 'redirect', to: next ? `${BASE}/${next}` : `${BASE}?status=pending&empty=1` };
        },
      },
      { method: 'GET', path: '/claims/:no', role: 'admin', handle: (req) => claimPage(service, req) },
      {
        method: 'GET',
        path: '/claims/:no/documents/:sha256',
        role: 'admin',
        async handle(req) {
          const found = await service.viewDocument(req.actor, req.params['no'] ?? '', req.params['sha256'] ?? '');
          if (!found?.data) return { kind: 'not-found' };
          return { kind: 'file', name: found.doc.name, mimeType: found.doc.mimeType, data: found.data, inline: true };
        },
      },
      { method: 'POST', path: '/claims/:no/decide', role: 'admin', handle: (req) => decide(service, req) },
    ],
  };
}

// ---------------------------------------------------------------- the queue

async function queuePage(service: ClaimsService, req: ConsoleRequest): Promise<ConsoleResult> {
  const q = req.query;
  const status = q['status'] ?? 'pending';
  const filter: QueueFilter = {
    ...(isClaimStatus(status) ? { status } : {}),
    ...(q['plan'] ? { planId: q['plan'] } : {}),
    ...(DATE.test(q['from'] ?? '') ? { from: q['from'] } : {}),
    ...(DATE.test(q['to'] ?? '') ? { to: q['to'] } : {}),
    ...(q['q'] ? { q: q['q'].slice(0, 50) } : {}),
  };
  const page = pageOf(q);
  const { claims, total } = await service.queue(req.actor, filter, page, PAGE_SIZE);
  const F = C.filters;
  const today = chinaToday(req.now);
  const monthStart = `${today.slice(0, 8)}01`;
  const kept = Object.fromEntries(Object.entries({ status, plan: q['plan'] ?? '', from: filter.from ?? '', to: filter.to ?? '', q: filter.q ?? '' }).filter(([, v]) => v));
  const body = html`${q['empty'] ? notice('info', C.noNext) : ''}
<form class="filters card" method="get" action="${BASE}">
${field({ label: F.status, name: 'status', type: 'select', value: status, options: [['', F.all], ...CLAIM_STATUSES.map((s) => [s, STATUS_LABELS[s]] as const)] })}
${field({ label: F.plan, name: 'plan', type: 'select', value: q['plan'] ?? '', options: [['', F.allPlans], ...service.plans.plans.map((p) => [p.id, p.name] as const)] })}
${field({ label: F.from, name: 'from', type: 'date', value: filter.from ?? '' })}
${field({ label: F.to, name: 'to', type: 'date', value: filter.to ?? '' })}
${field({ label: F.q, name: 'q', type: 'search', value: filter.q ?? '', placeholder: 'HZ-… / 张*' })}
<button type="submit">${F.submit}</button></form>
<p class="muted">${C.total(total)}</p>
${table(
  C.queueHeaders,
  claims.map((c) => [html`<a href="${BASE}/${c.no}">${c.no}</a>`, c.planName, maskText(c.applicant.name), yuan(c.amountCents), yuan(c.estimatedPayoutCents), STATUS_LABELS[c.status], chinaDateTime(c.submittedAt)]),
  C.queueEmpty,
)}
${pager(BASE, kept, page, pagesOf(total, PAGE_SIZE), CORE_TEXT.pager)}
${section(
  C.export.title,
  html`<form class="filters" method="get" action="${BASE}/export.csv">${field({ label: C.export.from, name: 'from', type: 'date', value: monthStart, required: true })}${field({ label: C.export.to, name: 'to', type: 'date', value: today, required: true })}<button type="submit" class="secondary">${C.export.submit}</button></form>`,
)}`;
  return { kind: 'page', title: C.queueTitle, body };
}

async function exportCsv(service: ClaimsService, req: ConsoleRequest): Promise<ConsoleResult> {
  const from = req.query['from'] ?? '';
  const to = req.query['to'] ?? '';
  if (!DATE.test(from) || !DATE.test(to)) return { kind: 'page', title: C.export.title, body: notice('error', C.export.badDates), status: 400 };
  const rows = await service.approvedBetween(req.actor, from, to, C.export.header);
  return { kind: 'file', name: C.export.file(from, to), mimeType: 'text/csv; charset=utf-8', data: toCsv(rows), inline: false };
}

// ---------------------------------------------------------------- one claim

async function claimPage(service: ClaimsService, req: ConsoleRequest, message?: Html, decisionPanel?: Html): Promise<ConsoleResult> {
  const no = (req.params['no'] ?? '').toUpperCase();
  if (!CLAIM_NO.test(no)) return { kind: 'not-found' };
  const r = await service.reviewDetail(req.actor, no);
  if (!r) return { kind: 'not-found' };
  const { claim, secrets } = r;
  const F = C.fields;
  const dates = (['admissionDate', 'dischargeDate', 'diagnosisDate', 'accidentDate'] as const).flatMap((k) => (claim.event[k] ? [[F[k], claim.event[k]] as const] : []));
  const done = req.query['done'];
  const body = html`${message ?? ''}${done && C.done[done] ? notice('ok', html`${C.done[done]} <a class="button" href="${BASE}/next?after=${claim.no}">${C.next}</a>`) : ''}
<p class="muted">${C.viewedNote}</p>
${claim.purgedAt ? notice('info', C.purged(chinaDateTime(claim.purgedAt))) : ''}
${duplicatesBox(r)}
<div class="two"><div>
${section(
  C.applicant,
  facts([
    [F.status, STATUS_LABELS[claim.status]],
    [F.plan, claim.planName],
    [F.submittedAt, chinaDateTime(claim.submittedAt)],
    [F.name, claim.applicant.name],
    [F.idNumber, secrets.idNumber],
    [F.mobile, secrets.mobile],
    [F.workUnit, claim.applicant.workUnit],
    [F.hospital, claim.event.hospital],
    [F.diagnosis, secrets.diagnosis],
    ...dates,
    [F.amount, `${yuan(claim.amountCents)} 元`],
    [F.estimate, `${yuan(claim.estimatedPayoutCents)} 元`],
    [F.bankCard, secrets.bankCard],
    [F.bankName, claim.bank.bankName],
    ...(claim.payoutCents !== undefined ? [[F.payout, `${yuan(claim.payoutCents)} 元`] as const] : []),
    ...(claim.request ? [[F.request, claim.request] as const] : []),
    [F.consent, C.consentLine(claim.consent.version, chinaDateTime(claim.consent.at))],
  ]),
)}
${section(C.documents, documentsBox(claim))}
${section(C.history, table(C.historyHeaders, claim.history.map((h) => [chinaDateTime(h.at), STATUS_LABELS[h.status], h.actor, h.note ?? '']), ''))}
</div><div>
<div id="decision">${decisionPanel ?? decisionForms(req, r)}</div>
${section(C.yearTotal, html`<p>${C.yearTotalLine(yuan(r.yearPaidCents), r.remainingCents === null ? null : yuan(r.remainingCents))}</p>`)}
${r.plan ? section(C.planRules, planFacts(r)) : ''}
<p class="actions"><a class="button secondary" href="${BASE}/next?after=${claim.no}">${C.next}</a><a href="${BASE}">${C.toQueue}</a></p>
</div></div>`;
  return { kind: 'page', title: C.claimTitle(claim.no), body };
}

function duplicatesBox(r: ClaimReview): Html {
  if (!r.duplicates.length) return html`<p class="muted">${C.noDuplicates}</p>`;
  return notice(
    'warn',
    html`<strong>${C.duplicates}</strong><ul>${r.duplicates.map((d) => html`<li><a href="${BASE}/${d.no}">${C.duplicateLine(C.duplicateKinds[d.kind] ?? d.kind, d.no, STATUS_LABELS[d.status], d.detail)}</a></li>`)}</ul>`,
  );
}

function documentsBox(claim: Claim): Html {
  if (!claim.documents.length) return html`<p class="empty">${C.noDocuments}</p>`;
  return html`<div class="docs">${claim.documents.map((d) => {
    const src = `${BASE}/${claim.no}/documents/${d.sha256}`;
    const preview = d.mimeType === 'application/pdf' ? html`<iframe src="${src}" title="${d.docName} ${d.name}"></iframe>` : html`<img src="${src}" alt="${d.docName} ${d.name}" loading="lazy">`;
    return html`<figure>${preview}<figcaption>${d.docName} · ${d.name} · <a href="${src}" target="_blank" rel="noopener">${C.openDocument}</a></figcaption></figure>`;
  })}</div>`;
}

function planFacts(r: ClaimReview): Html {
  const plan = r.plan;
  if (!plan) return html``;
  const P = C.planFacts;
  return html`${facts([
    [P.payout, plan.payout.description],
    [P.perClaim, `${plan.limits.maxPerClaim} 元`],
    [P.perYear, `${plan.limits.maxPerYear} 元`],
    [P.deadline, C.days(plan.filingDeadlineDays)],
    [P.waiting, C.days(plan.waitingPeriodDays)],
    [P.documents, plan.requiredDocuments.map((d) => d.name).join('、')],
  ])}`;
}

/** The plan rule's working, line by line, ending with the amount the approve form starts with. */
function workingLines(w: PayoutWorking | null, r: ClaimReview): string[] {
  if (!w) return [];
  const L = C.workingLines;
  const lines: string[] = [];
  const rule = w.rule;
  if (rule.type === 'fixed') lines.push(L.fixed(yuan(w.beforeCapCents)));
  if (rule.type === 'per_day_or_ratio' && w.days !== undefined && w.byDaysCents !== undefined) lines.push(L.days(w.days, String(rule.perDay), yuan(w.byDaysCents)));
  if ((rule.type === 'ratio' || rule.type === 'per_day_or_ratio') && w.byRatioCents !== undefined) lines.push(L.ratio(yuan(w.selfPaidCents), String(rule.deductible), String(rule.ratio), yuan(w.byRatioCents)));
  if (rule.type === 'per_day_or_ratio') lines.push(L.higher(yuan(w.beforeCapCents)));
  if (w.beforeCapCents > w.capCents) lines.push(L.cap(yuan(w.capCents), yuan(w.cents)));
  if (r.remainingCents !== null && r.remainingCents < w.cents) lines.push(L.year(yuan(r.remainingCents), yuan(r.suggestedCents)));
  return lines;
}

function decisionForms(req: ConsoleRequest, r: ClaimReview, values: { amount?: string; note?: string; reason?: string; request?: string } = {}): Html {
  const { claim } = r;
  if (claim.status !== 'pending' && claim.status !== 'needs_more') return html``;
  const action = `${BASE}/${claim.no}/decide`;
  const htmx = html`hx-post="${action}" hx-target="#decision" hx-swap="innerHTML"`;
  const lines = workingLines(r.working, r);
  return section(
    C.decide,
    html`<form method="post" action="${action}" ${htmx}>${csrfField(req)}<input type="hidden" name="decision" value="approve">
${lines.length ? html`<div class="notice info"><strong>${C.working}</strong><ol>${lines.map((l) => html`<li>${l}</li>`)}</ol></div>` : ''}
${field({ label: C.amount, name: 'amount', value: values.amount ?? yuan(r.suggestedCents), required: true, inputmode: 'decimal', hint: C.amountHint, id: 'amount' })}
${field({ label: C.note, name: 'note', value: values.note ?? '', id: 'approve-note' })}
<button type="submit" id="approve">${C.approve}</button></form>
<hr>
<form method="post" action="${action}" ${htmx}>${csrfField(req)}<input type="hidden" name="decision" value="needmore">
${field({ label: C.request, name: 'note', type: 'textarea', value: values.request ?? '', required: true, id: 'needmore-note' })}
<button type="submit" class="secondary" id="needmore">${C.needMore}</button></form>
<hr>
<form method="post" action="${action}" ${htmx}>${csrfField(req)}<input type="hidden" name="decision" value="reject">
${field({ label: C.reason, name: 'note', type: 'textarea', value: values.reason ?? '', required: true, id: 'reject-note' })}
<button type="submit" class="danger" id="reject">${C.reject}</button></form>`,
  );
}

/** Cents from what a reviewer typed as yuan ("1200", "1200.5", "1,200.50"), or null. */
function centsOf(typed: string): number | null {
  const s = typed.replace(/[,，\s元]/g, '');
  if (!/^\d{1,9}(\.\d{1,2})?$/.test(s)) return null;
  return Math.round(Number(s) * 100);
}

async function decide(service: ClaimsService, req: ConsoleRequest): Promise<ConsoleResult> {
  const no = (req.params['no'] ?? '').toUpperCase();
  const decision = formValue(req, 'decision');
  if (!CLAIM_NO.test(no) || !isDecision(decision)) return { kind: 'not-found' };
  const note = formValue(req, 'note').trim().slice(0, 500);
  const cents = decision === 'approve' ? centsOf(formValue(req, 'amount')) : 0;
  const values = { amount: formValue(req, 'amount'), ...(decision === 'approve' ? { note } : decision === 'reject' ? { reason: note } : { request: note }) };
  // A problem shows the forms again with what was typed and the reason.
  const again = async (why: string): Promise<ConsoleResult> => {
    const r = await service.reviewDetail(req.actor, no);
    if (!r) return { kind: 'not-found' };
    const panel = html`${notice('error', why)}${decisionForms(req, r, values)}`;
    // htmx swaps only 2xx answers: the refused form comes back as one.
    return req.partial ? { kind: 'fragment', title: C.claimTitle(no), body: panel } : claimPage(service, req, undefined, panel);
  };
  if (cents === null) return again(C.errors.amount);
  if (decision !== 'approve' && !note) return again(C.errors.text);
  if (formValue(req, 'confirmed') !== '1') {
    const hidden = html`<input type="hidden" name="decision" value="${decision}"><input type="hidden" name="amount" value="${formValue(req, 'amount')}"><input type="hidden" name="note" value="${note}"><input type="hidden" name="confirmed" value="1">`;
    const panel = section(
      C.confirmTitle,
      html`<p><strong>${(C.confirm[decision] ?? C.confirm['approve'])!(no, yuan(cents))}</strong></p>${note ? html`<p>${note}</p>` : ''}<p class="muted">${C.confirmNote}</p>
<form method="post" action="${BASE}/${no}/decide" hx-post="${BASE}/${no}/decide" hx-target="#decision">${csrfField(req)}${hidden}
<div class="actions"><button type="submit" id="confirm"${decision === 'reject' ? html` class="danger"` : ''}>${C.confirmButton}</button><a href="${BASE}/${no}">${C.back}</a></div></form>`,
    );
    return req.partial ? { kind: 'fragment', title: C.confirmTitle, body: panel } : { kind: 'page', title: C.confirmTitle, body: panel };
  }
  try {
    if (decision === 'approve') await service.approve(req.actor, no, cents, note);
    else if (decision === 'reject') await service.reject(req.actor, no, note);
    else await service.requestMore(req.actor, no, note);
  } catch (err) {
    if (!(err instanceof ClaimStateError)) throw err;
    if (err.code === 'not_found') return { kind: 'not-found' };
    if (err.code === 'over_claim_limit') return again(C.errors.overClaim(yuan(err.detail.limitCents ?? 0)));
    if (err.code === 'over_year_limit') return again(C.errors.overYear(yuan(err.detail.remainingCents ?? 0)));
    if (err.code === 'bad_status') return again(C.errors.badStatus(err.detail.status ? STATUS_LABELS[err.detail.status] : ''));
    return again(C.errors.conflict);
  }
  return { kind: 'redirect', to: `${BASE}/${no}?done=${decision}` };
}
