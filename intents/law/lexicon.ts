/** Labor-law lexicon (user dictionary, synonyms, stopwords, law aliases) and the jieba-based tokenizer built on it. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Jieba } from '@node-rs/jieba';
import { getJieba } from '../../src/nlu/features.ts';

const synonymsFileSchema = z.object({
  synonyms: z.record(z.string().min(1), z.array(z.string().min(1)).min(1)),
});
const aliasesFileSchema = z.object({
  aliases: z.record(z.string().min(2), z.string().min(2)),
  /** Law names that are also everyday phrases ("我们的集体合同规定了…"): they name the law only right before 第N条 or inside 《》. */
  ambiguous: z.array(z.string().min(2)).default([]),
});
const REF = /^(.+)#(\d+)$/;
const companionsFileSchema = z.object({
  companions: z.record(z.string().regex(REF), z.array(z.string().regex(REF)).min(1)),
});
const toCitation = (key: string): { law: string; article: number } => {
  const m = REF.exec(key)!;
  return { law: m[1]!, article: Number(m[2]) };
};
const topicsFileSchema = z.object({
  topics: z.record(z.string().min(2), z.record(z.string().regex(/^\d+$/), z.string().min(2))),
});

export interface Lexicon {
  /** [member word, legal term], longest member word first. */
  synonyms: Array<[string, string]>;
  stopwords: Set<string>;
  /** Alias → short law name. */
  lawAliases: Record<string, string>;
  /** Names (short names or aliases) that name a law only right before an article reference or inside 《》. */
  ambiguousLawNames: string[];
  /** Extra search words per article: law → article number → words (plain-language article headings). */
  articleTopics: Map<string, Map<number, string>>;
  /** jieba user dictionary lines ("word freq tag"). */
  userDict: string;
  /** Articles read together ("劳动合同法#46" → 第四十七条: when severance is owed ↔ how much), from companions.json. */
  companions: Map<string, Array<{ law: string; article: number }>>;
  /** [longer word, word inside it that means something else there] (仲裁员 → 裁员): that inner word is not a term of the longer one. */
  subwordGuards: Array<[string, string]>;
}

const readIfExists = (path: string): string | undefined => (existsSync(path) ? readFileSync(path, 'utf8') : undefined);

