/**
 * Staff event management in chat: the /newevent wizard and the /editevent form on the form engine (one rule
 * per field, fields.ts), and the one-shot commands; the operations (role check, audit, notices) are in service.ts.
 */
import { z } from 'zod';
import { ForbiddenError } from '../../../src/core/actor.ts';
import type { CommandSpec, CoreDeps, TurnContext, TurnResult } from '../../../src/core/service.ts';
import { addressSchema } from '../../../src/core/message.ts';
import type { Dialog } from '../../../src/core/session.ts';
import { toCsv } from '../../../src/kit/csv.ts';
import { maskPhone } from '../../../src/core/text.ts';
import { Form } from '../../../src/kit/forms/engine.ts';
import type { Answer, FieldSpec, FormView, Misfit, Submitted } from '../../../src/kit/forms/spec.ts';
import { parseDateTime } from '../../../src/kit/time.ts';
import { parseCount } from '../../../src/kit/forms/types.ts';
import { isCancel, isKeepGoing, isNo } from '../../../src/kit/words.ts';
import { EDITABLE_FIELDS, FIELD_RULES, fieldNamed, type EditableField } from '../fields.ts';
import { fieldSpecSchema, type EventDef } from '../model.ts';
import { EVENT_LIST, actorOf, eventService, type CheckInOne, type EditResult } from '../service.ts';
import { EDITABLE_FIELD_NAMES, FIELD_ERRORS, FIELD_WORDS, STAFF_TEXT as P } from '../texts.ts';
import { done, parseFieldSpec, parseGroups, type GroupChoice } from '../util.ts';

const W = P.wizard;
const knownSchema = z.array(z.object({ name: z.string(), address: addressSchema }));
const eventDraft = z.object({
  title: z.string(),
  description: z.string(),
  startAt: z.number(),
  endAt: z.number(),
  place: z.string(),
  capacity: z.number(),
  deadline: z.number(),
  groups: z.array(addressSchema),
  fields: z.array(fieldSpecSchema),
});
const CANCEL_EVENT_YES = /^(?:1|确定取消活动|确定取消|确认取消|确定|确认|是|是的|对)[。!！]*$/;
const CANCEL_EVENT_NO = /^(?:2|不取消|不取消了|先不取消|保留|保留活动)[。!！]*$/;
const editMeta = z.object({ eventId: z.string(), title: z.string(), startAt: z.number(), current: z.record(z.string(), z.string()) });

/** The event id (first word) and the rest of a command's arguments. */
function idAndRest(args: string): { id: string; rest: string } | null {
  const m = /^(\S+)(?:\s+([\s\S]+))?$/.exec(args.trim());
  return m?.[1] ? { id: m[1], rest: (m[2] ?? '').trim() } : null;
}

/** An event field whose parser is its rule in fields.ts (the start it is checked against: the answer so far, else now). */
function ruled(id: EditableField, ask: (f: FormView, ctx: TurnContext) => string, show: (f: FormView) => string | undefined, extra: Partial<FieldSpec> = {}): FieldSpec {
  return {
    id,
    label: EDITABLE_FIELD_NAMES[id],
    aliases: FIELD_WORDS[id],
    ask: (f, ctx) => ({ text: ask(f, ctx) }),
    show,
    parse(text, f, ctx): Answer {
      const now = ctx.now.getTime();
      const r = FIELD_RULES[id](text, { now, startAt: f.num('startAt') ?? now });
      if (!r.ok) return { ok: false, error: FIELD_ERRORS[r.error] };
      return { ok: true, value: r.value, clear: id === 'startAt' && typeof r.value === 'number' ? unfitFor(r.value, f) : [] };
    },
    ...extra,
  };
}

/** A new start drops an end or a deadline it no longer fits (they are asked again). */
function unfitFor(start: number, f: FormView): EditableField[] {
  const end = f.num('endAt');
  const deadline = f.num('deadline');
  return [...(end !== undefined && end <= start ? ['endAt' as const] : []), ...(deadline !== undefined && deadline > start ? ['deadline' as const] : [])];
}

