/**
 * The event operations — role check → state change → audit → notifications, in one place — called by the
 * chat commands now and by the web console later. They take an Actor and plain arguments, never a TurnContext;
 * the time is the injected clock. Staff operations need the staff role (admins hold it too).
 */
import { z } from 'zod';
import { ForbiddenError, requireRole, type Actor, type ActorLog, type MemberActor } from '../../src/core/actor.ts';
import type { Address, FileRef, Reply } from '../../src/core/message.ts';
import type { Notification } from '../../src/core/outbox.ts';
import type { CoreDeps } from '../../src/core/service.ts';
import type { Session } from '../../src/core/session.ts';
import { GroupDirectory } from '../../src/core/groups.ts';
import type { RecordLogger } from '../../src/core/records.ts';
import { toCsv } from '../../src/kit/csv.ts';
import { parseCount } from '../../src/kit/forms/types.ts';
import { formatIso } from '../../src/kit/time.ts';
import { FIELD_RULES, invalidField, type EditableField, type FieldError } from './fields.ts';
import type { EventDef, NewEvent, Registration } from './model.ts';
import { EventStore, type MemberState, type Promotion, type RegisterResult, type RosterEntry } from './store.ts';
import { EDITABLE_FIELD_NAMES, STAFF_TEXT, notices, type EventCounts } from './texts.ts';
import type { GroupChoice } from './util.ts';

/** The events service's intent ids (index.ts declares them; the list's memory is kept under EVENT_LIST). */
export const EVENT_LIST = 'event_list';
export const EVENT_REGISTER = 'event_register';
export const EVENT_CANCEL = 'event_cancel';

/** The actor of a chat turn. */
export { actorOf } from '../../src/core/actor.ts';

// ---- the list a member saw last ----
/** The file kind of a roster served by reference (web download links). */
const ROSTER_FILE = 'event-roster';
const listedSchema = z.object({ listed: z.array(z.string()) });

/** "报名 2" means the 2nd event of the list the member saw last, even if the list changed since. */
export const listedEvents = {
  /** Memory for the event_list intent's result (the router keeps it under that intent's id). */
  remember: (events: EventDef[]): Record<string, unknown> => ({ listed: events.map((e) => e.id) }),
  /** The ids of the list the member saw last, or null if they saw none. */
  recall(session: Session): string[] | null {
    const listed = listedSchema.safeParse(session.memory[EVENT_LIST]);
    return listed.success ? listed.data.listed : null;
  },
};

// ---- results ----
type Missing = { outcome: 'missing' };
type Invalid = { outcome: 'invalid'; field: EditableField; error: FieldError };

export type CreateResult = { outcome: 'created'; event: EventDef; announcedGroups: number } | Invalid;
export type EditResult =
  | Missing
  | Invalid
  | { outcome: 'cancelled'; event: EventDef }
  /** `overCapacity`: how many are registered beyond a lowered capacity (they keep their seats). */
  | { outcome: 'edited'; event: EventDef; field: EditableField; notified: number; promoted: number; overCapacity: number | null };
export type CloseResult = Missing | { outcome: 'closed' | 'not-open'; event: EventDef };
export type ReopenResult = Missing | { outcome: 'reopened' | 'not-closed'; event: EventDef };
export type CancelEventResult = Missing | { outcome: 'already-cancelled'; event: EventDef } | { outcome: 'cancelled'; event: EventDef; notified: number };
export type CancelPreview = Missing | { outcome: 'already-cancelled'; event: EventDef } | { outcome: 'ready'; event: EventDef; people: number; groups: number };
export type RosterResult =
  | Missing
  /** `rows`: the CSV table, header first. */
  | { outcome: 'ok'; event: EventDef; rows: string[][]; counts: { registered: number; waitlisted: number; checkedIn: number } };
