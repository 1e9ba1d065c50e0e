/**
 * Loads everything the labor-law capability needs (statutes, lexicon, cards, index) once per set of directories.
 * The statute texts are optional: without them retrieval runs over the cards only and answers cite article numbers.
 */
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findStatutesDir } from '../../src/core/config.ts';
import type { Card } from './card.ts';
import { checkCards, loadCards, type CitationProblem } from './cards.ts';
import { loadLexicon, Tokenizer } from './lexicon.ts';
import { LawRetriever, type RetrievalResult, type RetrievalWeights, type RetrieveOptions } from './retrieval.ts';
import { loadStatutes, StatuteLibrary } from './statutes.ts';
import { loadSuperseded, type SupersededList } from './superseded.ts';

/** Repository root (two levels above this file). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface LawKnowledgeOptions {
  /** KNOWLEDGE_DIR: holds labor-law/ (cards) and labor-law-lexicon/. Relative paths resolve against the repo root. */
  knowledgeDir?: string;
  /** The statutes folder (relative paths resolve against the repo root); null: none installed; absent: looked up as findStatutesDir does. */
  statutesDir?: string | null | undefined;
  weights?: Partial<RetrievalWeights>;
}

export interface LawKnowledge {
  /** Where the statute texts came from; undefined when none are installed (then `library` is empty). */
  statutesDir: string | undefined;
  library: StatuteLibrary;
  /** Articles replaced by later law (knowledge/labor-law-superseded.json). */
  superseded: SupersededList;
  cards: Card[];
  tokenizer: Tokenizer;
  retriever: LawRetriever;
  /** Card files that failed to parse. */
  cardErrors: string[];
  /** Citations that do not resolve (checked only with statute texts), related ids that do not exist. */
  problems: CitationProblem[];
  /** Shortcut for `retriever.retrieve`. */
  retrieve(query: string, opts?: RetrieveOptions): RetrievalResult;
}

const abs = (p: string) => (isAbsolute(p) ? p : resolve(REPO_ROOT, p));

/** Default directories: env KNOWLEDGE_DIR (else ./knowledge, relative to the repo) and the statutes lookup. */
export function defaultLawPaths(env: NodeJS.ProcessEnv = process.env): { knowledgeDir: string; statutesDir: string | undefined } {
  return { knowledgeDir: abs(env.KNOWLEDGE_DIR || './knowledge'), statutesDir: findStatutesDir(env) };
}

const cache = new Map<string, LawKnowledge>();

/** Builds (or returns the cached) knowledge for these directories. Throws if a statutes directory is unusable. */
export function loadLawKnowledge(opts: LawKnowledgeOptions = {}): LawKnowledge {
  const defaults = defaultLawPaths();
  const knowledgeDir = abs(opts.knowledgeDir ?? defaults.knowledgeDir);
  const chosen = opts.statutesDir === undefined ? defaults.statutesDir : opts.statutesDir;
  const statutesDir = chosen ? abs(chosen) : undefined;
  const key = JSON.stringify([knowledgeDir, statutesDir ?? null, opts.weights ?? null]);
  const hit = cache.get(key);
  if (hit) return hit;
  const lexicon = loadLexicon(join(knowledgeDir, 'labor-law-lexicon'));
  const library = statutesDir ? loadStatutes(statutesDir, lexicon.lawAliases, lexicon.ambiguousLawNames) : new StatuteLibrary([]);
  const superseded = loadSuperseded(join(knowledgeDir, 'labor-law-superseded.json'));
  const { cards, errors } = loadCards(join(knowledgeDir, 'labor-law'));
  const tokenizer = new Tokenizer(lexicon);
  const retriever = new LawRetriever(cards, library, tokenizer, opts.weights, superseded);
  const kb: LawKnowledge = {
    statutesDir,
    library,
    superseded,
    cards,
    tokenizer,
    retriever,
    cardErrors: errors,
    // Without the texts every citation would be "unknown": the check is off, related ids are still checked.
    problems: checkCards(cards, library, superseded).filter((p) => statutesDir || !p.citation),
    retrieve: (query, o) => retriever.retrieve(query, o),
  };
  cache.set(key, kb);
  return kb;
}
