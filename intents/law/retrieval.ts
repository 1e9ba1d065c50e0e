/** Chinese retrieval over topic cards and statute articles: BM25 on jieba terms with synonym expansion, fused into ranked citations. */
import { citationKey, type Card, type Citation } from './card.ts';
import { findArticleRefs } from './citations.ts';
import { CN_NUMERAL_CHARS, cnToInt, type Article, type StatuteLibrary } from './statutes.ts';
import type { Tokenizer } from './lexicon.ts';
import { collapseRepeats, questionFocus } from './query.ts';
import { PairTable } from './pair-table.ts';
import { SupersededList } from './superseded.ts';

/** The documents holding one term (ascending) and their precomputed BM25 term-frequency parts `tf·(k1+1) / (tf + k1·(1−b+b·len/avg))`. */
export interface Posting {
  docs: Int32Array;
  parts: Float64Array;
}

/** Okapi BM25 inverse document frequency of a term held by `df` of `n` documents (0 when none holds it). */
export const bm25Idf = (df: number, n: number): number => (df === 0 ? 0 : Math.log(1 + (n - df + 0.5) / (df + 0.5)));

/** Whether a posting list holds a document (binary search: the documents are in ascending order). */
export function postingHas(list: Posting | undefined, doc: number): boolean {
  if (!list) return false;
  const { docs } = list;
  let lo = 0;
  let hi = docs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const d = docs[mid]!;
    if (d === doc) return true;
    if (d < doc) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** Okapi BM25 over weighted term frequencies (fields are folded in by weight before indexing). */
export class Bm25 {
  private readonly postings = new Map<string, Posting>();
  private readonly docLen: Float64Array;
  private readonly avgLen: number;
  private readonly idfCache = new Map<string, number>();
  /** Scratch buffers reused by `search` (retrieval is synchronous). */
  private readonly acc: Float64Array;
  private readonly seen: Uint8Array;

  constructor(
    docs: Array<Map<string, number>>,
    private readonly k1 = 1.2,
    private readonly b = 0.75,
  ) {
    this.docLen = new Float64Array(docs.length);
    this.acc = new Float64Array(docs.length);
    this.seen = new Uint8Array(docs.length);
    this.cover = new Float64Array(docs.length);
    this.touched = new Int32Array(docs.length);
    const lists = new Map<string, Array<[number, number]>>();
    let total = 0;
    docs.forEach((doc, i) => {
      let len = 0;
      for (const [term, tf] of doc) {
        len += tf;
        let list = lists.get(term);
        if (!list) lists.set(term, (list = []));
        list.push([i, tf]);
      }
      this.docLen[i] = len;
      total += len;
    });
    this.avgLen = docs.length ? total / docs.length || 1 : 1;
    for (const [term, list] of lists) {
      const docsArr = new Int32Array(list.length);
      const parts = new Float64Array(list.length);
      list.forEach(([doc, tf], j) => {
        docsArr[j] = doc;
        parts[j] = (tf * (this.k1 + 1)) / (tf + this.k1 * (1 - this.b + (this.b * this.docLen[doc]!) / this.avgLen));
      });
      this.postings.set(term, { docs: docsArr, parts });
    }
  }

  get size(): number {
    return this.docLen.length;
  }

  /** Number of documents containing a term. */
  df(term: string): number {
    return this.postings.get(term)?.docs.length ?? 0;
  }

  /** The documents holding a term; undefined when none does. */
  posting(term: string): Posting | undefined {
    return this.postings.get(term);
  }

  /** Every term some document holds. */
  terms(): IterableIterator<string> {
    return this.postings.keys();
  }

  /**
   * Share idf statistics with other indexes, so a small collection (the cards) weighs words by
   * how common they are in all legal text, not only among a few dozen cards.
   */
  shareIdfWith(others: Bm25[]): void {
    this.peers = others;
    this.idfCache.clear();
  }
  private peers: Bm25[] = [];

  /** Inverse document frequency over this index and its peers; 0 for a term no document has. */
  idf(term: string): number {
    let v = this.idfCache.get(term);
    if (v === undefined) {
      let df = this.df(term);
      let n = this.size;
      for (const p of this.peers) {
        df += p.df(term);
        n += p.size;
      }
      v = bm25Idf(df, n);
      this.idfCache.set(term, v);
    }
    return v;
  }

  has(doc: number, term: string): boolean {
    return postingHas(this.postings.get(term), doc);
  }

  /** The last `run`: documents touched (each once), their scores and coverage mass. Valid until the next run. */
  private readonly cover: Float64Array;
  private readonly touched: Int32Array;
  private touchedCount = 0;

  /**
   * Scores every document sharing a term with the query; `coverWeight(term, qw)` is what the term adds to a
   * holding document's coverage. Results stay readable (scoreOf, coverOf, top) until the next run — retrieval
   * is synchronous, and typed arrays instead of a map per query keep it fast and garbage-free.
   */
  run(query: Map<string, number>, coverWeight: (term: string, qw: number) => number): void {
    const lists: Array<Posting | undefined> = [];
    const f: number[] = [];
    const c: number[] = [];
    for (const [term, qw] of query) {
      const list = this.postings.get(term);
      lists.push(list);
      f.push(list ? qw * this.idf(term) : 0);
      c.push(list ? coverWeight(term, qw) : 0);
    }
    this.runPostings(lists, f, c);
  }

  /**
   * `run` with the query's terms already looked up: per term its posting list here (undefined: none), its
   * score factor `qw·idf` and its coverage weight, in query order.
   */
  runPostings(lists: ReadonlyArray<Posting | undefined>, factors: ArrayLike<number>, covers: ArrayLike<number>): void {
    const { acc, seen, cover, touched } = this;
    for (let i = 0; i < this.touchedCount; i++) {
      const doc = touched[i]!;
      acc[doc] = 0;
      seen[doc] = 0;
      cover[doc] = 0;
    }
    let count = 0;
    for (let t = 0; t < lists.length; t++) {
      const list = lists[t];
      if (!list) continue;
      const f = factors[t]!;
      const c = covers[t]!;
      const { docs, parts } = list;
      for (let j = 0; j < docs.length; j++) {
        const doc = docs[j]!;
        if (!seen[doc]) {
          seen[doc] = 1;
          touched[count++] = doc;
        }
        acc[doc]! += f * parts[j]!;
        // Bigrams add no coverage: adding 0 changes nothing (coverage starts at +0 and only grows).
        if (c !== 0) cover[doc]! += c;
      }
    }
    this.touchedCount = count;
  }

  /** The last run's score of a document; undefined when it shares no term with the query. */
  scoreOf(doc: number): number | undefined {
    return this.seen[doc] ? this.acc[doc] : undefined;
  }

  /** The last run's coverage mass of a document (0 when untouched). */
  coverOf(doc: number): number {
    return this.seen[doc] ? this.cover[doc]! : 0;
  }

  /** The last run's k best documents (positive scores), best first; ties keep the order documents were touched in. */
  top(k: number): Array<[number, number]> {
    // As `pushTop`, in scratch arrays: no pair is allocated for a document pushed out again.
    if (this.topDocs.length < k) {
      this.topDocs = new Int32Array(k);
      this.topScores = new Float64Array(k);
    }
    const { topDocs: docs, topScores: scores, acc, touched } = this;
    let n = 0;
    for (let i = 0; i < this.touchedCount; i++) {
      const doc = touched[i]!;
      const s = acc[doc]!;
      if (s <= 0 || (n === k && s <= scores[k - 1]!)) continue;
      let j = n === k ? k - 1 : n;
      while (j > 0 && scores[j - 1]! < s) {
        docs[j] = docs[j - 1]!;
        scores[j] = scores[j - 1]!;
        j--;
      }
      docs[j] = doc;
      scores[j] = s;
      if (n < k) n++;
    }
    const out: Array<[number, number]> = [];
    for (let i = 0; i < n; i++) out.push([docs[i]!, scores[i]!]);
    return out;
  }
  private topDocs = new Int32Array(0);
  private topScores = new Float64Array(0);

  /** The last run's scores into `out` (cleared first), in the order documents were touched. */
  scoresInto(out: DenseScores): void {
    out.clear();
    for (let i = 0; i < this.touchedCount; i++) {
      const doc = this.touched[i]!;
      out.set(doc, this.acc[doc]!);
    }
  }

  /** The last run's scores as a map (for the small card index, whose scores follow-ups adjust). */
  scoreMap(): Map<number, number> {
    const m = new Map<number, number>();
    for (let i = 0; i < this.touchedCount; i++) {
      const doc = this.touched[i]!;
      m.set(doc, this.acc[doc]!);
    }
    return m;
  }

  /** Scores of every document sharing a term with the query (a copy; see `run`). */
  search(query: Map<string, number>): Map<number, number> {
    this.run(query, () => 0);
    return this.scoreMap();
  }
}

/**
 * Scores of documents 0…n−1 that behaves as a `Map<number, number>` (insertion order kept, a key set again keeps
 * its place), in typed arrays reused from query to query.
 */
export class DenseScores {
  private readonly score: Float64Array;
  private readonly present: Uint8Array;
  private readonly order: Int32Array;
  private size = 0;

  constructor(n: number) {
    this.score = new Float64Array(n);
    this.present = new Uint8Array(n);
    this.order = new Int32Array(n);
  }

  clear(): void {
    for (let i = 0; i < this.size; i++) this.present[this.order[i]!] = 0;
    this.size = 0;
  }

  has(doc: number): boolean {
    return this.present[doc] === 1;
  }

  get(doc: number): number | undefined {
    return this.present[doc] ? this.score[doc] : undefined;
  }

  set(doc: number, s: number): void {
    if (!this.present[doc]) {
      this.present[doc] = 1;
      this.order[this.size++] = doc;
    }
    this.score[doc] = s;
  }

  /** `Math.max(floor, ...scores)`. */
  max(floor: number): number {
    let m = floor;
    for (let i = 0; i < this.size; i++) m = Math.max(m, this.score[this.order[i]!]!);
    return m;
  }

  /** As `topK` over the map. */
  top(k: number): Array<[number, number]> {
    const top: Array<[number, number]> = [];
    for (let i = 0; i < this.size; i++) pushTop(top, k, this.order[i]!, this.score[this.order[i]!]!);
    return top;
  }
}

/** Inserts [doc, score] into a best-first list capped at k (positive scores only). */
function pushTop(top: Array<[number, number]>, k: number, doc: number, s: number): void {
  if (s <= 0 || (top.length === k && s <= top[k - 1]![1])) return;
  let i = top.length === k ? k - 1 : top.length;
  while (i > 0 && top[i - 1]![1] < s) {
    if (i < k) top[i] = top[i - 1]!;
    i--;
  }
  top[i] = [doc, s];
  if (top.length > k) top.length = k;
}

export interface CardHit {
  card: Card;
  score: number;
  /** Share of the query's (idf-weighted) known terms the card contains, 0–1. */
  coverage: number;
}

export interface ArticleHit {
  article: Article;
  score: number;
  coverage: number;
}

export interface RankedCitation extends Citation {
  score: number;
  /** Ids of the cards that cite this article, best first. */
  cards: string[];
  /** The member named this article in the question. */
  named?: boolean;
}

export interface RetrievalResult {
  query: string;
  cards: CardHit[];
  articles: ArticleHit[];
  citations: RankedCitation[];
  /** 0–1: how well the best card or article covers the question. Below `LOW_CONFIDENCE` → offer a person. */
  confidence: number;
  /** The question was read as a follow-up of the previous card. */
  followUp: boolean;
}

export interface RetrieveOptions {
  /** Card the member was last answered with (session memory), for follow-ups like "那赔偿怎么算". */
  previousCardId?: string;
  /** How many citations to return (default 5). */
  limit?: number;
}

/** Tunable weights; defaults were set on the dev set through general mechanisms only. */
export interface RetrievalWeights {
  /** Field weights inside a card document. */
  cardTitle: number;
  cardPhrasing: number;
  cardKeyword: number;
  cardAnswer: number;
  /** Field weights inside an article document. */
  articleText: number;
  articleTopic: number;
  articleChapter: number;
  /** Weight of legal terms added through synonyms, relative to the member's own words. */
  synonym: number;
  /** Fusion: citations of a card inherit `card × cardScore/topScore × cardDecay^position`. */
  card: number;
  cardDecay: number;
  /** Cards below this share of the top card's score do not contribute citations. */
  cardFloor: number;
  maxCards: number;
  /** Fusion: direct article hits add `article × articleScore/topArticleScore`. */
  article: number;
  /** Article hits below this share of the top article's score are ignored. */
  articleFloor: number;
  /** A card contributes nothing below this coverage of the question, fully at coverage 1 (linear ramp). */
  cardMinCoverage: number;
  /** The same for direct article hits. */
  articleMinCoverage: number;
  /** Follow-up: score multiplier for the previous card's related cards. */
  relatedBoost: number;
  /**
   * Within a card, a citation's share also grows with how well its article matches the question:
   * `cardDecay^position × (1 + citationMatch × articleScore/topArticleScore)`.
   */
  citationMatch: number;
  /** BM25 parameters of the card index and of the article index. */
  cardK1: number;
  cardB: number;
  articleK1: number;
  articleB: number;
  /** Character bigrams (typo-robust matching) added to every document and query at this weight; 0 = off. */
  bigram: number;
  /** Index bigrams of article texts too (else only of cards). */
  articleBigrams: boolean;
  /** Bigrams in more than this share of the articles are not searched. */
  bigramMaxDf: number;
  /** Words held by more than this share of the statute articles (劳动, 用人单位 …) are not searched: time, not evidence. */
  wordMaxDf: number;
  /** Long questions: weight of words outside the question part (see `questionFocus`). */
  narrative: number;
  /** Weight of a question word that is not a labor-law term (the legal-issue words keep 1). */
  plainWord: number;
  /**
   * Laws about dispute procedure (arbitration, lawsuits). Cards citing mostly these are procedural; words
   * held mostly by procedural cards and articles (仲裁, 劳动争议 …) are procedure words.
   */
  proceduralLaws: string[];
  /** A word (or bigram) is a procedure word when at least this share of the cards and articles holding it are procedural. */
  procedureWordShare: number;
  /**
   * Topic salience: when the question also names a substantive labor-law topic (产假, 工伤 …), its procedure
   * words weigh this much (1 = off), so "产假少给了，能仲裁吗" is answered about 产假 before arbitration.
   */
  procedureWord: number;
  /**
   * Runner-up card: when the second card scores (coverage-weighted) at least this share of the first, its core
   * article is moved into the first three citations if it is not there yet (1 = off).
   */
  interleaveGap: number;
  /**
   * Fusion of the cards and articles that back one citation: its best contribution plus this share of the
   * others (1 = plain sum, which favours generic articles many near-tied cards cite over the best card's core).
   */
  fusionRest: number;
  /**
   * Companion articles: an article whose text applies another of its law ("依照本法第四十七条…的二倍") is read
   * with it, as are the pairs the lexicon lists (companions.json: when ↔ how much, 第四十六条 ↔ 第四十七条). When
   * the first citation has a companion and none is among the first three, the first takes third place. Texts
   * applying more than this many articles give none (0 = off).
   */
  companionMaxRefs: number;
  /** The best card's core (first) article is moved up to this place (0-based) when ranked lower (-1 = off). */
  bestCardCorePlace: number;
}

export const DEFAULT_WEIGHTS: RetrievalWeights = {
  cardTitle: 2,
  cardPhrasing: 1,
  cardKeyword: 1.5,
  cardAnswer: 0.3,
  articleText: 1,
  articleTopic: 3,
  articleChapter: 0.3,
  synonym: 0.8,
  card: 1,
  cardDecay: 0.7,
  cardFloor: 0.5,
  maxCards: 4,
  article: 1,
  articleFloor: 0.3,
  relatedBoost: 1.6,
  cardMinCoverage: 0.25,
  articleMinCoverage: 0,
  citationMatch: 0.5,
  narrative: 1,
  plainWord: 1,
  proceduralLaws: ['劳动争议调解仲裁法', '劳动人事争议仲裁办案规则'],
  procedureWordShare: 0.3,
  procedureWord: 0.3,
  interleaveGap: 0.7,
  fusionRest: 1,
  companionMaxRefs: 1,
  bestCardCorePlace: 1,
  bigram: 0.4,
  articleBigrams: true,
  bigramMaxDf: 0.1,
  wordMaxDf: 0.25,
  cardK1: 1.2,
  cardB: 0.75,
  articleK1: 1.2,
  articleB: 0.75,
};

/** A substantive topic word (产假, 竞业限制) is at least this specific (idf over cards and articles). */
const TOPIC_MIN_IDF = 3;

/** Weight of a question word that appears in no card and no article, when judging confidence. */
const UNKNOWN_TERM_IDF = 4;
/** Matched idf mass below this (about one ordinary word) gives zero confidence. */
const MIN_MATCHED_IDF = 2.5;

/** Confidence of a bare follow-up ("那怎么办") answered from the previous topic. */
const INHERITED_CONFIDENCE = 0.5;
/** Below this coverage a follow-up's best off-topic card does not pull the conversation away from its topic. */
const FOLLOW_UP_MIN_COVERAGE = 0.5;

const MAY_NAME_ARTICLE = /[条條]|art/i;

/** Below this confidence the answer says it is unsure and offers a person instead of guessing. */
export const LOW_CONFIDENCE = 0.35;

const FOLLOW_UP_START = /^(那|那么|那如果|如果|要是|还有|另外|那要是|这种|这个|这样|那这|那我|那他|然后|还)/;

/** Heuristic: short questions or ones opening with 那/如果/还有 … continue the previous topic. */
export function looksLikeFollowUp(text: string): boolean {
  const t = text.replace(/[\s，。？?！!、]/g, '');
  return t.length <= 8 || (FOLLOW_UP_START.test(t) && t.length <= 24);
}

/** 0 at or below `min`, rising linearly to 1 at 1. */
const ramp = (x: number, min: number): number => (x <= min ? 0 : (x - min) / (1 - min));

function addTerms(doc: Map<string, number>, terms: string[], weight: number): void {
  for (const t of terms) doc.set(t, (doc.get(t) ?? 0) + weight);
}

/** The k highest positive scores, best first (one pass; cheaper than sorting every scored document). */
export function topK(scores: Map<number, number>, k: number): Array<[number, number]> {
  const top: Array<[number, number]> = [];
  for (const [doc, s] of scores) pushTop(top, k, doc, s);
  return top;
}

const HAN_RUN = /\p{Script=Han}{2,}/gu;
/** Character bigrams of the Han runs of a text, as `~ab` terms (apart from word terms). */
export function charBigrams(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(HAN_RUN)) {
    const run = m[0];
    for (let i = 0; i + 1 < run.length; i++) out.push(`~${run.slice(i, i + 2)}`);
  }
  return out;
}

