/** Turns retrieval results into member-facing answers: short answer, 依据 line, next steps, disclaimer; compact form for groups. */
import { z } from 'zod';
import { CALC_TEXT, HANDOFF_CHOICE, PROMPTS, STATUTES_MISSING } from './texts.ts';
import type { Card, Citation } from './card.ts';
import type { LawKnowledge } from './knowledge.ts';
import { LOW_CONFIDENCE, type RankedCitation, type RetrievalResult } from './retrieval.ts';
import { findArticleRefs, findCitations } from './citations.ts';
import { articleLabel, type Article, type StatuteLibrary } from './statutes.ts';
import type { PendingCalc } from './computed.ts';
import type { SupersededList } from './superseded.ts';

export type AnswerKind = 'card' | 'articles' | 'low_confidence' | 'clarify' | 'article_text' | 'need_article' | 'computed' | 'ask_figure';

export interface LawAnswer {
  kind: AnswerKind;
  text: string;
  /** The articles the text cites, in the order shown. All resolve to existing, current articles. */
  citations: Citation[];
  confidence: number;
  /** The topic card the answer is based on. */
  cardId?: string;
  /** Low confidence: the reply should offer a person (转人工). */
  offerHandoff: boolean;
  /** Numbered choices under the text (the router maps a bare "1" to the first). */
  choices?: string[];
  /** Clarify: the cards offered as choices, in order. */
  offered?: string[];
  /** A sum is waiting for one more figure: the dialog to open. */
  pending?: { asking: string; state: PendingCalc };
  /** The text came from the language model (citation-checked). */
  viaLlm?: boolean;
}

/** What the capability keeps in `session.memory.labor_law` between turns. */
export const lawMemorySchema = z.object({
  lastCardId: z.string().optional(),
  /** Cards last offered as numbered choices (clarify). */
  offered: z.array(z.string()).optional(),
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
    ...(answer.cardId ? { lastCardId: answer.cardId } : answer.kind === 'computed' || answer.kind === 'ask_figure' ? (previous.lastCardId ? { lastCardId: previous.lastCardId } : {}) : {}),
    ...(answer.offered ? { offered: answer.offered } : {}),
    citations: answer.citations.map(({ law, article }) => ({ law, article })),
    at: now,
  };
}

/** 《劳动合同法》第八十二条、第十条；《劳动合同法实施条例》第七条 — grouped by law, order kept. */
export function formatCitations(citations: Citation[]): string {
  // A handful of citations: plain arrays beat a map.
  const laws: string[] = [];
  const articles: number[][] = [];
  for (const c of citations) {
    let i = laws.indexOf(c.law);
    if (i < 0) {
      i = laws.push(c.law) - 1;
      articles.push([]);
    }
    if (!articles[i]!.includes(c.article)) articles[i]!.push(c.article);
  }
  let out = '';
  for (let i = 0; i < laws.length; i++) out += (i ? PROMPTS.citationSeparator : '') + PROMPTS.citationGroup(laws[i]!, articles[i]!.map(articleLabel));
  return out;
}

/** Cards below this coverage of the question are not used as the answer. */
export const CARD_ANSWER_MIN_COVERAGE = 0.45;
/** Below this coverage a card is not even offered as a choice. */
const OFFER_MIN_COVERAGE = 0.25;
/**
 * Card scores (BM25 over a card's words) below which a question says too little to pick one topic: "社保的事情",
 * "合同的事". Measured: 4 of our 1,164 card phrasings and 3 of 145 dev questions fall under WEAK_SCORE.
 */
const WEAK_SCORE = 15;
/** Weak with only middling confidence too. */
const WEAK_UNSURE_SCORE = 20;
const WEAK_UNSURE_CONFIDENCE = 0.6;
/** Two unrelated cards this close, neither strong: ask which. */
const TIE_RATIO = 0.88;
const TIE_MAX_SCORE = 25;
const MAX_SHOWN_CITATIONS = 4;
/** A private answer before its choices, in characters (a phone screen). */
export const SHORT_ANSWER_MAX_CHARS = 300;
/** The conclusion of a card when it has no written summary. */
const SUMMARY_MAX_CHARS = 150;