const text = (id: string) => (f: FormView) => W.shown.text(f.str(id) ?? '');
const time = (id: string) => (f: FormView) => {
  const ms = f.num(id);
  return ms === undefined ? undefined : W.shown.time(ms);
};
const knownOf = (f: FormView): GroupChoice[] => knownSchema.catch([]).parse(f.meta['known']);
const groupLabel = (g: GroupChoice) => g.name || `${g.address.platform}:${g.address.chatId}`;

/** A date or time typed one question late, at the place. */
const LOOKS_LIKE_TIME: Misfit = { like: W.timeLike, test: (t, ctx) => parseDateTime(t, ctx.now.getTime(), { defaultTime: { h: 0, mi: 0 } }) !== null };

/** The /newevent questions in order. */
const WIZARD_FIELDS: FieldSpec[] = [
  ruled('title', () => W.title, (f) => f.str('title'), { anyText: true }),
  ruled('description', () => W.description, text('description'), { anyText: true }),
  ruled('startAt', () => W.start, time('startAt')),
  ruled('endAt', () => W.end, time('endAt')),
  ruled('place', () => W.place, text('place'), { anyText: true, misfits: [LOOKS_LIKE_TIME] }),
  ruled('capacity', () => W.capacity, (f) => {
    const n = f.num('capacity');
    return n === undefined ? undefined : W.shown.capacity(n);
  }),
  ruled('deadline', (f, ctx) => W.deadline(f.num('startAt') ?? ctx.now.getTime(), ctx.now.getTime()), time('deadline')),
  {
    id: 'groups',
    label: W.groupsLabel,
    ask: (f) => {
      const names = knownOf(f).map(groupLabel);
      return { text: W.groups(names), ...(names.length ? { choices: names } : {}) };
    },
    parse: (answer, f) => {
      const g = parseGroups(answer, knownOf(f));
      return g.ok ? { ok: true, value: g.groups } : { ok: false, error: W.badGroups(g.bad) };
    },
    show: (f) => W.shown.groups(z.array(addressSchema).catch([]).parse(f.values['groups'])),
  },
  {
    id: 'fields',
    label: W.fieldsLabel,
    ask: () => ({ text: W.fields }),
    parse: (answer) => {
      const r = parseFieldSpec(answer);
      return r.ok ? { ok: true, value: r.fields } : { ok: false, error: W.badFields(r.bad) };
    },
    show: (f) => W.shown.fields(z.array(fieldSpecSchema).catch([]).parse(f.values['fields'])),
  },
];

/** What each field of an event is now, as /editevent shows it. */
function currentValues(ev: EventDef): Record<EditableField, string> {
  return {
    title: ev.title,
    description: W.shown.text(ev.description),
    startAt: W.shown.time(ev.startAt),
    endAt: W.shown.time(ev.endAt),
    place: W.shown.text(ev.place),
    capacity: W.shown.capacity(ev.capacity),
    deadline: W.shown.time(ev.deadline),
  };
}

