/** Labor-law answers: cards in our own words citing statute articles, retrieval over the statute texts. */
import type { ServiceDefinition } from '../../src/core/service.ts';
import { statuteCandidates, STATUTES_INSTALL_COMMAND } from '../../src/core/config.ts';
import laborLaw from './chat.ts';
import { loadLawKnowledge } from './knowledge.ts';
import { INTENT_DESCRIPTIONS } from './texts.ts';

const law: ServiceDefinition = {
  id: 'law',
  folder: new URL('./', import.meta.url),
  intents: [{ id: 'labor_law', description: INTENT_DESCRIPTIONS.labor_law }],
  create: async (deps) => {
    const intent = await laborLaw(deps);
    // The same (cached) knowledge the intent loaded: say once, at start, what is missing and how to add it.
    const kb = loadLawKnowledge({ knowledgeDir: deps.config.KNOWLEDGE_DIR, statutesDir: deps.config.KNOWLEDGE_STATUTES_DIR });
    if (!kb.statutesDir) {
      deps.logger.warn(
        { lookedIn: statuteCandidates(deps.config) },
        `labor_law: statute texts not installed, so article texts and citation checks are off (answers cite article numbers only). Add them with: ${STATUTES_INSTALL_COMMAND}`,
      );
    }
    return { intents: [intent] };
  },
  cli: {
    ask: () => import('./cli-ask.ts'),
    'eval-law': () => import('./cli-eval.ts'),
    laws: () => import('./cli-laws.ts'),
  },
};
export default law;
