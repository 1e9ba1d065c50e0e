/** One set of event services per CoreDeps, shared by the three event intents and the reminder worker. */
import type { CoreDeps } from '../../src/core/service.ts';
import type { Reply } from '../../src/core/message.ts';
import type { EventDef } from './model.ts';
import { EventStore, type Promotion } from './store.ts';
import { notices } from './texts.ts';

export interface EventServices {
  deps: CoreDeps;
  store: EventStore;
  /** When the reminder for an event starting at `startAt` should go out; null if it already started. */
  remindAt(startAt: number, now: number): number | null;
  /** Tells each promoted member they got a seat. */
  notifyPromotions(ev: EventDef, promoted: Promotion[]): Promise<void>;
  /** Sends the same replies to every registrant and waitlisted member. */
  notifyAll(ev: EventDef, replies: Reply[]): Promise<number>;
}

const cache = new WeakMap<CoreDeps, EventServices>();

export function eventServices(deps: CoreDeps): EventServices {
  const hit = cache.get(deps);
  if (hit) return hit;
  const store = new EventStore(deps.redis, deps.keys);
  const svc: EventServices = {
    deps,
    store,
    remindAt(startAt, now) {
      if (startAt <= now) return null;
      return Math.max(now, startAt - deps.config.EVENT_REMINDER_MINUTES * 60_000);
    },
    async notifyPromotions(ev, promoted) {
      const now = deps.now().getTime();
      for (const p of promoted) {
        if (!p.registration) {
          deps.logger.warn({ eventId: ev.id, member: p.member }, 'promoted member has no registration record');
          continue;
        }
        await deps.notifier.notify(p.registration.address, [{ text: notices.promoted(ev, now) }]);
      }
    },
    async notifyAll(ev, replies) {
      const roster = await store.roster(ev.id);
      let n = 0;
      for (const e of roster) {
        if (!e.registration) continue;
        await deps.notifier.notify(e.registration.address, replies);
        n++;
      }
      return n;
    },
  };
  cache.set(deps, svc);
  return svc;
}
