/** Staff event management: the /newevent wizard, edit, close/reopen, cancel, roster CSV, check-in. All audited. */
import { z } from 'zod';
import type { CommandSpec, TurnContext, TurnResult } from '../../../src/core/service.ts';
import { addressSchema } from '../../../src/core/message.ts';
import type { Dialog } from '../../../src/core/session.ts';
import { toCsv } from '../../../src/kit/csv.ts';
import { ask, end, lastQuestion, say } from '../dialog.ts';
import { maskPhone } from '../../../src/core/text.ts';
import { fieldSpecSchema, type EventDef } from '../model.ts';
import type { EventServices } from '../context.ts';
import { notices } from '../texts.ts';
import { formatIso, parseDateTime } from '../../../src/kit/time.ts';
import { isQuit, parseFieldSpec, parseGroups, parseIndex } from '../util.ts';
import { P } from './event_list.texts.ts';

export const INTENT = 'event_list';
export const WIZARD_V = 1;

const draftSchema = z.object({
  title: z.string().optional(),
  description: z.string().optional(),
  startAt: z.number().optional(),
  endAt: z.number().optional(),
  place: z.string().optional(),
  capacity: z.number().optional(),
  deadline: z.number().optional(),
  groups: z.array(addressSchema).optional(),
  fields: z.array(fieldSpecSchema).optional(),
  known: z.array(z.string()).default([]),
});
type Draft = z.infer<typeof draftSchema>;
const completeDraft = draftSchema.required({ title: true, description: true, startAt: true, endAt: true, place: true, capacity: true, deadline: true, groups: true, fields: true });

const NONE = /^(无|没有|不需要|不用|-|—)$/;
const DEFAULT = /^(默认|同开始时间|开始前)$/;
type Step = 'title' | 'description' | 'start' | 'end' | 'place' | 'capacity' | 'deadline' | 'groups' | 'fields' | 'confirm';

