/** Union events: listing, sign-up with capacity and waitlist, cancellation, staff management, reminders. */
import type { ServiceDefinition } from '../../src/core/service.ts';
import eventCancel from './chat/event_cancel.ts';
import eventList from './chat/event_list.ts';
import eventRegister from './chat/event_register.ts';
import { startEventWorkers } from './reminders.ts';
import { EVENT_CANCEL, EVENT_LIST, EVENT_REGISTER, eventService } from './service.ts';
import { eventsConsole } from './console.ts';
import { EVENT_KEY_RENAMES } from './store.ts';
import { registerEventAudience } from './audience.ts';
import { INTENT_DESCRIPTIONS as D } from './texts.ts';

const events: ServiceDefinition = {
  id: 'events',
  folder: new URL('./', import.meta.url),
  intents: [
    { id: EVENT_LIST, description: D.event_list },
    { id: EVENT_REGISTER, description: D.event_register },
    // "取消" alone is nearly always about a sign-up, in any phrasing.
    { id: EVENT_CANCEL, description: D.event_cancel, cueBoost: { cancel: 1.5 } },
  ],
  create: async (deps) => {
    registerEventAudience(deps);
    return {
      intents: [await eventList(deps), await eventRegister(deps), await eventCancel(deps)],
      startWorkers: async () => [await startEventWorkers(deps)],
      console: eventsConsole(eventService(deps)),
    };
  },
  keyRenames: EVENT_KEY_RENAMES,
};
export default events;
