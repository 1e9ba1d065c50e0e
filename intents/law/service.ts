/** One entry point for a member's labor-law message: article text, retrieval answer, optional LLM phrasing. */
import type { Llm } from '../../src/llm/client.ts';
import { articleTextAnswer, composeAnswer, parseArticleRequest, statutesMissingAnswer, type LawAnswer, type LawMemory } from './answer.ts';
import type { LawKnowledge } from './knowledge.ts';
import { llmAnswer } from './llm-answer.ts';

export interface AskLawOptions {
  /** Group chat: compact answer (the LLM is not used there). */
  compact?: boolean;
  /** What the previous turns left in session memory. */
  memory?: LawMemory;
  llm?: Llm | null;
  llmTimeoutMs?: number;
  logger?: { warn(obj: object, msg?: string): void };
}

/** Answers one message. Never throws for model problems: those fall back to the retrieval answer. */
export async function answerLawQuestion(kb: LawKnowledge, text: string, opts: AskLawOptions = {}): Promise<LawAnswer> {
  const memory = opts.memory ?? { citations: [] };
  const req = parseArticleRequest(text, kb.library, memory);
  if (req) return kb.statutesDir ? articleTextAnswer(req, kb.library, kb.superseded) : statutesMissingAnswer();
  const result = kb.retrieve(text, memory.lastCardId ? { previousCardId: memory.lastCardId } : {});
  const base = composeAnswer(result, kb, { compact: opts.compact ?? false });
  // Without the statute texts the model's citations cannot be checked: the cards' own answer stands.
  if (!opts.llm || opts.compact || !kb.statutesDir) return base;
  return llmAnswer(opts.llm, text, result, base, kb, {
    timeoutMs: opts.llmTimeoutMs ?? 8000,
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
}
