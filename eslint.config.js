// @ts-check
import tseslint from 'typescript-eslint';

const SDKS = ['wechaty', 'wechaty-*', 'telegraf', 'telegraf/*', 'fastify', '@fastify/*'];

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'scratch/', 'coverage/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Platform SDKs and the HTTP framework stay at the edge: only src/channels/ may import them.
      'no-restricted-imports': ['error', { patterns: [{ group: SDKS, message: 'Only src/channels/ may import platform SDKs or the HTTP framework.' }] }],
    },
  },
  {
    // The bench's baselines (telegraf; a bare fastify server) are what a developer would use instead: measured, not part of the bot.
    files: ['src/channels/**', 'test/**', 'bench/telegraf-baseline.ts', 'bench/http-baseline-server.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
