/**
 * Handoff tickets: the member's recent conversation for staff, in Redis, read through readRecord.
 *
 * The ticket record holds what never changes after opening (member, address, the conversation that led to it)
 * and its status; what members and staff add later is pushed onto two capped lists beside it. An addition is
 * one RPUSH, not a rewrite of the whole ticket: nothing grows with the ticket's length, and a member's line, a
 * staff answer and a close from different processes at the same moment can no longer overwrite each other.
 */
import type { KeyRename } from '../../src/core/key-migration.ts';
import { z } from 'zod';
import type { CoreDeps } from '../../src/core/service.ts';
import { addressSchema, type Address, type MemberKey } from '../../src/core/message.ts';
import { LuaScript } from '../../src/core/lua.ts';
import { readRecord, type RecordLogger } from '../../src/core/records.ts';
import { maskPersonalNumbers } from '../../src/core/text.ts';

/** One turn of the conversation kept in a ticket: the session's turns, then the member's additions and staff's answers. */
export const ticketTurnSchema = z.object({
  at: z.number(),
  from: z.enum(['member', 'bot', 'staff']),
  text: z.string(),
  /** Which staff member answered. */
  by: z.string().optional(),
});
export type TicketTurn = z.infer<typeof ticketTurnSchema>;

/** Tickets are plain JSON in Redis and shown to staff: personal numbers are masked before they are kept. */
const masked = (t: TicketTurn): TicketTurn => ({ ...t, text: maskPersonalNumbers(t.text) });

/** Sets KEYS[1] to ARGV[1] (now, ms) unless it holds a time less than ARGV[2] ms ago; 1 when set. */
const CLAIM_ALERT = new LuaScript(`
local last = tonumber(redis.call('GET', KEYS[1]) or '')
if last and tonumber(ARGV[1]) - last < tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1
`);

/**
 * Adds the member's turn to their open ticket and claims the staff alert, in one step, once per message: the same
 * message added again (its turn run again) answers what it answered the first time and adds nothing.
 * KEYS: the member's latest ticket, the open tickets, the ticket's turns, its alert, the message's mark.
 * ARGV: ticket id, turn JSON, turns kept, now (ms), alert window (ms; '' = no alert), alert key seconds, mark seconds.
 * → -1 when it is not the member's open ticket (closed since, or someone else's), 1 when staff are to be alerted, else 0.
 */
const ADD_FROM_MEMBER = new LuaScript(`
local done = redis.call('GET', KEYS[5])
if done then return tonumber(done) end
if redis.call('GET', KEYS[1]) ~= ARGV[1] or not redis.call('ZSCORE', KEYS[2], ARGV[1]) then return -1 end
redis.call('RPUSH', KEYS[3], ARGV[2])
redis.call('LTRIM', KEYS[3], -tonumber(ARGV[3]), -1)
local alert = 0
if ARGV[5] ~= '' then
  local last = tonumber(redis.call('GET', KEYS[4]) or '')
  if not (last and tonumber(ARGV[4]) - last < tonumber(ARGV[5])) then
    redis.call('SET', KEYS[4], ARGV[4], 'EX', ARGV[6])
    alert = 1
  end
end
redis.call('SET', KEYS[5], alert, 'EX', ARGV[7])
return alert
`);

/** How long a message's addition to a ticket is remembered (as long as a message's id is, see the pipeline's dedup). */
const ADDED_MARK_SECONDS = 24 * 3600;

/** A ticket keeps its opening conversation and at most this many later turns (the latest), and answers. */
const MAX_ADDED_TURNS = 200;
const MAX_ANSWERS = 50;

export const ticketSchema = z.object({
  id: z.string(),
  member: z.string(),
  memberName: z.string(),
  address: addressSchema,
  history: z.array(ticketTurnSchema),
  /** Staff answers, for the member to read in private ("我的工单") when the ticket was opened in a group. */
  answers: z.array(z.object({ at: z.number(), text: z.string() })).default([]),
  status: z.enum(['open', 'closed']),
  createdAt: z.string(),
});
export type Ticket = z.infer<typeof ticketSchema>;

