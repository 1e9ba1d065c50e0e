/** `handoff` (转人工): a ticket with the recent conversation for staff; staff list, reply to and close tickets. */
import type { IntentFactory, TurnContext } from '../../src/core/service.ts';
import type { Address, MemberKey } from '../../src/core/message.ts';
import { maskPersonalNumbers } from '../../src/core/text.ts';
import { HANDOFF_TEXT as T } from './texts.ts';
import { TicketStore } from './store.ts';

/** Staff are told in their private chat; a staff identity `platform:userId` doubles as that chat's id. */
function staffAddresses(staff: readonly MemberKey[]): Address[] {
  return staff.map((key) => {
    const [platform, ...rest] = key.split(':');
    return { platform: platform as Address['platform'], chatId: rest.join(':'), chatType: 'private' };
  });
}

const createHandoff: IntentFactory = async (deps) => {
  const tickets = new TicketStore(deps);

  const open = async (ctx: TurnContext) => {
    const existing = await tickets.openFor(ctx.member);
    if (existing) {
      await tickets.appendNote(existing, { at: ctx.now.getTime(), from: 'member', text: ctx.text });
      return { replies: [{ text: T.alreadyOpen(existing.id) }] };
    }
    const address: Address = { platform: ctx.msg.platform, chatId: ctx.msg.chatId, chatType: ctx.msg.chatType, mentionUserId: ctx.msg.senderId, mentionName: ctx.msg.senderName };
    const history = [...ctx.session.history, { at: ctx.now.getTime(), from: 'member' as const, text: ctx.text }];
    const ticket = await tickets.create(ctx.member, ctx.msg.senderName, address, history);
    const lastQuestion = maskPersonalNumbers([...history].reverse().find((t) => t.from === 'member' && t.text !== ctx.text)?.text ?? ctx.text);
    const staff = [...new Set([...deps.config.BOT_STAFF, ...deps.config.BOT_ADMINS])];
    await Promise.all(staffAddresses(staff).map((to) => deps.notifier.notify(to, [{ text: T.staffAlert(ticket.id, ctx.msg.senderName, lastQuestion) }])));
    return { replies: [{ text: T.created(ticket.id) }] };
  };

  return {
    id: 'handoff',
    handle: open,
    commands: [
      { names: ['人工', '转人工'], summary: '联系工会工作人员', run: open },
      {
        names: ['tickets', '工单'], role: 'staff', summary: '查看待处理的转人工工单',
        run: async () => {
          const list = await tickets.listOpen();
          if (!list.length) return { replies: [{ text: T.noOpenTickets }] };
          const lines = list.map((t) => {
            const last = [...t.history].reverse().find((h) => h.from === 'member')?.text ?? '';
            return `${t.id} · ${t.memberName} · ${t.address.platform} · ${maskPersonalNumbers(last).slice(0, 60)}`;
          });
          return { replies: [{ text: `${T.listHeader(list.length)}\n${lines.join('\n')}` }] };
        },
      },
      {
        names: ['reply', '回复工单'], role: 'staff', summary: '回复工单：/reply 工单号 内容',
        run: async (ctx, args) => {
          const [id, ...words] = args.split(/\s+/);
          const text = words.join(' ').trim();
          if (!id || !text) return { replies: [{ text: T.usageReply }] };
          const ticket = await tickets.get(id.toUpperCase());
          if (!ticket) return { replies: [{ text: T.notFound(id) }] };
          await deps.notifier.notify(ticket.address, [{ text: T.replyToMember(ticket.id, text) }]);
          await tickets.appendNote(ticket, { at: ctx.now.getTime(), from: 'bot', text: `[staff ${ctx.member}] ${text}` });
          await deps.audit.record({ actor: ctx.member, action: 'ticket.reply', target: ticket.id, note: text.slice(0, 200) });
          return { replies: [{ text: T.replied(ticket.id) }] };
        },
      },
      {
        names: ['close', '关闭工单'], role: 'staff', summary: '关闭工单：/close 工单号',
        run: async (ctx, args) => {
          const id = args.split(/\s+/)[0];
          if (!id) return { replies: [{ text: T.usageClose }] };
          const ticket = await tickets.get(id.toUpperCase());
          if (!ticket) return { replies: [{ text: T.notFound(id) }] };
          const before = ticket.status;
          await tickets.close(ticket);
          await deps.notifier.notify(ticket.address, [{ text: T.closedToMember(ticket.id) }]);
          await deps.audit.record({ actor: ctx.member, action: 'ticket.close', target: ticket.id, before, after: 'closed' });
          return { replies: [{ text: T.closed(ticket.id) }] };
        },
      },
    ],
  };
};
export default createHandoff;
