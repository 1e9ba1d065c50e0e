/** event_register: pick an event, fill only the missing fields (saved profile reused with consent), confirm, waitlist when full. */
import { z } from 'zod';
import type { CoreDeps, IntentDefinition, IntentFactory, TurnContext, TurnResult } from '../../../src/core/service.ts';
import type { Dialog } from '../../../src/core/session.ts';
import { ask, end, lastQuestion, say } from '../dialog.ts';
import { maskName } from '../../../src/core/text.ts';
import { looksLikeQuestion } from '../../../src/kit/fields.ts';
import { isProfileKind, type EventDef, type Profile } from '../model.ts';
import { EVENT_REGISTER as INTENT, actorOf, eventService, listedEvents } from '../service.ts';
import { REGISTER_TEXT as P } from '../texts.ts';
import { checkField, extractQuery, isNo, isQuit, isYes, matchEvents, parseIndex, privateAddress } from '../util.ts';

const V = 1;
const VERBS = /(我要报名|报个名|报名|参加|参与|(?:please\s+)?(?:register|sign\s*(?:me\s*)?up|join)(?:\s+(?:me\s+)?(?:for|in))?(?:\s+the)?)\s*/iu;

const filledSchema = z.object({
  eventId: z.string().optional(),
  candidates: z.array(z.string()).default([]),
  values: z.record(z.string(), z.string()).default({}),
  fieldKey: z.string().optional(),
  usedProfile: z.boolean().default(false),
  skipProfile: z.boolean().default(false),
});
type Filled = z.infer<typeof filledSchema>;

