import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// The statute texts and the evaluation sets live beside the checkout (../shared), not in it. CI has them; on a
// plain clone the tests that need them are left out, and this says so.
const STATUTES = '../shared/laws';
const haveStatutes = existsSync(`${STATUTES}/MANIFEST.tsv`);
const haveEvalSets = existsSync('../shared/eval/intents-dev.jsonl');
const NEED_STATUTES = [
  'test/intents/law/{answer,chat,citations,cards,colloquial,llm,retrieval,statutes,laws-install}.test.ts',
  'test/security/{masking-formats,llm-output}.test.ts',
];
const NEED_EVAL_SETS = ['test/nlu/{blind,classifier}.test.ts'];
const left = [...(haveStatutes ? [] : NEED_STATUTES), ...(haveEvalSets ? [] : NEED_EVAL_SETS)];
if (left.length) console.warn(`[tests] ../shared not found: left out ${left.join(', ')} (see README, Statute texts)`);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['node_modules/**', ...left],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Every test file starts its own redis-server on a free port, so files can run in parallel.
    fileParallelism: true,
    // UA_SPECULATION_CHECK: every turn that runs speculatively is checked to write nothing (src/core/speculation.ts).
    env: { ...(haveStatutes ? { KNOWLEDGE_STATUTES_DIR: STATUTES } : {}), LOG_LEVEL: 'silent', NO_COLOR: '1', UA_SPECULATION_CHECK: '1' },
  },
});
