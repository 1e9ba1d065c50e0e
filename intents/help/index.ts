/** Help: the menu of what the bot does, with the commands of the asker's roles. */
import type { ServiceDefinition } from '../../src/core/service.ts';
import helpIntent from './chat.ts';
import { INTENT_DESCRIPTIONS } from './texts.ts';

const help: ServiceDefinition = {
  id: 'help',
  folder: new URL('./', import.meta.url),
  intents: [{ id: 'help', description: INTENT_DESCRIPTIONS.help, onBareMention: true }],
  create: async (deps) => ({ intents: [await helpIntent(deps)] }),
};
export default help;
