/** event_cancel: a member cancels a registration or waitlist entry; the head of the waitlist is promoted and notified. */
import { z } from 'zod';
import type { CoreDeps, IntentDefinition, IntentFactory, TurnContext, TurnResult } from '../../../src/core/service.ts';
import type { Dialog } from '../../../src/core/session.ts';
import { ask, end, lastQuestion, say } from '../dialog.ts';
import { maskName } from '../../../src/core/text.ts';
import type { EventDef } from '../model.ts';
import { EVENT_CANCEL as INTENT, actorOf, eventService } from '../service.ts';
import { CANCEL_TEXT as P } from '../texts.ts';
import { extractQuery, isNo, isQuit, isYes, matchEvents, parseIndex } from '../util.ts';

const V = 1;
const VERBS = /(取消报名|退出报名|撤销报名|取消候补|退出候补|不参加了|不参加|不去了|去不了|取消参加|取消|退出|cancel)\s*/iu;
const filledSchema = z.object({ candidates: z.array(z.string()).default([]), eventId: z.string().optional() });

const factory: IntentFactory = async (deps: CoreDeps): Promise<IntentDefinition> => {
  const svc = eventService(deps);
  const { store } = svc;
  const base = (ctx: TurnContext) => ({ intent: INTENT, v: V, now: ctx.now.getTime(), resumeHours: deps.config.FORM_RESUME_HOURS });

  /** The member's registrations and waitlist entries for events that have not ended and are not cancelled. */
  async function mine(ctx: TurnContext): Promise<EventDef[]> {
    const now = ctx.now.getTime();
    return (await svc.myRegistrations(actorOf(ctx))).map((r) => r.event).filter((e) => e.status !== 'cancelled' && e.endAt > now);
  }

  async function start(ctx: TurnContext, query: string): Promise<TurnResult> {
    const events = await mine(ctx);
    if (events.length === 0) return end([say(P.nothing)]);
    if (!query) return events.length === 1 && events[0] ? confirm(ctx, events[0]) : pick(ctx, events);
    const idx = parseIndex(query);
    if (idx !== null && events[idx - 1]) return confirm(ctx, events[idx - 1] as EventDef);
    const matches = matchEvents(query, events);
    if (matches.length === 1 && matches[0]) return confirm(ctx, matches[0]);
    if (matches.length > 1) return pick(ctx, matches);
    return pick(ctx, events, [say(P.notFound(query))]);
  }

  function pick(ctx: TurnContext, events: EventDef[], before: ReturnType<typeof say>[] = []): TurnResult {
    return ask(base(ctx), 'pick', { candidates: events.map((e) => e.id) }, { text: P.pick, choices: events.map((e) => e.title) }, before);
  }

  async function confirm(ctx: TurnContext, ev: EventDef): Promise<TurnResult> {
    const st = await store.memberState(ev.id, ctx.member);
    if (st.state === null) return end([say(P.none(ev))]);
    return ask(base(ctx), 'confirm', { eventId: ev.id }, { text: P.confirm(ev, st.state === 'waitlisted', ctx.now.getTime()) });
  }

  async function cancel(ctx: TurnContext, eventId: string): Promise<TurnResult> {
    const r = await svc.cancelRegistration(actorOf(ctx), eventId);
    if (r.outcome === 'missing') return end([say(P.nothing)]);
    const { event: ev, registration: reg } = r;
    const who = maskName(reg?.values['name'] ?? reg?.displayName ?? ctx.msg.senderName);
    const group = ctx.msg.chatType === 'group';
    switch (r.outcome) {
      case 'cancelled':
        return end([say(group ? P.groupCancelled(who, ev) : P.cancelled(ev))]);
      case 'left-waitlist':
        return end([say(group ? P.groupLeftWaitlist(who, ev) : P.leftWaitlist(ev))]);
      case 'none':
        return end([say(P.none(ev))]);
    }
  }

  async function continueDialog(ctx: TurnContext, dialog: Dialog): Promise<TurnResult> {
    const text = ctx.text.trim();
    const parsed = filledSchema.safeParse(dialog.filled);
    if (dialog.v !== V || !parsed.success) return end([say(P.formChanged)]);
    if (text.startsWith('/')) return { replies: [], passThrough: true };
    const f = parsed.data;
    if (dialog.asking === 'pick') {
      if (isQuit(text) || isNo(text)) return end([say(P.kept)]);
      const idx = parseIndex(text);
      let id = idx !== null ? f.candidates[idx - 1] : undefined;
      if (!id) {
        const events = (await Promise.all(f.candidates.map((c) => store.get(c)))).filter((e): e is EventDef => e !== null);
        const m = matchEvents(text, events);
        if (m.length === 1) id = m[0]?.id;
      }
      const ev = id ? await store.get(id) : null;
      if (ev) return confirm(ctx, ev);
      if (Array.from(text).length > 12) return { replies: [], passThrough: true };
      return { replies: [say(P.pickAgain), ...lastQuestion(dialog)] };
    }
    if (dialog.asking === 'confirm' && f.eventId) {
      if (isYes(text) || /^(取消|确认取消|取消报名)$/.test(text)) return cancel(ctx, f.eventId);
      if (isNo(text) || /^(保留|算了)$/.test(text)) return end([say(P.kept)]);
      return { replies: [say(P.confirmAgain)] };
    }
    return end([say(P.formChanged)]);
  }

  return {
    id: INTENT,
    commands: [
      { names: ['取消报名', '退出报名', '取消候补', 'cancelreg'], groupTrigger: true, summary: P.summary, run: (ctx, args) => start(ctx, extractQuery(args, VERBS)) },
    ],
    handle: (ctx) => start(ctx, extractQuery(ctx.text, VERBS)),
    continueDialog,
    repromptDialog: (_ctx, dialog) => lastQuestion(dialog),
  };
};

export default factory;
