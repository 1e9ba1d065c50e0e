/**
 * Ticket operations — role check → state change → audit → notification, in one place — called by the chat
 * commands and, later, by the web console. They take an Actor and plain arguments, never a TurnContext.
 */
import { z } from 'zod';
import { requireRole, type Actor, type MemberActor } from '../../src/core/actor.ts';
import { addressSchema, type Address, type MemberKey } from '../../src/core/message.ts';
import type { CoreDeps } from '../../src/core/service.ts';
import { maskPersonalNumbers } from '../../src/core/text.ts';
import { TicketStore, ticketTurnSchema, type Ticket } from './store.ts';
import { HANDOFF_TEXT as T } from './texts.ts';

const ticketRequestSchema = z.object({
  /** The member's display name, shown to staff. */
  name: z.string(),
  /**
   * Where staff replies and the closing note go, on the member's platform: their private chat. A group
   * (the member has never written to the bot privately) only hears that there is an answer, never its text.
   */
  address: addressSchema,
  /** The recent conversation, the member's request for a person last. */
  conversation: z.array(ticketTurnSchema).min(1),
  /** The member said nothing yet and is being asked: staff are told so, and the answer alerts them at once. */
  describedLater: z.boolean().default(false),
});
export type TicketRequest = z.input<typeof ticketRequestSchema>;

const ticketId = z.string().trim().min(1).transform((id) => id.toUpperCase());
const replyText = z.string().trim().min(1);
const messageIdSchema = z.string().min(1);

/** Staff hear about a ticket at most once in this window: its opening, then the member's additions. */
const ALERT_WINDOW_MS = 10 * 60_000;

/** Staff are told in their private chat; a staff identity `platform:userId` doubles as that chat's id. */
function privateAddress(key: MemberKey): Address {
  const [platform, ...rest] = key.split(':');
  return { platform: platform as Address['platform'], chatId: rest.join(':'), chatType: 'private' };
}

export class TicketService {
  private readonly store: TicketStore;

  constructor(private readonly deps: CoreDeps) {
    this.store = new TicketStore(deps);
  }

  /**
   * Any member may ask for a person. While the member has an open ticket, the request is appended to it
   * (`created: false`); otherwise a ticket is opened with the conversation and every staff member is alerted.
   */
  async open(actor: MemberActor, request: TicketRequest): Promise<{ ticket: Ticket; created: boolean }> {
    const { name, address, conversation, describedLater } = ticketRequestSchema.parse(request);
    const asked = conversation[conversation.length - 1]!;
    const existing = await this.store.openFor(actor.key, actor.log);
    if (existing) {
      await this.store.appendNote(existing, asked);
      return { ticket: existing, created: false };
    }
    const ticket = await this.store.create(actor.key, name, address, conversation);
    // "转人工" itself says nothing: staff see the question asked before it, when there is one.
    const question = [...conversation].reverse().find((t) => t.from === 'member' && t.text !== asked.text)?.text ?? asked.text;
    if (!describedLater) await this.store.claimAlert(ticket.id, ALERT_WINDOW_MS);
    await this.alertStaff(T.staffAlert(ticket.id, name, describedLater ? T.notDescribedYet : maskPersonalNumbers(question)));
    return { ticket, created: true };
  }

  /**
   * A message the member writes while their ticket is open joins its conversation; staff are alerted at most once
   * per ALERT_WINDOW_MS. Null when the ticket is not the member's open ticket (closed since, or unknown).
   * Once per `messageId` (the message's own id): the same message again adds nothing and alerts nobody twice.
   */
  async add(actor: MemberActor, id: string, text: string, messageId: string): Promise<{ id: string; alerted: boolean } | null> {
    const { ticket, said, added } = await this.addMemberTurn(actor, id, text, ALERT_WINDOW_MS, messageId);
    if (added === 'not-open') return null;
    if (added === 'alert') {
      const record = await this.store.record(ticket, actor.log);
      if (record) await this.alertStaff(T.staffAddition(ticket, record.memberName, maskPersonalNumbers(said)), `ticket:${ticket}:${messageId}`);
    }
    return { id: ticket, alerted: added === 'alert' };
  }

