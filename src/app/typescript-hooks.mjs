/**
 * Module hooks that strip the types from each .ts file as Node loads it, with esbuild: what tsx does, without
 * tsx's keepNames, which re-defines `name` on every named function and closure it creates. That re-definition
 * cost the bot 13–17 % more CPU per help message (alternating runs; see docs/performance.md); names stay as JavaScript
 * infers them, and nothing here is minified.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

/** What TypeScript itself emits for tsconfig.json (target ES2022: class fields defined, not assigned). */
const options = {
  loader: 'ts',
  format: 'esm',
  target: `node${process.versions.node}`,
  sourcemap: 'inline',
  tsconfigRaw: { compilerOptions: { useDefineForClassFields: true } },
};

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const sourcefile = fileURLToPath(url);
  const { code } = await transform(await readFile(sourcefile, 'utf8'), { ...options, sourcefile });
  return { format: 'module', source: code, shortCircuit: true };
}