const SAME_LAW_REF = new RegExp(`(?<!不得|不|不应|不能)(?:依照|按照|依据|参照)本(?:法|条例|规定|办法|解释)第([${CN_NUMERAL_CHARS}\\d]+)条`, 'g');
/**
 * Article numbers a statute text applies within its own law ("依照本法第四十七条规定的…二倍" → 47), first mention
 * order. Mere mentions ("没有本法第三十九条…规定的情形") and bars ("不得依照本法第四十条…解除") are exceptions, not
 * companions, and are left out.
 */
export function articleReferences(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(SAME_LAW_REF)) {
    const n = cnToInt(m[1]!);
    if (n !== undefined && !out.includes(n)) out.push(n);
  }
  return out;
}

/** What retrieval needs of one indexed term, looked up once per query instead of once per use. */
interface TermStats {
  /** The term as indexed (a bigram's string is built once, here). */
  term: string;
  card: Posting | undefined;
  article: Posting | undefined;
  cardDf: number;
  articleDf: number;
  /** Over the cards and articles together (both indexes share it). */
  idf: number;
  /** See `procedureWordShare`. */
  procedureShare: number;
}

/** A query's terms in order, with their weights and what the indexes know of them (undefined: an unknown term). */
interface ResolvedQuery {
  terms: string[];
  weights: number[];
  stats: Array<TermStats | undefined>;
}