  /**
   * The member asks for a person again while their ticket `id` is open: the request joins it in one step, with no
   * new alert (as in `open`), once per `messageId`. False when `id` is not the member's open ticket (closed since).
   */
  async askAgain(actor: MemberActor, id: string, text: string, messageId: string): Promise<boolean> {
    return (await this.addMemberTurn(actor, id, text, null, messageId)).added !== 'not-open';
  }

  /** The member's words join their open ticket `id` (see TicketStore.addFromMember). */
  private async addMemberTurn(actor: MemberActor, id: string, text: string, alertWindowMs: number | null, messageId: string) {
    const ticket = ticketId.parse(id);
    const said = replyText.parse(text);
    const added = await this.store.addFromMember(actor.key, ticket, { at: this.deps.now().getTime(), from: 'member', text: said }, alertWindowMs, messageIdSchema.parse(messageId));
    return { ticket, said, added };
  }

  /** `notification`: names the alert (each staff member's copy is delivered once, however often it is sent). */
  private async alertStaff(text: string, notification?: string): Promise<void> {
    const staff = await this.deps.roles.holders('staff');
    await Promise.all(staff.map((key) => this.deps.notifier.notify(privateAddress(key), [{ text }], notification ? { id: `${notification}:${key}` } : {})));
  }

  /** The member's own latest ticket with staff's answers (for "我的工单"). */
  async mine(actor: MemberActor): Promise<Ticket | null> {
    return this.store.latestFor(actor.key, actor.log);
  }

  /** How many tickets are open (the console's badge and overview). */
  async openCount(actor: Actor): Promise<number> {
    requireRole(actor, 'staff');
    return this.store.openCount();
  }

  /** A page of the open tickets, oldest first, with how many are open (the console's list, /tickets in chat). */
  async openPage(actor: Actor, page: number, size: number): Promise<{ tickets: Ticket[]; total: number }> {
    requireRole(actor, 'staff');
    return this.store.openPage(page, size, actor.log);
  }

  /** One ticket with its conversation; reading a member's conversation is audited. Null when there is no such ticket. */
  async view(actor: Actor, id: string): Promise<Ticket | null> {
    requireRole(actor, 'staff');
    const ticket = await this.store.get(ticketId.parse(id), actor.log);
    if (!ticket) return null;
    await this.deps.audit.record({ actor: actor.key, action: 'ticket.view', target: ticket.id, at: this.deps.now() });
    return ticket;
  }

  /** Sends staff's answer to the member where they asked and keeps it in the ticket. Null when there is no such ticket. */
  async reply(actor: Actor, id: string, text: string): Promise<Ticket | null> {
    requireRole(actor, 'staff');
    const answer = replyText.parse(text);
    const ticket = await this.store.get(ticketId.parse(id), actor.log);
    if (!ticket) return null;
    const inGroup = ticket.address.chatType === 'group';
    await this.deps.notifier.notify(ticket.address, [{ text: inGroup ? T.answerWaitsInPrivate(ticket.id) : T.replyToMember(ticket.id, answer) }]);
    await this.store.appendNote(ticket, { at: this.deps.now().getTime(), from: 'staff', text: answer, by: actor.key });
    await this.store.appendAnswer(ticket, { at: this.deps.now().getTime(), text: answer });
    // Staff have read the ticket up to here: the member's next words alert them again at once.
    await this.store.resetAlert(ticket.id);
    await this.deps.audit.record({ actor: actor.key, action: 'ticket.reply', target: ticket.id, note: answer.slice(0, 200), at: this.deps.now() });
    return ticket;
  }

  /** Closes the ticket and tells the member. Null when there is no such ticket. */
  async close(actor: Actor, id: string): Promise<Ticket | null> {
    requireRole(actor, 'staff');
    const ticket = await this.store.record(ticketId.parse(id), actor.log);
    if (!ticket) return null;
    const before = ticket.status;
    await this.store.close(ticket, actor.log);
    await this.deps.notifier.notify(ticket.address, [{ text: ticket.address.chatType === 'group' ? T.closedInGroup(ticket.id) : T.closedToMember(ticket.id) }]);
    await this.deps.audit.record({ actor: actor.key, action: 'ticket.close', target: ticket.id, before, after: 'closed', at: this.deps.now() });
    return ticket;
  }
}
