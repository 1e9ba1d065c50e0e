/** Staff event management in chat: the /newevent wizard and the one-shot commands; the operations (role check, audit, notices) are in service.ts. */
import { z } from 'zod';
import { ForbiddenError } from '../../../src/core/actor.ts';
import type { CommandSpec, CoreDeps, TurnContext, TurnResult } from '../../../src/core/service.ts';
import { addressSchema } from '../../../src/core/message.ts';
import type { Dialog } from '../../../src/core/session.ts';
import { toCsv } from '../../../src/kit/csv.ts';
import { maskPhone } from '../../../src/core/text.ts';
import { ask, end, lastQuestion, say } from '../dialog.ts';
import { FIELD_RULES, type EditableField } from '../fields.ts';
import { fieldSpecSchema } from '../model.ts';
import { EVENT_LIST, actorOf, eventService } from '../service.ts';
import { FIELD_ERRORS, STAFF_TEXT as P } from '../texts.ts';
import { isQuit, parseFieldSpec, parseGroups } from '../util.ts';

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

type Step = 'title' | 'description' | 'start' | 'end' | 'place' | 'capacity' | 'deadline' | 'groups' | 'fields' | 'confirm';
/** The wizard step that asks for each field (re-asked when publishing finds it stale). */
const STEP_OF: Record<EditableField, Step> = { title: 'title', description: 'description', startAt: 'start', endAt: 'end', place: 'place', capacity: 'capacity', deadline: 'deadline' };

/** What staff type after /editevent ID for each field. */
const EDIT_FIELDS: Record<string, EditableField> = {
  标题: 'title', 名称: 'title', title: 'title',
  简介: 'description', 描述: 'description', 说明: 'description', description: 'description',
  开始: 'startAt', 开始时间: 'startAt', 时间: 'startAt', start: 'startAt',
  结束: 'endAt', 结束时间: 'endAt', end: 'endAt',
  地点: 'place', place: 'place',
  名额: 'capacity', 人数: 'capacity', capacity: 'capacity',
  截止: 'deadline', 截止时间: 'deadline', 报名截止: 'deadline', deadline: 'deadline',
};

/** The event id (first word) and the rest of a command's arguments. */
function idAndRest(args: string): { id: string; rest: string } | null {
  const m = /^(\S+)(?:\s+([\s\S]+))?$/.exec(args.trim());
  return m?.[1] ? { id: m[1], rest: (m[2] ?? '').trim() } : null;
}

