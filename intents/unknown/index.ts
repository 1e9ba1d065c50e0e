/** `unknown`: the fallback when nothing fits — offer the menu or a person, never guess. */
import type { IntentFactory } from '../../src/core/intent.ts';
import { readExamples } from '../../src/core/examples.ts';
import { UNKNOWN_TEXT } from './prompts.ts';

const createUnknown: IntentFactory = async () => ({
  id: 'unknown',
  examples: await readExamples(import.meta.url),
  handle: async () => ({
    replies: [{ text: UNKNOWN_TEXT.notUnderstood, choices: [...UNKNOWN_TEXT.choices] }, { text: UNKNOWN_TEXT.hint }],
  }),
});
export default createUnknown;
