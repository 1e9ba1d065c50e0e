/** event_list: open events with seats left (numbered), "我的报名", and the staff event commands (see staff.ts). */
import type { CoreDeps, IntentDefinition, IntentFactory, TurnContext, TurnResult } from '../../../src/core/service.ts';
import { end, say } from '../dialog.ts';
import { maskPhone } from '../../../src/core/text.ts';
import type { EventDef } from '../model.ts';
import { eventServices } from '../context.ts';
import { openEvents } from '../util.ts';
import { P } from './event_list.texts.ts';
import { INTENT, staffTools } from './staff.ts';

const factory: IntentFactory = async (deps: CoreDeps): Promise<IntentDefinition> => {
  const svc = eventServices(deps);
  const { store } = svc;
  const staff = staffTools(svc);

  async function list(ctx: TurnContext): Promise<TurnResult> {
    const now = ctx.now.getTime();
    const events = await openEvents(store, now);
    if (events.length === 0) return { replies: [say(P.noEvents)], memory: { listed: [] } };
    const showId = ctx.roles.has('staff') || ctx.roles.has('admin');
    const lines = await Promise.all(events.map(async (ev, i) => P.listItem(i + 1, ev, await store.counts(ev.id), now, showId)));
    // The numbering is remembered so "报名 2" means the second event of this list even if the list changes.
    return { replies: [say(`${P.listHeader}\n${lines.join('\n')}\n\n${P.listFooter}`)], memory: { listed: events.map((e) => e.id) } };
  }

  async function mine(ctx: TurnContext): Promise<TurnResult> {
    const now = ctx.now.getTime();
    const ids = await store.memberEvents(ctx.member);
    const events = (await Promise.all(ids.map((id) => store.get(id)))).filter((e): e is EventDef => e !== null).sort((a, b) => a.startAt - b.startAt);
    const lines: string[] = [];
    for (const ev of events) {
      const st = await store.memberState(ev.id, ctx.member);
      if (!st.state) continue;
      const status =
        ev.status === 'cancelled'
          ? P.mineStatus.cancelled(ev.cancelReason ?? '')
          : ev.endAt < now
            ? P.mineStatus.ended
            : st.state === 'registered'
              ? P.mineStatus.registered(st.position)
              : P.mineStatus.waitlisted(st.position);
      // Phones are masked in lists, and left out entirely in groups.
      const phone = ctx.msg.chatType === 'private' ? (await store.registration(ev.id, ctx.member))?.values['phone'] : undefined;
      lines.push(P.mineItem(lines.length + 1, ev, status, phone ? maskPhone(phone) : null, now));
    }
    if (lines.length === 0) return end([say(P.mineNone)]);
    return end([say(`${P.mineHeader}\n${lines.join('\n')}\n\n${P.mineFooter}`)]);
  }

  return {
    id: INTENT,
    commands: [
      { names: ['活动', '活动列表', '近期活动', 'events'], summary: P.summaries.list, run: (ctx) => list(ctx) },
      { names: ['我的报名', '我的活动', 'myevents'], summary: P.summaries.mine, run: (ctx) => mine(ctx) },
      ...staff.commands,
    ],
    handle: (ctx) => (/我的(报名|活动)|我报(了|过)/.test(ctx.text) ? mine(ctx) : list(ctx)),
    continueDialog: (ctx, dialog) => staff.continueWizard(ctx, dialog),
    repromptDialog: (_ctx, dialog) => staff.reprompt(dialog),
  };
};

export default factory;
