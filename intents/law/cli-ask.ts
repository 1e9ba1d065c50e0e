/** `npm run cli -- ask "问题" [--json] [--group]`: one labor-law answer; --json prints {answer, citations, confidence}. */
import { loadConfig } from '../../src/core/config.ts';
import { createLlm, type Llm } from '../../src/llm/client.ts';
import { loadLawKnowledge } from './knowledge.ts';
import { answerLawQuestion } from './service.ts';

export async function run(args: string[]): Promise<number> {
  const question = args.filter((a) => !a.startsWith('--')).join(' ').trim();
  if (!question) {
    process.stderr.write('usage: npm run cli -- ask "问题" [--json] [--group]\n');
    return 2;
  }
  let llm: Llm | null = null;
  let timeout = 8000;
  try {
    const config = loadConfig();
    llm = createLlm(config);
    timeout = config.OPENAI_TIMEOUT_MS;
  } catch {
    // Configuration for other parts of the bot does not matter here: answer without a model.
  }
  const kb = loadLawKnowledge();
  const answer = await answerLawQuestion(kb, question, {
    compact: args.includes('--group'),
    llm,
    llmTimeoutMs: timeout,
    logger: { warn: (obj, msg) => process.stderr.write(`${msg ?? ''} ${JSON.stringify(obj)}\n`) },
  });
  if (args.includes('--json')) {
    const out = {
      answer: answer.text,
      citations: answer.citations.map(({ law, article }) => ({ law, article })),
      confidence: Number(answer.confidence.toFixed(3)),
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } else {
    process.stdout.write(`${answer.text}\n`);
  }
  return 0;
}
