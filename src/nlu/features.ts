/** Text normalization and sparse feature extraction (character n-grams, jieba words, cue words). */
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import { CUES, DOMAIN_WORDS, type Cue } from './cues.ts';

let jieba: Jieba | undefined;

/** The shared segmenter, created on first use (~0.2 s) with the domain words added. */
export function getJieba(): Jieba {
  if (!jieba) {
    jieba = Jieba.withDict(dict);
    jieba.loadDict(Buffer.from(DOMAIN_WORDS.map((w) => `${w} 20000 n`).join('\n')));
  }
  return jieba;
}

/**
 * Lowercase, full-width → half-width (NFKC), @mentions dropped, claim numbers and long digit runs
 * replaced by `#id`, punctuation and whitespace collapsed to single spaces.
 */
export function normalize(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/@\S+[\s\u2005]?/gu, ' ')
    .replace(/[a-z]{1,4}\d{5,}|\d{6,}/gu, ' #id ')
    .replace(/[^\p{L}\p{N}#+/]+/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim();
}

const ASCII_RE = /^[\x20-\x7e]+$/u;

interface CompiledCue {
  cue: Cue;
  plain: string[];
  ascii: RegExp | null;
}

const COMPILED: CompiledCue[] = CUES.map((cue) => {
  const ascii = cue.any.filter((s) => ASCII_RE.test(s) && s !== '#id');
  return {
    cue,
    plain: cue.any.filter((s) => !ascii.includes(s)),
    ascii: ascii.length ? new RegExp(`(?:^|[^a-z0-9])(?:${ascii.map(escapeRe).join('|')})(?:$|[^a-z0-9])`, 'u') : null,
  };
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/gu, '\\$&');
}

/** Cues that fire on an already normalized text. */
export function matchCues(norm: string): Cue[] {
  const out: Cue[] = [];
  for (const c of COMPILED) {
    if (c.plain.some((s) => norm.includes(s)) || (c.ascii?.test(norm) ?? false)) out.push(c.cue);
  }
  return out;
}

export interface Features {
  norm: string;
  /** feature → weight */
  weights: Map<string, number>;
  cues: Cue[];
  /** Character bigrams of the text (for vocabulary coverage). */
  bigrams: string[];
}

function add(m: Map<string, number>, k: string, w: number): void {
  m.set(k, (m.get(k) ?? 0) + w);
}

/** Sparse, L2-normalized features of one text. */
export function extract(text: string): Features {
  const norm = normalize(text);
  const weights = new Map<string, number>();
  const compact = norm.replace(/ /gu, '');
  const chars = Array.from(compact);
  const bigrams: string[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c0 = chars[i] ?? '';
    add(weights, `1:${c0}`, 0.5);
    if (i + 1 < chars.length) {
      const bg = c0 + (chars[i + 1] ?? '');
      bigrams.push(bg);
      add(weights, `2:${bg}`, 1);
    }
    if (i + 2 < chars.length) add(weights, `3:${c0}${chars[i + 1] ?? ''}${chars[i + 2] ?? ''}`, 1);
  }
  if (chars.length) {
    // Sentence start/end markers: "取消…", "…不去了", "…吗".
    add(weights, `^${chars.slice(0, 2).join('')}`, 0.7);
    add(weights, `$${chars.slice(-2).join('')}`, 0.7);
    add(weights, `$1${chars[chars.length - 1] ?? ''}`, 0.5);
  }
  const len = chars.length;
  add(weights, len <= 3 ? 'len:short' : len <= 10 ? 'len:mid' : 'len:long', 0.7);

  if (norm) {
    for (const w of getJieba().cut(norm, true)) {
      if (w.trim()) add(weights, `w:${w}`, 1);
    }
  }

  const cues = matchCues(norm);
  for (const c of cues) add(weights, `c:${c.id}`, 1.2);
  // Pairs of cues: "apply + aid", "cancel + event", "status + mine" …
  for (let i = 0; i < cues.length; i++) {
    for (let j = i + 1; j < cues.length; j++) add(weights, `c:${cues[i]?.id}+${cues[j]?.id}`, 1);
  }
  const domain = cues.filter((c) => c.domain);
  if (!domain.length) add(weights, 'c:none', 1);
  // The only domain cue present ("labor" alone → almost surely a labor-law question).
  else if (domain.length === 1) add(weights, `c:only:${domain[0]?.id}`, 1);

  let sq = 0;
  for (const v of weights.values()) sq += v * v;
  const n = Math.sqrt(sq) || 1;
  for (const [k, v] of weights) weights.set(k, v / n);
  return { norm, weights, cues, bigrams };
}
