/** `handoff` (转人工) in chat: parses the commands, calls the ticket operations (service.ts) and renders their texts. */
import { actorOf } from '../../src/core/actor.ts';
import type { Address } from '../../src/core/message.ts';
import type { IntentFactory, TurnContext, TurnResult } from '../../src/core/service.ts';
import { maskPersonalNumbers } from '../../src/core/text.ts';
import { TicketService } from './service.ts';
import { COMMAND_SUMMARIES, HANDOFF_TEXT as T } from './texts.ts';

const say = (text: string): TurnResult => ({ replies: [{ text }] });

const createHandoff: IntentFactory = async (deps) => {
  const tickets = new TicketService(deps);

  const open = async (ctx: TurnContext): Promise<TurnResult> => {
    const { msg } = ctx;
    // Staff answers go to the member's private chat; a group only ever hears that an answer is waiting.
    const group: Address = { platform: msg.platform, chatId: msg.chatId, chatType: 'group', mentionUserId: msg.senderId, mentionName: msg.senderName };
    const address = msg.chatType === 'private' ? { platform: msg.platform, chatId: msg.chatId, chatType: 'private' as const } : (ctx.privateChat ?? group);
    const conversation = [...ctx.session.history, { at: ctx.now.getTime(), from: 'member' as const, text: ctx.text }];
    const { ticket, created } = await tickets.open(actorOf(ctx), { name: msg.senderName, address, conversation });
    if (!created) return say(T.alreadyOpen(ticket.id));
    return say(msg.chatType === 'private' ? T.created(ticket.id) : ctx.privateChat ? T.createdPrivately(ticket.id) : T.createdAskPrivate(ticket.id));
  };

  return {
    id: 'handoff',
    handle: open,
    commands: [
      { names: ['人工', '转人工'], summary: COMMAND_SUMMARIES.open, run: open },
      {
        names: ['我的工单', 'myticket'], summary: COMMAND_SUMMARIES.mine,
        run: async (ctx) => {
          if (ctx.msg.chatType === 'group') return say(T.mineOnlyPrivately);
          const ticket = await tickets.mine(actorOf(ctx));
          return say(ticket ? T.mine(ticket.id, ticket.status === 'open', ticket.answers.map((a) => a.text)) : T.mineNone);
        },
      },
      {
        names: ['tickets', '工单'], role: 'staff', summary: COMMAND_SUMMARIES.list,
        run: async (ctx) => {
          const list = await tickets.listOpen(actorOf(ctx));
          if (!list.length) return say(T.noOpenTickets);
          const lines = list.map((t) => {
            const last = [...t.history].reverse().find((h) => h.from === 'member')?.text ?? '';
            return T.listLine(t.id, t.memberName, t.address.platform, maskPersonalNumbers(last).slice(0, 60));
          });
          return say(`${T.listHeader(list.length)}\n${lines.join('\n')}`);
        },
      },
      {
        names: ['ticket', '查看工单'], role: 'staff', summary: COMMAND_SUMMARIES.view,
        run: async (ctx, args) => {
          const id = args.split(/\s+/)[0];
          if (!id) return say(T.usageView);
          const ticket = await tickets.view(actorOf(ctx), id);
          if (!ticket) return say(T.notFound(id));
          const turns = ticket.history.map((t) => T.viewTurn(t.at, t.from === 'member', t.text));
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
