/** Small talk: thanks and goodbyes get a courteous reply; anything else the bot does not serve gets the menu or a person. */
import type { ServiceDefinition } from '../../src/core/service.ts';
import unknownIntent from './chat.ts';
import { INTENT_DESCRIPTIONS } from './texts.ts';

const smalltalk: ServiceDefinition = {
  id: 'smalltalk',
  folder: new URL('./', import.meta.url),
  intents: [{ id: 'unknown', description: INTENT_DESCRIPTIONS.unknown, fallback: true }],
  create: async (deps) => ({ intents: [await unknownIntent(deps)] }),
};
export default smalltalk;
