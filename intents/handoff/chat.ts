/**
 * `handoff` (转人工) in chat: parses the commands, calls the ticket operations (service.ts) and renders their texts.
 * While a member's ticket is open, what they tell the bot in their private chat joins its conversation.
 */
import { z } from 'zod';
import { actorOf } from '../../src/core/actor.ts';
import type { Address } from '../../src/core/message.ts';
import type { IntentFactory, TurnContext, TurnResult } from '../../src/core/service.ts';
import { maskPersonalNumbers } from '../../src/core/text.ts';
import { idempotentWrite } from '../../src/core/speculation.ts';
import { asksService, closingKind } from '../../src/nlu/index.ts';
import { TicketService } from './service.ts';
import { COMMAND_SUMMARIES, HANDOFF_TEXT as T } from './texts.ts';

const INTENT = 'handoff';
const say = (text: string): TurnResult => ({ replies: [{ text }] });

/**
 * The open ticket this private chat continues (null once it is known to be closed), and whether the member was
 * just asked what it is about (then their next words are the answer, whatever they say).
 */
const memorySchema = z.object({ ticket: z.string().nullable().catch(null), asked: z.boolean().catch(false).default(false) });
// Most members have no memory here: checked first, as a failed parse builds an error on every message.
const memoryOf = (ctx: TurnContext) => {
  const memory = ctx.msg.chatType === 'private' ? ctx.session.memory[INTENT] : undefined;
  return memory === undefined ? undefined : memorySchema.safeParse(memory).data;
};
const openTicketOf = (ctx: TurnContext): string | null => memoryOf(ctx)?.ticket ?? null;

/** Open tickets listed by /tickets in chat, oldest first (the console pages through all of them). */
const CHAT_LIST_SIZE = 20;

/** "我还想补充一下…", "忘了说": meant for the ticket even when it names one of our topics. */
const ADDITION = /补充|忘了说|忘记说|再说一下|再说一句|还要说|还想说/;

/**
 * A message for the person handling the ticket rather than a request to the bot: an addition, or nothing a service
 * would answer ("好的，明天上午几点？", "在吗"). Commands and other services' triggers are matched before this.
 */
const forTicket = (text: string): boolean => ADDITION.test(text) || !asksService(text);

/** "转人工", "我要找工作人员": asks for a person and says nothing of the problem. */
const BARE_REQUEST_CHARS = 8;
/** What the member said within this window before asking for a person is what the ticket is about. */
const RECENT_MS = 30 * 60_000;

