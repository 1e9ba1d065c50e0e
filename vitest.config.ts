import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Every test file starts its own redis-server on a free port, so files can run in parallel.
    fileParallelism: true,
    env: { KNOWLEDGE_STATUTES_DIR: '../shared/laws', LOG_LEVEL: 'silent', NO_COLOR: '1' },
  },
});
