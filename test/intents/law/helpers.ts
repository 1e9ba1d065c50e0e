/** Shared set-up for the labor-law tests: the real cards, lexicon and statutes (KNOWLEDGE_STATUTES_DIR or ../shared/laws). */
import { loadLawKnowledge, type LawKnowledge } from '../../../intents/law/knowledge.ts';

export function knowledge(): LawKnowledge {
  return loadLawKnowledge({ statutesDir: process.env.KNOWLEDGE_STATUTES_DIR ?? '../shared/laws', knowledgeDir: './knowledge' });
}


