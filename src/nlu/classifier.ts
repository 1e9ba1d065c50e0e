/**
 * Intent classifier without any LLM: multinomial logistic regression over character n-grams,
 * jieba words and cue-word features (see cues.ts), trained from the services' examples.
 */
import type { TrainingIntent } from '../core/examples.ts';
import type { IntentId } from '../core/service.ts';
import { extract, type Features } from './features.ts';

export interface Classification {
  intent: IntentId;
  /** Calibrated-ish probability in [0,1]; below ~0.5 the caller should treat the result as unsure. */
  confidence: number;
}

export interface Classifier {
  classify(text: string): Classification;
  /** Probability per intent, highest first (for debugging and tests). */
  scores(text: string): Array<{ intent: IntentId; p: number }>;
}

/** Deterministic PRNG so training gives the same model every time. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Sparse {
  idx: Int32Array;
  val: Float64Array;
}

export interface TrainOptions {
  epochs?: number;
  l2?: number;
  lr?: number;
}

/** Train a classifier from example phrasings per intent (~100 ms for ~600 examples). */
export function createClassifier(training: readonly TrainingIntent[], opts: TrainOptions = {}): Classifier {
  const ids = training.map((t) => t.id);
  const K = ids.length;
  const fallback = training.find((t) => t.fallback)?.id ?? ids[ids.length - 1] ?? '';
  const onBareMention = training.find((t) => t.onBareMention)?.id ?? fallback;
  const boosts = training.flatMap((t, c) => Object.entries(t.cueBoost ?? {}).map(([cue, amount]) => ({ cue, c, amount })));
  const epochs = opts.epochs ?? 30;
  const l2 = opts.l2 ?? 1e-4;
  const lr0 = opts.lr ?? 0.5;

  const vocab = new Map<string, number>();
  const bigramVocab = new Set<string>();
  const rows: Array<{ x: Sparse; y: number; w: number }> = [];
  const counts = training.map((t) => t.examples.length);
  const mean = counts.reduce((a, b) => a + b, 0) / K;

  training.forEach((t, y) => {
    for (const text of t.examples) {
      const f = extract(text);
      for (const b of f.bigrams) bigramVocab.add(b);
      const idx: number[] = [];
      const val: number[] = [];
      for (const [k, v] of f.weights) {
        let i = vocab.get(k);
        if (i === undefined) {
          i = vocab.size;
          vocab.set(k, i);
        }
        idx.push(i);
        val.push(v);
      }
      rows.push({ x: { idx: Int32Array.from(idx), val: Float64Array.from(val) }, y, w: mean / (counts[y] || 1) });
    }
  });

  const W = new Float64Array(vocab.size * K);
  const bias = new Float64Array(K);
  const G = new Float64Array(vocab.size * K).fill(1e-8);
  const Gb = new Float64Array(K).fill(1e-8);
  const rand = mulberry32(42);
  const order = rows.map((_, i) => i);
  const z = new Float64Array(K);

  for (let ep = 0; ep < epochs; ep++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = order[i] ?? 0;
      order[i] = order[j] ?? 0;
      order[j] = t;
    }
    for (const r of order) {
      const row = rows[r];
      if (!row) continue;
      logits(W, bias, row.x, z, K);
      softmaxInPlace(z);
      for (let c = 0; c < K; c++) {
        const g = ((z[c] ?? 0) - (c === row.y ? 1 : 0)) * row.w;
        // Already fitted for this class: skipping keeps training well under a second.
        if (Math.abs(g) < 1e-3) continue;
        // AdaGrad per weight: rare n-grams still learn quickly.
        Gb[c] = (Gb[c] ?? 0) + g * g;
        bias[c] = (bias[c] ?? 0) - (lr0 * g) / Math.sqrt(Gb[c] ?? 1);
        for (let k = 0; k < row.x.idx.length; k++) {
          const p = (row.x.idx[k] ?? 0) * K + c;
          const gw = g * (row.x.val[k] ?? 0) + l2 * (W[p] ?? 0);
          G[p] = (G[p] ?? 0) + gw * gw;
          W[p] = (W[p] ?? 0) - (lr0 * gw) / Math.sqrt(G[p] ?? 1);
        }
      }
    }
  }

  const probs = (text: string): { p: Float64Array; f: Features } => {
    const f = mainClause(text);
    const p = new Float64Array(K);
    // As `logits` over the features the vocabulary knows, in their order, without building a sparse vector.
    for (let c = 0; c < K; c++) p[c] = bias[c] ?? 0;
    for (const [k, v] of f.weights) {
      const i = vocab.get(k);
      if (i === undefined) continue;
      const base = i * K;
      for (let c = 0; c < K; c++) p[c] = (p[c] ?? 0) + (W[base + c] ?? 0) * v;
    }
    for (const b of boosts) if (f.cues.some((c) => c.id === b.cue)) p[b.c] = (p[b.c] ?? 0) + b.amount;
    softmaxInPlace(p);
    return { p, f };
  };

  const fallbackIdx = ids.indexOf(fallback);

  return {
    classify(text) {
      const { p, f } = probs(text);
      // A bare "@小助手" in a group: the member is calling the bot, so show what it can do.
      if (!f.norm) return MENTION_ONLY.test(text) ? { intent: onBareMention, confidence: 0.7 } : { intent: fallback, confidence: 0 };
      let best = 0;
      for (let c = 1; c < K; c++) if ((p[c] ?? 0) > (p[best] ?? 0)) best = c;
      let conf = p[best] ?? 0;
      // Text mostly made of character pairs never seen in any example (gibberish, a new topic):
      // the model is extrapolating, so say so in the confidence.
      let known = 0;
      for (const b of f.bigrams) if (bigramVocab.has(b)) known++;
      const coverage = f.bigrams.length ? known / f.bigrams.length : 1;
      const inDomain = f.cues.some((c) => c.domain);
      if (!inDomain) conf *= Math.min(1, 0.25 + coverage);
      else conf *= Math.min(1, 0.6 + coverage);
      if (best === fallbackIdx && !inDomain) conf = Math.max(conf, 0); // unknown stays unknown
      return { intent: ids[best] ?? fallback, confidence: round(conf) };
    },
    scores(text) {
      const { p } = probs(text);
      return ids.map((intent, c) => ({ intent, p: round(p[c] ?? 0) })).sort((a, b) => b.p - a.p);
    },
  };
}

