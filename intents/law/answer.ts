/** Turns retrieval results into member-facing answers: short answer, 依据 line, next steps, disclaimer; compact form for groups. */
import { z } from 'zod';
import { PROMPTS, STATUTES_MISSING } from './texts.ts';
import type { Card, Citation } from './card.ts';
import type { LawKnowledge } from './knowledge.ts';
import { LOW_CONFIDENCE, type RankedCitation, type RetrievalResult } from './retrieval.ts';
import { findArticleRefs, findCitations } from './citations.ts';
import { articleLabel, type StatuteLibrary } from './statutes.ts';
import type { SupersededList } from './superseded.ts';

export type AnswerKind = 'card' | 'articles' | 'low_confidence' | 'article_text' | 'need_article';

export interface LawAnswer {
  kind: AnswerKind;
  text: string;
  /** The articles the text cites, in the order shown. All resolve to existing articles. */
  citations: Citation[];
  confidence: number;
  /** The topic card the answer is based on. */
  cardId?: string;
  /** Low confidence: the reply should offer a person (转人工). */
  offerHandoff: boolean;
  /** The text came from the language model (citation-checked). */
  viaLlm?: boolean;
}

/** What the capability keeps in `session.memory.labor_law` between turns. */
export const lawMemorySchema = z.object({
  lastCardId: z.string().optional(),
  citations: z.array(z.object({ law: z.string(), article: z.number().int() })).default([]),
  at: z.number().optional(),
});
export type LawMemory = z.infer<typeof lawMemorySchema>;

/** Reads the memory leniently: anything malformed counts as empty. */
export function readLawMemory(raw: unknown): LawMemory {
  const res = lawMemorySchema.safeParse(raw ?? {});
  return res.success ? res.data : { citations: [] };
}

/** Memory to store after an answer (for follow-ups and "查看原文"). */
export function memoryFor(answer: LawAnswer, previous: LawMemory, now: number): LawMemory {
  if (answer.kind === 'article_text' || answer.kind === 'need_article') return previous;
  return {
    ...(answer.cardId ? { lastCardId: answer.cardId } : {}),
    citations: answer.citations.map(({ law, article }) => ({ law, article })),
    at: now,
  };
}

/** 《劳动合同法》第八十二条、第十条；《劳动合同法实施条例》第七条 — grouped by law, order kept. */
export function formatCitations(citations: Citation[]): string {
  const groups = new Map<string, number[]>();
  for (const c of citations) {
    const list = groups.get(c.law) ?? [];
    if (!list.includes(c.article)) list.push(c.article);
    groups.set(c.law, list);
  }
  return [...groups.entries()].map(([law, arts]) => PROMPTS.citationGroup(law, arts.map(articleLabel))).join(PROMPTS.citationSeparator);
}

/** Cards below this coverage of the question are not used as the answer. */
export const CARD_ANSWER_MIN_COVERAGE = 0.45;
const MAX_SHOWN_CITATIONS = 4;

/**
 * The citations to show. With a card: only the card's own articles, most relevant to this question first,
 * so the 依据 line always supports the answer text. Without one: the strongest retrieved articles.
 */
function shownCitations(result: RetrievalResult, card: Card | undefined): RankedCitation[] {
  if (!card) {
    const top = result.citations[0]?.score ?? 0;
    return result.citations.filter((c) => c.score >= top * 0.6).slice(0, MAX_SHOWN_CITATIONS);
  }
  const scored = (c: Citation) => result.citations.find((x) => x.law === c.law && x.article === c.article)?.score ?? 0;
  return card.citations
    .map((c, pos) => ({ ...c, score: scored(c), cards: [card.id], pos }))
    .sort((a, b) => b.score - a.score || a.pos - b.pos)
    .slice(0, MAX_SHOWN_CITATIONS)
    .map(({ pos: _pos, ...c }) => c);
}

const firstSentences = (text: string, max: number): string => {
  let out = '';
  for (const s of text.split(/(?<=[。！？；])/)) {
    if (out && out.length + s.length > max) break;
    out += s;
  }
  return out.length > max + 20 ? `${out.slice(0, max)}…` : out;
};

const plain = (c: RankedCitation | Citation): Citation => ({ law: c.law, article: c.article });

export interface ComposeOptions {
  /** Group chat: a compact answer. */
  compact?: boolean;
}

