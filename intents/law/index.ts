/** Labor-law answers: cards in our own words citing statute articles, retrieval over the statute texts. */
import type { ServiceDefinition } from '../../src/core/service.ts';
import laborLaw from './chat.ts';
import { INTENT_DESCRIPTIONS } from './texts.ts';

const law: ServiceDefinition = {
  id: 'law',
  folder: new URL('./', import.meta.url),
  intents: [{ id: 'labor_law', description: INTENT_DESCRIPTIONS.labor_law }],
  create: async (deps) => ({ intents: [await laborLaw(deps)] }),
  cli: {
    ask: () => import('./cli-ask.ts'),
    'eval-law': () => import('./cli-eval.ts'),
    laws: () => import('./cli-laws.ts'),
  },
};
export default law;