const factory: IntentFactory = async (deps: CoreDeps): Promise<IntentDefinition> => {
  const svc = eventService(deps);
  const { store } = svc;
  const resumeHours = deps.config.FORM_RESUME_HOURS;
  const base = (ctx: TurnContext) => ({ intent: INTENT, v: V, now: ctx.now.getTime(), resumeHours });
  const inGroup = (ctx: TurnContext) => ctx.msg.chatType === 'group';

  async function start(ctx: TurnContext, query: string): Promise<TurnResult> {
    if (!inGroup(ctx) && !query) {
      // A registration started in a group continues here, in private.
      const pending = await store.pending(ctx.member);
      if (pending) {
        await store.clearPending(ctx.member);
        return begin(ctx, pending.eventId, filledSchema.parse({}));
      }
    }
    const events = await svc.openEvents();
    if (events.length === 0) return end([say(P.noEvents)]);
    if (!query) return events.length === 1 && events[0] ? begin(ctx, events[0].id, filledSchema.parse({})) : pick(ctx, events);
    const idx = parseIndex(query);
    if (idx !== null) {
      const listed = listedEvents.recall(ctx.session);
      const id = listed ? listed[idx - 1] : events[idx - 1]?.id;
      if (id) return begin(ctx, id, filledSchema.parse({}));
    }
    const matches = matchEvents(query, events);
    if (matches.length === 1 && matches[0]) return begin(ctx, matches[0].id, filledSchema.parse({}));
    if (matches.length > 1) return pick(ctx, matches);
    return pick(ctx, events, [say(P.notFound(query))]);
  }

  function pick(ctx: TurnContext, events: EventDef[], before: ReturnType<typeof say>[] = []): TurnResult {
    return ask(base(ctx), 'pick', { candidates: events.map((e) => e.id) }, { text: P.pick, choices: events.map((e) => e.title) }, before);
  }

  async function begin(ctx: TurnContext, eventId: string, f: Filled): Promise<TurnResult> {
    const now = ctx.now.getTime();
    const ev = await store.get(eventId);
    if (!ev) return end([say(P.gone)]);
    const who = await displayName(ctx, f);
    const st = await store.memberState(ev.id, ctx.member);
    if (st.state === 'registered') return end([say(inGroup(ctx) ? P.groupAlreadyRegistered(maskName(who), ev) : P.alreadyRegistered(ev, st.position))]);
    if (st.state === 'waitlisted') return end([say(inGroup(ctx) ? P.groupAlreadyWaitlisted(maskName(who), ev, st.position) : P.alreadyWaitlisted(ev, st.position))]);
    const closedReason = unavailable(ev, now);
    if (closedReason) return end([say(closedReason)]);

    const filled: Filled = { ...f, eventId: ev.id, values: { ...f.values } };
    const profile = await store.profile(ctx.member);
    if (!filled.skipProfile && profile?.consent) {
      for (const field of ev.fields) {
        if (filled.values[field.key] || !isProfileKind(field.kind)) continue;
        const saved = profile[field.kind];
        if (saved) {
          filled.values[field.key] = saved;
          filled.usedProfile = true;
        }
      }
    }
    if (inGroup(ctx)) {
      const missing = ev.fields.filter((x) => !filled.values[x.key]);
      if (missing.length > 0) {
        await store.setPending(ctx.member, { eventId: ev.id, fromChatId: ctx.msg.chatId, at: now }, resumeHours * 3600);
        return end([say(P.groupGoPrivate(maskName(who), ev, missing.map((x) => x.label).join('、')))]);
      }
      // Everything is known already (saved profile): the group message itself is the confirmation.
      return submit(ctx, ev, filled, false);
    }
    return next(ctx, ev, filled, profile);
  }

  function unavailable(ev: EventDef, now: number): string | null {
    if (ev.status === 'cancelled') return P.cancelled(ev);
    if (ev.status === 'closed') return P.closed(ev);
    if (now > ev.deadline) return P.deadline(ev);
    return null;
  }

  async function displayName(ctx: TurnContext, f: Filled): Promise<string> {
    if (f.values['name']) return f.values['name'];
    const profile = await store.profile(ctx.member);
    return (profile?.consent && profile.name) || ctx.msg.senderName;
  }

  function next(ctx: TurnContext, ev: EventDef, f: Filled, profile: Profile | null, before: ReturnType<typeof say>[] = []): TurnResult {
    const missing = ev.fields.find((x) => !f.values[x.key]);
    if (missing) {
      return ask(base(ctx), 'field', { ...f, fieldKey: missing.key }, { text: P.askField(ev, missing), ...(missing.choices ? { choices: missing.choices } : {}) }, before);
    }
    if (profile === null && ev.fields.some((x) => isProfileKind(x.kind))) {
      return ask(base(ctx), 'consent', f, { text: P.askConsent }, before);
    }
    const lines = ev.fields.map((x) => `${x.label}：${f.values[x.key] ?? ''}`);
    return ask(base(ctx), 'confirm', f, { text: P.confirm(ev, lines, f.usedProfile, ctx.now.getTime()) }, before);
  }

  function profileFrom(ev: EventDef, values: Record<string, string>, now: number): Profile {
    const p: Profile = { consent: true, updatedAt: now };
    for (const field of ev.fields) {
      const v = values[field.key];
      if (v && isProfileKind(field.kind)) p[field.kind] = v;
    }
    return p;
  }

  async function submit(ctx: TurnContext, ev: EventDef, f: Filled, allowWaitlist: boolean): Promise<TurnResult> {
    const now = ctx.now.getTime();
    const name = f.values['name'] ?? (await displayName(ctx, f));
    const profile = await store.profile(ctx.member);
    if (profile?.consent && !inGroup(ctx)) await store.saveProfile(ctx.member, { ...profile, ...profileFrom(ev, f.values, now) });
    const r = await svc.register(actorOf(ctx), { eventId: ev.id, values: f.values, displayName: name, address: privateAddress(ctx.msg) }, allowWaitlist);
    const who = maskName(name);
    const group = inGroup(ctx);
    switch (r.outcome) {
      case 'registered':
        return end([say(group ? P.groupRegistered(who, ev, ev.capacity - r.registeredCount) : P.registered(ev, r.position, deps.config.EVENT_REMINDER_MINUTES, now))]);
      case 'waitlisted':
        return end([say(group ? P.groupWaitlisted(who, ev, r.position) : P.waitlisted(ev, r.position))]);
      case 'full':
        return ask(base(ctx), 'waitlist', f, { text: P.offerWaitlist(ev, r.position) });
      case 'already-registered':
        return end([say(group ? P.groupAlreadyRegistered(who, ev) : P.alreadyRegistered(ev, r.position))]);
      case 'already-waitlisted':
        return end([say(group ? P.groupAlreadyWaitlisted(who, ev, r.position) : P.alreadyWaitlisted(ev, r.position))]);
      case 'closed':
        return end([say(P.closed(ev))]);
      case 'deadline':
        return end([say(P.deadline(ev))]);
      case 'cancelled':
        return end([say(P.cancelled(ev))]);
      case 'missing':
        return end([say(P.gone)]);
    }
  }

  async function continueDialog(ctx: TurnContext, dialog: Dialog): Promise<TurnResult> {
    if (dialog.v !== V) return end([say(P.formChanged)]);
    const text = ctx.text.trim();
    if (isQuit(text)) return end([say(P.quit)]);
    if (text.startsWith('/')) return { replies: [], passThrough: true };
    const parsed = filledSchema.safeParse(dialog.filled);
    if (!parsed.success) return end([say(P.formChanged)]);
    const f = parsed.data;

    if (dialog.asking === 'pick') {
      const idx = parseIndex(text);
      let id = idx !== null ? f.candidates[idx - 1] : undefined;
      if (!id) {
        const events = (await Promise.all(f.candidates.map((c) => store.get(c)))).filter((e): e is EventDef => e !== null);
        const m = matchEvents(text, events);
        if (m.length === 1) id = m[0]?.id;
      }
      if (id) return begin(ctx, id, filledSchema.parse({}));
      if (Array.from(text).length > 12) return { replies: [], passThrough: true };
      return { replies: [say(P.pickAgain), ...lastQuestion(dialog)] };
    }

    const ev = f.eventId ? await store.get(f.eventId) : null;
    if (!ev) return end([say(P.gone)]);
    const closedReason = unavailable(ev, ctx.now.getTime());
    if (closedReason) return end([say(closedReason)]);

    switch (dialog.asking) {
      case 'field': {
        const field = ev.fields.find((x) => x.key === f.fieldKey);
        if (!field) return next(ctx, ev, f, await store.profile(ctx.member));
        // A question in the middle of the form is not an answer: let the router answer it, then re-ask.
        if (/[?？]$/.test(text) && field.kind !== 'text') return { replies: [], passThrough: true };
        const check = checkField(field, text);
        if (!check.ok) {
          // "我要申请住院互助" or "转人工" typed into the form is another service: the router answers it, then re-asks.
          const c = ctx.classified;
          const other = c && c.intent !== INTENT && c.intent !== 'unknown' && c.intent !== 'help' && c.confidence >= 0.6;
          if (/[\u4e00-\u9fff]/.test(text) && (other || looksLikeQuestion(text))) return { replies: [], passThrough: true };
          return { replies: [say(P.invalid[check.reason]), ...(field.choices ? [{ choices: field.choices }] : [])] };
        }
        const values = { ...f.values, [field.key]: check.value };
        return next(ctx, ev, { ...f, values }, await store.profile(ctx.member));
      }
      case 'consent': {
        const now = ctx.now.getTime();
        if (isYes(text)) {
          const p = profileFrom(ev, f.values, now);
          await store.saveProfile(ctx.member, p);
          return next(ctx, ev, f, p, [say(P.consentYes)]);
        }
        if (isNo(text)) {
          const p: Profile = { consent: false, updatedAt: now };
          await store.saveProfile(ctx.member, p);
          return next(ctx, ev, f, p, [say(P.consentNo)]);
        }
        return { replies: lastQuestion(dialog) };
      }
      case 'confirm': {
        if (/^(修改|重填|重新填写|改)$/.test(text)) {
          return next(ctx, ev, { ...f, values: {}, usedProfile: false, skipProfile: true }, await store.profile(ctx.member));
        }
        if (isYes(text)) return submit(ctx, ev, f, false);
        if (isNo(text)) return end([say(P.notSubmitted)]);
        return { replies: [say(P.confirmAgain)] };
      }
      case 'waitlist': {
        if (isYes(text)) return submit(ctx, ev, f, true);
        if (isNo(text)) return end([say(P.noWaitlist)]);
        return { replies: [say(P.waitlistAgain)] };
      }
      default:
        return end([say(P.formChanged)]);
    }
  }

  return {
    id: INTENT,
    commands: [
      { names: ['报名', '我要报名', 'register', 'signup'], groupTrigger: true, summary: P.summary, run: (ctx, args) => start(ctx, extractQuery(args, VERBS)) },
      {
        names: ['忘记我的资料', 'forgetme'],
        summary: P.forgetSummary,
        run: async (ctx) => end([say((await store.forgetProfile(ctx.member)) ? P.forgotten : P.nothingToForget)]),
      },
    ],
    handle: (ctx) => start(ctx, extractQuery(ctx.text, VERBS)),
    continueDialog,
    repromptDialog: (_ctx, dialog) => lastQuestion(dialog),
  };
};

export default factory;
