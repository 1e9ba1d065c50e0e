/**
 * How the bot runs its TypeScript (npm start, the image, the benches): types stripped as Node loads each file,
 * stack traces pointing into the .ts sources, and no keepNames `name` re-definitions, which cost the bot 13–17 %
 * more CPU per help message.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { START_COMMAND, START_NODE_FLAGS } from '../helpers/start-command.ts';

const RUN_TYPESCRIPT = new URL('../../src/app/run-typescript.mjs', import.meta.url).href;
const HOOKS = new URL('../../src/app/typescript-hooks.mjs', import.meta.url).href;

const SOURCE = `import type { Redis } from 'ioredis';
class Counter {
  count = 1;
  constructor(private readonly step: number) {}
  next(): number { return (this.count += this.step); }
}
const named = (n: number): number => n * 2;
const client: Redis | null = null;
console.log(JSON.stringify({ next: new Counter(2).next(), name: named.name, client }));
if (process.argv[2] === 'fail') {
  const fail = (): never => { throw new Error('failed here'); };
  fail();
}
`;

function fixture(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ua-ts-')), 'fixture.ts');
  writeFileSync(file, SOURCE);
  return file;
}

describe('running the TypeScript sources', () => {
  it('runs a .ts file as TypeScript means it: parameter properties, class fields, inferred names, type-only imports gone', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', RUN_TYPESCRIPT, fixture()]);
    expect(JSON.parse(stdout)).toEqual({ next: 3, name: 'named', client: null });
  });

  it('points a stack trace at the line and column of the .ts source', async () => {
    const file = fixture();
    const failed = await promisify(execFile)(process.execPath, ['--import', RUN_TYPESCRIPT, file, 'fail']).then(
      () => null,
      (err: { stderr: string }) => err.stderr,
    );
    expect(failed).toContain('failed here');
    expect(failed).toContain(`at fail (${file}:11:37)`);
  });

  it('strips types without re-defining the names of functions (tsx keepNames)', async () => {
    const { load } = (await import(HOOKS)) as { load: (url: string, context: object, next: () => never) => Promise<{ format: string; source: string }> };
    const loaded = await load(pathToFileURL(fixture()).href, {}, () => {
      throw new Error('a .ts file is loaded by the hooks');
    });
    expect(loaded.format).toBe('module');
    expect(loaded.source).toContain('const named = (n) => n * 2');
    expect(loaded.source).not.toMatch(/__name|defineProperty/);
  });
});

describe('the node flags the bot runs with', () => {
  it('are the same in the image as in npm start', () => {
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8'))?.[1];
    expect(JSON.parse(cmd ?? '[]')).toEqual(['node', ...START_COMMAND]);
  });

  it('let the young generation grow to the size they set: fewer scavenges, as most of the bot garbage is short-lived', async () => {
    const semiMb = Number(/^--max-semi-space-size=(\d+)$/.exec(START_NODE_FLAGS.find((f) => f.startsWith('--max-semi-space-size')) ?? '')?.[1]);
    expect(semiMb).toBeGreaterThan(16); // Node 20's default
    // Objects that survive a few scavenges (like messages in flight) make V8 grow the young generation to its limit.
    const grow = `const ring = new Array(4e5); for (let i = 0; i < 6e6; i++) ring[i % ring.length] = { i };
console.log(require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);`;
    const { stdout } = await promisify(execFile)(process.execPath, [...START_NODE_FLAGS, '-e', grow]);
    expect(Number(stdout) / 2 ** 20).toBe(2 * semiMb);
  });
});
