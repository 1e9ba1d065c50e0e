/** Handoff (转人工): tickets with the recent conversation, answered by staff. */
import type { ServiceDefinition } from '../../src/core/service.ts';
import handoffIntent from './chat.ts';
import { TICKET_KEY_RENAMES } from './store.ts';
import { INTENT_DESCRIPTIONS } from './texts.ts';
import { ticketsConsole } from './console.ts';
import { TicketService } from './service.ts';

const handoff: ServiceDefinition = {
  id: 'handoff',
  folder: new URL('./', import.meta.url),
  intents: [{ id: 'handoff', description: INTENT_DESCRIPTIONS.handoff }],
  create: async (deps) => ({ intents: [await handoffIntent(deps)], console: ticketsConsole(new TicketService(deps)) }),
  keyRenames: TICKET_KEY_RENAMES,
};
export default handoff;