/** A character bigram's term ("~ab", see `charBigrams`). */
const isBigramTerm = (t: string): boolean => t.length === 3 && t.startsWith('~');


/** Adds a share of score to a fused citation (created on first use); `best` keeps each citation's largest share. */
function addShare(fused: Map<string, RankedCitation>, best: Map<string, number>, key: string, law: string, article: number, score: number, cardId?: string): void {
  let c = fused.get(key);
  if (!c) fused.set(key, (c = { law, article, score: 0, cards: [] }));
  c.score += score;
  best.set(key, Math.max(best.get(key) ?? 0, score));
  if (cardId && !c.cards.includes(cardId)) c.cards.push(cardId);
}

/** The retrieval index over cards and all statute articles. Build once; `retrieve` is synchronous and fast. */
export class LawRetriever {
  readonly weights: RetrievalWeights;
  private readonly cardIndex: Bm25;
  private readonly articleIndex: Bm25;
  private readonly articles: Article[];
  private readonly cardById: Map<string, Card>;
  private readonly cardPos: Map<Card, number>;
  private readonly articleByKey: Map<string, number>;
  /** Per card / article: 1 when it is about dispute procedure (see `proceduralLaws`). */
  private readonly proceduralCard: Uint8Array;
  private readonly proceduralArticle: Uint8Array;
  /** Every term of either index, with its postings, idf and procedure share (computed once, at build). */
  private readonly termStats = new Map<string, TermStats>();
  /** The bigram terms ("~ab") of `termStats` by their two code units, and the other terms (a much smaller map). */
  private readonly bigramStats: PairTable<TermStats>;
  private readonly wordStats = new Map<string, TermStats>();
  /** The card scores a follow-up adjusts (scratch, see `retrieve`). */
  private readonly followUpScores: DenseScores;
  /** Scratch per query term (retrieval is synchronous): score factor `qw·idf` and coverage weight. */
  private factors = new Float64Array(64);
  private covers = new Float64Array(64);
  /** Per article: its citation key; per card: its citations' keys and article positions (-1: not in the library). */
  private readonly articleKeys: string[];
  private readonly cardCitationKeys: string[][];
  private readonly cardCitationArticles: Int32Array[];
  /** Per article ("law#n"): the articles read with it (see `companionMaxRefs`), in order. */
  private readonly companions = new Map<string, Citation[]>();

