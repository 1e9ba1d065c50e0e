/** Offers "everyone registered or waitlisted for an event" as an audience for broadcasts (src/core/audiences.ts). */
import type { CoreDeps } from '../../src/core/service.ts';
import type { MemberKey } from '../../src/core/message.ts';
import { eventService } from './service.ts';
import { AUDIENCE_TEXT } from './texts.ts';

export function registerEventAudience(deps: CoreDeps): void {
  const { store } = eventService(deps);
  deps.audiences.register({
    kind: 'event',
    title: AUDIENCE_TEXT.title,
    async choices() {
      const now = deps.now().getTime();
      // Events still to come, and those of the last week (a thank-you note after the event).
      const events = await store.upcoming(now - 7 * 24 * 3600_000, 20);
      return events.filter((ev) => ev.status !== 'cancelled').map((ev) => ({ key: ev.id, label: AUDIENCE_TEXT.label(ev, now) }));
    },
    async members(key) {
      return (await store.roster(key)).flatMap((e) => (e.registration ? [{ member: e.member as MemberKey, address: e.registration.address }] : []));
    },
  });
}