export type RosterPageResult =
  | Missing
  /** `rows`: the page's, under `header`; `total`: the people the view holds (the search's finds, or everyone). */
  | { outcome: 'ok'; event: EventDef; header: string[]; rows: string[][]; counts: { registered: number; waitlisted: number; checkedIn: number }; total: number };
export type CheckInResult = Missing | CheckInOne;
export type CheckInOne =
  | { outcome: 'not-found'; query: string }
  /** On the waitlist: no seat yet, so not checked in. */
  | { outcome: 'waitlisted'; name: string; position: number }
  | { outcome: 'ambiguous'; query: string; candidates: { seat: number; name: string; phone: string }[] }
  | { outcome: 'not-registered'; name: string }
  | { outcome: 'already'; name: string; at: number }
  | { outcome: 'checked-in'; name: string; checkedIn: number; registered: number };
export type CheckInAllResult = Missing | { outcome: 'done'; results: CheckInOne[]; checkedIn: number; registered: number };
export type CancelRegistrationResult =
  | Missing
  | { outcome: 'cancelled' | 'left-waitlist' | 'none'; event: EventDef; registration: Registration | null; promoted: number };
export interface MyRegistration {
  event: EventDef;
  state: Exclude<MemberState, null>;
  /** Seat number or waitlist position. */
  position: number;
  registration: Registration | null;
}
export interface RegistrationInput {
  eventId: string;
  values: Record<string, string>;
  displayName: string;
  /** Where to notify the member (their private chat). */
  address: Address;
}

/** How long a process reuses its read of the open events for the event list (see openListing). */
export const LISTING_REUSE_MS = 1000;

export interface ListedEvent {
  event: EventDef;
  counts: EventCounts;
}

/** Open, its sign-up still running, not started. */
const signUpRunning = (event: EventDef, now: number): boolean => event.status === 'open' && event.deadline >= now && event.startAt >= now;

export class EventService {
  readonly store: EventStore;

  constructor(private readonly deps: CoreDeps) {
    this.store = new EventStore(deps.redis, deps.keys, deps.logger);
    // A web download link regenerates the roster for its viewer: re-checked as staff, audited as an export.
    deps.files.register(ROSTER_FILE, async (id, viewer) => {
      const r = await this.roster({ key: viewer, roles: deps.roles.of(viewer) }, id).catch((err: unknown) => {
        if (err instanceof ForbiddenError) return null;
        throw err;
      });
      return r?.outcome === 'ok' ? toCsv(r.rows) : null;
    });
  }

  /** How the roster CSV is produced again for this viewer (a web link stores this, never the phone numbers). */
  rosterRef(actor: MemberActor, ev: EventDef): FileRef {
    return { kind: ROSTER_FILE, ref: ev.id, viewer: actor.key };
  }

  private now(): number {
    return this.deps.now().getTime();
  }

  /** What `openListing` last read (with its counts), and until when (performance.now()) it is reused. */
  private listing: { until: number; events: Promise<ListedEvent[]> } | undefined;

  /** A write that changes what the event list shows: the list is read again after it, however it ended. */
  private changing<T>(write: Promise<T>): Promise<T> {
    return write.finally(() => (this.listing = undefined));
  }

  /** When the reminder for an event starting at `startAt` should go out; null if it already started. */
  remindAt(startAt: number, now: number): number | null {
    if (startAt <= now) return null;
    return Math.max(now, startAt - this.deps.config.EVENT_REMINDER_MINUTES * 60_000);
  }

  private async audit(actor: Actor, action: string, ev: EventDef, extra: { before?: unknown; after?: unknown; note?: string } = {}): Promise<void> {
    await this.deps.audit.record({ actor: actor.key, action, target: `event:${ev.id}`, at: this.deps.now(), ...extra });
  }