export function staffTools(deps: CoreDeps) {
  const svc = eventService(deps);
  const resumeHours = deps.config.FORM_RESUME_HOURS;

  // ---- /newevent ----
  const wizard = new Form(
    {
      id: 'newevent',
      version: 2,
      intent: EVENT_LIST,
      fields: WIZARD_FIELDS,
      confirm: { ask: (f, ctx) => ({ text: W.confirm(eventDraft.parse(f.values), ctx.now.getTime()) }), unclear: W.confirmAgain },
      async submit(f, ctx): Promise<Submitted> {
        const r = await svc.createEvent(actorOf(ctx), eventDraft.parse(f.values));
        // A value that went stale while the wizard was open (a start now in the past) is asked again.
        if (r.outcome === 'invalid') return { done: false, replies: [{ text: FIELD_ERRORS[r.error] }], ask: r.field };
        return { done: true, replies: [{ text: W.published(r.event, r.announcedGroups) }] };
      },
      texts: { cancelled: W.quit, restarted: W.restarted },
    },
    { resumeHours },
  );

  async function newEvent(ctx: TurnContext): Promise<TurnResult> {
    return wizard.start(ctx, { meta: { known: await svc.knownGroups(actorOf(ctx)) } });
  }

  // ---- /editevent ----
  const metaOf = (f: FormView) => editMeta.parse(f.meta);
  const chosenField = (f: FormView): EditableField => z.enum(EDITABLE_FIELDS).parse(f.values['field']);
  const whichField: FieldSpec = {
    id: 'field',
    label: P.edit.whichLabel,
    ask: (f) => ({ text: P.edit.which(metaOf(f).title), choices: EDITABLE_FIELDS.map((x) => EDITABLE_FIELD_NAMES[x]) }),
    parse(answer, f) {
      const n = parseCount(answer);
      const field = n !== null ? EDITABLE_FIELDS[n - 1] : fieldNamed(answer);
      if (!field) return { ok: false, error: P.edit.whichUnclear };
      return { ok: true, value: field, clear: field === f.str('field') ? [] : ['value'] };
    },
    show: (f) => EDITABLE_FIELD_NAMES[chosenField(f)],
  };
  /** The new value, checked by the wizard's field for it against the event's own start. */
  const valueField = (field: EditableField): FieldSpec => ({
    id: 'value',
    label: P.edit.valueLabel,
    anyText: WIZARD_FIELDS.find((x) => x.id === field)?.anyText ?? false,
    ask: (f) => ({ text: P.edit.value(EDITABLE_FIELD_NAMES[field], metaOf(f).current[field] ?? '') }),
    async parse(answer, f, ctx) {
      const r = await wizard.check(field, answer, ctx, { startAt: metaOf(f).startAt });
      return r.ok === true ? { ok: true, value: answer } : r;
    },
  });
  const editForm = new Form(
    {
      id: 'editevent',
      version: 1,
      intent: EVENT_LIST,
      fields: (f) => (f.values['field'] === undefined ? [whichField] : [whichField, valueField(chosenField(f))]),
      async submit(f, ctx): Promise<Submitted> {
        const { eventId } = metaOf(f);
        const r = await svc.editEvent(actorOf(ctx), eventId, chosenField(f), f.str('value') ?? '');
        if (r.outcome === 'invalid') return { done: false, replies: [{ text: FIELD_ERRORS[r.error] }], ask: 'value' };
        return { done: true, replies: [{ text: edited(ctx, eventId, r) }] };
      },
      texts: { cancelled: P.edit.quit, restarted: P.edit.restarted },
    },
    { resumeHours },
  );

  /** What /editevent says about an edit (one line or the form). */
  function edited(ctx: TurnContext, id: string, r: EditResult): string {
    switch (r.outcome) {
      case 'missing':
        return P.noSuchEvent(id);
      case 'cancelled':
        return P.edit.cancelled;
      case 'invalid':
        return FIELD_ERRORS[r.error];
      case 'edited': {
        const note = r.overCapacity === null ? '' : `\n${P.edit.capacityBelow(r.overCapacity)}`;
        return P.edit.done(r.event, r.field, r.notified, r.promoted, ctx.now.getTime()) + note;
      }
    }
  }

  /** `/editevent ID 字段 值` at once; `/editevent ID` (or `ID 字段`) opens the edit form. */
  async function edit(ctx: TurnContext, args: string): Promise<TurnResult> {
    const m = /^(\S+)(?:\s+(\S+))?(?:\s+([\s\S]+))?$/.exec(args.trim());
    if (!m?.[1]) return done(P.usage.edit);
    const [, id, word, value] = m;
    // The event is looked up first, so a wrong id is reported before a wrong field.
    const ev = await svc.findEvent(id, ctx.log);
    if (!ev) return done(P.noSuchEvent(id));
    if (ev.status === 'cancelled') return done(P.edit.cancelled);
    const field = word === undefined ? null : fieldNamed(word);
    if (word !== undefined && !field) return done(P.edit.unknownField(word));
    if (field && value !== undefined) return done(edited(ctx, id, await svc.editEvent(actorOf(ctx), id, field, value)));
    return editForm.start(ctx, { values: field ? { field } : {}, meta: { eventId: ev.id, title: ev.title, startAt: ev.startAt, current: currentValues(ev) } });
  }



  // ---- one-shot commands ----
  const noSuchEvent = (id: string) => done(P.noSuchEvent(id));

  async function close(ctx: TurnContext, args: string): Promise<TurnResult> {
    const a = idAndRest(args);
    if (!a) return done(P.usage.id('closeevent'));
    const r = await svc.closeEvent(actorOf(ctx), a.id);
    if (r.outcome === 'missing') return noSuchEvent(a.id);
    return done(r.outcome === 'closed' ? P.closed(r.event) : P.notOpen(r.event));
  }

  async function reopen(ctx: TurnContext, args: string): Promise<TurnResult> {
    const a = idAndRest(args);
    if (!a) return done(P.usage.id('openevent'));
    const r = await svc.reopenEvent(actorOf(ctx), a.id);
    if (r.outcome === 'missing') return noSuchEvent(a.id);
    return done(r.outcome === 'reopened' ? P.reopened(r.event) : P.notClosed(r.event));
  }

  // ---- /cancelevent: cannot be undone, so it asks first, saying how many will be told ----
  const cancelMeta = z.object({ eventId: z.string(), reason: z.string(), title: z.string(), people: z.number(), groups: z.number() });
  const sureField: FieldSpec = {
    id: 'sure',
    label: P.cancelAsk.label,
    // A gate: its own words decide. 取消 abandons the command, as in every form: the safe reading of an irreversible step.
    fixed: true,
    ask: (f) => {
      const m = cancelMeta.parse(f.meta);
      return { text: P.cancelAsk.question(m.title, m.reason, m.people, m.groups), choices: [...P.cancelAsk.choices] };
    },
    parse(text): Answer {
      if (CANCEL_EVENT_YES.test(text.trim())) return { ok: true, value: true };
      if (CANCEL_EVENT_NO.test(text.trim()) || isNo(text) || isKeepGoing(text) || isCancel(text)) return { ok: 'end', replies: [{ text: P.cancelAsk.kept }] };
      return { ok: false, error: P.cancelAsk.unclear };
    },
  };
  const cancelForm = new Form(
    {
      id: 'cancelevent',
      version: 1,
      intent: EVENT_LIST,
      fields: [sureField],
      async submit(f, ctx): Promise<Submitted> {
        const { eventId, reason } = cancelMeta.parse(f.meta);
        const r = await svc.cancelEvent(actorOf(ctx), eventId, reason);
        if (r.outcome === 'missing') return { done: true, replies: [{ text: P.noSuchEvent(eventId) }] };
        return { done: true, replies: [{ text: r.outcome === 'cancelled' ? P.eventCancelled(r.event, r.notified) : P.alreadyCancelled(r.event) }] };
      },
      texts: { restarted: P.cancelAsk.restarted },
    },
    { resumeHours },
  );

  async function cancelEvent(ctx: TurnContext, args: string): Promise<TurnResult> {
    const a = idAndRest(args);
    if (!a?.rest) return done(P.usage.cancel);
    const r = await svc.cancelPreview(actorOf(ctx), a.id);
    if (r.outcome === 'missing') return noSuchEvent(a.id);
    if (r.outcome === 'already-cancelled') return done(P.alreadyCancelled(r.event));
    return cancelForm.start(ctx, { meta: { eventId: r.event.id, reason: a.rest, title: r.event.title, people: r.people, groups: r.groups } });
  }

  async function roster(ctx: TurnContext, args: string): Promise<TurnResult> {
    const a = idAndRest(args);
    if (!a) return done(P.usage.id('roster'));
    const r = await svc.roster(actorOf(ctx), a.id);
    if (r.outcome === 'missing') return noSuchEvent(a.id);
    const file = { name: P.rosterFile(r.event), mimeType: 'text/csv', data: toCsv(r.rows), ref: svc.rosterRef(actorOf(ctx), r.event) };
    return { replies: [{ text: P.roster(r.event, r.counts), file }], dialog: null };
  }

  /** What check-in says about one person. */
  function checkedInLine(r: CheckInOne): string {
    switch (r.outcome) {
      case 'not-found':
        return P.checkin.notFound(r.query);
      case 'ambiguous':
        return P.checkin.ambiguous(r.query, r.candidates.map((x) => P.checkin.candidate(x.seat, x.name, maskPhone(x.phone))));
      case 'waitlisted':
        return P.checkin.waitlisted(r.name, r.position);
      case 'not-registered':
        return P.checkin.notRegistered(r.name);
      case 'already':
        return P.checkin.already(r.name, r.at);
      case 'checked-in':
        return P.checkin.done(r.name);
    }
  }

  /** `/checkin ID 张三` or several at once: `签到 1 刘建国,孙丽` (one line each, then the count). */
  async function checkin(ctx: TurnContext, args: string): Promise<TurnResult> {
    const a = idAndRest(args);
    if (!a?.rest) return done(P.usage.checkin);
    const r = await svc.checkInAll(actorOf(ctx), a.id, a.rest);
    if (r.outcome === 'missing') return noSuchEvent(a.id);
    const [only] = r.results;
    if (r.results.length === 1 && only?.outcome === 'checked-in') return done(P.checkin.ok(only.name, r.checkedIn, r.registered));
    const total = r.results.some((x) => x.outcome === 'checked-in') ? [P.checkin.total(r.checkedIn, r.registered)] : [];
    return done([...r.results.map(checkedInLine), ...total].join('\n'));
  }

  async function all(ctx: TurnContext): Promise<TurnResult> {
    const events = await svc.allEvents(actorOf(ctx));
    if (events.length === 0) return done(P.allNone);
    const now = ctx.now.getTime();
    return done(`${P.allHeader}\n${events.map((x) => P.allItem(x.event, x.counts, now)).join('\n')}`);
  }

  /** The router refuses members before a command runs; an operation refusing anyway (a role revoked mid-wizard) ends the turn politely. */
  const staffOnly =
    <A extends unknown[]>(fn: (ctx: TurnContext, ...rest: A) => Promise<TurnResult>) =>
    async (ctx: TurnContext, ...rest: A): Promise<TurnResult> => {
      try {
        return await fn(ctx, ...rest);
      } catch (err) {
        if (err instanceof ForbiddenError) return done(P.notStaff);
        throw err;
      }
    };

  const formOf = (dialog: Dialog) => [editForm, cancelForm].find((form) => form.owns(dialog)) ?? wizard;

  const commands: CommandSpec[] = [
    { names: ['newevent', '发布活动', '创建活动', '新建活动'], role: 'staff', summary: P.summaries.newEvent, run: staffOnly(newEvent) },
    { names: ['editevent', '修改活动'], role: 'staff', summary: P.summaries.edit, run: staffOnly(edit) },
    { names: ['closeevent', '截止报名', '关闭报名'], role: 'staff', summary: P.summaries.close, run: staffOnly(close) },
    { names: ['openevent', '开放报名', '重新开放报名'], role: 'staff', summary: P.summaries.reopen, run: staffOnly(reopen) },
    { names: ['cancelevent', '取消活动'], role: 'staff', summary: P.summaries.cancel, run: staffOnly(cancelEvent) },
    { names: ['roster', '导出名单', '报名名单'], role: 'staff', summary: P.summaries.roster, run: staffOnly(roster) },
    { names: ['checkin', '签到'], role: 'staff', summary: P.summaries.checkin, run: staffOnly(checkin) },
    { names: ['allevents', '全部活动'], role: 'staff', summary: P.summaries.all, run: staffOnly(all) },
  ];

  return {
    commands,
    continueDialog: staffOnly((ctx: TurnContext, dialog: Dialog) => formOf(dialog).continue(ctx, dialog)),
    reprompt: (ctx: TurnContext, dialog: Dialog) => formOf(dialog).reprompt(ctx, dialog),
  };
}
