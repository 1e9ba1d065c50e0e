/**
 * event_register: the sign-up form — pick the event when several match, its own fields (the saved profile
 * prefilled), "记住我的资料？" for a member without a profile, the summary, the waitlist offer when full.
 * In a group, a sign-up with everything known registers at once; otherwise the member continues in private.
 */
import { z } from 'zod';
import type { CoreDeps, IntentDefinition, IntentFactory, TurnContext, TurnResult } from '../../../src/core/service.ts';
import type { Reply } from '../../../src/core/message.ts';
import { FieldCipher, loadEncryptionKey } from '../../../src/core/crypto.ts';
import { maskName } from '../../../src/core/text.ts';
import { Form } from '../../../src/kit/forms/engine.ts';
import type { FieldSpec, FormSpec, FormView, Submitted } from '../../../src/kit/forms/spec.ts';
import { fieldTypes, parseCount } from '../../../src/kit/forms/types.ts';
import { isCancel } from '../../../src/kit/words.ts';
import { fieldSpecSchema, isProfileKind, type EventDef, type FieldSpec as EventField, type Profile } from '../model.ts';
import { EVENT_REGISTER as INTENT, actorOf, eventService, listedEvents } from '../service.ts';
import { FIELD_ALIASES, REGISTER_TEXT as P } from '../texts.ts';
import { briefOf, candidatesOf, candidatesSchema, done, eventBriefSchema, extractQuery, matchEvents, pickCandidate, privateAddress } from '../util.ts';

const VERBS = /(我要报名|报个名|报名|参加|参与|(?:please\s+)?(?:register|sign\s*(?:me\s*)?up|join)(?:\s+(?:me\s+)?(?:for|in))?(?:\s+the)?)\s*/iu;
const PICK = 'event';
const REMEMBER = 'remember';
const WAITLIST = 'waitlist';
/** Asked first when the event is already full as the sign-up opens. */
const WAITLIST_FIRST = 'waitlist_first';
const JOIN_WAITLIST = /^(加入|加入候补|候补|排队)[。!！]*$/;

/** What the form keeps besides the answers: the events to pick from, then the picked event and its fields. */
const metaSchema = z.object({
  candidates: candidatesSchema,
  eventId: z.string().optional(),
  event: eventBriefSchema.optional(),
  fields: z.array(fieldSpecSchema).default([]),
  usedProfile: z.boolean().default(false),
  askConsent: z.boolean().default(false),
  /** How many wait already, for the waitlist offer. */
  waiting: z.number().default(0),
  /** The event was full when the sign-up opened: the waitlist is offered before anything is typed. */
  full: z.boolean().default(false),
});
type Meta = z.infer<typeof metaSchema>;
const metaOf = (f: FormView): Meta => metaSchema.parse(f.meta);
const NO_EVENT = { title: '', startAt: 0, endAt: 0 };