export function staffTools(deps: CoreDeps) {
  const svc = eventService(deps);
  const base = (ctx: TurnContext) => ({ intent: EVENT_LIST, v: WIZARD_V, now: ctx.now.getTime(), resumeHours: deps.config.FORM_RESUME_HOURS });

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
        const known = await svc.knownGroups(actorOf(ctx));
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
    if (dialog.v !== WIZARD_V || !parsed.success) return end([say(P.wizard.quit)]);
    if (isQuit(text)) return end([say(P.wizard.quit)]);
    if (text.startsWith('/')) return { replies: [], passThrough: true };
    const d = parsed.data;
    const c = { now: ctx.now.getTime(), startAt: d.startAt ?? ctx.now.getTime() };
    switch (dialog.asking) {
      case 'title': {
        const r = FIELD_RULES.title(text, c);
        return r.ok ? askStep(ctx, 'description', { ...d, title: r.value }) : bad(FIELD_ERRORS[r.error]);
      }
      case 'description': {
        const r = FIELD_RULES.description(text, c);
        return r.ok ? askStep(ctx, 'start', { ...d, description: r.value }) : bad(FIELD_ERRORS[r.error]);
      }
      case 'start': {
        const r = FIELD_RULES.startAt(text, c);
        return r.ok ? askStep(ctx, 'end', { ...d, startAt: r.value }) : bad(FIELD_ERRORS[r.error]);
      }
      case 'end': {
        const r = FIELD_RULES.endAt(text, c);
        return r.ok ? askStep(ctx, 'place', { ...d, endAt: r.value }) : bad(FIELD_ERRORS[r.error]);
      }
      case 'place': {
        const r = FIELD_RULES.place(text, c);
        return r.ok ? askStep(ctx, 'capacity', { ...d, place: r.value }) : bad(FIELD_ERRORS[r.error]);
      }
      case 'capacity': {
        const r = FIELD_RULES.capacity(text, c);
        return r.ok ? askStep(ctx, 'deadline', { ...d, capacity: r.value }) : bad(FIELD_ERRORS[r.error]);
      }
      case 'deadline': {
        const r = FIELD_RULES.deadline(text, c);
        return r.ok ? askStep(ctx, 'groups', { ...d, deadline: r.value }) : bad(FIELD_ERRORS[r.error]);
      }
      case 'groups': {
        const g = parseGroups(text, d.known);
        if (!g.ok) return bad(P.wizard.badGroups(g.bad));
        return askStep(ctx, 'fields', { ...d, groups: g.groups });
      }
      case 'fields': {
        const f = parseFieldSpec(text);
        if (!f.ok) return bad(P.wizard.badFields(f.bad));
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

  async function publish(ctx: TurnContext, d: Draft): Promise<TurnResult> {
    const { known: _known, ...draft } = completeDraft.parse(d);
    const r = await svc.createEvent(actorOf(ctx), draft);
    // A value that went stale while the wizard was open (a start now in the past) is asked again.
    if (r.outcome === 'invalid') return askStep(ctx, STEP_OF[r.field], d, [say(FIELD_ERRORS[r.error])]);
    return end([say(P.wizard.published(r.event, r.announcedGroups))]);
  }

  // ---- one-shot commands ----
  const noSuchEvent = (id: string) => end([say(P.noSuchEvent(id))]);

  async function edit(ctx: TurnContext, args: string): Promise<TurnResult> {
    const m = /^(\S+)\s+(\S+)\s+([\s\S]+)$/.exec(args.trim());
    if (!m?.[1] || !m[2] || !m[3]) return end([say(P.usage.edit)]);
    const id = m[1];
    const field = EDIT_FIELDS[m[2].toLowerCase()];
    if (!field) {
      // The event is looked up first, so a wrong id is reported before a wrong field.
      const ev = await svc.findEvent(id);
      if (!ev) return noSuchEvent(id);
      return end([say(ev.status === 'cancelled' ? P.edit.cancelled : P.edit.unknownField(m[2]))]);
    }
    const r = await svc.editEvent(actorOf(ctx), id, field, m[3]);
    switch (r.outcome) {
      case 'missing':
        return noSuchEvent(id);
      case 'cancelled':
        return end([say(P.edit.cancelled)]);
      case 'invalid':
        return end([say(FIELD_ERRORS[r.error])]);
      case 'edited': {
        const note = r.overCapacity === null ? '' : `\n${P.edit.capacityBelow(r.overCapacity)}`;
        return end([say(P.edit.done(r.event, r.field, r.notified, r.promoted, ctx.now.getTime()) + note)]);
      }
    }
  }

  async function close(ctx: TurnContext, args: string): Promise<TurnResult> {
    const a = idAndRest(args);
    if (!a) return end([say(P.usage.id('closeevent'))]);
    const r = await svc.closeEvent(actorOf(ctx), a.id);
    if (r.outcome === 'missing') return noSuchEvent(a.id);
    return end([say(r.outcome === 'closed' ? P.closed(r.event) : P.notOpen(r.event))]);
  }

  async function reopen(ctx: TurnContext, args: string): Promise<TurnResult> {
    const a = idAndRest(args);
    if (!a) return end([say(P.usage.id('openevent'))]);
    const r = await svc.reopenEvent(actorOf(ctx), a.id);
    if (r.outcome === 'missing') return noSuchEvent(a.id);
    return end([say(r.outcome === 'reopened' ? P.reopened(r.event) : P.notClosed(r.event))]);
  }

  async function cancelEvent(ctx: TurnContext, args: string): Promise<TurnResult> {
    const a = idAndRest(args);
    if (!a?.rest) return end([say(P.usage.cancel)]);
    const r = await svc.cancelEvent(actorOf(ctx), a.id, a.rest);
    if (r.outcome === 'missing') return noSuchEvent(a.id);
    return end([say(r.outcome === 'cancelled' ? P.eventCancelled(r.event, r.notified) : P.alreadyCancelled(r.event))]);
  }

  async function roster(ctx: TurnContext, args: string): Promise<TurnResult> {
    const a = idAndRest(args);
    if (!a) return end([say(P.usage.id('roster'))]);
    const r = await svc.roster(actorOf(ctx), a.id);
    if (r.outcome === 'missing') return noSuchEvent(a.id);
    return end([{ text: P.roster(r.event, r.counts), file: { name: P.rosterFile(r.event), mimeType: 'text/csv', data: toCsv(r.rows) } }]);
  }

  async function checkin(ctx: TurnContext, args: string): Promise<TurnResult> {
    const a = idAndRest(args);
    if (!a?.rest) return end([say(P.usage.checkin)]);
    const r = await svc.checkIn(actorOf(ctx), a.id, a.rest);
    switch (r.outcome) {
      case 'missing':
        return noSuchEvent(a.id);
      case 'not-found':
        return end([say(P.checkin.notFound(r.query))]);
      case 'ambiguous':
        return end([say(P.checkin.ambiguous(r.query, r.candidates.map((x) => P.checkin.candidate(x.seat, x.name, maskPhone(x.phone)))))]);
      case 'not-registered':
        return end([say(P.checkin.notRegistered(r.name))]);
      case 'already':
        return end([say(P.checkin.already(r.name, r.at))]);
      case 'checked-in':
        return end([say(P.checkin.ok(r.name, r.checkedIn, r.registered))]);
    }
  }

  async function all(ctx: TurnContext): Promise<TurnResult> {
    const events = await svc.allEvents(actorOf(ctx));
    if (events.length === 0) return end([say(P.allNone)]);
    const now = ctx.now.getTime();
    return end([say(`${P.allHeader}\n${events.map((x) => P.allItem(x.event, x.counts, now)).join('\n')}`)]);
  }

  /** The router refuses members before a command runs; an operation refusing anyway (a role revoked mid-wizard) ends the turn politely. */
  const staffOnly =
    <A extends unknown[]>(fn: (ctx: TurnContext, ...rest: A) => Promise<TurnResult>) =>
    async (ctx: TurnContext, ...rest: A): Promise<TurnResult> => {
      try {
        return await fn(ctx, ...rest);
      } catch (err) {
        if (err instanceof ForbiddenError) return end([say(P.notStaff)]);
        throw err;
      }
    };

  const commands: CommandSpec[] = [
    { names: ['newevent', '发布活动', '创建活动', '新建活动'], role: 'staff', summary: P.summaries.newEvent, run: staffOnly((ctx) => askStep(ctx, 'title', draftSchema.parse({}))) },
    { names: ['editevent', '修改活动'], role: 'staff', summary: P.summaries.edit, run: staffOnly(edit) },
    { names: ['closeevent', '截止报名', '关闭报名'], role: 'staff', summary: P.summaries.close, run: staffOnly(close) },
    { names: ['openevent', '开放报名', '重新开放报名'], role: 'staff', summary: P.summaries.reopen, run: staffOnly(reopen) },
    { names: ['cancelevent', '取消活动'], role: 'staff', summary: P.summaries.cancel, run: staffOnly(cancelEvent) },
    { names: ['roster', '导出名单', '报名名单'], role: 'staff', summary: P.summaries.roster, run: staffOnly(roster) },
    { names: ['checkin', '签到'], role: 'staff', summary: P.summaries.checkin, run: staffOnly(checkin) },
    { names: ['allevents', '全部活动'], role: 'staff', summary: P.summaries.all, run: staffOnly(all) },
  ];

  return { commands, continueWizard: staffOnly(continueWizard), reprompt: lastQuestion };
}