  constructor(
    readonly cards: Card[],
    readonly library: StatuteLibrary,
    readonly tokenizer: Tokenizer,
    weights: Partial<RetrievalWeights> = {},
    readonly superseded: SupersededList = new SupersededList(),
  ) {
    this.weights = { ...DEFAULT_WEIGHTS, ...weights };
    const w = this.weights;
    const field = (doc: Map<string, number>, text: string, weight: number, bigrams = w.bigram > 0) => {
      addTerms(doc, tokenizer.tokens(text), weight);
      if (bigrams) addTerms(doc, charBigrams(text), weight);
    };
    const articleBigrams = w.bigram > 0 && w.articleBigrams;
    this.cardById = new Map(cards.map((c) => [c.id, c]));
    this.cardPos = new Map(cards.map((c, i) => [c, i]));
    this.cardIndex = new Bm25(
      cards.map((c) => {
        const doc = new Map<string, number>();
        field(doc, c.title, w.cardTitle);
        for (const p of c.phrasings) {
          field(doc, p, w.cardPhrasing);
          // Phrasings are in members' words: index their legal terms too, as queries get them.
          for (const legal of tokenizer.legalTerms(p)) addTerms(doc, tokenizer.tokens(legal), w.cardPhrasing * w.synonym);
        }
        for (const k of c.keywords) field(doc, k, w.cardKeyword);
        field(doc, c.answer, w.cardAnswer);
        return doc;
      }),
      w.cardK1,
      w.cardB,
    );
    this.articles = [...library.allArticles()];
    this.articleByKey = new Map(this.articles.map((a, i) => [`${a.law}#${a.number}`, i]));
    const topics = tokenizer.lexicon.articleTopics;
    this.articleIndex = new Bm25(
      this.articles.map((a) => {
        const doc = new Map<string, number>();
        field(doc, a.text, w.articleText, articleBigrams);
        addTerms(doc, tokenizer.tokens(a.chapter.replace(/第.+?[章节]/g, '')), w.articleChapter);
        const topic = topics.get(a.law)?.get(a.number);
        if (topic) field(doc, topic, w.articleTopic, articleBigrams);
        return doc;
      }),
      w.articleK1,
      w.articleB,
    );
    this.shareIdf();
    for (const a of this.articles) {
      const refs = articleReferences(a.text).filter((n) => n !== a.number && this.articleByKey.has(`${a.law}#${n}`));
      if (refs.length > 0 && refs.length <= w.companionMaxRefs) this.companions.set(`${a.law}#${a.number}`, refs.map((n) => ({ law: a.law, article: n })));
    }
    for (const [key, list] of tokenizer.lexicon.companions) {
      const known = list.filter((c) => this.articleByKey.has(`${c.law}#${c.article}`));
      if (w.companionMaxRefs > 0 && known.length && this.articleByKey.has(key)) this.companions.set(key, [...known, ...(this.companions.get(key) ?? [])]);
    }
    const procLaws = new Set(w.proceduralLaws);
    this.proceduralArticle = Uint8Array.from(this.articles, (a) => (procLaws.has(a.law) ? 1 : 0));
    this.proceduralCard = Uint8Array.from(cards, (c) => (c.citations.filter((x) => procLaws.has(x.law)).length * 2 >= c.citations.length ? 1 : 0));
    const n = this.cardIndex.size + this.articleIndex.size;
    for (const term of [...this.cardIndex.terms(), ...this.articleIndex.terms()]) {
      if (this.termStats.has(term)) continue;
      const card = this.cardIndex.posting(term);
      const article = this.articleIndex.posting(term);
      const all = (card?.docs.length ?? 0) + (article?.docs.length ?? 0);
      let proc = 0;
      if (card) for (let i = 0; i < card.docs.length; i++) proc += this.proceduralCard[card.docs[i]!]!;
      if (article) for (let i = 0; i < article.docs.length; i++) proc += this.proceduralArticle[article.docs[i]!]!;
      const cardDf = card?.docs.length ?? 0;
      const articleDf = article?.docs.length ?? 0;
      this.termStats.set(term, { term, card, article, cardDf, articleDf, idf: bm25Idf(all, n), procedureShare: all === 0 ? 0 : proc / all });
    }
    this.bigramStats = new PairTable([...this.termStats.keys()].filter(isBigramTerm).length);
    for (const [t, stats] of this.termStats) {
      if (isBigramTerm(t)) this.bigramStats.set(t.charCodeAt(1), t.charCodeAt(2), stats);
      else this.wordStats.set(t, stats);
    }
    this.followUpScores = new DenseScores(cards.length);
    this.articleKeys = this.articles.map((a) => citationKey(a.law, a.number));
    this.cardCitationKeys = cards.map((c) => c.citations.map((x) => citationKey(x.law, x.article)));
    this.cardCitationArticles = cards.map((c) => Int32Array.from(c.citations, (x) => this.articleByKey.get(citationKey(x.law, x.article)) ?? -1));
  }

