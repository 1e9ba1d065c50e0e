/** `npm run cli -- eval-law FILE.jsonl [--verbose]`: hit@1 / hit@3 of retrieval citations against gold articles. */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { loadLawKnowledge } from './knowledge.ts';

const itemSchema = z.object({
  id: z.string().optional(),
  question: z.string().min(1),
  gold: z.array(z.object({ law: z.string(), article: z.number().int() })).min(1),
});

export interface EvalResult {
  n: number;
  hit1: number;
  hit3: number;
  misses: Array<{ id?: string; question: string; gold: string[]; got: string[] }>;
}

/** Scores every line of a JSONL file; hit@k = a gold article is among the first k citations. */
export function evaluate(lines: string[]): EvalResult {
  const kb = loadLawKnowledge();
  let hit1 = 0;
  let hit3 = 0;
  const misses: EvalResult['misses'] = [];
  const items = lines.filter((l) => l.trim()).map((l, i) => {
    const res = itemSchema.safeParse(JSON.parse(l));
    if (!res.success) throw new Error(`line ${i + 1}: ${res.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
    return res.data;
  });
  for (const item of items) {
    const gold = new Set(item.gold.map((g) => `${g.law}#${g.article}`));
    const got = kb.retrieve(item.question).citations.map((c) => `${c.law}#${c.article}`);
    if (got.slice(0, 1).some((g) => gold.has(g))) hit1++;
    if (got.slice(0, 3).some((g) => gold.has(g))) hit3++;
    else misses.push({ ...(item.id ? { id: item.id } : {}), question: item.question, gold: [...gold], got: got.slice(0, 3) });
  }
  const n = items.length;
  return { n, hit1: n ? hit1 / n : 0, hit3: n ? hit3 / n : 0, misses };
}

export async function run(args: string[]): Promise<number> {
  const file = args.find((a) => !a.startsWith('--'));
  if (!file) {
    process.stderr.write('usage: npm run cli -- eval-law FILE.jsonl [--verbose]\n');
    return 2;
  }
  const result = evaluate(readFileSync(file, 'utf8').split(/\r?\n/));
  if (args.includes('--verbose')) {
    for (const m of result.misses) process.stdout.write(`MISS ${m.id ?? ''} ${m.question}\n  gold ${m.gold.join(' ')}\n  got  ${m.got.join(' ')}\n`);
  }
  process.stdout.write(`hit@1=${result.hit1.toFixed(3)} hit@3=${result.hit3.toFixed(3)} n=${result.n}\n`);
  return 0;
}