const MENTION_ONLY = /^\s*@\S+\s*$/u;

/**
 * "住院了能报互助吗，另外公司不给病假工资怎么办": a message that asks two things is routed by the
 * first ask (the one the member leads with) when that part alone is clearly about one of our topics.
 */
const TOPIC_SWITCH = /另外|还有个问题|还有一个问题|顺便问|顺便说|再问一下|再问个|还想问|还有就是|\bbtw\b/iu;

function mainClause(text: string): Features {
  const m = TOPIC_SWITCH.exec(text);
  if (m && m.index > 0) {
    const head = extract(text.slice(0, m.index));
    if (head.cues.some((c) => c.domain)) return head;
  }
  return extract(text);
}

function round(x: number): number {
  return Math.round(Math.min(1, Math.max(0, x)) * 1000) / 1000;
}

function logits(W: Float64Array, bias: Float64Array, x: Sparse, out: Float64Array, K: number): void {
  for (let c = 0; c < K; c++) out[c] = bias[c] ?? 0;
  for (let k = 0; k < x.idx.length; k++) {
    const base = (x.idx[k] ?? 0) * K;
    const v = x.val[k] ?? 0;
    for (let c = 0; c < K; c++) out[c] = (out[c] ?? 0) + (W[base + c] ?? 0) * v;
  }
}

function softmaxInPlace(z: Float64Array): void {
  let m = -Infinity;
  for (const v of z) if (v > m) m = v;
  let s = 0;
  for (let c = 0; c < z.length; c++) {
    const e = Math.exp((z[c] ?? 0) - m);
    z[c] = e;
    s += e;
  }
  for (let c = 0; c < z.length; c++) z[c] = (z[c] ?? 0) / s;
}

export { withLlmFallback, type AsyncClassifier, type FallbackLogger, type FallbackOptions } from './llm-fallback.ts';