  /** Share of the cards and articles holding a term that are procedural (0 for a term none holds). */
  procedureWordShare(term: string): number {
    return this.termStats.get(term)?.procedureShare ?? 0;
  }

  /** The question names a substantive labor-law topic: a specific lexicon word that is rarely procedural. */
  private topical(q: ResolvedQuery): boolean {
    const w = this.weights;
    for (let i = 0; i < q.terms.length; i++) {
      const t = q.terms[i]!;
      const stats = q.stats[i];
      if (t.startsWith('~') || (stats?.idf ?? 0) < TOPIC_MIN_IDF || !this.tokenizer.isDomainTerm(t)) continue;
      if (stats!.procedureShare < w.procedureWordShare / 3) return true;
    }
    return false;
  }

  private shareIdf(): void {
    this.cardIndex.shareIdfWith([this.articleIndex]);
    this.articleIndex.shareIdfWith([this.cardIndex]);
  }

  /** Weighted query terms: synonyms expanded, narrative and everyday words weighed down. */
  queryTerms(raw: string): Map<string, number> {
    const r = this.resolveQuery(raw, true);
    return new Map(r.terms.map((t, i) => [t, r.weights[i]!]));
  }

  /**
   * `queryTerms` in query order, each term looked up in the indexes once. Bigrams no document holds change no
   * score, coverage or confidence: they are left out unless `withUnknownBigrams`.
   */
  private resolveQuery(raw: string, withUnknownBigrams = false): ResolvedQuery {
    const w = this.weights;
    const query = collapseRepeats(raw);
    const r: ResolvedQuery = { terms: [], weights: [], stats: [] };
    const { terms, weights, stats } = r;
    const at = new Set<string>();
    const push = (term: string, weight: number, known: TermStats | undefined) => {
      at.add(term);
      terms.push(term);
      weights.push(weight);
      stats.push(known);
    };
    // Judged over the statute articles (a large collection); with the cards alone every word is kept.
    const maxWordDf = w.wordMaxDf < 1 && this.articleIndex.size > 0 ? this.articleIndex.size * w.wordMaxDf : Infinity;
    for (const [t, v] of this.tokenizer.queryTerms(query, w.synonym)) {
      const known = isBigramTerm(t) ? this.termStats.get(t) : this.wordStats.get(t);
      if ((known?.articleDf ?? 0) <= maxWordDf) push(t, v, known);
    }
    if (w.narrative !== 1) {
      const focus = questionFocus(query);
      if (focus) {
        const inFocus = this.tokenizer.queryTerms(focus, w.synonym);
        for (let i = 0; i < terms.length; i++) if (!inFocus.has(terms[i]!)) weights[i] = weights[i]! * w.narrative;
      }
    }
    if (w.plainWord !== 1) for (let i = 0; i < terms.length; i++) if (!this.tokenizer.isDomainTerm(terms[i]!)) weights[i] = weights[i]! * w.plainWord;
    if (w.bigram > 0) {
      // Bigrams found in a large share of the articles (劳动, 单位 …) add time, not evidence.
      const maxDf = w.articleBigrams ? this.articleIndex.size * w.bigramMaxDf : this.cardIndex.size * 0.25;
      // As `charBigrams`, looked up by code units: a bigram's string exists once, in the index.
      for (const m of query.matchAll(HAN_RUN)) {
        const run = m[0];
        for (let i = 0; i + 1 < run.length; i++) {
          const known = this.bigramStats.get(run.charCodeAt(i), run.charCodeAt(i + 1));
          if (!known) {
            const b = withUnknownBigrams ? `~${run.slice(i, i + 2)}` : undefined;
            if (b !== undefined && !at.has(b)) push(b, w.bigram, undefined);
            continue;
          }
          if (!at.has(known.term) && (w.articleBigrams ? known.articleDf : known.cardDf) <= maxDf) push(known.term, w.bigram, known);
        }
      }
    }
    // Topic salience: "产假少给了，能仲裁吗" is about 产假 first; procedure words and bigrams (仲裁, ~仲裁) weigh less.
    if (w.procedureWord !== 1 && this.topical(r)) {
      for (let i = 0; i < terms.length; i++) if ((stats[i]?.procedureShare ?? 0) >= w.procedureWordShare) weights[i] = weights[i]! * w.procedureWord;
    }
    return r;
  }