/**
 * The citations to show. With a card: only the card's own articles, most relevant to this question first,
 * so the 依据 line always supports the answer text. Without one: the strongest retrieved articles.
 */
function shownCitations(result: RetrievalResult, card: Card | undefined): RankedCitation[] {
  if (!card) {
    const top = result.citations[0]?.score ?? 0;
    return result.citations.filter((c) => c.score >= top * 0.6).slice(0, MAX_SHOWN_CITATIONS);
  }
  const ranked = card.citations.map((c, pos) => ({ c, pos, score: result.citations.find((x) => x.law === c.law && x.article === c.article)?.score ?? 0 }));
  ranked.sort((a, b) => b.score - a.score || a.pos - b.pos);
  return ranked.slice(0, MAX_SHOWN_CITATIONS).map(({ c, score }) => ({ law: c.law, article: c.article, score, cards: [card.id] }));
}

/** Whole sentences (ending 。！？) up to `max` characters; the first sentence always, however long. */
export function wholeSentences(text: string, max: number): string {
  let out = '';
  for (const s of text.split(/(?<=[。！？])/)) {
    if (out && out.length + s.length > max) break;
    out += s;
  }
  return out;
}

/** Article excerpts already cut, per article and length (pure: the same article gives the same excerpt). */
const excerpts = new WeakMap<Article, Map<number, string>>();

/** An article's text on one line, cut by `excerpt` (kept per article: answers quote the same articles often). */
function articleExcerpt(article: Article, max: number): string {
  let byMax = excerpts.get(article);
  if (!byMax) excerpts.set(article, (byMax = new Map()));
  let out = byMax.get(max);
  if (out === undefined) byMax.set(max, (out = excerpt(article.text.replace(/\n/g, ''), max)));
  return out;
}

/** An article excerpt: whole clauses up to `max`, marked when cut. */
const excerpt = (text: string, max: number): string => {
  let out = '';
  for (const s of text.split(/(?<=[。！？；])/)) {
    if (out && out.length + s.length > max) break;
    out += s;
  }
  return out.length > max + 20 ? `${out.slice(0, max)}…` : out;
};

/** Conclusions cut from card answers, per card (pure). */
const summaries = new WeakMap<Card, string>();
/** A card's conclusion for a phone: its written summary, else its first whole sentences. */
export function cardSummary(card: Card): string {
  if (card.summary !== undefined) return card.summary;
  let out = summaries.get(card);
  if (out === undefined) summaries.set(card, (out = wholeSentences(card.answer, SUMMARY_MAX_CHARS)));
  return out;
}

const plain = (c: RankedCitation | Citation): Citation => ({ law: c.law, article: c.article });

export interface ComposeOptions {
  /** Group chat: a compact answer. */
  compact?: boolean;
  /** The full card: every step, the 2025 change, the disclaimer (reply "详细"). */
  detailed?: boolean;
  /** The statute texts are installed (the 原文 choice works). */
  canQuote?: boolean;
}

/** Choices under a private card answer: more detail, the article text, a person. */
export function cardChoices(canQuote: boolean): string[] {
  return canQuote ? [...PROMPTS.cardChoices] : PROMPTS.cardChoices.filter((c) => c !== PROMPTS.choiceOriginal);
}