  /** Tells each promoted member they got a seat. */
  private async notifyPromotions(ev: EventDef, promoted: Promotion[], log: ActorLog): Promise<void> {
    const now = this.now();
    const told: Notification[] = [];
    for (const p of promoted) {
      if (p.registration) told.push({ to: p.registration.address, replies: [{ text: notices.promoted(ev, now) }] });
      else log.warn({ eventId: ev.id, member: p.member }, 'promoted member has no registration record');
    }
    await this.deps.notifier.notifyMany(told);
  }

  /** Sends the same replies to every registrant and waitlisted member; returns how many. `notice` names it (a retried cancellation tells nobody twice). */
  private async notifyAll(ev: EventDef, replies: Reply[], log: Actor['log'], notice?: string): Promise<number> {
    const told = (await this.store.roster(ev.id, log)).flatMap((e): Notification[] =>
      e.registration ? [{ to: e.registration.address, replies, ...(notice ? { id: `event:${ev.id}:${notice}:${e.member}` } : {}) }] : [],
    );
    // Queued together: an event of thousands is told within the staff member's turn, not one round trip each.
    await this.deps.notifier.notifyMany(told);
    return told.length;
  }

  /** An event by its id as staff type it ("3" or "#3"); `log`: where a corrupt record is reported (the actor's). */
  async findEvent(id: string, log?: RecordLogger): Promise<EventDef | null> {
    return this.store.get(id.replace(/^#/, ''), log);
  }

  // ---- staff ----

  /** Group chats an event can be announced to, most recently seen first (staff only: it reveals the groups). */
  async knownGroups(actor: Actor): Promise<GroupChoice[]> {
    requireRole(actor, 'staff');
    return (await this.deps.groups.list(10, actor.log)).map((g) => ({ name: g.name, address: GroupDirectory.address(g) }));
  }

  /** Publishes an event (open for sign-up) and announces it to its groups. */
  async createEvent(actor: Actor, input: Omit<NewEvent, 'createdBy'>): Promise<CreateResult> {
    requireRole(actor, 'staff');
    const now = this.now();
    const invalid = invalidField(input, now);
    if (invalid) return { outcome: 'invalid', ...invalid };
    const event = await this.changing(this.store.create({ ...input, createdBy: actor.key }, now, this.remindAt(input.startAt, now)));
    await this.audit(actor, 'event.create', event, { after: { ...input } });
    // Announcements go through the delivery path (paced per platform, one per group even if retried).
    for (const g of event.groups) await this.deps.notifier.notify(g, [{ text: notices.announce(event, now) }], { id: `event:${event.id}:announce:${g.platform}:${g.chatId}` });
    return { outcome: 'created', event, announcedGroups: event.groups.length };
  }

  /**
   * Changes one field from typed text (the same rules as /newevent). A new start keeps the duration and pulls
   * the deadline forward; a larger capacity promotes the waitlist; time and place changes are sent to everyone signed up.
   */
  async editEvent(actor: Actor, id: string, field: EditableField, raw: string): Promise<EditResult> {
    requireRole(actor, 'staff');
    const ev = await this.findEvent(id, actor.log);
    if (!ev) return { outcome: 'missing' };
    if (ev.status === 'cancelled') return { outcome: 'cancelled', event: ev };
    const now = this.now();
    const c = { now, startAt: ev.startAt };
    const invalid = (error: FieldError): Invalid => ({ outcome: 'invalid', field, error });
    let promoted = 0;
    let overCapacity: number | null = null;
    switch (field) {
      case 'title':
      case 'description':
      case 'place':
      case 'endAt':
      case 'deadline': {
        const r = FIELD_RULES[field](raw, c);
        if (!r.ok) return invalid(r.error);
        await this.changing(this.store.update(ev.id, { [field]: r.value }));
        break;
      }
      case 'startAt': {
        const r = FIELD_RULES.startAt(raw, c);
        if (!r.ok) return invalid(r.error);
        const at = r.value;
        await this.changing(this.store.update(ev.id, { startAt: at, endAt: at + (ev.endAt - ev.startAt), ...(ev.deadline > at ? { deadline: at } : {}) }, this.remindAt(at, now)));
        break;
      }
      case 'capacity': {
        const r = FIELD_RULES.capacity(raw, c);
        if (!r.ok) return invalid(r.error);
        const promotions = await this.changing(this.store.setCapacity(ev.id, r.value, actor.log));
        const grown = await this.store.get(ev.id, actor.log);
        if (grown) await this.notifyPromotions(grown, promotions, actor.log ?? this.deps.logger);
        promoted = promotions.length;
        const { registered } = await this.store.counts(ev.id);
        if (registered > r.value) overCapacity = registered;
        break;
      }
    }
    const after = await this.store.get(ev.id, actor.log);
    if (!after) return { outcome: 'missing' };
    await this.audit(actor, 'event.edit', ev, { before: { [field]: ev[field] }, after: { [field]: after[field] } });
    const changesPlans = field === 'startAt' || field === 'endAt' || field === 'place';
    const notified = changesPlans ? await this.notifyAll(after, [{ text: notices.eventChanged(after, EDITABLE_FIELD_NAMES[field], now) }], actor.log) : 0;
    return { outcome: 'edited', event: after, field, notified, promoted, overCapacity };
  }

  /** Stops sign-up (open → closed). */
  async closeEvent(actor: Actor, id: string): Promise<CloseResult> {
    requireRole(actor, 'staff');
    const ev = await this.findEvent(id, actor.log);
    if (!ev) return { outcome: 'missing' };
    const before = await this.changing(this.store.close(ev.id));
    if (before !== 'open') return { outcome: 'not-open', event: ev };
    await this.audit(actor, 'event.close', ev, { before: { status: before }, after: { status: 'closed' } });
    return { outcome: 'closed', event: { ...ev, status: 'closed' } };
  }

  /** Opens sign-up again (closed → open). */
  async reopenEvent(actor: Actor, id: string): Promise<ReopenResult> {
    requireRole(actor, 'staff');
    const ev = await this.findEvent(id, actor.log);
    if (!ev) return { outcome: 'missing' };
    const before = await this.changing(this.store.reopen(ev.id));
    if (before !== 'closed') return { outcome: 'not-closed', event: ev };
    await this.audit(actor, 'event.reopen', ev, { before: { status: before }, after: { status: 'open' } });
    return { outcome: 'reopened', event: { ...ev, status: 'open' } };
  }

  /** What cancelling would do, asked before it is done: how many registrants and waitlisted members, and how many groups, would be told. */
  async cancelPreview(actor: Actor, id: string): Promise<CancelPreview> {
    requireRole(actor, 'staff');
    const ev = await this.findEvent(id, actor.log);
    if (!ev) return { outcome: 'missing' };
    if (ev.status === 'cancelled') return { outcome: 'already-cancelled', event: ev };
    const { registered, waitlisted } = await this.store.counts(ev.id);
    return { outcome: 'ready', event: ev, people: registered + waitlisted, groups: ev.groups.length };
  }

  /** Cancels the event; everyone signed up and its groups are told why. */
  async cancelEvent(actor: Actor, id: string, reason: string): Promise<CancelEventResult> {
    requireRole(actor, 'staff');
    const ev = await this.findEvent(id, actor.log);
    if (!ev) return { outcome: 'missing' };
    const before = await this.changing(this.store.cancelEvent(ev.id, reason));
    if (before === 'cancelled') return { outcome: 'already-cancelled', event: ev };
    await this.audit(actor, 'event.cancel', ev, { before: { status: before }, after: { status: 'cancelled' }, note: reason });
    const notice = [{ text: notices.eventCancelled(ev, reason) }];
    const notified = await this.notifyAll(ev, notice, actor.log, 'cancelled');
    for (const g of ev.groups) await this.deps.notifier.notify(g, notice, { id: `event:${ev.id}:cancelled:${g.platform}:${g.chatId}` });
    return { outcome: 'cancelled', event: { ...ev, status: 'cancelled', cancelReason: reason }, notified };
  }

  /** The roster as a CSV table: registered in seat order, then the waitlist; every custom field its own column. */
  async roster(actor: Actor, id: string): Promise<RosterResult> {
    requireRole(actor, 'staff');
    const ev = await this.findEvent(id, actor.log);
    if (!ev) return { outcome: 'missing' };
    const table = rosterTable(ev);
    const entries = await this.store.roster(ev.id, actor.log);
    const counts = await this.store.counts(ev.id);
    await this.audit(actor, 'event.roster_export', ev, { note: `${entries.length} rows` });
    return { outcome: 'ok', event: ev, rows: [table.header, ...entries.map(table.row)], counts };
  }

  /**
   * One page of the roster as the console shows it. With `query`, the people any of whose columns contain it (the
   * whole roster is read to find them); without, only the page's people are read. Each view is audited, apart
   * from exports: who looked at whose registrations.
   */
  async rosterPage(actor: Actor, id: string, view: { page: number; size: number; query: string }): Promise<RosterPageResult> {
    requireRole(actor, 'staff');
    const ev = await this.findEvent(id, actor.log);
    if (!ev) return { outcome: 'missing' };
    const table = rosterTable(ev);
    const counts = await this.store.counts(ev.id);
    const from = (view.page - 1) * view.size;
    let rows: string[][];
    let total: number;
    if (view.query) {
      const found = (await this.store.roster(ev.id, actor.log)).map(table.row).filter((row) => row.some((cell) => cell.includes(view.query)));
      [rows, total] = [found.slice(from, from + view.size), found.length];
    } else {
      [rows, total] = [(await this.store.rosterSlice(ev.id, from, view.size, actor.log)).map(table.row), counts.registered + counts.waitlisted];
    }
    // The words searched for are left out: a phone number typed in would be kept in the audit log.
    await this.audit(actor, 'event.roster_view', ev, { note: view.query ? `search: ${total} found` : `page ${view.page}: ${rows.length} rows` });
    return { outcome: 'ok', event: ev, header: table.header, rows, counts, total };
  }

  /**
   * Checks in one registered member found by seat number ("12") or exact name ("张三"). A name found only on the
   * waitlist is reported as such (no seat, no check-in).
   */
  async checkIn(actor: Actor, id: string, query: string): Promise<CheckInResult> {
    requireRole(actor, 'staff');
    const ev = await this.findEvent(id, actor.log);
    if (!ev) return { outcome: 'missing' };
    // A seat number is looked up by itself; a name is looked for in the roster (a union-wide event holds thousands).
    const seat = parseCount(query.trim());
    const holder = seat !== null ? await this.store.seatHolder(ev.id, seat, actor.log) : null;
    if (holder) return this.checkInEntry(actor, ev, holder);
    return this.checkInFrom(actor, ev, await this.store.roster(ev.id, actor.log), query);
  }

  /** `checkIn` with the event's roster already read: seats and names are looked up in it. */
  private async checkInFrom(actor: Actor, ev: EventDef, entries: RosterEntry[], query: string): Promise<CheckInOne> {
    const q = query.trim();
    const registered = entries.filter((e) => e.state === 'registered');
    const seat = parseCount(q);
    let target = seat !== null ? registered[seat - 1] : undefined;
    if (!target) {
      const hits = registered.filter((e) => nameOf(e) === q);
      if (hits.length > 1) {
        const candidates = hits.map((e) => ({ seat: registered.indexOf(e) + 1, name: nameOf(e), phone: e.registration?.values['phone'] ?? '' }));
        return { outcome: 'ambiguous', query: q, candidates };
      }
      target = hits[0];
    }
    if (!target) {
      const waitlist = entries.filter((e) => e.state === 'waitlisted');
      const waiting = waitlist.findIndex((e) => nameOf(e) === q);
      return waiting >= 0 ? { outcome: 'waitlisted', name: q, position: waiting + 1 } : { outcome: 'not-found', query: q };
    }
    return this.checkInEntry(actor, ev, target);
  }

  /** Checks in the registered member `target` (found by seat or name). */
  private async checkInEntry(actor: Actor, ev: EventDef, target: RosterEntry): Promise<CheckInOne> {
    const name = nameOf(target);
    const r = await this.store.checkIn(ev.id, target.member, this.now());
    if (r.outcome === 'already') return { outcome: 'already', name, at: r.at };
    if (r.outcome === 'not-registered') return { outcome: 'not-registered', name };
    await this.audit(actor, 'event.checkin', ev, { after: { member: target.member, at: r.at } });
    const c = await this.store.counts(ev.id);
    return { outcome: 'checked-in', name, checkedIn: c.checkedIn, registered: c.registered };
  }

  /**
   * Checks in several people at once ("刘建国,孙丽", "1 3 5", "刘建国、7"), each as `checkIn` does; a text that is one
   * roster name as a whole ("Li Ming") stays one. Returns each one's result and the counts after all of them.
   */
  async checkInAll(actor: Actor, id: string, text: string): Promise<CheckInAllResult> {
    requireRole(actor, 'staff');
    const ev = await this.findEvent(id, actor.log);
    if (!ev) return { outcome: 'missing' };
    const whole = text.trim();
    // Read once for every name (a union-wide event holds thousands): the check-in script still checks each seat.
    const entries = await this.store.roster(ev.id, actor.log);
    const names = new Set(entries.map(nameOf));
    const queries = names.has(whole) ? [whole] : whole.split(/[\s,，、;；]+/u).filter(Boolean);
    const results: CheckInOne[] = [];
    for (const q of queries) results.push(await this.checkInFrom(actor, ev, entries, q));
    const c = await this.store.counts(ev.id);
    return { outcome: 'done', results, checkedIn: c.checkedIn, registered: c.registered };
  }

  /** The 30 most recently created events with their counts (staff overview). */
  async allEvents(actor: Actor): Promise<{ event: EventDef; counts: { registered: number; waitlisted: number } }[]> {
    requireRole(actor, 'staff');
    const events = await this.store.recent(30, actor.log);
    return Promise.all(events.map(async (event) => ({ event, counts: await this.store.counts(event.id) })));
  }

  // ---- members ----

  /**
   * The open events with their counts, as the event list shows them, soonest first. Read at most once per
   * LISTING_REUSE_MS by a process: members ask together (the same notice reached them all), and each read is
   * three round trips (the events by start, each event, each count). A change made through this process shows at
   * once; one made by another process within LISTING_REUSE_MS. Signing up reads the event again, so a stale
   * list never books a seat that is gone.
   */
  async openListing(): Promise<ListedEvent[]> {
    const at = performance.now();
    if (!this.listing || this.listing.until <= at) {
      const events = this.store.upcoming(this.now()).then((all) => Promise.all(all.map(async (event) => ({ event, counts: await this.store.counts(event.id) }))));
      const listing = { until: at + LISTING_REUSE_MS, events };
      this.listing = listing;
      // A failed read is not reused.
      events.catch(() => {
        if (this.listing === listing) this.listing = undefined;
      });
    }
    const now = this.now();
    return (await this.listing.events).filter(({ event }) => signUpRunning(event, now));
  }

  /** Open events whose sign-up is still running, soonest first: from the listing (members sign up together) unless `fresh`. */
  async openEvents({ fresh = false } = {}): Promise<EventDef[]> {
    if (fresh) this.listing = undefined;
    return (await this.openListing()).map(({ event }) => event);
  }

  /** Signs the actor up; when full, joins the waitlist only if `allowWaitlist` (else the outcome is 'full'). */
  async register(actor: Actor, input: RegistrationInput, allowWaitlist: boolean): Promise<RegisterResult> {
    const now = this.now();
    const { eventId, ...rest } = input;
    const r = await this.changing(this.store.register(eventId, { member: actor.key, ...rest, at: now }, now, allowWaitlist, actor.log));
    // A sign-up started in a group and finished here is done.
    if (r.outcome === 'registered' || r.outcome === 'waitlisted') await this.store.clearPending(actor.key);
    return r;
  }

  /** Cancels the actor's registration or waitlist entry; a freed seat goes to the waitlist's head, who is told. */
  async cancelRegistration(actor: Actor, eventId: string): Promise<CancelRegistrationResult> {
    const event = await this.store.get(eventId, actor.log);
    if (!event) return { outcome: 'missing' };
    const registration = await this.store.registration(event.id, actor.key, actor.log);
    const r = await this.changing(this.store.cancel(event.id, actor.key, actor.log));
    // Tell the promoted members before answering: the outbox is durable, the reply is not.
    const log = actor.log ?? this.deps.logger;
    await this.notifyPromotions(event, r.promoted, log);
    log.info({ eventId: event.id, member: actor.key, outcome: r.outcome, promoted: r.promoted.map((p) => p.member) }, 'event registration cancelled');
    return { outcome: r.outcome, event, registration, promoted: r.promoted.length };
  }

  /**
   * The actor's registrations and waitlist entries (ended and cancelled events included), soonest first. Each
   * step is read for every event at once: three round trips however many events the member has been on.
   */
  async myRegistrations(actor: Actor): Promise<MyRegistration[]> {
    const ids = await this.store.memberEvents(actor.key);
    const events = (await Promise.all(ids.map((id) => this.store.get(id, actor.log)))).filter((e): e is EventDef => e !== null).sort((a, b) => a.startAt - b.startAt);
    const entries = await Promise.all(
      events.map(async (event) => {
        const [{ state, position }, registration] = await Promise.all([this.store.memberState(event.id, actor.key), this.store.registration(event.id, actor.key, actor.log)]);
        return state ? { event, state, position, registration } : null;
      }),
    );
    return entries.filter((e): e is MyRegistration => e !== null);
  }
}

/** How staff name a registrant at check-in: the name typed at sign-up, else the chat name. */
function nameOf(e: RosterEntry): string {
  return e.registration?.values['name'] ?? e.registration?.displayName ?? e.member;
}

const cache = new WeakMap<CoreDeps, EventService>();

/** One EventService per CoreDeps, shared by the three intents and the reminder worker. */
export function eventService(deps: CoreDeps): EventService {
  let svc = cache.get(deps);
  if (!svc) {
    svc = new EventService(deps);
    cache.set(deps, svc);
  }
  return svc;
}

/** The roster's columns for an event (custom fields each their own) and a person's row: the export's and the console's. */
function rosterTable(ev: EventDef): { header: string[]; row: (e: RosterEntry) => string[] } {
  const T = STAFF_TEXT;
  const custom = ev.fields.filter((f) => f.kind !== 'name' && f.kind !== 'phone' && f.kind !== 'unit');
  const keyOf = (kind: 'name' | 'phone' | 'unit') => ev.fields.find((f) => f.kind === kind)?.key ?? kind;
  return {
    header: [...T.rosterHeader, ...custom.map((f) => f.label), ...T.rosterTail],
    row: (e) => {
      const v = e.registration?.values ?? {};
      return [
        e.state === 'registered' ? String(e.place) : `${T.rosterState.waitlisted}${e.place}`,
        T.rosterState[e.state],
        v[keyOf('name')] ?? e.registration?.displayName ?? '',
        v[keyOf('phone')] ?? '',
        v[keyOf('unit')] ?? '',
        ...custom.map((f) => v[f.key] ?? ''),
        e.registration ? formatIso(e.registration.at) : '',
        e.checkedInAt ? formatIso(e.checkedInAt) : '',
        e.member,
      ];
    },
  };
}