  card(id: string): Card | undefined {
    return this.cardById.get(id);
  }

  /** Ranks cards, articles and citations for a member's question. */
  retrieve(query: string, opts: RetrieveOptions = {}): RetrievalResult {
    const w = this.weights;
    const limit = opts.limit ?? 5;
    const resolved = this.resolveQuery(query);
    const previous = opts.previousCardId ? this.cardById.get(opts.previousCardId) : undefined;
    const followUp = previous !== undefined && looksLikeFollowUp(query);

    // Coverage: the idf-weighted share of the query's known words a document holds, summed while scoring.
    const { terms, weights, stats } = resolved;
    if (this.factors.length < terms.length) {
      this.factors = new Float64Array(terms.length * 2);
      this.covers = new Float64Array(terms.length * 2);
    }
    const { factors, covers } = this;
    let coverAll = 0;
    for (let t = 0; t < terms.length; t++) {
      const idf = stats[t]?.idf ?? 0;
      factors[t] = weights[t]! * idf;
      covers[t] = terms[t]!.startsWith('~') ? 0 : weights[t]! * idf;
      coverAll += covers[t]!;
    }
    const cardCoverage = (doc: number) => (coverAll === 0 ? 0 : this.cardIndex.coverOf(doc) / coverAll);

    // Cards.
    this.cardIndex.runPostings(
      stats.map((x) => x?.card),
      factors,
      covers,
    );
    // Only a follow-up adjusts the card scores: every other question ranks the index's own scores.
    let cardScores: DenseScores | undefined;
    if (followUp && previous) this.cardIndex.scoresInto((cardScores = this.followUpScores));
    let inherited = false;
    if (cardScores && previous) {
      const pIdx = this.cardPos.get(previous) ?? -1;
      let top = cardScores.max(0);
      if (top === 0) {
        // Nothing in the message itself ("那怎么办"): stay with the previous topic.
        top = 1;
        inherited = true;
        if (pIdx >= 0) cardScores.set(pIdx, 1);
      }
      previous.related.forEach((id, i) => {
        const rc = this.cardById.get(id);
        const idx = rc ? this.cardPos.get(rc)! : -1;
        if (idx < 0) return;
        const s = cardScores.get(idx);
        // Related cards that match the follow-up win; unmatched ones stay just behind the previous topic.
        cardScores.set(idx, s !== undefined ? s * w.relatedBoost : top * 0.3 * Math.pow(0.9, i));
      });
      if (pIdx >= 0) {
        // The topic under discussion: boosted like a related card when the follow-up matches it.
        const s = cardScores.get(pIdx);
        cardScores.set(pIdx, s !== undefined && !inherited ? s * w.relatedBoost : (s ?? top * 0.25));
      }
    }
    if (cardScores && previous && !inherited) {
      // The follow-up's own words only weakly fit some other topic ("那能赔多少" after the double-wage answer):
      // the member is still asking about the discussed topic.
      const [best] = cardScores.top(1);
      const bestCard = best ? this.cards[best[0]] : undefined;
      const offTopic = bestCard !== previous && !previous.related.includes(bestCard?.id ?? '');
      if (best && offTopic && cardCoverage(best[0]) < FOLLOW_UP_MIN_COVERAGE) {
        cardScores.clear();
        [previous.id, ...previous.related].forEach((id, i) => {
          const idx = this.cardPos.get(this.cardById.get(id) ?? previous);
          if (idx !== undefined && !cardScores.has(idx)) cardScores.set(idx, i === 0 ? 1 : 0.3 * Math.pow(0.9, i - 1));
        });
        inherited = true;
      }
    }
    const cardTop = cardScores ? cardScores.top(10) : this.cardIndex.top(10);
    const cardHits: CardHit[] = cardTop.map(([i, score]) => ({ card: this.cards[i]!, score, coverage: inherited ? 1 : cardCoverage(i) }));

    // Articles.
    this.articleIndex.runPostings(
      stats.map((x) => x?.article),
      factors,
      covers,
    );
    const articleTop = this.articleIndex.top(20);
    const articleHits: ArticleHit[] = articleTop.map(([i, score]) => ({ article: this.articles[i]!, score, coverage: coverAll === 0 ? 0 : this.articleIndex.coverOf(i) / coverAll }));

    // Fusion.
    const fused = new Map<string, RankedCitation>();
    const best = new Map<string, number>();
    // A card or article counts in proportion to how much of the question it covers, so a strong
    // article match is not drowned by a card that only shares generic words.
    const topCard = cardHits[0]?.score ?? 0;
    const topArticle = articleHits[0]?.score ?? 0;
    for (let h = 0; h < cardHits.length && h < w.maxCards; h++) {
      const hit = cardHits[h]!;
      if (hit.score < topCard * w.cardFloor) break;
      const weight = w.card * (hit.score / topCard) * ramp(hit.coverage, w.cardMinCoverage);
      const at = cardTop[h]![0];
      const keys = this.cardCitationKeys[at]!;
      const articles = this.cardCitationArticles[at]!;
      hit.card.citations.forEach((c, pos) => {
        // How well the cited article itself matches the question (0 when it shares no term with it).
        const s = articles[pos]! < 0 ? undefined : this.articleIndex.scoreOf(articles[pos]!);
        const match = s === undefined || topArticle === 0 ? 0 : s / topArticle;
        addShare(fused, best, keys[pos]!, c.law, c.article, weight * Math.pow(w.cardDecay, pos) * (1 + w.citationMatch * match), hit.card.id);
      });
    }
    for (let h = 0; h < articleHits.length; h++) {
      const hit = articleHits[h]!;
      if (hit.score < topArticle * w.articleFloor) break;
      addShare(fused, best, this.articleKeys[articleTop[h]![0]]!, hit.article.law, hit.article.number, w.article * (hit.score / topArticle) * ramp(hit.coverage, w.articleMinCoverage));
    }
    if (w.fusionRest !== 1) for (const [key, c] of fused) c.score = best.get(key)! + w.fusionRest * (c.score - best.get(key)!);
    // An article the member names outright ("劳动合同法第三十八条…") is cited first, whatever else matches.
    // Every article reference has 条 or "art" in it: most questions skip the parser.
    const named = MAY_NAME_ARTICLE.test(query) ? findArticleRefs(query, this.library).filter((r) => r.law !== undefined && this.articleByKey.has(citationKey(r.law, r.article))).slice(0, 3) : [];
    if (named.length > 0) {
      const strongest = Math.max(0, ...[...fused.values()].map((c) => c.score));
      named.forEach((r, i) => {
        const key = citationKey(r.law!, r.article);
        addShare(fused, best, key, r.law!, r.article, (strongest + 1) * (2 - i * 0.1));
        fused.get(key)!.named = true;
      });
    }
    const citations = this.ranked(fused, limit);
    this.bestCardCoreUp(citations, cardHits, fused, limit);
    this.interleaveRunnerUp(citations, cardHits, fused, limit);
    this.addCompanion(citations, fused, limit);

    // A short follow-up says little by itself: staying on the discussed topic (or a related one) is confident enough.
    const onTopic = followUp && previous !== undefined && (cardHits[0]?.card === previous || previous.related.includes(cardHits[0]?.card.id ?? ''));
    const measured = this.confidence(resolved, cardTop[0]?.[0] ?? -1, articleTop[0]?.[0] ?? -1);
    const confidence = inherited ? INHERITED_CONFIDENCE : onTopic ? Math.max(measured, INHERITED_CONFIDENCE) : measured;
    return { query, cards: cardHits, articles: articleHits, citations, confidence, followUp };
  }