const createHandoff: IntentFactory = async (deps) => {
  const tickets = new TicketService(deps);

  /**
   * Opens the ticket (or adds to the open one). In private, a bare "转人工" with nothing said before also asks what
   * it is about: the ticket exists at once (staff can reach a member who walks away), and the answer joins it and
   * alerts staff with the actual question.
   */
  const request = async (ctx: TurnContext, args = ''): Promise<TurnResult> => {
    const { msg } = ctx;
    // The ticket this private chat continues, still open: the request joins it without reading the history, once
    // per message (so even in a speculative turn).
    const known = openTicketOf(ctx);
    if (known && ctx.text.trim() && (await idempotentWrite(() => tickets.askAgain(actorOf(ctx), known, ctx.text, ctx.msg.messageId)))) {
      return { ...say(T.alreadyOpen(known)), memory: { ticket: known, asked: false } };
    }
    // Opening a ticket is no such write.
    ctx.beforeWrite();
    const now = ctx.now.getTime();
    const history = await ctx.history();
    const saidBefore = history.some((t) => t.from === 'member' && now - t.at <= RECENT_MS);
    const ask = msg.chatType === 'private' && !args && !saidBefore && [...ctx.text].length <= BARE_REQUEST_CHARS;
    // Staff answers go to the member's private chat; a group only ever hears that an answer is waiting.
    const group: Address = { platform: msg.platform, chatId: msg.chatId, chatType: 'group', mentionUserId: msg.senderId, mentionName: msg.senderName };
    const address = msg.chatType === 'private' ? { platform: msg.platform, chatId: msg.chatId, chatType: 'private' as const } : (ctx.privateChat ?? group);
    const conversation = [...history, { at: now, from: 'member' as const, text: ctx.text }];
    const { ticket, created } = await tickets.open(actorOf(ctx), { name: msg.senderName, address, conversation, describedLater: ask });
    if (!created) return { ...say(T.alreadyOpen(ticket.id)), ...(msg.chatType === 'private' ? { memory: { ticket: ticket.id, asked: false } } : {}) };
    if (msg.chatType !== 'private') return say(ctx.privateChat ? T.createdPrivately(ticket.id) : T.createdAskPrivate(ticket.id));
    return { ...say(ask ? T.createdAsk(ticket.id) : T.created(ticket.id)), memory: { ticket: ticket.id, asked: ask } };
  };

  /** The member's words join their open ticket, once per message; a ticket closed since is forgotten here. */
  const addTo = async (ctx: TurnContext, id: string): Promise<TurnResult> => {
    const added = await idempotentWrite(() => tickets.add(actorOf(ctx), id, ctx.text, ctx.msg.messageId));
    return added ? { ...say(T.added(id)), memory: { asked: false } } : { ...say(T.closedSince(id)), memory: { ticket: null, asked: false } };
  };

  return {
    id: INTENT,
    // Adding to an open ticket is keyed by the message (idempotentWrite); opening one refuses a speculative turn.
    readsOnly: ['handle'],
    matches: (ctx) => {
      const memory = memoryOf(ctx);
      if (ctx.session.dialog || !memory?.ticket || !ctx.text || closingKind(ctx.text) !== null) return false;
      return memory.asked || forTicket(ctx.text);
    },
    handle: (ctx) => {
      const id = openTicketOf(ctx);
      return id && ctx.text ? addTo(ctx, id) : request(ctx);
    },
    commands: [
      { names: ['人工', '转人工'], summary: COMMAND_SUMMARIES.open, readsOnly: true, run: request },
      {
        names: ['我的工单', 'myticket'], summary: COMMAND_SUMMARIES.mine, readsOnly: true,
        run: async (ctx) => {
          if (ctx.msg.chatType === 'group') return say(T.mineOnlyPrivately);
          const ticket = await tickets.mine(actorOf(ctx));
          // From here on, this private chat continues the open ticket (also one opened in a group).
          const memory = { ticket: ticket?.status === 'open' ? ticket.id : null };
          return { ...say(ticket ? T.mine(ticket.id, ticket.status === 'open', ticket.answers.map((a) => a.text)) : T.mineNone), memory };
        },
      },
      {
        names: ['tickets', '工单'], role: 'staff', summary: COMMAND_SUMMARIES.list,
        run: async (ctx) => {
          const { tickets: list, total } = await tickets.openPage(actorOf(ctx), 1, CHAT_LIST_SIZE);
          if (!list.length) return say(T.noOpenTickets);
          const lines = list.map((t) => {
            const last = [...t.history].reverse().find((h) => h.from === 'member')?.text ?? '';
            return T.listLine(t.id, t.memberName, t.address.platform, maskPersonalNumbers(last).slice(0, 60));
          });
          return say(`${T.listHeader(total, list.length)}\n${lines.join('\n')}`);
        },
      },
      {
        names: ['ticket', '查看工单'], role: 'staff', summary: COMMAND_SUMMARIES.view,
        run: async (ctx, args) => {
          const id = args.split(/\s+/)[0];
          if (!id) return say(T.usageView);
          const ticket = await tickets.view(actorOf(ctx), id);
          if (!ticket) return say(T.notFound(id));
          const turns = ticket.history.map((t) => T.viewTurn(t.at, t.from, t.text, t.by));
          return say([T.viewHeader(ticket.id, ticket.memberName, ticket.address.platform, ticket.status === 'open'), ...turns].join('\n'));
        },
      },
      {
        names: ['reply', '回复工单'], role: 'staff', summary: COMMAND_SUMMARIES.reply,
        run: async (ctx, args) => {
          const [id, ...words] = args.split(/\s+/);
          const text = words.join(' ').trim();
          if (!id || !text) return say(T.usageReply);
          const ticket = await tickets.reply(actorOf(ctx), id, text);
          return say(ticket ? T.replied(ticket.id) : T.notFound(id));
        },
      },
      {
        names: ['close', '关闭工单'], role: 'staff', summary: COMMAND_SUMMARIES.close,
        run: async (ctx, args) => {
          const id = args.split(/\s+/)[0];
          if (!id) return say(T.usageClose);
          const ticket = await tickets.close(actorOf(ctx), id);
          return say(ticket ? T.closed(ticket.id) : T.notFound(id));
        },
      },
    ],
  };
};
export default createHandoff;
