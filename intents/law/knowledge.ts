/** Loads everything the labor-law capability needs (statutes, lexicon, cards, index) once per set of directories. */
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Card } from './card.ts';
import { checkCards, loadCards, type CitationProblem } from './cards.ts';
import { loadLexicon, Tokenizer } from './lexicon.ts';
import { LawRetriever, type RetrievalResult, type RetrievalWeights, type RetrieveOptions } from './retrieval.ts';
import { loadStatutes, type StatuteLibrary } from './statutes.ts';

/** Repository root (two levels above this file). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface LawKnowledgeOptions {
  /** KNOWLEDGE_DIR: holds labor-law/ (cards) and labor-law-lexicon/. Relative paths resolve against the repo root. */
  knowledgeDir?: string;
  /** KNOWLEDGE_STATUTES_DIR. Relative paths resolve against the repo root. */
  statutesDir?: string;
  weights?: Partial<RetrievalWeights>;
}

export interface LawKnowledge {
  library: StatuteLibrary;
  cards: Card[];
  tokenizer: Tokenizer;
  retriever: LawRetriever;
  /** Card files that failed to parse. */
  cardErrors: string[];
  /** Citations that do not resolve, related ids that do not exist. */
  problems: CitationProblem[];
  /** Shortcut for `retriever.retrieve`. */
  retrieve(query: string, opts?: RetrieveOptions): RetrievalResult;
}

const abs = (p: string) => (isAbsolute(p) ? p : resolve(REPO_ROOT, p));

/** Default directories: env KNOWLEDGE_DIR / KNOWLEDGE_STATUTES_DIR, else ./knowledge and ../shared/laws (relative to the repo). */
export function defaultLawPaths(env: NodeJS.ProcessEnv = process.env): { knowledgeDir: string; statutesDir: string } {
  return {
    knowledgeDir: abs(env.KNOWLEDGE_DIR || './knowledge'),
    statutesDir: abs(env.KNOWLEDGE_STATUTES_DIR || '../shared/laws'),
  };
}

const cache = new Map<string, LawKnowledge>();

/** Builds (or returns the cached) knowledge for these directories. Throws if the statutes directory is unusable. */
export function loadLawKnowledge(opts: LawKnowledgeOptions = {}): LawKnowledge {
  const defaults = defaultLawPaths();
  const knowledgeDir = abs(opts.knowledgeDir ?? defaults.knowledgeDir);
  const statutesDir = abs(opts.statutesDir ?? defaults.statutesDir);
  const key = JSON.stringify([knowledgeDir, statutesDir, opts.weights ?? null]);
  const hit = cache.get(key);
  if (hit) return hit;
  const lexicon = loadLexicon(join(knowledgeDir, 'labor-law-lexicon'));
  const library = loadStatutes(statutesDir, lexicon.lawAliases);
  const { cards, errors } = loadCards(join(knowledgeDir, 'labor-law'));
  const tokenizer = new Tokenizer(lexicon);
  const retriever = new LawRetriever(cards, library, tokenizer, opts.weights);
  const kb: LawKnowledge = {
    library,
    cards,
    tokenizer,
    retriever,
    cardErrors: errors,
    problems: checkCards(cards, library),
    retrieve: (query, o) => retriever.retrieve(query, o),
  };
  cache.set(key, kb);
  return kb;
}
