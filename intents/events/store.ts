/** Events, registrations, waitlists, check-ins, profiles and reminder schedule in Redis. */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { KeyRename } from '../../src/core/key-migration.ts';
import type { Keys } from '../../src/core/keys.ts';
import { readRecord, type RecordLogger } from '../../src/core/records.ts';
import { awaitReplicas, readHash, readScored } from '../../src/core/redis.ts';
import {
  eventHashSchema,
  pendingSchema,
  profileSchema,
  registrationSchema,
  type EventDef,
  type NewEvent,
  type Pending,
  type Profile,
  type Registration,
} from './model.ts';
import { CANCEL, CHECKIN, CLAIM_DUE, REGISTER, SET_CAPACITY, TRANSITION } from './lua.ts';

export type RegisterOutcome =
  | 'registered'
  | 'waitlisted'
  | 'full'
  | 'already-registered'
  | 'already-waitlisted'
  | 'closed'
  | 'deadline'
  | 'cancelled'
  | 'missing';

export interface RegisterResult {
  outcome: RegisterOutcome;
  /** Arrival sequence number (registered/waitlisted/already-*), 0 otherwise. */
  seq: number;
  /** Seat number, waitlist position, or (for 'full') the waitlist length. */
  position: number;
  registeredCount: number;
}

export interface Promotion {
  member: string;
  registration: Registration | null;
}

export interface CancelResult {
  outcome: 'cancelled' | 'left-waitlist' | 'none';
  promoted: Promotion[];
}

export interface RosterEntry {
  member: string;
  state: 'registered' | 'waitlisted';
  seq: number;
  /** Its number in its list, from 1: the seat (as check-in by number reads it), or the place on the waitlist. */
  place: number;
  registration: Registration | null;
  checkedInAt: number | null;
}

export type MemberState = 'registered' | 'waitlisted' | null;

const registerReplySchema = z.tuple([
  z.enum(['registered', 'waitlisted', 'full', 'already-registered', 'already-waitlisted', 'closed', 'deadline', 'cancelled', 'missing']),
  z.coerce.number(),
  z.coerce.number(),
  z.coerce.number(),
]);
const stringList = z.array(z.string());
const checkinReplySchema = z.tuple([z.enum(['ok', 'already', 'not-registered']), z.coerce.number()]);
const stateSchema = z.enum(['registered', 'waitlisted']);

/** Keys of versions before the hash tags (`npm run cli -- migrate-keys`). */
export const EVENT_KEY_RENAMES: KeyRename[] = [
  // ev:<id> and ev:<id>:<part…> → {ev:<id>} and {ev:<id>}:<part…>
  {
    match: 'ev:*',
    rename: (rest) => {
      const m = /^ev:(\d+)(:.*)?$/.exec(rest);
      return m ? `{ev:${m[1]}}${m[2] ?? ''}` : null;
    },
  },
  ...['nextId', 'byStart', 'reminders:due', 'reminders:processing'].map((part) => ({ match: `evmeta:${part}`, rename: () => `{evmeta}:${part}` })),
];

/** Item in the reminder schedule: one per (event, kind). */
export const reminderItem = (eventId: string, kind: 'reminder') => `${eventId}|${kind}`;

export class EventStore {
  constructor(
    readonly redis: Redis,
    private readonly keys: Keys,
    /** Where corrupt records are reported (they are then treated as missing). */
    private readonly logger: RecordLogger = console,
  ) {}

  // `log`, here and below: where a corrupt record is reported (an operation passes its actor's, which carries the
  // request id; the store's own otherwise).
  private parseRegistration(raw: string | null | undefined, eventId: string, member: string, log: RecordLogger = this.logger): Registration | null {
    return readRecord(registrationSchema, raw, log, `event ${eventId} registration of ${member}`);
  }

  /** Lua replies list promoted members as member, registration pairs. */
  private promotions(eventId: string, list: string[], log?: RecordLogger): Promotion[] {
    const out: Promotion[] = [];
    for (let i = 0; i + 1 < list.length; i += 2) {
      const member = list[i] ?? '';
      out.push({ member, registration: this.parseRegistration(list[i + 1], eventId, member, log) });
    }
    return out;
  }

