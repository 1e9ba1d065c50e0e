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
    files: ['src/channels/**', 'test/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
