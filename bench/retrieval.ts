/**
 * `npm run bench -- retrieval`: labor-law retrieval alone, no Redis. Queries are our own card phrasings and the
 * eval questions when the eval folder is beside the checkout (timing only, nothing is tuned on them). Several
 * rounds, interleaved in one process; prints p50/p99/max and the mean per query.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadLawKnowledge, REPO_ROOT } from '../intents/law/knowledge.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

function evalQuestions(): string[] {
  const dir = resolve(REPO_ROOT, process.env.EVAL_DIR ?? '../shared/eval');
  const out: string[] = [];
  for (const file of ['labor-law-dev.jsonl', 'labor-law-recitation.jsonl']) {
    const path = resolve(dir, file);
    if (!existsSync(path)) continue;
    for (const line of readFileSync(path, 'utf8').split('\n')) if (line.trim()) out.push((JSON.parse(line) as { question: string }).question);
  }
  return out;
}

export async function runRetrievalBench(): Promise<void> {
  const started = performance.now();
  const kb = loadLawKnowledge({ statutesDir: process.env.KNOWLEDGE_STATUTES_DIR ?? '../shared/laws' });
  const loadMs = performance.now() - started;
  const queries = [...kb.cards.flatMap((c) => c.phrasings), ...evalQuestions()];
  for (const q of queries) kb.retrieve(q); // warm-up: JIT, jieba, idf caches
  const times: number[] = [];
  const t0 = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    for (const q of queries) {
      const t = performance.now();
      kb.retrieve(q);
      times.push(performance.now() - t);
    }
  }
  const wall = performance.now() - t0;
  times.sort((a, b) => a - b);
  const us = (ms: number) => `${(ms * 1000).toFixed(0)} µs`;
  console.log(`labor-law retrieval: ${queries.length} queries × ${ROUNDS} rounds over ${kb.cards.length} cards and ${kb.library.articleCount} articles (index built in ${loadMs.toFixed(0)} ms)`);
  console.log(`  mean ${us(wall / times.length)}   p50 ${us(percentile(times, 50))}   p99 ${us(percentile(times, 99))}   max ${us(times.at(-1) ?? 0)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await runRetrievalBench();
