/**
 * `npm run bench [name…]`: the benches below, all of them by default (BENCH_SKIP=a,b leaves some out).
 * Each is one line in BENCHES; a capability adds its own the same way.
 */
import { pipelineBench } from './pipeline.ts';
import { httpBench } from './http.ts';
import { scalingBench } from './scaling.ts';
import { extrasBench } from './extras.ts';

const BENCHES: Record<string, () => Promise<void>> = {
  pipeline: pipelineBench,
  http: httpBench,
  scaling: scalingBench,
  extras: extrasBench,
  // Labor-law retrieval alone (bench/retrieval.ts), no Redis.
  retrieval: async () => (await import('./retrieval.ts')).runRetrievalBench(),
  // 1,000 Telegram targets through the delivery path, a crash halfway (bench/broadcast.ts).
  broadcast: async () => (await import('./broadcast.ts')).runBroadcastBench(),
};

const asked = process.argv.slice(2);
const skipped = new Set((process.env.BENCH_SKIP ?? '').split(',').filter(Boolean));
const unknown = asked.filter((n) => !(n in BENCHES));
if (unknown.length) {
  console.error(`unknown bench: ${unknown.join(', ')} (known: ${Object.keys(BENCHES).join(', ')})`);
  process.exit(2);
}
for (const name of asked.length ? asked : Object.keys(BENCHES).filter((n) => !skipped.has(n))) {
  console.log(`\n== ${name} ==`);
  await BENCHES[name]!();
}
process.exit(0);