  // ---- keys ----
  // Redis Cluster: one event's keys share its hash tag (its scripts touch them together); the schedule and
  // the indexes over all events share the tag `evmeta`. A member's own keys are used one at a time.
  private ev(id: string) {
    return this.keys.tagged(`ev:${id}`);
  }
  private sub(id: string, part: 'state' | 'reg' | 'wait' | 'data' | 'seq' | 'checkin') {
    return this.keys.tagged(`ev:${id}`, part);
  }
  private mine(member: string) {
    return this.keys.k('evmeta', 'mine', member);
  }
  private get nextIdKey() {
    return this.keys.tagged('evmeta', 'nextId');
  }
  private get byStartKey() {
    return this.keys.tagged('evmeta', 'byStart');
  }
  get dueKey() {
    return this.keys.tagged('evmeta', 'reminders', 'due');
  }
  get processingKey() {
    return this.keys.tagged('evmeta', 'reminders', 'processing');
  }
  remindedKey(id: string, startAt: number) {
    return this.keys.tagged(`ev:${id}`, 'reminded', startAt);
  }
  private profileKey(member: string) {
    return this.keys.k('evmeta', 'profile', member);
  }
  private pendingKey(member: string) {
    return this.keys.k('evmeta', 'pending', member);
  }

  // ---- events ----
  /** Creates an event (status open) and schedules its reminder at `remindAt` (null = none). */
  async create(ev: NewEvent, now: number, remindAt: number | null): Promise<EventDef> {
    const id = String(await this.redis.incr(this.nextIdKey));
    // The event first, then the indexes (another hash slot): an index never names a missing event.
    await this.redis.hset(this.ev(id), {
        title: ev.title,
        description: ev.description,
        place: ev.place,
        startAt: ev.startAt,
        endAt: ev.endAt,
        capacity: ev.capacity,
        deadline: ev.deadline,
        status: 'open',
        groups: JSON.stringify(ev.groups),
        fields: JSON.stringify(ev.fields),
        createdBy: ev.createdBy,
        createdAt: now,
      });
    const multi = this.redis.multi().zadd(this.byStartKey, ev.startAt, id);
    if (remindAt !== null) multi.zadd(this.dueKey, remindAt, reminderItem(id, 'reminder'));
    await multi.exec();
    return { ...ev, id, status: 'open', createdAt: now };
  }

  async get(id: string, log: RecordLogger = this.logger): Promise<EventDef | null> {
    if (!/^\d+$/.test(id)) return null;
    const h = await this.redis.hgetall(this.ev(id));
    if (Object.keys(h).length === 0) return null;
    // readRecord reads stored text: the hash's fields are handed over as one JSON object.
    const parsed = readRecord(eventHashSchema, JSON.stringify(h), log, `event ${id}`);
    return parsed ? { id, ...parsed } : null;
  }

  /** Events starting at or after `from`, soonest first. */
  async upcoming(from: number, limit = 50, log?: RecordLogger): Promise<EventDef[]> {
    const ids = await this.redis.zrangebyscore(this.byStartKey, from, '+inf', 'LIMIT', 0, limit);
    const events = await Promise.all(ids.map((id) => this.get(id, log)));
    return events.filter((e): e is EventDef => e !== null);
  }

  /** Most recently created events (staff overview), newest first. */
  async recent(limit = 20, log?: RecordLogger): Promise<EventDef[]> {
    const last = Number((await this.redis.get(this.nextIdKey)) ?? '0');
    const ids: string[] = [];
    for (let i = last; i >= 1 && ids.length < limit; i--) ids.push(String(i));
    const events = await Promise.all(ids.map((id) => this.get(id, log)));
    return events.filter((e): e is EventDef => e !== null);
  }