/** Keys of versions before the hash tags (`npm run cli -- migrate-keys`): a ticket, the open queue, members' latest ticket. */
export const TICKET_KEY_RENAMES: KeyRename[] = [
  { match: 'ticket:*', rename: (rest) => (/^ticket:[^:]+$/.test(rest) ? `{tickets}:${rest}` : null) },
  { match: 'tickets:open', rename: () => '{tickets}:open' },
  { match: 'tickets:member:*', rename: (rest) => `{tickets}:${rest.slice('tickets:'.length)}` },
];

const answerSchema = z.object({ at: z.number(), text: z.string() });
const stringList = z.array(z.string());

/** List items that parse; an unreadable one is skipped (and logged), like a corrupt record. */
function readItems<T>(schema: z.ZodType<T>, items: string[], onBad: () => void): T[] {
  return items.flatMap((item) => {
    try {
      const parsed = schema.safeParse(JSON.parse(item));
      if (parsed.success) return [parsed.data];
    } catch {
      // not JSON
    }
    onBad();
    return [];
  });
}

export class TicketStore {
  constructor(private readonly deps: CoreDeps) {}
  // Redis Cluster: a ticket, the open queue and the member's latest ticket are written in one MULTI, so
  // they share the hash tag `tickets`.
  private key(id: string) {
    return this.deps.keys.tagged('tickets', 'ticket', id);
  }
  private turnsKey(id: string) {
    return this.deps.keys.tagged('tickets', 'ticket', id, 'turns');
  }
  private answersKey(id: string) {
    return this.deps.keys.tagged('tickets', 'ticket', id, 'answers');
  }
  private alertKey(id: string) {
    return this.deps.keys.tagged('tickets', 'ticket', id, 'alerted');
  }
  private get openKey() {
    return this.deps.keys.tagged('tickets', 'open');
  }
  private memberKey(member: MemberKey) {
    return this.deps.keys.tagged('tickets', 'member', member);
  }

  /**
   * The member's open ticket, if any: its record only, without the turns added since (see `record`). `log`, here and
   * below: where an unreadable record is reported (an operation passes its actor's, which carries the request id).
   */
  async openFor(member: MemberKey, log?: RecordLogger): Promise<Ticket | null> {
    const id = await this.deps.redis.get(this.memberKey(member));
    const t = id ? await this.record(id, log) : null;
    return t?.status === 'open' ? t : null;
  }

  /** The member's most recent ticket, open or closed. */
  async latestFor(member: MemberKey, log?: RecordLogger): Promise<Ticket | null> {
    const id = await this.deps.redis.get(this.memberKey(member));
    return id ? this.get(id, log) : null;
  }

  async create(member: MemberKey, memberName: string, address: Address, history: TicketTurn[]): Promise<Ticket> {
    const now = this.deps.now();
    const day = now.toISOString().slice(0, 10).replace(/-/g, '');
    const seq = await this.deps.redis.incr(this.deps.keys.k('tickets', 'seq', day));
    const ticket: Ticket = {
      id: `RG-${day}-${String(seq).padStart(4, '0')}`,
      member, memberName, address, history: history.map(masked), answers: [], status: 'open', createdAt: now.toISOString(),
    };
    await this.deps.redis
      .multi()
      .set(this.key(ticket.id), JSON.stringify(ticket))
      .zadd(this.openKey, String(now.getTime()), ticket.id)
      .set(this.memberKey(member), ticket.id)
      .exec();
    return ticket;
  }

  /** Adds a turn to the ticket (and to `ticket`, the caller's copy). */
  async appendNote(ticket: Ticket, turn: TicketTurn): Promise<void> {
    const kept = masked(turn);
    ticket.history.push(kept);
    await this.push(this.turnsKey(ticket.id), JSON.stringify(kept), MAX_ADDED_TURNS);
  }

