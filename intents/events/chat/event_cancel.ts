/** event_cancel: a member cancels a registration or waitlist entry; the head of the waitlist is promoted and notified. */
import { z } from 'zod';
import type { CoreDeps, IntentDefinition, IntentFactory, TurnContext, TurnResult } from '../../../src/core/service.ts';
import type { Reply } from '../../../src/core/message.ts';
import { maskName } from '../../../src/core/text.ts';
import { Form } from '../../../src/kit/forms/engine.ts';
import type { Answer, FieldSpec, FormView, Submitted } from '../../../src/kit/forms/spec.ts';
import { parseCount } from '../../../src/kit/forms/types.ts';
import { isNo, isYes } from '../../../src/kit/words.ts';
import type { EventDef } from '../model.ts';
import { EVENT_CANCEL as INTENT, actorOf, eventService } from '../service.ts';
import { CANCEL_TEXT as P } from '../texts.ts';
import { briefOf, candidatesOf, candidatesSchema, done, eventBriefSchema, extractQuery, matchEvents, pickCandidate } from '../util.ts';

const VERBS = /(取消报名|退出报名|撤销报名|取消候补|退出候补|不参加了|不参加|不去了|去不了|取消参加|取消|退出|cancel)\s*/iu;
const PICK = 'event';
const CONFIRM = 'confirm';
/** At "确定要取消报名吗", 取消 means yes. */
const CANCEL_IT = /^(取消|确认取消|取消报名)$/;
const KEEP_IT = /^(保留|算了)$/;

const metaSchema = z.object({
  candidates: candidatesSchema,
  eventId: z.string().optional(),
  event: eventBriefSchema.optional(),
  waitlisted: z.boolean().default(false),
});
type Meta = z.infer<typeof metaSchema>;
const metaOf = (f: FormView): Meta => metaSchema.parse(f.meta);

const factory: IntentFactory = async (deps: CoreDeps): Promise<IntentDefinition> => {
  const svc = eventService(deps);
  const { store } = svc;
  const kept: Answer = { ok: 'end', replies: [{ text: P.kept }] };

  /** The member's registrations and waitlist entries for events that have not ended and are not cancelled. */
  async function mine(ctx: TurnContext): Promise<EventDef[]> {
    const now = ctx.now.getTime();
    return (await svc.myRegistrations(actorOf(ctx))).map((r) => r.event).filter((e) => e.status !== 'cancelled' && e.endAt > now);
  }

  /** What the confirmation needs of the event, or the reply when the member is not signed up (any more). */
  async function chosen(ctx: TurnContext, ev: EventDef): Promise<{ text: string } | Meta> {
    const st = await store.memberState(ev.id, ctx.member);
    if (st.state === null) return { text: P.none(ev) };
    return metaSchema.parse({ eventId: ev.id, event: briefOf(ev), waitlisted: st.state === 'waitlisted' });
  }

  const pickField: FieldSpec = {
    id: PICK,
    label: P.pickLabel,
    when: (f) => metaOf(f).candidates.length > 0,
    ask: (f) => ({ text: P.pick, choices: metaOf(f).candidates.map((c) => c.title) }),
    async parse(text, f, ctx) {
      if (isNo(text)) return kept;
      const { candidates } = metaOf(f);
      const id = pickCandidate(text, candidates);
      const ev = id ? await store.get(id, ctx.log) : null;
      if (!ev) return { ok: false, error: P.pickAgain };
      const meta = await chosen(ctx, ev);
      if ('text' in meta) return { ok: 'end', replies: [meta] };
      Object.assign(f.meta, meta, { candidates });
      return { ok: true, value: ev.id };
    },
  };

  // A gate, not a form answer: 取消 here confirms the cancellation.
  const confirmField: FieldSpec = {
    id: CONFIRM,
    label: CONFIRM,
    fixed: true,
    ask: (f, ctx) => {
      const meta = metaOf(f);
      return { text: meta.event ? P.confirm(meta.event, meta.waitlisted, ctx.now.getTime()) : P.formChanged };
    },
    parse: (text) => (isYes(text) || CANCEL_IT.test(text) ? { ok: true, value: true } : isNo(text) || KEEP_IT.test(text) ? kept : { ok: false, error: P.confirmAgain }),
  };

  async function submit(f: FormView, ctx: TurnContext): Promise<Submitted> {
    const { eventId } = metaOf(f);
    const r = eventId ? await svc.cancelRegistration(actorOf(ctx), eventId) : ({ outcome: 'missing' } as const);
    if (r.outcome === 'missing') return { done: true, replies: [{ text: P.nothing }] };
    const { event: ev, registration: reg } = r;
    const who = maskName(reg?.values['name'] ?? reg?.displayName ?? ctx.msg.senderName);
    const group = ctx.msg.chatType === 'group';
    const said = (text: string): Submitted => ({ done: true, replies: [{ text, ...(group ? { namesMember: true } : {}) }] });
    switch (r.outcome) {
      case 'cancelled':
        return said(group ? P.groupCancelled(who, ev) : P.cancelled(ev));
      case 'left-waitlist':
        return said(group ? P.groupLeftWaitlist(who, ev) : P.leftWaitlist(ev));
      case 'none':
        return said(P.none(ev));
    }
  }

  const form = new Form(
    { id: 'event_cancel', version: 2, intent: INTENT, fields: [pickField, confirmField], submit, texts: { cancelled: P.kept, restarted: P.formChanged } },
    { resumeHours: deps.config.FORM_RESUME_HOURS },
  );

  async function start(ctx: TurnContext, query: string): Promise<TurnResult> {
    const events = await mine(ctx);
    if (events.length === 0) return done(P.nothing);
    if (!query) return events.length === 1 && events[0] ? confirm(ctx, events[0]) : pick(ctx, events);
    const n = parseCount(query);
    const numbered = n !== null ? events[n - 1] : undefined;
    if (numbered) return confirm(ctx, numbered);
    const matches = matchEvents(query, events);
    if (matches.length === 1 && matches[0]) return confirm(ctx, matches[0]);
    if (matches.length > 1) return pick(ctx, matches);
    return pick(ctx, events, [{ text: P.notFound(query) }]);
  }

  function pick(ctx: TurnContext, events: EventDef[], lead: Reply[] = []): Promise<TurnResult> {
    return form.start(ctx, { meta: { candidates: candidatesOf(events) } }, lead);
  }

  async function confirm(ctx: TurnContext, ev: EventDef): Promise<TurnResult> {
    const meta = await chosen(ctx, ev);
    return 'text' in meta ? done(meta.text) : form.start(ctx, { meta });
  }

  return {
    id: INTENT,
    commands: [
      { names: ['取消报名', '退出报名', '撤销报名', '退报名', '不报名了', '取消候补', 'cancelreg'], groupTrigger: true, summary: P.summary, run: (ctx, args) => start(ctx, extractQuery(args, VERBS)) },
    ],
    // The form's turns read until the cancellation itself (its submit).
    readsOnly: ['dialog'],
    handle: (ctx) => start(ctx, extractQuery(ctx.text, VERBS)),
    continueDialog: (ctx, dialog) => form.continue(ctx, dialog),
    repromptDialog: (ctx, dialog) => form.reprompt(ctx, dialog),
  };
};

export default factory;
