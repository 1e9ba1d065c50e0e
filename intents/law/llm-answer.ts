/** Optional LLM phrasing of a retrieved answer, with a citation guard: only retrieved articles may be cited. */
import { maskPersonalNumbers } from '../../src/core/text.ts';
import { PROMPTS } from './texts.ts';
import type { Llm } from '../../src/llm/client.ts';
import type { Citation } from './card.ts';
import { formatCitations, type LawAnswer } from './answer.ts';
import type { LawKnowledge } from './knowledge.ts';
import type { RetrievalResult } from './retrieval.ts';
import { articleLabel, findArticleRefs, type StatuteLibrary } from './statutes.ts';

export interface GuardResult {
  text: string;
  /** Citations the model made that were not in the allowed set (removed from the text). */
  removed: Array<{ law: string | undefined; article: number }>;
  /** Allowed citations the text still mentions. */
  kept: Citation[];
}

const key = (law: string, article: number) => `${law}#${article}`;

/**
 * Removes every "第N条" the model cited outside `allowed` (and its law name when nothing else uses it).
 * A bare "第N条" with no law before it counts as allowed only if exactly one allowed law has that number.
 */
export function guardCitations(text: string, allowed: Citation[], library: StatuteLibrary): GuardResult {
  const ok = new Set(allowed.map((c) => key(c.law, c.article)));
  const refs = findArticleRefs(text, library);
  const laws = library.findLaws(text);
  const removed: GuardResult['removed'] = [];
  const kept: Citation[] = [];
  const cuts: Array<[number, number]> = [];
  refs.forEach((r, i) => {
    let law = r.law;
    if (!law) {
      const candidates = allowed.filter((c) => c.article === r.article);
      law = candidates.length === 1 ? candidates[0]!.law : undefined;
    }
    if (law && ok.has(key(law, r.article))) {
      if (!kept.some((k) => k.law === law && k.article === r.article)) kept.push({ law, article: r.article });
      return;
    }
    removed.push({ law: r.law, article: r.article });
    let start = r.index;
    let end = r.end;
    // Take the law name too when it directly precedes this reference and no later reference relies on it.
    const lawMention = laws.filter((l) => l.end <= r.index).at(-1);
    const between = lawMention ? text.slice(lawMention.end, r.index) : '';
    const next = refs[i + 1];
    const nextUsesLaw = next && next.law === r.law && /^[、和及与或\s]*$/.test(text.slice(r.end, next.index));
    if (lawMention && /^[》\s]*$/.test(between) && !nextUsesLaw) {
      start = lawMention.index;
      if (text[start - 1] === '《') start -= 1;
    }
    // Swallow one joining "、" so lists stay tidy.
    if (text[end] === '、') end += 1;
    else if (text[start - 1] === '、') start -= 1;
    cuts.push([start, end]);
  });
  let out = text;
  for (const [s, e] of cuts.sort((a, b) => b[0] - a[0])) out = out.slice(0, s) + out.slice(e);
  out = out
    .replace(/(根据|依据|按照|依照)\s*(，|。|、|的规定)/g, '$2')
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/（\s*）|\(\s*\)/g, '')
    .trim();
  return { text: out, removed, kept };
}

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
 * Asks the model to phrase the answer from the retrieved material. Citations outside the retrieved set are
 * removed and logged; a timeout, error or empty result returns `base` (the retrieval answer) unchanged.
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
        { role: 'user', content: PROMPTS.llmUser(maskPersonalNumbers(question), material) },
      ]),
      opts.timeoutMs,
    );
  } catch (err) {
    opts.logger?.warn({ err: (err as Error).message }, 'labor_law: LLM failed, using retrieval answer');
    return base;
  }
  const guarded = guardCitations(raw, allowed, kb.library);
  if (guarded.removed.length) {
    opts.logger?.warn({ removed: guarded.removed, question }, 'labor_law: LLM cited articles outside the retrieved set; removed');
  }
  const body = guarded.text.replace(/\n*依据[:：].*$/s, '').trim();
  if (body.length < 10) return base;
  // The 依据 line lists what the text cites plus the answer's own (retrieved, verified) citations.
  const citations: Citation[] = [...guarded.kept];
  for (const c of base.citations) if (!citations.some((x) => x.law === c.law && x.article === c.article)) citations.push(c);
  const shown = citations.slice(0, 4);
  const text = [body, `${PROMPTS.basisPrefix}${formatCitations(shown)}`, PROMPTS.disclaimer].join('\n');
  return { ...base, text, citations: shown, viaLlm: true };
}