export function staffTools(svc: EventServices) {
  const { store, deps } = svc;
  const base = (ctx: TurnContext) => ({ intent: INTENT, v: WIZARD_V, now: ctx.now.getTime(), resumeHours: deps.config.FORM_RESUME_HOURS });
  const isStaff = (ctx: TurnContext) => ctx.roles.has('staff') || ctx.roles.has('admin');

  /** The router enforces `role`; this repeats it so a command is safe even if called another way, and keeps personal data out of groups. */
  function guard(ctx: TurnContext): TurnResult | null {
    if (!isStaff(ctx)) return end([say(P.notStaff)]);
    if (ctx.msg.chatType !== 'private') return end([say(P.privateOnly)]);
    return null;
  }

  async function audit(ctx: TurnContext, action: string, ev: EventDef | string, extra: { before?: unknown; after?: unknown; note?: string } = {}) {
    await deps.audit.record({ actor: ctx.member, action, target: `event:${typeof ev === 'string' ? ev : ev.id}`, at: ctx.now, ...extra });
  }

  // ---- wizard ----
  async function askStep(ctx: TurnContext, step: Step, d: Draft, before: ReturnType<typeof say>[] = []): Promise<TurnResult> {
    const now = ctx.now.getTime();
    switch (step) {
      case 'title':
        return ask(base(ctx), step, d, { text: P.wizard.title }, before);
      case 'description':
        return ask(base(ctx), step, d, { text: P.wizard.description }, before);
      case 'start':
        return ask(base(ctx), step, d, { text: P.wizard.start }, before);
      case 'end':
        return ask(base(ctx), step, d, { text: P.wizard.end }, before);
      case 'place':
        return ask(base(ctx), step, d, { text: P.wizard.place }, before);
      case 'capacity':
        return ask(base(ctx), step, d, { text: P.wizard.capacity }, before);
      case 'deadline':
        return ask(base(ctx), step, d, { text: P.wizard.deadline(d.startAt ?? now, now) }, before);
      case 'groups': {
        const known = (await deps.groups.list(10)).map((g) => `${g.platform}:${g.chatId}`);
        return ask(base(ctx), step, { ...d, known }, { text: P.wizard.groups(known), ...(known.length ? { choices: known } : {}) }, before);
      }
      case 'fields':
        return ask(base(ctx), step, d, { text: P.wizard.fields }, before);
      case 'confirm': {
        const full = completeDraft.parse(d);
        return ask(base(ctx), step, d, { text: P.wizard.confirm(full, now) }, before);
      }
    }
  }

  const bad = (text: string): TurnResult => ({ replies: [say(text)] });

  async function continueWizard(ctx: TurnContext, dialog: Dialog): Promise<TurnResult> {
    const text = ctx.text.trim();
    const parsed = draftSchema.safeParse(dialog.filled);
    if (dialog.v !== WIZARD_V || !parsed.success || !guardOk(ctx)) return end([say(P.wizard.quit)]);
    if (isQuit(text)) return end([say(P.wizard.quit)]);
    if (text.startsWith('/')) return { replies: [], passThrough: true };
    const d = parsed.data;
    const now = ctx.now.getTime();
    switch (dialog.asking) {
      case 'title': {
        const len = Array.from(text).length;
        if (len < 1 || len > 50) return bad(P.wizard.bad.title);
        return askStep(ctx, 'description', { ...d, title: text });
      }
      case 'description':
        if (Array.from(text).length > 500) return bad(P.wizard.bad.text);
        return askStep(ctx, 'start', { ...d, description: NONE.test(text) ? '' : text });
      case 'start': {
        const at = parseDateTime(text, now, { defaultTime: null });
        if (at === null) return bad(P.wizard.bad.date);
        if (at <= now) return bad(P.wizard.bad.past);
        return askStep(ctx, 'end', { ...d, startAt: at });
      }
      case 'end': {
        const start = d.startAt ?? now;
        const at = parseDateTime(text, now, { defaultTime: null, sameDayAs: start });
        if (at === null) return bad(P.wizard.bad.date);
        if (at <= start) return bad(P.wizard.bad.endBeforeStart);
        return askStep(ctx, 'place', { ...d, endAt: at });
      }
      case 'place':
        if (Array.from(text).length > 100) return bad(P.wizard.bad.text);
        return askStep(ctx, 'capacity', { ...d, place: NONE.test(text) ? '' : text });
      case 'capacity': {
        const n = parseIndex(text.replace(/[人名个位]$/u, '')) ?? (/^\d{1,6}$/.test(text) ? Number(text) : null);
        if (n === null || n < 1 || n > 100000) return bad(P.wizard.bad.capacity);
        return askStep(ctx, 'deadline', { ...d, capacity: n });
      }
      case 'deadline': {
        const start = d.startAt ?? now;
        const at = DEFAULT.test(text) ? start : parseDateTime(text, now, { defaultTime: { h: 23, mi: 59 } });
        if (at === null) return bad(P.wizard.bad.date);
        if (at > start || at <= now) return bad(P.wizard.bad.deadlineAfterStart);
        return askStep(ctx, 'groups', { ...d, deadline: at });
      }
      case 'groups': {
        const g = parseGroups(text, d.known);
        if (!g.ok) return bad(P.wizard.bad.groups(g.bad));
        return askStep(ctx, 'fields', { ...d, groups: g.groups });
      }
      case 'fields': {
        const f = parseFieldSpec(text);
        if (!f.ok) return bad(P.wizard.bad.fields(f.bad));
        return askStep(ctx, 'confirm', { ...d, fields: f.fields });
      }
      case 'confirm': {
        if (!/^(发布|确认|确定|是|好|ok)$/i.test(text)) return bad(P.wizard.confirmAgain);
        return publish(ctx, d);
      }
      default:
        return end([say(P.wizard.quit)]);
    }
  }

  function guardOk(ctx: TurnContext): boolean {
    return isStaff(ctx) && ctx.msg.chatType === 'private';
  }

  async function publish(ctx: TurnContext, d: Draft): Promise<TurnResult> {
    const now = ctx.now.getTime();
    const full = completeDraft.parse(d);
    if (full.startAt <= now) return askStep(ctx, 'start', d, [say(P.wizard.bad.past)]);
    const { known: _known, ...fields } = full;
    const ev = await store.create({ ...fields, createdBy: ctx.member }, now, svc.remindAt(full.startAt, now));
    await audit(ctx, 'event.create', ev, { after: { ...fields } });
    for (const g of ev.groups) await deps.notifier.notify(g, [{ text: notices.announce(ev, now) }]);
    return end([say(P.wizard.published(ev, ev.groups.length))]);
  }

  // ---- one-shot commands ----
  async function loadEvent(ctx: TurnContext, id: string | undefined, usage: string): Promise<EventDef | TurnResult> {
    if (!id) return end([say(usage)]);
    const ev = await store.get(id.replace(/^#/, ''));
    return ev ?? end([say(P.noSuchEvent(id))]);
  }
  const isEvent = (x: EventDef | TurnResult): x is EventDef => 'title' in x;

  const EDIT_FIELDS: Record<string, 'title' | 'description' | 'startAt' | 'endAt' | 'place' | 'capacity' | 'deadline'> = {
    标题: 'title', 名称: 'title', title: 'title',
    简介: 'description', 描述: 'description', 说明: 'description', description: 'description',
    开始: 'startAt', 开始时间: 'startAt', 时间: 'startAt', start: 'startAt',
    结束: 'endAt', 结束时间: 'endAt', end: 'endAt',
    地点: 'place', place: 'place',
    名额: 'capacity', 人数: 'capacity', capacity: 'capacity',
    截止: 'deadline', 截止时间: 'deadline', 报名截止: 'deadline', deadline: 'deadline',
  };
  const FIELD_NAMES: Record<string, string> = { title: '标题', description: '简介', startAt: '开始时间', endAt: '结束时间', place: '地点', capacity: '名额', deadline: '报名截止时间' };

  async function edit(ctx: TurnContext, args: string): Promise<TurnResult> {
    const m = /^(\S+)\s+(\S+)\s+([\s\S]+)$/.exec(args.trim());
    if (!m) return end([say(P.usage.edit)]);
    const ev = await loadEvent(ctx, m[1], P.usage.edit);
    if (!isEvent(ev)) return ev;
    if (ev.status === 'cancelled') return end([say(P.edit.cancelled)]);
    const key = EDIT_FIELDS[(m[2] ?? '').toLowerCase()];
    if (!key) return end([say(P.edit.unknownField(m[2] ?? ''))]);
    const value = (m[3] ?? '').trim();
    const now = ctx.now.getTime();
    const before = { [key]: ev[key] };
    let notified = 0;
    let promoted = 0;
    let extra = '';
    switch (key) {
      case 'title': {
        if (Array.from(value).length > 50) return end([say(P.wizard.bad.title)]);
        await store.update(ev.id, { title: value });
        break;
      }
      case 'description':
        await store.update(ev.id, { description: NONE.test(value) ? '' : value });
        break;
      case 'place':
        await store.update(ev.id, { place: NONE.test(value) ? '' : value });
        break;
      case 'startAt': {
        const at = parseDateTime(value, now, { defaultTime: null });
        if (at === null) return end([say(P.wizard.bad.date)]);
        if (at <= now) return end([say(P.wizard.bad.past)]);
        // Keep the duration; pull the deadline forward if it would now fall after the start.
        const endAt = at + (ev.endAt - ev.startAt);
        await store.update(ev.id, { startAt: at, endAt, ...(ev.deadline > at ? { deadline: at } : {}) }, svc.remindAt(at, now));
        break;
      }
      case 'endAt': {
        const at = parseDateTime(value, now, { defaultTime: null, sameDayAs: ev.startAt });
        if (at === null) return end([say(P.wizard.bad.date)]);
        if (at <= ev.startAt) return end([say(P.wizard.bad.endBeforeStart)]);
        await store.update(ev.id, { endAt: at });
        break;
      }
      case 'deadline': {
        const at = DEFAULT.test(value) ? ev.startAt : parseDateTime(value, now, { defaultTime: { h: 23, mi: 59 } });
        if (at === null) return end([say(P.wizard.bad.date)]);
        if (at > ev.startAt) return end([say(P.wizard.bad.deadlineAfterStart)]);
        await store.update(ev.id, { deadline: at });
        break;
      }
      case 'capacity': {
        const n = /^\d{1,6}$/.test(value) ? Number(value) : NaN;
        if (!(n >= 1 && n <= 100000)) return end([say(P.wizard.bad.capacity)]);
        const promotedList = await store.setCapacity(ev.id, n);
        const updated = await store.get(ev.id);
        if (updated) await svc.notifyPromotions(updated, promotedList);
        promoted = promotedList.length;
        const { registered } = await store.counts(ev.id);
        if (registered > n) extra = P.edit.capacityBelow(registered);
        break;
      }
    }
    const after = await store.get(ev.id);
    if (!after) return end([say(P.noSuchEvent(ev.id))]);
    await audit(ctx, 'event.edit', ev, { before, after: { [key]: after[key] } });
    if (key === 'startAt' || key === 'endAt' || key === 'place') {
      notified = await svc.notifyAll(after, [{ text: notices.eventChanged(after, FIELD_NAMES[key] ?? key, now) }]);
    }
    return end([say(P.edit.done(after, FIELD_NAMES[key] ?? key, notified, promoted, now) + (extra ? `\n${extra}` : ''))]);
  }

  async function close(ctx: TurnContext, args: string): Promise<TurnResult> {
    const ev = await loadEvent(ctx, args.trim().split(/\s+/)[0] || undefined, P.usage.id('closeevent'));
    if (!isEvent(ev)) return ev;
    const before = await store.close(ev.id);
    if (before !== 'open') return end([say(P.notOpen(ev))]);
    await audit(ctx, 'event.close', ev, { before: { status: before }, after: { status: 'closed' } });
    return end([say(P.closed(ev))]);
  }

  async function reopen(ctx: TurnContext, args: string): Promise<TurnResult> {
    const ev = await loadEvent(ctx, args.trim().split(/\s+/)[0] || undefined, P.usage.id('openevent'));
    if (!isEvent(ev)) return ev;
    const before = await store.reopen(ev.id);
    if (before !== 'closed') return end([say(P.notClosed(ev))]);
    await audit(ctx, 'event.reopen', ev, { before: { status: before }, after: { status: 'open' } });
    return end([say(P.reopened(ev))]);
  }

  async function cancelEvent(ctx: TurnContext, args: string): Promise<TurnResult> {
    const m = /^(\S+)\s+([\s\S]+)$/.exec(args.trim());
    if (!m) return end([say(P.usage.cancel)]);
    const ev = await loadEvent(ctx, m[1], P.usage.cancel);
    if (!isEvent(ev)) return ev;
    const reason = (m[2] ?? '').trim();
    const before = await store.cancelEvent(ev.id, reason);
    if (before === 'cancelled') return end([say(P.alreadyCancelled(ev))]);
    await audit(ctx, 'event.cancel', ev, { before: { status: before }, after: { status: 'cancelled' }, note: reason });
    const notified = await svc.notifyAll(ev, [{ text: notices.eventCancelled(ev, reason) }]);
    for (const g of ev.groups) await deps.notifier.notify(g, [{ text: notices.eventCancelled(ev, reason) }]);
    return end([say(P.eventCancelled(ev, notified))]);
  }

  async function roster(ctx: TurnContext, args: string): Promise<TurnResult> {
    const ev = await loadEvent(ctx, args.trim().split(/\s+/)[0] || undefined, P.usage.id('roster'));
    if (!isEvent(ev)) return ev;
    const entries = await store.roster(ev.id);
    const custom = ev.fields.filter((f) => f.kind !== 'name' && f.kind !== 'phone' && f.kind !== 'unit');
    const keyOf = (kind: 'name' | 'phone' | 'unit') => ev.fields.find((f) => f.kind === kind)?.key ?? kind;
    const rows: string[][] = [[...P.rosterHeader, ...custom.map((f) => f.label), ...P.rosterTail]];
    let seat = 0;
    let waiting = 0;
    for (const e of entries) {
      const v = e.registration?.values ?? {};
      const no = e.state === 'registered' ? String(++seat) : `${P.rosterState.waitlisted}${++waiting}`;
      rows.push([
        no,
        P.rosterState[e.state],
        v[keyOf('name')] ?? e.registration?.displayName ?? '',
        v[keyOf('phone')] ?? '',
        v[keyOf('unit')] ?? '',
        ...custom.map((f) => v[f.key] ?? ''),
        e.registration ? formatIso(e.registration.at) : '',
        e.checkedInAt ? formatIso(e.checkedInAt) : '',
        e.member,
      ]);
    }
    const counts = await store.counts(ev.id);
    await audit(ctx, 'event.roster_export', ev, { note: `${entries.length} rows` });
    return end([{ text: P.roster(ev, counts), file: { name: P.rosterFile(ev), mimeType: 'text/csv', data: toCsv(rows) } }]);
  }

  async function checkin(ctx: TurnContext, args: string): Promise<TurnResult> {
    const m = /^(\S+)\s+([\s\S]+)$/.exec(args.trim());
    if (!m) return end([say(P.usage.checkin)]);
    const ev = await loadEvent(ctx, m[1], P.usage.checkin);
    if (!isEvent(ev)) return ev;
    const q = (m[2] ?? '').trim();
    const registered = (await store.roster(ev.id)).filter((e) => e.state === 'registered');
    const nameOf = (e: (typeof registered)[number]) => e.registration?.values['name'] ?? e.registration?.displayName ?? e.member;
    const idx = parseIndex(q);
    let target = idx !== null ? registered[idx - 1] : undefined;
    if (!target) {
      const hits = registered.filter((e) => nameOf(e) === q);
      if (hits.length > 1) {
        const lines = hits.map((e) => `${registered.indexOf(e) + 1}. ${nameOf(e)} ${maskPhone(e.registration?.values['phone'] ?? '')}`);
        return end([say(P.checkin.ambiguous(q, lines))]);
      }
      target = hits[0];
    }
    if (!target) return end([say(P.checkin.notFound(q))]);
    const name = nameOf(target);
    const r = await store.checkIn(ev.id, target.member, ctx.now.getTime());
    if (r.outcome === 'already') return end([say(P.checkin.already(name, r.at))]);
    if (r.outcome === 'not-registered') return end([say(P.checkin.notRegistered(name))]);
    await audit(ctx, 'event.checkin', ev, { after: { member: target.member, at: r.at } });
    const c = await store.counts(ev.id);
    return end([say(P.checkin.ok(name, c.checkedIn, c.registered))]);
  }

  async function all(ctx: TurnContext): Promise<TurnResult> {
    const events = await store.recent(30);
    if (events.length === 0) return end([say(P.allNone)]);
    const now = ctx.now.getTime();
    const lines = await Promise.all(events.map(async (ev) => P.allItem(ev, await store.counts(ev.id), now)));
    return end([say(`${P.allHeader}\n${lines.join('\n')}`)]);
  }

  const guarded =
    (fn: (ctx: TurnContext, args: string) => Promise<TurnResult>) =>
    async (ctx: TurnContext, args: string): Promise<TurnResult> =>
      guard(ctx) ?? fn(ctx, args);

  const commands: CommandSpec[] = [
    { names: ['newevent', '发布活动', '创建活动', '新建活动'], role: 'staff', summary: P.summaries.newEvent, run: guarded((ctx) => askStep(ctx, 'title', draftSchema.parse({}))) },
    { names: ['editevent', '修改活动'], role: 'staff', summary: P.summaries.edit, run: guarded(edit) },
    { names: ['closeevent', '截止报名', '关闭报名'], role: 'staff', summary: P.summaries.close, run: guarded(close) },
    { names: ['openevent', '开放报名', '重新开放报名'], role: 'staff', summary: P.summaries.reopen, run: guarded(reopen) },
    { names: ['cancelevent', '取消活动'], role: 'staff', summary: P.summaries.cancel, run: guarded(cancelEvent) },
    { names: ['roster', '导出名单', '报名名单'], role: 'staff', summary: P.summaries.roster, run: guarded(roster) },
    { names: ['checkin', '签到'], role: 'staff', summary: P.summaries.checkin, run: guarded(checkin) },
    { names: ['allevents', '全部活动'], role: 'staff', summary: P.summaries.all, run: guarded((ctx) => all(ctx)) },
  ];

  return { commands, continueWizard, reprompt: lastQuestion };
}