/** Reads knowledge/labor-law-lexicon/ (every file optional); bad JSON throws with the file name. */
export function loadLexicon(dir: string): Lexicon {
  const parse = <T>(file: string, schema: z.ZodType<T>): T | undefined => {
    const raw = readIfExists(join(dir, file));
    if (raw === undefined) return undefined;
    const res = schema.safeParse(JSON.parse(raw));
    if (!res.success) throw new Error(`${join(dir, file)}: ${res.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return res.data;
  };
  const syn = parse('synonyms.json', synonymsFileSchema);
  const synonyms: Array<[string, string]> = [];
  for (const [legal, words] of Object.entries(syn?.synonyms ?? {})) for (const w of words) synonyms.push([w.toLowerCase(), legal]);
  synonyms.sort((a, b) => b[0].length - a[0].length);
  const lines = (file: string) =>
    (readIfExists(join(dir, file)) ?? '')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
  const topics = parse('article-topics.json', topicsFileSchema);
  const aliases = parse('law-aliases.json', aliasesFileSchema);
  const companions = parse('companions.json', companionsFileSchema);
  const articleTopics = new Map<string, Map<number, string>>();
  for (const [law, byArticle] of Object.entries(topics?.topics ?? {})) {
    articleTopics.set(law, new Map(Object.entries(byArticle).map(([n, words]) => [Number(n), words])));
  }
  return {
    synonyms,
    stopwords: new Set(lines('stopwords.txt')),
    lawAliases: aliases?.aliases ?? {},
    ambiguousLawNames: aliases?.ambiguous ?? [],
    articleTopics,
    userDict: lines('userdict.txt').join('\n'),
    companions: new Map(Object.entries(companions?.companions ?? {}).map(([k, v]) => [k, v.map(toCitation)])),
    subwordGuards: lines('subword-guards.txt').flatMap((l) => {
      const [outer, inner] = l.split(/\s+/);
      return outer && inner && outer.includes(inner) ? [[outer, inner] as [string, string]] : [];
    }),
  };
}

let baseJieba: { jieba: Jieba; loaded: Set<string> } | undefined;

/**
 * The process's one jieba, the classifier's (each instance holds 40–55 MB of dictionary); the legal terms are
 * added to it once each.
 */
function jiebaWith(userDict: string): Jieba {
  baseJieba ??= { jieba: getJieba(), loaded: new Set() };
  if (userDict && !baseJieba.loaded.has(userDict)) {
    baseJieba.jieba.loadDict(Buffer.from(userDict, 'utf8'));
    baseJieba.loaded.add(userDict);
  }
  return baseJieba.jieba;
}

const FULLWIDTH = /[\uFF01-\uFF5E]/g;
const HAS_FULLWIDTH = /[\uFF01-\uFF5E]/;
/** Full-width ASCII → half-width, lower case, so "２Ｎ" and "2n" match. */
export function normalizeText(text: string): string {
  if (!HAS_FULLWIDTH.test(text)) return text.toLowerCase();
  return text.replace(FULLWIDTH, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).toLowerCase();
}

const HAS_WORD_CHAR = /[\p{Script=Han}a-z]/u;
/** A bare number ("十二", "三千", "两个"): says nothing about the topic. */
const NUMERAL_ONLY = /^[零一二两三四五六七八九十百千万几\d.]+[个]?$/u;

/** Splits Chinese text into search terms: jieba search mode, stopwords and one-character terms dropped. */
export class Tokenizer {
  private readonly jieba: Jieba;

  constructor(readonly lexicon: Lexicon) {
    this.jieba = jiebaWith(lexicon.userDict);
  }

  private domain: Set<string> | undefined;

  /** A word of the labor-law lexicon (user dictionary, synonym entries, or part of one). */
  isDomainTerm(word: string): boolean {
    if (!this.domain) {
      const d = new Set<string>();
      for (const line of this.lexicon.userDict.split('\n')) {
        const w = line.split(/\s+/)[0];
        if (w) for (const t of [w, ...this.tokens(w)]) d.add(t.toLowerCase());
      }
      for (const [word, legal] of this.lexicon.synonyms) for (const t of [word, ...this.tokens(word), ...this.tokens(legal)]) d.add(t);
      this.domain = d;
    }
    return this.domain.has(word);
  }

  /** Synonym entries (word, legal term, lexicon position) by their first character: a text is scanned once. */
  private synonymsByFirst: Map<string, Array<[string, string, number]>> | undefined;

  /** Legal terms for the member words found in a text (e.g. 炒鱿鱼 → 解除劳动合同), in lexicon order. */
  legalTerms(text: string): string[] {
    return this.legalTermsOf(normalizeText(text));
  }

  /** `legalTerms` of a text already passed through `normalizeText` (which changes nothing a second time). */
  private legalTermsOf(t: string): string[] {
    if (!this.synonymsByFirst) {
      const m = new Map<string, Array<[string, string, number]>>();
      this.lexicon.synonyms.forEach(([word, legal], i) => {
        const list = m.get(word[0]!) ?? [];
        list.push([word, legal, i]);
        m.set(word[0]!, list);
      });
      this.synonymsByFirst = m;
    }
    const synonymsByFirst = this.synonymsByFirst;
    const found: Array<[number, string]> = [];
    for (let i = 0; i < t.length; i++) {
      const list = synonymsByFirst.get(t[i]!);
      if (list) for (const [word, legal, pos] of list) if (t.startsWith(word, i)) found.push([pos, legal]);
    }
    found.sort((a, b) => a[0] - b[0]);
    return [...new Set(found.map(([, legal]) => legal))];
  }

  /** Terms of the (few hundred) legal terms synonyms map to, computed once each. */
  private readonly legalTokens = new Map<string, string[]>();

  /** Terms of a text, in order, repeats kept. */
  tokens(text: string): string[] {
    return this.tokensOf(normalizeText(text));
  }

  /** `tokens` of a text already passed through `normalizeText`. */
  private tokensOf(t: string): string[] {
    const out: string[] = [];
    // Search mode also yields the words inside longer ones; some of those mean something else (裁员 in 仲裁员).
    let guarded: Map<string, number> | undefined;
    for (const [outer, inner] of this.lexicon.subwordGuards) {
      if (!t.includes(outer)) continue;
      guarded ??= new Map();
      guarded.set(inner, (guarded.get(inner) ?? 0) + t.split(outer).length - 1);
    }
    for (const raw of this.jieba.cutForSearch(t, true)) {
      const w = raw.trim();
      if (w.length < 2 || !HAS_WORD_CHAR.test(w) || NUMERAL_ONLY.test(w) || this.lexicon.stopwords.has(w)) continue;
      const skip = guarded?.get(w);
      if (skip) {
        guarded!.set(w, skip - 1);
        continue;
      }
      out.push(w);
    }
    return out;
  }

  /** Query terms with weights: the member's own words 1, legal terms added through synonyms `synonymWeight`. */
  queryTerms(text: string, synonymWeight = 0.8): Map<string, number> {
    const q = new Map<string, number>();
    const t = normalizeText(text);
    for (const w of this.tokensOf(t)) q.set(w, 1);
    for (const legal of this.legalTermsOf(t)) {
      let terms = this.legalTokens.get(legal);
      if (!terms) this.legalTokens.set(legal, (terms = this.tokens(legal)));
      for (const w of terms) if (!q.has(w)) q.set(w, synonymWeight);
    }
    return q;
  }
}