  /**
   * A member's turn joins their open ticket `id`; staff are to be told at most once per `alertWindowMs` ('alert'),
   * never when it is null. 'not-open' when `id` is not the member's open ticket. Once per `messageId`: the same
   * message again gets the same answer and adds nothing.
   */
  async addFromMember(member: MemberKey, id: string, turn: TicketTurn, alertWindowMs: number | null, messageId: string): Promise<'added' | 'alert' | 'not-open'> {
    const keys = [this.memberKey(member), this.openKey, this.turnsKey(id), this.alertKey(id), this.deps.keys.tagged('tickets', 'ticket', id, 'added', messageId)];
    const at = this.deps.now().getTime();
    const alert = alertWindowMs === null ? ['', 0] : [alertWindowMs, Math.ceil(alertWindowMs / 1000) * 2];
    const result = await ADD_FROM_MEMBER.run(this.deps.redis, keys, [id, JSON.stringify(masked(turn)), MAX_ADDED_TURNS, at, ...alert, ADDED_MARK_SECONDS]);
    return result === 1 ? 'alert' : result === 0 ? 'added' : 'not-open';
  }

  /** Keeps a staff answer for the member to read ("我的工单"). */
  async appendAnswer(ticket: Ticket, answer: { at: number; text: string }): Promise<void> {
    const kept = { ...answer, text: maskPersonalNumbers(answer.text) };
    ticket.answers.push(kept);
    await this.push(this.answersKey(ticket.id), JSON.stringify(kept), MAX_ANSWERS);
  }

  private async push(list: string, item: string, cap: number): Promise<void> {
    await this.deps.redis.multi().rpush(list, item).ltrim(list, -cap, -1).exec();
  }

  /** The whole ticket: its record, then the turns and answers added since. A corrupt ticket is logged and treated as missing. */
  async get(id: string, log: RecordLogger = this.deps.logger): Promise<Ticket | null> {
    const replies = await this.deps.redis.multi().get(this.key(id)).lrange(this.turnsKey(id), 0, -1).lrange(this.answersKey(id), 0, -1).exec();
    const [raw, turns, answers] = (replies ?? []).map(([err, value]) => {
      if (err) throw err;
      return value;
    });
    const ticket = readRecord(ticketSchema, typeof raw === 'string' ? raw : null, log, `ticket ${id}`);
    if (!ticket) return null;
    const bad = () => log.warn({ ticket: id }, 'unreadable ticket turn skipped');
    ticket.history.push(...readItems(ticketTurnSchema, stringList.parse(turns), bad));
    ticket.answers.push(...readItems(answerSchema, stringList.parse(answers), bad));
    return ticket;
  }

  /** The ticket's record alone (status, member, address, opening conversation): enough to check it, cheap to read. */
  async record(id: string, log: RecordLogger = this.deps.logger): Promise<Ticket | null> {
    return readRecord(ticketSchema, await this.deps.redis.get(this.key(id)), log, `ticket ${id}`);
  }

  openCount(): Promise<number> {
    return this.deps.redis.zcard(this.openKey);
  }

  /** One page of the open tickets, oldest first, and how many are open. */
  async openPage(page: number, size: number, log?: RecordLogger): Promise<{ tickets: Ticket[]; total: number }> {
    const [ids, total] = await Promise.all([this.deps.redis.zrange(this.openKey, String((page - 1) * size), String(page * size - 1)), this.openCount()]);
    const tickets = await Promise.all(ids.map((id) => this.get(id, log)));
    return { tickets: tickets.filter((t): t is Ticket => t !== null), total };
  }

  /**
   * True at most once per `windowMs` of the bot's clock per ticket, across processes: staff are not alerted for
   * every line a member adds. The key expires after twice the window (Redis time), so closed tickets leave nothing.
   */
  async claimAlert(id: string, windowMs: number): Promise<boolean> {
    const claimed = await CLAIM_ALERT.run(this.deps.redis, [this.alertKey(id)], [this.deps.now().getTime(), windowMs, Math.ceil(windowMs / 1000) * 2]);
    return claimed === 1;
  }

  async resetAlert(id: string): Promise<void> {
    await this.deps.redis.del(this.alertKey(id));
  }

  /** Marks the ticket closed: its record is rewritten as stored (never from `ticket`, which holds the turns added since). */
  async close(ticket: Ticket, log?: RecordLogger): Promise<void> {
    ticket.status = 'closed';
    const stored = await this.record(ticket.id, log);
    if (!stored) return;
    await this.deps.redis.multi().set(this.key(ticket.id), JSON.stringify({ ...stored, status: 'closed' })).zrem(this.openKey, ticket.id).exec();
  }
}