/** The answer from one card, in the requested form. */
export function cardAnswer(card: Card, citations: Citation[], kb: LawKnowledge, confidence: number, opts: ComposeOptions = {}): LawAnswer {
  const basis = (list: Citation[]) => (list.length ? `${PROMPTS.basisPrefix}${formatCitations(list)}` : PROMPTS.provincialBasis);
  const base = { kind: 'card' as const, confidence, cardId: card.id, offerHandoff: false };
  if (opts.compact) {
    // One article at most; the conclusion in whole sentences, so its conditions stay ("可以解除，但须…").
    const one = citations.slice(0, 1);
    const text = [`${PROMPTS.cardTitle(card.title)}${cardSummary(card)}`, basis(one), PROMPTS.disclaimerCompact].join('\n');
    return { ...base, text, citations: one };
  }
  if (opts.detailed) {
    const parts = [PROMPTS.cardTitle(card.title), card.answer];
    if (card.change2025) parts.push(`${PROMPTS.change2025Prefix}${card.change2025}`);
    parts.push(basis(citations), PROMPTS.nextStepsTitle, ...card.nextSteps.map((s, i) => PROMPTS.nextStep(i + 1, s)));
    if (card.calculator) parts.push(CALC_TEXT.hints[card.calculator] ?? CALC_TEXT.hint);
    const first = citations[0];
    if (first && kb.statutesDir) parts.push(PROMPTS.originalTextHint(articleLabel(first.article)));
    parts.push(PROMPTS.disclaimer);
    return { ...base, text: parts.join('\n'), citations, choices: [HANDOFF_CHOICE] };
  }
  // Short: conclusion, up to three steps and the 依据 line within SHORT_ANSWER_MAX_CHARS, then the choices.
  let shown = citations.slice(0, 3);
  const head = `${PROMPTS.cardTitle(card.title)}${cardSummary(card)}`;
  // The length of the lines joined by line breaks, without joining them.
  const fits = (lines: string[]) => lines.reduce((n, l) => n + l.length, lines.length - 1) <= SHORT_ANSWER_MAX_CHARS;
  while (shown.length > 1 && !fits([head, basis(shown)])) shown = shown.slice(0, -1);
  // Where to get personal help (12351) always stays; steps fill what is left.
  const steps: string[] = [];
  for (const step of card.nextSteps.slice(0, 3)) {
    const next = [...steps, PROMPTS.nextStep(steps.length + 1, step)];
    if (!fits([head, ...next, basis(shown), PROMPTS.disclaimerShort])) break;
    steps.splice(0, steps.length, ...next);
  }
  const lines = [head, ...steps, basis(shown)];
  const hint = card.calculator ? (CALC_TEXT.hints[card.calculator] ?? CALC_TEXT.hint) : undefined;
  if (hint && fits([...lines, hint, PROMPTS.disclaimerShort])) lines.push(hint);
  lines.push(PROMPTS.disclaimerShort);
  const choices = cardChoices(opts.canQuote ?? Boolean(kb.statutesDir));
  return { kind: 'card', confidence, cardId: card.id, offerHandoff: false, text: lines.join('\n'), citations: shown, choices };
}

/**
 * Cards worth offering when none clearly fits: the best few that cover at least some of the question,
 * unrelated duplicates of the same topic left out.
 */
function offerable(result: RetrievalResult): Card[] {
  return result.cards.filter((h) => h.coverage >= OFFER_MIN_COVERAGE).slice(0, 3).map((h) => h.card);
}

/**
 * The best card does not clearly fit: the question says too little (weak score), or an unrelated runner-up is
 * about as good while neither is strong.
 */
function unclear(result: RetrievalResult, articleBacked: boolean, calibrated: boolean): boolean {
  const [first, second] = result.cards;
  // A follow-up leans on the topic just discussed: its few words are enough.
  if (!first || result.followUp) return false;
  // The score floors were measured with the statute texts indexed (their idf); with the cards alone only ties count.
  if (calibrated && (first.score < WEAK_SCORE || (first.score < WEAK_UNSURE_SCORE && result.confidence < WEAK_UNSURE_CONFIDENCE))) return true;
  if (!second || articleBacked || (calibrated && first.score >= TIE_MAX_SCORE)) return false;
  if (first.card.related.includes(second.card.id) || second.card.related.includes(first.card.id)) return false;
  return second.score >= TIE_RATIO * first.score;
}

/** An offered card whose core (first) article is the strongest retrieved citation. */
function articleLed(result: RetrievalResult): Card | undefined {
  const top = result.citations[0];
  if (!top) return undefined;
  return result.cards.find((h) => h.coverage >= OFFER_MIN_COVERAGE && h.card.citations[0]?.law === top.law && h.card.citations[0]?.article === top.article)?.card;
}

/** Ask which topic is meant: two or three numbered card titles and a person. */
export function clarifyAnswer(cards: Card[], confidence: number, compact: boolean): LawAnswer {
  if (compact) return { kind: 'clarify', text: PROMPTS.clarifyCompact(cards.map((c) => c.title)), citations: [], confidence, offerHandoff: true };
  return {
    kind: 'clarify',
    text: PROMPTS.clarify,
    citations: [],
    confidence,
    offerHandoff: true,
    choices: [...cards.map((c) => c.title), HANDOFF_CHOICE],
    offered: cards.map((c) => c.id),
  };
}

