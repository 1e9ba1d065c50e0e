/** Handoff tickets: the member's recent conversation for staff, in Redis, read through readRecord. */
import { z } from 'zod';
import type { CoreDeps } from '../../src/core/service.ts';
import { addressSchema, type Address, type MemberKey } from '../../src/core/message.ts';
import { readRecord } from '../../src/core/records.ts';
import type { Turn } from '../../src/core/session.ts';
import { maskPersonalNumbers } from '../../src/core/text.ts';

/** Tickets are plain JSON in Redis and shown to staff: personal numbers are masked before they are kept. */
const masked = (t: Turn): Turn => ({ ...t, text: maskPersonalNumbers(t.text) });

/** One turn of the conversation kept in a ticket (the session's turn shape). */
export const ticketTurnSchema = z.object({ at: z.number(), from: z.enum(['member', 'bot']), text: z.string() });

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

export class TicketStore {
  constructor(private readonly deps: CoreDeps) {}
  private key(id: string) {
    return this.deps.keys.k('ticket', id);
  }
  private get openKey() {
    return this.deps.keys.k('tickets', 'open');
  }
  private memberKey(member: MemberKey) {
    return this.deps.keys.k('tickets', 'member', member);
  }

  async openFor(member: MemberKey): Promise<Ticket | null> {
    const t = await this.latestFor(member);
    return t?.status === 'open' ? t : null;
  }

  /** The member's most recent ticket, open or closed. */
  async latestFor(member: MemberKey): Promise<Ticket | null> {
    const id = await this.deps.redis.get(this.memberKey(member));
    return id ? this.get(id) : null;
  }

  async create(member: MemberKey, memberName: string, address: Address, history: Turn[]): Promise<Ticket> {
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

  async appendNote(ticket: Ticket, turn: Turn): Promise<void> {
    ticket.history.push(masked(turn));
    await this.deps.redis.set(this.key(ticket.id), JSON.stringify(ticket));
  }

  async appendAnswer(ticket: Ticket, answer: { at: number; text: string }): Promise<void> {
    ticket.answers.push({ ...answer, text: maskPersonalNumbers(answer.text) });
    await this.deps.redis.set(this.key(ticket.id), JSON.stringify(ticket));
  }

  /** A corrupt ticket is logged and treated as missing. */
  async get(id: string): Promise<Ticket | null> {
    return readRecord(ticketSchema, await this.deps.redis.get(this.key(id)), this.deps.logger, `ticket ${id}`);
  }

  async listOpen(limit = 20): Promise<Ticket[]> {
    const ids = await this.deps.redis.zrange(this.openKey, '0', String(limit - 1));
    const tickets = await Promise.all(ids.map((id) => this.get(id)));
    return tickets.filter((t): t is Ticket => t !== null);
  }

  async close(ticket: Ticket): Promise<void> {
    ticket.status = 'closed';
    await this.deps.redis.multi().set(this.key(ticket.id), JSON.stringify(ticket)).zrem(this.openKey, ticket.id).exec();
  }
}