  /** The fused citations best first (a stable sort by score), superseded ones replaced, the first `limit`. */
  private ranked(fused: Map<string, RankedCitation>, limit: number): RankedCitation[] {
    if (limit <= 0 || [...fused.keys()].some((key) => this.superseded.isReplacedKey(key))) {
      return this.withoutSuperseded([...fused.values()].sort((a, b) => b.score - a.score), fused).slice(0, limit);
    }
    // The first `limit` of the stable sort, selected in one pass: a tie keeps the earlier citation first.
    const top: RankedCitation[] = [];
    for (const c of fused.values()) {
      if (top.length === limit && !(c.score > top[limit - 1]!.score)) continue;
      let i = top.length === limit ? limit - 1 : top.length;
      while (i > 0 && top[i - 1]!.score < c.score) {
        top[i] = top[i - 1]!;
        i--;
      }
      top[i] = c;
    }
    return top;
  }

  /** Articles replaced by later law give their place to the articles that replaced them (never shown as the rule). */
  private withoutSuperseded(ranked: RankedCitation[], fused: Map<string, RankedCitation>): RankedCitation[] {
    // `fused` holds the ranked citations by key: no key is built to ask.
    if (![...fused.keys()].some((key) => this.superseded.isReplacedKey(key))) return ranked;
    const out: RankedCitation[] = [];
    const seen = new Set<string>();
    for (const c of ranked) {
      const entry = this.superseded.isReplaced(c) ? this.superseded.entry(c.law, c.article) : undefined;
      const list = entry
        ? entry.by
            .filter((b) => this.articleByKey.has(`${b.law}#${b.article}`))
            .map((b) => fused.get(`${b.law}#${b.article}`) ?? { law: b.law, article: b.article, score: c.score, cards: [...c.cards], ...(c.named ? { named: true } : {}) })
        : [c];
      for (const x of list) {
        const k = `${x.law}#${x.article}`;
        if (seen.has(k)) continue;
        seen.add(k);
        if (entry && c.named) x.named = true;
        out.push(x);
      }
    }
    return out;
  }