  /** Plain field edits (title, description, place, endAt, deadline, startAt); startAt re-sorts and reschedules. */
  async update(
    id: string,
    patch: Partial<Pick<EventDef, 'title' | 'description' | 'place' | 'startAt' | 'endAt' | 'deadline'>>,
    remindAt?: number | null,
  ): Promise<void> {
    const fields: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(patch)) if (v !== undefined) fields[k] = v;
    await this.redis.hset(this.ev(id), fields);
    const multi = this.redis.multi();
    if (patch.startAt !== undefined) multi.zadd(this.byStartKey, patch.startAt, id);
    if (remindAt === null) multi.zrem(this.dueKey, reminderItem(id, 'reminder'));
    else if (remindAt !== undefined) multi.zadd(this.dueKey, remindAt, reminderItem(id, 'reminder'));
    if (multi.length > 0) await multi.exec();
  }

  /** Sets the capacity; a larger one promotes waitlisted members at once (returned, in order). */
  async setCapacity(id: string, capacity: number, log?: RecordLogger): Promise<Promotion[]> {
    const res = stringList.parse(
      await SET_CAPACITY.run(this.redis, [this.ev(id), this.sub(id, 'state'), this.sub(id, 'reg'), this.sub(id, 'wait'), this.sub(id, 'data')], [capacity]),
    );
    return this.promotions(id, res.slice(1), log);
  }

  /** open → closed; returns the status before, or 'missing'. */
  async close(id: string): Promise<string> {
    return z.string().parse(await TRANSITION.run(this.redis, [this.ev(id)], ['open', 'closed', '', '']));
  }
  /** closed → open. */
  async reopen(id: string): Promise<string> {
    return z.string().parse(await TRANSITION.run(this.redis, [this.ev(id)], ['closed', 'open', '', '']));
  }
  /** open|closed → cancelled, unscheduling the reminder; returns the status before. */
  async cancelEvent(id: string, reason: string): Promise<string> {
    let before = z.string().parse(await TRANSITION.run(this.redis, [this.ev(id)], ['open', 'cancelled', 'cancelReason', reason]));
    if (before === 'closed') before = z.string().parse(await TRANSITION.run(this.redis, [this.ev(id)], ['closed', 'cancelled', 'cancelReason', reason]));
    if (before === 'open' || before === 'closed') await this.redis.zrem(this.dueKey, reminderItem(id, 'reminder'));
    return before;
  }

  // ---- registrations ----
  async register(id: string, reg: Registration, now: number, allowWaitlist: boolean, log?: RecordLogger): Promise<RegisterResult> {
    // The member's list of events lives in another hash slot: added first, so a registration is never
    // missing from it; an entry without a registration is skipped by its readers.
    await this.redis.sadd(this.mine(reg.member), id);
    const raw = await REGISTER.run(
      this.redis,
      [this.ev(id), this.sub(id, 'state'), this.sub(id, 'reg'), this.sub(id, 'wait'), this.sub(id, 'data'), this.sub(id, 'seq')],
      [reg.member, now, JSON.stringify(registrationSchema.parse(reg)), id, allowWaitlist ? '1' : '0'],
    );
    const [outcome, seq, position, registeredCount] = registerReplySchema.parse(raw);
    // The member is told the seat next: a failover of the master must not lose it.
    if (outcome === 'registered' || outcome === 'waitlisted') await awaitReplicas(this.redis, this.ev(id), log);
    return { outcome, seq, position, registeredCount };
  }

  /** Cancels a member's registration or waitlist entry; a freed seat goes to the waitlist's head atomically. */
  async cancel(id: string, member: string, log?: RecordLogger): Promise<CancelResult> {
    const res = stringList.parse(
      await CANCEL.run(
        this.redis,
        [this.ev(id), this.sub(id, 'state'), this.sub(id, 'reg'), this.sub(id, 'wait'), this.sub(id, 'data'), this.sub(id, 'checkin')],
        [member, id],
      ),
    );
    const outcome = z.enum(['cancelled', 'left-waitlist', 'none']).parse(res[0]);
    return { outcome, promoted: this.promotions(id, res.slice(1), log) };
  }

  /** The member's state on the event and seat or waitlist position: one round trip (both ranks are asked for). */
  async memberState(id: string, member: string): Promise<{ state: MemberState; position: number }> {
    const [raw, seat, queued] = await Promise.all([
      this.redis.hget(this.sub(id, 'state'), member),
      this.redis.zrank(this.sub(id, 'reg'), member),
      this.redis.zrank(this.sub(id, 'wait'), member),
    ]);
    if (raw === null) return { state: null, position: 0 };
    const state = stateSchema.parse(raw);
    return { state, position: ((state === 'registered' ? seat : queued) ?? 0) + 1 };
  }

  /** IDs of events the member is registered or waitlisted for. */
  async memberEvents(member: string): Promise<string[]> {
    const ids = await this.redis.smembers(this.mine(member));
    return ids.filter((x) => /^\d+$/.test(x)).sort((a, b) => Number(a) - Number(b));
  }

  async counts(id: string): Promise<{ registered: number; waitlisted: number; checkedIn: number }> {
    const [registered, waitlisted, checkedIn] = await Promise.all([
      this.redis.zcard(this.sub(id, 'reg')),
      this.redis.zcard(this.sub(id, 'wait')),
      this.redis.hlen(this.sub(id, 'checkin')),
    ]);
    return { registered, waitlisted, checkedIn };
  }

  /** Registered members in seat order (read a slice at a time, as the roster is). */
  async registeredMembers(id: string): Promise<string[]> {
    return (await readScored(this.redis, this.sub(id, 'reg'))).map(([member]) => member);
  }
  /** Waitlisted members in arrival order. */
  async waitlist(id: string): Promise<string[]> {
    return (await readScored(this.redis, this.sub(id, 'wait'))).map(([member]) => member);
  }

  async registration(id: string, member: string, log?: RecordLogger): Promise<Registration | null> {
    return this.parseRegistration(await this.redis.hget(this.sub(id, 'data'), member), id, member, log);
  }

  /** Everyone on the event: registered in seat order, then the waitlist in arrival order. */
  async roster(id: string, log?: RecordLogger): Promise<RosterEntry[]> {
    const [reg, wait, data, checkin] = await Promise.all([
      // A union-wide event holds thousands: its seats and registrations are read a slice at a time (seats by
      // their sequence number, which only grows), as every big collection is.
      readScored(this.redis, this.sub(id, 'reg')),
      readScored(this.redis, this.sub(id, 'wait')),
      readHash(this.redis, this.sub(id, 'data')),
      readHash(this.redis, this.sub(id, 'checkin')),
    ]);
    const entries: RosterEntry[] = [];
    const add = (list: [string, number][], state: RosterEntry['state']) => {
      for (const [i, [member, seq]] of list.entries()) {
        const at = checkin.get(member);
        entries.push({ member, state, seq, place: i + 1, registration: this.parseRegistration(data.get(member), id, member, log), checkedInAt: at ? Number(at) : null });
      }
    };
    add(reg, 'registered');
    add(wait, 'waitlisted');
    return entries;
  }

  /**
   * `count` people of the roster from position `offset` (0 = the first seat; the waitlist follows the seats): a
   * page of it, read by its people alone.
   */
  async rosterSlice(id: string, offset: number, count: number, log?: RecordLogger): Promise<RosterEntry[]> {
    const seats = await this.redis.zcard(this.sub(id, 'reg'));
    const fromSeats = Math.max(0, Math.min(count, seats - offset));
    const waitFrom = Math.max(0, offset - seats);
    const [reg, wait] = await Promise.all([
      fromSeats ? this.redis.zrange(this.sub(id, 'reg'), String(offset), String(offset + fromSeats - 1), 'WITHSCORES') : [],
      count > fromSeats ? this.redis.zrange(this.sub(id, 'wait'), String(waitFrom), String(waitFrom + count - fromSeats - 1), 'WITHSCORES') : [],
    ]);
    const placed: Array<[member: string, seq: number, state: RosterEntry['state'], place: number]> = [];
    for (let i = 0; i + 1 < reg.length; i += 2) placed.push([reg[i]!, Number(reg[i + 1]), 'registered', offset + i / 2 + 1]);
    for (let i = 0; i + 1 < wait.length; i += 2) placed.push([wait[i]!, Number(wait[i + 1]), 'waitlisted', waitFrom + i / 2 + 1]);
    if (!placed.length) return [];
    const members = placed.map(([member]) => member);
    const [data, checkin] = await Promise.all([this.redis.hmget(this.sub(id, 'data'), ...members), this.redis.hmget(this.sub(id, 'checkin'), ...members)]);
    return placed.map(([member, seq, state, place], i) => ({
      member, state, seq, place, registration: this.parseRegistration(data[i], id, member, log), checkedInAt: checkin[i] ? Number(checkin[i]) : null,
    }));
  }

  /** Who holds seat `seat` (1 = the first, in seat order, as the roster numbers them); null when nobody does. */
  async seatHolder(id: string, seat: number, log?: RecordLogger): Promise<RosterEntry | null> {
    if (!Number.isInteger(seat) || seat < 1) return null;
    const [member, seq] = await this.redis.zrange(this.sub(id, 'reg'), String(seat - 1), String(seat - 1), 'WITHSCORES');
    if (member === undefined) return null;
    const [raw, at] = await Promise.all([this.redis.hget(this.sub(id, 'data'), member), this.redis.hget(this.sub(id, 'checkin'), member)]);
    return { member, state: 'registered', seq: Number(seq), place: seat, registration: this.parseRegistration(raw, id, member, log), checkedInAt: at ? Number(at) : null };
  }

  async checkIn(id: string, member: string, now: number): Promise<{ outcome: 'ok' | 'already' | 'not-registered'; at: number }> {
    const [outcome, at] = checkinReplySchema.parse(await CHECKIN.run(this.redis, [this.sub(id, 'state'), this.sub(id, 'checkin')], [member, now]));
    return { outcome, at };
  }

  // ---- reminders ----
  /** Claims due reminder items (atomic: each goes to exactly one caller until its lease expires). */
  async claimDue(now: number, leaseMs: number, limit: number): Promise<string[]> {
    return stringList.parse(await CLAIM_DUE.run(this.redis, [this.dueKey, this.processingKey], [now, leaseMs, limit]));
  }
  async completeDue(item: string): Promise<void> {
    await this.redis.zrem(this.processingKey, item);
  }
  async scheduledAt(eventId: string): Promise<number | null> {
    const s = await this.redis.zscore(this.dueKey, reminderItem(eventId, 'reminder'));
    return s === null ? null : Number(s);
  }
  async reschedule(eventId: string, remindAt: number): Promise<void> {
    await this.redis.zadd(this.dueKey, remindAt, reminderItem(eventId, 'reminder'));
  }
  /** Marks one recipient reminded for this start time; true the first time only. */
  async markReminded(eventId: string, startAt: number, member: string): Promise<boolean> {
    const key = this.remindedKey(eventId, startAt);
    const added = await this.redis.sadd(key, member);
    await this.redis.expire(key, 60 * 86400);
    return added === 1;
  }

  // ---- member profile & pending group registrations ----
  async profile(member: string, log: RecordLogger = this.logger): Promise<Profile | null> {
    return readRecord(profileSchema, await this.redis.get(this.profileKey(member)), log, `event profile of ${member}`);
  }
  async saveProfile(member: string, profile: Profile): Promise<void> {
    await this.redis.set(this.profileKey(member), JSON.stringify(profileSchema.parse(profile)));
  }
  async forgetProfile(member: string): Promise<boolean> {
    return (await this.redis.del(this.profileKey(member))) === 1;
  }
  async setPending(member: string, p: Pending, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.pendingKey(member), JSON.stringify(p), 'EX', ttlSeconds);
  }
  async pending(member: string, log: RecordLogger = this.logger): Promise<Pending | null> {
    return readRecord(pendingSchema, await this.redis.get(this.pendingKey(member)), log, `pending event registration of ${member}`);
  }
  async clearPending(member: string): Promise<void> {
    await this.redis.del(this.pendingKey(member));
  }
}
