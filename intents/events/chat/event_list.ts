/** event_list: open events with seats left (numbered), "我的报名", and the staff event commands (see staff.ts). */
import type { CoreDeps, IntentDefinition, IntentFactory, TurnContext, TurnResult } from '../../../src/core/service.ts';
import { maskPhone } from '../../../src/core/text.ts';
import { EVENT_LIST, actorOf, eventService, listedEvents } from '../service.ts';
import { LIST_TEXT as P } from '../texts.ts';
import { done } from '../util.ts';
import { staffTools } from './staff.ts';

const factory: IntentFactory = async (deps: CoreDeps): Promise<IntentDefinition> => {
  const svc = eventService(deps);
  const staff = staffTools(deps);

  async function list(ctx: TurnContext): Promise<TurnResult> {
    const now = ctx.now.getTime();
    const listed = await svc.openListing();
    if (listed.length === 0) return { replies: [{ text: P.noEvents }], memory: listedEvents.remember([]) };
    // Staff see ids to use in their commands.
    const showId = ctx.roles.has('staff');
    const lines = listed.map(({ event, counts }, i) => P.listItem(i + 1, event, counts, now, showId));
    return { replies: [{ text: `${P.listHeader}\n${lines.join('\n')}\n\n${P.listFooter}` }], memory: listedEvents.remember(listed.map((l) => l.event)) };
  }

  async function mine(ctx: TurnContext): Promise<TurnResult> {
    const now = ctx.now.getTime();
    const lines = (await svc.myRegistrations(actorOf(ctx))).map(({ event: ev, state, position, registration }, i) => {
      const status =
        ev.status === 'cancelled'
          ? P.mineStatus.cancelled(ev.cancelReason ?? '')
          : ev.endAt < now
            ? P.mineStatus.ended
            : state === 'registered'
              ? P.mineStatus.registered(position)
              : P.mineStatus.waitlisted(position);
      // Phones are masked in lists, and left out entirely in groups.
      const phone = ctx.msg.chatType === 'private' ? registration?.values['phone'] : undefined;
      return P.mineItem(i + 1, ev, status, phone ? maskPhone(phone) : null, now);
    });
    if (lines.length === 0) return done(P.mineNone);
    return done(`${P.mineHeader}\n${lines.join('\n')}\n\n${P.mineFooter}`);
  }

  return {
    id: EVENT_LIST,
    // The staff's event forms (its dialog) write.
    readsOnly: ['handle'],
    commands: [
      { names: ['活动', '活动列表', '近期活动', 'events'], summary: P.summaries.list, readsOnly: true, run: (ctx) => list(ctx) },
      { names: ['我的报名', '我的活动', 'myevents'], summary: P.summaries.mine, readsOnly: true, run: (ctx) => mine(ctx) },
      ...staff.commands,
    ],
    handle: (ctx) => (/我的(报名|活动)|我报(了|过)/.test(ctx.text) ? mine(ctx) : list(ctx)),
    continueDialog: staff.continueDialog,
    repromptDialog: staff.reprompt,
  };
};

export default factory;