  /** The best card's core article at `bestCardCorePlace` at the latest: the topic that fits best leads with its rule. */
  private bestCardCoreUp(citations: RankedCitation[], cardHits: CardHit[], fused: Map<string, RankedCitation>, limit: number): void {
    const place = this.weights.bestCardCorePlace;
    const w = this.weights;
    if (place < 0 || cardHits.length === 0) return;
    let bestHit: CardHit | undefined;
    for (const h of cardHits.slice(0, w.maxCards)) if (!bestHit || h.score * ramp(h.coverage, w.cardMinCoverage) > bestHit.score * ramp(bestHit.coverage, w.cardMinCoverage)) bestHit = h;
    const core = bestHit && ramp(bestHit.coverage, w.cardMinCoverage) > 0 ? bestHit.card.citations[0] : undefined;
    if (!core || citations.some((c) => c.named)) return;
    const at = citations.findIndex((c) => c.law === core.law && c.article === core.article);
    if (at >= 0 && at <= place) return;
    const moved = at > place ? citations.splice(at, 1)[0] : fused.get(`${core.law}#${core.article}`);
    if (!moved || this.superseded.isReplaced(moved)) return;
    citations.splice(place, 0, moved);
    if (citations.length > limit) citations.length = limit;
  }

  /** Third place for the first citation's companion, when none of its companions is among the first three (see `companionMaxRefs`). */
  private addCompanion(citations: RankedCitation[], fused: Map<string, RankedCitation>, limit: number): void {
    const first = citations[0];
    const list = first ? this.companions.get(`${first.law}#${first.article}`) : undefined;
    if (!first || !list || citations.length < 3) return;
    const same = (a: Citation, b: Citation) => a.law === b.law && a.article === b.article;
    if (citations.slice(0, 3).some((c) => list.some((x) => same(c, x)))) return;
    const companion = list[0]!;
    const at = citations.findIndex((c) => same(c, companion));
    const moved = at > 2 ? citations.splice(at, 1)[0] : (fused.get(`${companion.law}#${companion.article}`) ?? { ...companion, score: first.score * 0.5, cards: [] });
    if (!moved || this.superseded.isReplaced(moved)) return;
    citations.splice(2, 0, moved);
    if (citations.length > limit) citations.length = limit;
  }

  /**
   * Diversified top three: when the second card is nearly as good as the first (`interleaveGap`), its core
   * (first) article takes third place unless it is already among the first three; the rest move down.
   */
  private interleaveRunnerUp(citations: RankedCitation[], cardHits: CardHit[], fused: Map<string, RankedCitation>, limit: number): void {
    const w = this.weights;
    if (w.interleaveGap >= 1 || cardHits.length < 2 || citations.length < 3) return;
    const weighed = (h: CardHit) => h.score * ramp(h.coverage, w.cardMinCoverage);
    const [first, second] = cardHits as [CardHit, CardHit];
    if (weighed(second) <= 0 || weighed(second) < w.interleaveGap * weighed(first)) return;
    const core = second.card.citations[0];
    if (!core) return;
    const at = citations.findIndex((c) => c.law === core.law && c.article === core.article);
    if (at >= 0 && at <= 2) return;
    const moved = at > 2 ? citations.splice(at, 1)[0] : fused.get(`${core.law}#${core.article}`);
    if (!moved) return;
    citations.splice(2, 0, moved);
    if (citations.length > limit) citations.length = limit;
  }

  /**
   * 0–1. Like coverage, but words no card or article knows count against it (a question about the weather
   * shares one everyday word with some card at best), and too little matched weight means no confidence.
   */
  private confidence(q: ResolvedQuery, cardIdx: number, articleIdx: number): number {
    const matchedTerms: string[] = [];
    let known = 0;
    let unknown = 0;
    let matchedCard = 0;
    let matchedArticle = 0;
    for (let t = 0; t < q.terms.length; t++) {
      const term = q.terms[t]!;
      const qw = q.weights[t]!;
      if (term.startsWith('~')) continue;
      const stats = q.stats[t];
      const idf = stats?.idf ?? 0;
      if (idf === 0) {
        if (qw === 1) unknown += 1;
        continue;
      }
      known += qw * idf;
      const inCard = postingHas(stats!.card, cardIdx);
      const inArticle = postingHas(stats!.article, articleIdx);
      if (inCard) matchedCard += qw * idf;
      if (inArticle) matchedArticle += qw * idf;
      if (inCard || inArticle) matchedTerms.push(term);
    }
    const total = known + unknown * UNKNOWN_TERM_IDF;
    if (total === 0) return 0;
    const best = Math.max(matchedCard, 0.8 * matchedArticle);
    if (best < MIN_MATCHED_IDF && !matchedTerms.some((t) => this.tokenizer.isDomainTerm(t))) return 0;
    // One everyday word in common (e.g. 天天) is not evidence; one labor term (工伤, 年假) is.
    const single = matchedTerms.length === 1 ? matchedTerms[0]! : undefined;
    const factor = single !== undefined && !this.tokenizer.isDomainTerm(single) ? 0.5 : 1;
    return (factor * best) / total;
  }
}
