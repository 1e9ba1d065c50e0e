/** Optional LLM phrasing of a retrieved answer, through the output guard: only retrieved articles may be cited. */
import { PROMPTS } from './texts.ts';
import type { Llm } from '../../src/llm/client.ts';
import type { Citation } from './card.ts';
import { formatCitations, type LawAnswer } from './answer.ts';
import { guardModelOutput } from './guard.ts';
import type { LawKnowledge } from './knowledge.ts';
import type { RetrievalResult } from './retrieval.ts';
import { articleLabel } from './statutes.ts';

export interface LlmAnswerOptions {
  /** Hard cap on the model call (ms); the retrieval answer is used when it is exceeded. */
  timeoutMs: number;
  logger?: { warn(obj: object, msg?: string): void; info?(obj: object, msg?: string): void };
}

/** The material shown to the model, and the citations it may use. */
export function buildMaterial(result: RetrievalResult, base: LawAnswer, kb: LawKnowledge): { material: string; allowed: Citation[] } {
  const allowed: Citation[] = [];
  const addAllowed = (c: Citation) => {
    if (kb.library.has(c.law, c.article) && !allowed.some((a) => a.law === c.law && a.article === c.article)) allowed.push(c);
  };
  const parts: string[] = [];
  const card = base.cardId ? kb.retriever.card(base.cardId) : undefined;
  if (card) {
    parts.push(PROMPTS.llmMaterialCard(card.title, card.answer, card.change2025, card.nextSteps));
    card.citations.forEach(addAllowed);
  }
  base.citations.forEach(addAllowed);
  result.citations.slice(0, 3).forEach(addAllowed);
  for (const c of allowed.slice(0, 6)) {
    const a = kb.library.getArticle(c.law, c.article);
    if (a) parts.push(PROMPTS.llmMaterialArticle(c.law, articleLabel(c.article), a.text.replace(/\n/g, ' ').slice(0, 300)));
  }
  return { material: parts.join('\n\n'), allowed: allowed.slice(0, 6) };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`LLM timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/**
 * Asks the model to phrase the answer from the retrieved material; its text goes through `guardModelOutput`
 * (drops are logged). A timeout, an error or too little left returns `base` (the retrieval answer) unchanged.
 */
export async function llmAnswer(
  llm: Llm,
  question: string,
  result: RetrievalResult,
  base: LawAnswer,
  kb: LawKnowledge,
  opts: LlmAnswerOptions,
): Promise<LawAnswer> {
  if (base.kind !== 'card' && base.kind !== 'articles') return base;
  const { material, allowed } = buildMaterial(result, base, kb);
  let raw: string;
  try {
    raw = await withTimeout(
      llm.complete([
        { role: 'system', content: PROMPTS.llmSystem },
        { role: 'user', content: PROMPTS.llmUser(question, material) },
      ]),
      opts.timeoutMs,
    );
  } catch (err) {
    opts.logger?.warn({ err: (err as Error).message }, 'labor_law: LLM failed, using retrieval answer');
    return base;
  }
  const guarded = guardModelOutput(raw, allowed, kb.library);
  if (guarded.removed.length) {
    opts.logger?.warn({ removed: guarded.removed, question }, 'labor_law: LLM cited articles outside the retrieved set; removed');
  }
  const { citation: _citation, ...otherDrops } = guarded.dropped;
  if (Object.values(otherDrops).some((n) => n > 0)) opts.logger?.warn({ dropped: otherDrops }, 'labor_law: LLM sentences dropped (links, personal numbers, claims of action)');
  if (guarded.tooShort) {
    opts.logger?.warn({ kept: guarded.text.length, dropped: guarded.dropped }, 'labor_law: too little LLM text left after the guard, using retrieval answer');
    return base;
  }
  // The 依据 line lists what the text cites plus the answer's own (retrieved, verified) citations.
  const citations: Citation[] = [...guarded.kept];
  for (const c of base.citations) if (!citations.some((x) => x.law === c.law && x.article === c.article)) citations.push(c);
  const shown = citations.slice(0, 4);
  const text = [guarded.text, `${PROMPTS.basisPrefix}${formatCitations(shown)}`, PROMPTS.disclaimer].join('\n');
  return { ...base, text, citations: shown, viaLlm: true };
}