/** The retrieval-only answer (also the fallback of the LLM mode). */
export function composeAnswer(result: RetrievalResult, kb: LawKnowledge, opts: ComposeOptions = {}): LawAnswer {
  const { confidence } = result;
  const topCard = result.cards[0];
  const fitting = topCard && topCard.coverage >= CARD_ANSWER_MIN_COVERAGE ? topCard.card : undefined;
  // A card that does not rest on the article the member named would answer another question.
  const named = result.citations.filter((c) => c.named);
  const card = fitting && named.length > 0 && !named.some((n) => fitting.citations.some((x) => x.law === n.law && x.article === n.article)) ? undefined : fitting;
  if (confidence < LOW_CONFIDENCE || (!card && result.citations.length === 0)) {
    return {
      kind: 'low_confidence',
      text: opts.compact ? PROMPTS.lowConfidenceCompact : PROMPTS.lowConfidence,
      citations: [],
      confidence,
      offerHandoff: true,
    };
  }
  const shown = shownCitations(result, card);
  const citations = shown.map(plain);
  const basis = `${PROMPTS.basisPrefix}${formatCitations(citations)}`;
  if (!card) {
    // No card fits: quote the best articles briefly (when their texts are installed) and offer a person
    // rather than paraphrasing a guess.
    const quotable = kb.statutesDir ? shown.slice(0, 3) : [];
    const lines = quotable.map((c) => {
      const a = kb.library.getArticle(c.law, c.article);
      return PROMPTS.articleExcerpt(c.law, articleLabel(c.article), firstSentences(a?.text.replace(/\n/g, '') ?? '', opts.compact ? 40 : 90));
    });
    const parts = opts.compact
      ? [PROMPTS.articlesOnlyIntro, ...lines.slice(0, 2), PROMPTS.disclaimerCompact]
      : [PROMPTS.articlesOnlyIntro, ...lines, basis, PROMPTS.disclaimer];
    return { kind: 'articles', text: parts.join('\n'), citations, confidence, offerHandoff: true };
  }
  if (opts.compact) {
    const text = [`${PROMPTS.cardTitle(card.title)}${firstSentences(card.answer, 90)}`, basis, PROMPTS.disclaimerCompact].join('\n');
    return { kind: 'card', text, citations, confidence, cardId: card.id, offerHandoff: false };
  }
  const parts = [PROMPTS.cardTitle(card.title), card.answer];
  if (card.change2025) parts.push(`${PROMPTS.change2025Prefix}${card.change2025}`);
  parts.push(basis, PROMPTS.nextStepsTitle, ...card.nextSteps.map((s, i) => PROMPTS.nextStep(i + 1, s)));
  const first = citations[0];
  if (first && kb.statutesDir) parts.push(PROMPTS.originalTextHint(articleLabel(first.article)));
  parts.push(PROMPTS.disclaimer);
  return { kind: 'card', text: parts.join('\n'), citations, confidence, cardId: card.id, offerHandoff: false };
}

const ORIGINAL_WORDS = /原文|全文|条文|法条内容|具体内容|怎么规定|规定了什么|写的什么|写了什么|说的什么|讲的什么|讲的啥|说的啥|写的啥|啥意思|什么意思/;
const FILLER =
  /[《》「」“”"'、，,。.？?！!：:\s]|中华人民共和国|请问|请|帮我|给我|我想|想|查看|查一下|查询|查|看看|看一下|看|发一下|发|一下|念一下|是什么|是啥|讲的啥|说的啥|写的啥|啥意思|什么意思|讲啥|说啥|讲什么|讲的什么|说什么|说的什么|说了什么|写的什么|什么内容|的内容|内容|具体|原文|全文|条文|法条|规定|怎么说|的|了|呢|吗/g;

export type ArticleRequest = { kind: 'articles'; citations: Citation[] } | { kind: 'need_article' };

/**
 * Recognises a request for statute text: "第八十二条原文", "查看原文" (the last answer's articles),
 * "劳动合同法第三十八条是什么". Returns null for ordinary questions that merely mention an article.
 */
export function parseArticleRequest(text: string, library: StatuteLibrary, memory: LawMemory): ArticleRequest | null {
  const refs = findArticleRefs(text, library);
  const asksOriginal = ORIGINAL_WORDS.test(text);
  if (refs.length === 0) {
    if (!asksOriginal) return null;
    // "查看原文" alone refers to the previous answer.
    let rest = text;
    for (const l of library.findLaws(text)) rest = rest.replace(text.slice(l.index, l.end), '');
    if (rest.replace(FILLER, '').length > 2) return null;
    const named = library.findLaws(text).map((l) => l.law);
    const fromMemory = memory.citations.filter((c) => named.length === 0 || named.includes(c.law));
    return fromMemory.length ? { kind: 'articles', citations: fromMemory.slice(0, 2) } : { kind: 'need_article' };
  }
  if (!asksOriginal) {
    // Only an article reference and "是什么"-style words: still a text request.
    let rest = text;
    for (const g of findCitations(text, library).reverse()) rest = rest.slice(0, g.index) + rest.slice(g.end);
    for (const l of library.findLaws(rest)) rest = rest.replace(rest.slice(l.index, l.end), '');
    if (rest.replace(FILLER, '').length > 1) return null;
  }
  const citations: Citation[] = refs.map((r) => {
    const law =
      r.law ??
      // "民法典第一千条": a law we do not hold is named — never answer with another law's article.
      r.unknownLaw ??
      memory.citations.find((c) => c.article === r.article)?.law ??
      memory.citations[0]?.law ??
      '劳动合同法';
    return { law, article: r.article };
  });
  return { kind: 'articles', citations: citations.slice(0, 3) };
}

/** An article-text request while the statute texts are not installed. */
export const statutesMissingAnswer = (): LawAnswer => ({
  kind: 'article_text',
  text: STATUTES_MISSING.articleText,
  citations: [],
  confidence: 0,
  offerHandoff: false,
});

/** The statute text for an article request (from the statutes directory, verbatim). */
export function articleTextAnswer(req: ArticleRequest, library: StatuteLibrary, superseded?: SupersededList): LawAnswer {
  if (req.kind === 'need_article') {
    return { kind: 'need_article', text: PROMPTS.whichArticle, citations: [], confidence: 1, offerHandoff: false };
  }
  const parts: string[] = [];
  const found: Citation[] = [];
  for (const c of req.citations) {
    const a = library.getArticle(c.law, c.article);
    if (!a) {
      parts.push(PROMPTS.articleNotFound(c.law, articleLabel(c.article)));
      continue;
    }
    found.push(c);
    const note = superseded?.entry(c.law, c.article)?.note;
    parts.push(`${PROMPTS.articleQuoteHeader(library.title(c.law), a.label)}\n${a.label} ${a.text}${note ? `\n${PROMPTS.supersededNote(note)}` : ''}`);
  }
  if (found.length) parts.push(PROMPTS.articleMoreHint);
  return { kind: 'article_text', text: parts.join('\n\n'), citations: found, confidence: found.length ? 1 : 0, offerHandoff: false };
}