const factory: IntentFactory = async (deps: CoreDeps): Promise<IntentDefinition> => {
  const svc = eventService(deps);
  const { store } = svc;
  const cipher = new FieldCipher(loadEncryptionKey(deps.config, deps.logger));
  const inGroup = (ctx: TurnContext) => ctx.msg.chatType === 'group';
  const ended = (text: string) => ({ replies: [{ text }] });
  // A group reply that names the member (masked) needs no @mention with their full nickname.
  const endedInGroup = (text: string) => ({ replies: [{ text, namesMember: true }] });

  /** The event checked for this member (already signed up, closed), its profile prefill; in a group, missing answers move to private. */
  async function open(ctx: TurnContext, eventId: string): Promise<{ replies: Reply[] } | { values: Record<string, string>; meta: Meta }> {
    // Read together (one round trip: a sign-up rush is thousands of these); the counts serve only an open event.
    const [ev, profile, st, counts] = await Promise.all([store.get(eventId, ctx.log), store.profile(ctx.member, ctx.log), store.memberState(eventId, ctx.member), store.counts(eventId)]);
    if (!ev) return ended(P.gone);
    const who = maskName((profile?.consent && profile.name) || ctx.msg.senderName);
    if (st.state === 'registered') return inGroup(ctx) ? endedInGroup(P.groupAlreadyRegistered(who, ev)) : ended(P.alreadyRegistered(ev, st.position));
    if (st.state === 'waitlisted') return inGroup(ctx) ? endedInGroup(P.groupAlreadyWaitlisted(who, ev, st.position)) : ended(P.alreadyWaitlisted(ev, st.position));
    const closedReason = unavailable(ev, ctx.now.getTime());
    if (closedReason) return ended(closedReason);
    const full = counts.registered >= ev.capacity;
    const values: Record<string, string> = {};
    for (const field of ev.fields) {
      const saved = profile?.consent && isProfileKind(field.kind) ? profile[field.kind] : undefined;
      if (saved) values[field.key] = saved;
    }
    if (inGroup(ctx)) {
      const missing = ev.fields.filter((x) => !values[x.key]);
      if (missing.length > 0) {
        ctx.beforeWrite();
        await store.setPending(ctx.member, { eventId: ev.id, fromChatId: ctx.msg.chatId, at: ctx.now.getTime() }, deps.config.FORM_RESUME_HOURS * 3600);
        const asked = missing.map((x) => x.label).join('、');
        return endedInGroup(full ? P.groupGoPrivateFull(who, ev, counts.waitlisted, asked) : P.groupGoPrivate(who, ev, ev.capacity - counts.registered, asked));
      }
    }
    const meta = metaSchema.parse({
      eventId: ev.id,
      event: briefOf(ev),
      fields: ev.fields,
      usedProfile: Object.keys(values).length > 0,
      askConsent: profile === null && ev.fields.some((x) => isProfileKind(x.kind)),
      full,
      waiting: counts.waitlisted,
    });
    return { values, meta };
  }

  function unavailable(ev: EventDef, now: number): string | null {
    if (ev.status === 'cancelled') return P.cancelled(ev);
    if (ev.status === 'closed') return P.closed(ev);
    if (now > ev.deadline) return P.deadline(ev);
    return null;
  }

  // ---------- the form ----------

  const pickField: FieldSpec = {
    id: PICK,
    label: P.pickLabel,
    when: (f) => metaOf(f).candidates.length > 0,
    ask: (f) => ({ text: P.pick, choices: metaOf(f).candidates.map((c) => c.title) }),
    show: (f) => metaOf(f).event?.title,
    async parse(text, f, ctx) {
      const { candidates } = metaOf(f);
      const id = pickCandidate(text, candidates);
      if (!id) return { ok: false, error: P.pickAgain };
      const opened = await open(ctx, id);
      if ('replies' in opened) return { ok: 'end', replies: opened.replies };
      Object.assign(f.meta, opened.meta, { candidates });
      // Another event asks other things: the answers so far go.
      return { ok: true, value: id, clear: Object.keys(f.values).filter((k) => k !== PICK), also: opened.values };
    },
  };

  function eventField(ev: Meta['event'], x: EventField): FieldSpec {
    const common = { id: x.key, label: x.label, ask: P.askField(ev ?? NO_EVENT, x), error: () => P.invalid[x.kind] };
    const aliases = isProfileKind(x.kind) ? FIELD_ALIASES[x.kind] : [];
    switch (x.kind) {
      case 'name':
        return fieldTypes.name({ ...common, aliases, check: (v) => (Array.from(v).length > 20 ? P.invalid.name : null) });
      case 'phone':
        // The member checks their own number in full; it stays sealed in the session.
        return fieldTypes.mobile({ ...common, aliases, show: (f) => f.str(x.key) });
      case 'unit':
        return fieldTypes.text({ ...common, aliases, min: 2, max: 50 });
      case 'text':
        return fieldTypes.text({ ...common, min: 1, max: 100 });
      case 'choice':
        return fieldTypes.choice({ ...common, options: () => x.choices ?? [] });
    }
  }

  /** The profile from this sign-up's answers (kept only with consent). */
  function profileFrom(fields: readonly EventField[], f: FormView, now: number): Profile {
    const p: Profile = { consent: true, updatedAt: now };
    for (const field of fields) {
      const v = f.str(field.key);
      if (v && isProfileKind(field.kind)) p[field.kind] = v;
    }
    return p;
  }

  const consent = fieldTypes.yesNo({ id: REMEMBER, label: P.consentLabel, ask: P.askConsent, error: () => P.consentAgain });
  const consentField: FieldSpec = {
    ...consent,
    when: (f) => metaOf(f).askConsent,
    show: (f) => P.consentShown(f.values[REMEMBER] === true),
    async parse(text, f, ctx) {
      const answer = await consent.parse(text, f, ctx);
      if (answer.ok !== true) return answer;
      const now = ctx.now.getTime();
      ctx.beforeWrite();
      await store.saveProfile(ctx.member, answer.value === true ? profileFrom(metaOf(f).fields, f, now) : { consent: false, updatedAt: now });
      return { ...answer, replies: [{ text: answer.value === true ? P.consentYes : P.consentNo }] };
    },
  };

  const waitlist = fieldTypes.yesNo({
    id: WAITLIST,
    label: P.waitlistLabel,
    ask: (f) => ({ text: P.offerWaitlist(metaOf(f).event ?? NO_EVENT, metaOf(f).waiting) }),
    error: () => P.waitlistAgain,
    submitWhenAnswered: true,
  });
  // "加入候补" answers "要加入候补吗？" as a yes.
  const waitlistField: FieldSpec = { ...waitlist, parse: (text, f, ctx) => (JOIN_WAITLIST.test(text.trim()) ? { ok: true, value: true } : waitlist.parse(text, f, ctx)) };

  // A member learns that the event is full before typing anything; 否 ends here.
  const waitlistFirst = fieldTypes.yesNo({
    id: WAITLIST_FIRST,
    label: P.waitlistLabel,
    ask: (f) => ({ text: P.fullAtStart(metaOf(f).event ?? NO_EVENT, metaOf(f).waiting) }),
    error: () => P.waitlistAgain,
  });
  const waitlistFirstField: FieldSpec = {
    ...waitlistFirst,
    fixed: true,
    when: (f) => metaOf(f).full,
    parse: async (text, f, ctx) => {
      if (JOIN_WAITLIST.test(text.trim())) return { ok: true, value: true };
      const answer = await waitlistFirst.parse(text, f, ctx);
      const declined = (answer.ok === true && answer.value === false) || isCancel(text);
      return declined ? { ok: 'end', replies: [{ text: P.noWaitlist }] } : answer;
    },
  };

  async function submit(f: FormView, ctx: TurnContext): Promise<Submitted> {
    const group = inGroup(ctx);
    const finished = (text: string): Submitted => ({ done: true, replies: [{ text, ...(group ? { namesMember: true } : {}) }] });
    if (f.values[WAITLIST] === false) return finished(P.noWaitlist);
    const meta = metaOf(f);
    const ev = meta.eventId ? await store.get(meta.eventId, ctx.log) : null;
    if (!ev) return finished(P.gone);
    const now = ctx.now.getTime();
    const values: Record<string, string> = {};
    for (const x of ev.fields) {
      const v = f.str(x.key);
      if (v !== undefined) values[x.key] = v;
    }
    const profile = await store.profile(ctx.member, ctx.log);
    const name = values['name'] ?? ((profile?.consent && profile.name) || ctx.msg.senderName);
    if (profile?.consent && !inGroup(ctx)) await store.saveProfile(ctx.member, { ...profile, ...profileFrom(ev.fields, f, now) });
    const waitlistAccepted = f.values[WAITLIST] === true || f.values[WAITLIST_FIRST] === true;
    const r = await svc.register(actorOf(ctx), { eventId: ev.id, values, displayName: name, address: privateAddress(ctx.msg) }, waitlistAccepted);
    const who = maskName(name);
    switch (r.outcome) {
      case 'registered':
        return finished(group ? P.groupRegistered(who, ev, ev.capacity - r.registeredCount) : P.registered(ev, r.position, deps.config.EVENT_REMINDER_MINUTES, now));
      case 'waitlisted':
        return finished(group ? P.groupWaitlisted(who, ev, r.position) : P.waitlisted(ev, r.position));
      case 'full':
        f.meta['waiting'] = r.position;
        return { done: false, replies: [], ask: WAITLIST };
      case 'already-registered':
        return finished(group ? P.groupAlreadyRegistered(who, ev) : P.alreadyRegistered(ev, r.position));
      case 'already-waitlisted':
        return finished(group ? P.groupAlreadyWaitlisted(who, ev, r.position) : P.alreadyWaitlisted(ev, r.position));
      case 'closed':
        return finished(P.closed(ev));
      case 'deadline':
        return finished(P.deadline(ev));
      case 'cancelled':
        return finished(P.cancelled(ev));
      case 'missing':
        return finished(P.gone);
    }
  }

  const spec: FormSpec = {
    id: 'event_signup',
    version: 2,
    intent: INTENT,
    fields: (f) => {
      const meta = metaOf(f);
      return [pickField, waitlistFirstField, ...meta.fields.map((x) => eventField(meta.event, x)), consentField, waitlistField];
    },
    confirm: {
      ask(f, ctx, fields) {
        const meta = metaOf(f);
        const own = fields.filter((x) => meta.fields.some((e) => e.key === x.id));
        const waitlist = f.values[WAITLIST_FIRST] === true;
        return { text: P.confirm(meta.event ?? NO_EVENT, signup.summaryLines(f, own), meta.usedProfile, waitlist, ctx.now.getTime()) };
      },
      unclear: P.confirmAgain,
      declined: P.notSubmitted,
    },
    submit,
    sealer: { seal: (field, v) => cipher.encrypt(v, `event_signup:${field}`), unseal: (field, v) => cipher.decrypt(v, `event_signup:${field}`) },
    texts: { cancelled: P.quit, restarted: P.formChanged },
  };
  const resumeHours = deps.config.FORM_RESUME_HOURS;
  const signup = new Form(spec, { resumeHours });
  // In a group the sign-up message itself is the confirmation: the same form without the summary.
  const { confirm: _summary, ...withoutSummary } = spec;
  const groupSignup = new Form({ ...withoutSummary, id: 'event_signup_group' }, { resumeHours });
  const formFor = (ctx: TurnContext) => (inGroup(ctx) ? groupSignup : signup);

  // ---------- starting ----------

  async function start(ctx: TurnContext, query: string): Promise<TurnResult> {
    if (!inGroup(ctx) && !query) {
      // A registration started in a group continues here, in private.
      const pending = await store.pending(ctx.member, ctx.log);
      if (pending) {
        await store.clearPending(ctx.member);
        return begin(ctx, pending.eventId);
      }
    }
    // The open events as listed up to a second ago (members sign up together); what that list cannot serve (an
    // event created since, by another process) is looked up again before the member is told it is not there.
    const listed = await svc.openEvents();
    const found = choose(ctx, query, listed);
    if (found) return found;
    const events = await svc.openEvents({ fresh: true });
    if (events.length === 0) return done(P.noEvents);
    return choose(ctx, query, events) ?? pick(ctx, events, [{ text: P.notFound(query) }]);
  }

  /** The turn for `query` among `events`; null when none is open or none matches. */
  function choose(ctx: TurnContext, query: string, events: EventDef[]): Promise<TurnResult> | null {
    if (events.length === 0) return null;
    if (!query) return events.length === 1 && events[0] ? begin(ctx, events[0].id) : pick(ctx, events);
    const n = parseCount(query);
    if (n !== null) {
      const listed = listedEvents.recall(ctx.session);
      const id = listed ? listed[n - 1] : events[n - 1]?.id;
      if (id) return begin(ctx, id);
    }
    const matches = matchEvents(query, events);
    if (matches.length === 1 && matches[0]) return begin(ctx, matches[0].id);
    if (matches.length > 1) return pick(ctx, matches);
    return null;
  }

  function pick(ctx: TurnContext, events: EventDef[], lead: Reply[] = []): Promise<TurnResult> {
    return formFor(ctx).start(ctx, { meta: { candidates: candidatesOf(events) } }, lead);
  }

  async function begin(ctx: TurnContext, eventId: string): Promise<TurnResult> {
    const opened = await open(ctx, eventId);
    if ('replies' in opened) return { replies: opened.replies, dialog: null };
    return formFor(ctx).start(ctx, opened);
  }

  const ownerOf = (dialog: Parameters<Form['owns']>[0]) => (groupSignup.owns(dialog) ? groupSignup : signup);

  return {
    id: INTENT,
    commands: [
      { names: ['报名', '我要报名', '我也报名', '我也要报名', '帮我报名', '给我报名', '算我一个', 'register', 'signup'], groupTrigger: true, summary: P.summary, run: (ctx, args) => start(ctx, extractQuery(args, VERBS)) },
      {
        names: ['忘记我的资料', 'forgetme'],
        summary: P.forgetSummary,
        run: async (ctx) => done((await store.forgetProfile(ctx.member)) ? P.forgotten : P.nothingToForget),
      },
    ],
    // The sign-up form's turns read, until the consent to remember the answers or the sign-up itself.
    readsOnly: ['dialog'],
    handle: (ctx) => start(ctx, extractQuery(ctx.text, VERBS)),
    continueDialog: (ctx, dialog) => ownerOf(dialog).continue(ctx, dialog),
    repromptDialog: (ctx, dialog) => ownerOf(dialog).reprompt(ctx, dialog),
  };
};

export default factory;