/** The retrieval-only answer (also the fallback of the LLM mode). */
export function composeAnswer(result: RetrievalResult, kb: LawKnowledge, opts: ComposeOptions = {}): LawAnswer {
  const { confidence } = result;
  const topCard = result.cards[0];
  const fitting = topCard && topCard.coverage >= CARD_ANSWER_MIN_COVERAGE ? topCard.card : undefined;
  // A card that does not rest on the article the member named would answer another question.
  const named = result.citations.filter((c) => c.named);
  const chosen = fitting && named.length > 0 && !named.some((n) => fitting.citations.some((x) => x.law === n.law && x.article === n.article)) ? undefined : fitting;
  const candidates = offerable(result);
  // The strongest article is the core of an offered card: the article evidence says which topic it is.
  const led = articleLed(result);
  const card = named.length === 0 && led && !chosen ? led : chosen;
  const lowConfidence = confidence < LOW_CONFIDENCE || (!card && result.citations.length === 0);
  // The best card may be about another situation (an article-led card is backed by the article evidence).
  const doubtful = named.length === 0 && card !== undefined && unclear(result, !chosen && card === led, kb.library.articleCount > 0);
  // Not sure which topic (and no article named): ask instead of answering another situation.
  if (named.length === 0 && candidates.length >= 2 && confidence > 0 && (lowConfidence || !card || doubtful)) {
    return clarifyAnswer(candidates, confidence, opts.compact ?? false);
  }
  if (lowConfidence || doubtful) {
    return {
      kind: 'low_confidence',
      text: opts.compact ? PROMPTS.lowConfidenceCompact : PROMPTS.lowConfidence,
      citations: [],
      confidence,
      offerHandoff: true,
      ...(opts.compact ? {} : { choices: [HANDOFF_CHOICE] }),
    };
  }
  const shown = shownCitations(result, card);
  const citations = shown.map(plain);
  if (!card) {
    // The member named an article no card rests on: quote the best articles briefly (when their texts are
    // installed) and offer a person rather than paraphrasing a guess.
    const quotable = kb.statutesDir ? shown.slice(0, opts.compact ? 1 : 3) : [];
    const lines = quotable.map((c) => {
      const a = kb.library.getArticle(c.law, c.article);
      return PROMPTS.articleExcerpt(c.law, articleLabel(c.article), (a ? articleExcerpt(a, opts.compact ? 60 : 90) : excerpt('', opts.compact ? 60 : 90)));
    });
    const shownList = opts.compact ? citations.slice(0, 1) : citations;
    const basis = `${PROMPTS.basisPrefix}${formatCitations(shownList)}`;
    const parts = opts.compact ? [PROMPTS.articlesOnlyIntro, ...lines, basis, PROMPTS.disclaimerCompact] : [PROMPTS.articlesOnlyIntro, ...lines, basis, PROMPTS.disclaimer];
    return { kind: 'articles', text: parts.join('\n'), citations: shownList, confidence, offerHandoff: true, ...(opts.compact ? {} : { choices: [HANDOFF_CHOICE] }) };
  }
  return cardAnswer(card, citations, kb, confidence, opts);
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
/** In a group, article text longer than this is cut at a sentence end and the rest offered in private chat. */
const GROUP_ARTICLE_MAX_CHARS = 150;

export function articleTextAnswer(req: ArticleRequest, library: StatuteLibrary, superseded?: SupersededList, opts: { compact?: boolean } = {}): LawAnswer {
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
    const long = opts.compact && a.text.length > GROUP_ARTICLE_MAX_CHARS;
    const body = long ? `${articleExcerpt(a, GROUP_ARTICLE_MAX_CHARS)}${PROMPTS.articleRestInPrivate}` : a.text;
    parts.push(`${PROMPTS.articleQuoteHeader(library.title(c.law), a.label)}\n${a.label} ${body}${note ? `\n${PROMPTS.supersededNote(note)}` : ''}`);
  }
  if (found.length && !opts.compact) parts.push(PROMPTS.articleMoreHint);
  return { kind: 'article_text', text: parts.join('\n\n'), citations: found, confidence: found.length ? 1 : 0, offerHandoff: false };
}

