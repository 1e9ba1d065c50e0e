/** `npm run laws -- install`: from a local HTTP server and a folder; refusals name every problem and install nothing. */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findStatutesDir } from '../../../src/core/config.ts';
import { installStatutes, InstallRefused, type InstallLimits } from '../../../intents/law/laws-install.ts';
import { loadLawKnowledge, REPO_ROOT } from '../../../intents/law/knowledge.ts';
import { run } from '../../../intents/law/cli-laws.ts';

const SHARED = resolve(REPO_ROOT, process.env.KNOWLEDGE_STATUTES_DIR ?? '../shared/laws');
const KNOWLEDGE = resolve(REPO_ROOT, 'knowledge');
const tmp = mkdtempSync(join(tmpdir(), 'ua-laws-'));
const LIMITS: InstallLimits = { maxFileBytes: 1024 * 1024, maxTotalBytes: 20 * 1024 * 1024, maxFiles: 100, timeoutMs: 5000 };

/** Serves `folders` under /<name>/; `requests` records every path asked for. */
let server: Server;
let base: string;
const folders = new Map<string, string>();
const requests: string[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    const path = decodeURIComponent(req.url ?? '');
    requests.push(path);
    const [, name, file] = /^\/([^/]+)\/(.+)$/.exec(path) ?? [];
    const dir = name ? folders.get(name) : undefined;
    if (name === 'endless') {
      // No content-length and no end: the size limit must stop it.
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 'a');
      const timer = setInterval(() => res.write(chunk), 1);
      res.on('close', () => clearInterval(timer));
      return;
    }
    if (!dir || !file || !existsSync(join(dir, file))) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(readFileSync(join(dir, file)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  folders.set('laws', SHARED);
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(tmp, { recursive: true, force: true });
});

/** A copy of the shared statutes to spoil. */
function copyOfLaws(name: string): string {
  const dir = join(tmp, `src-${name}`);
  cpSync(SHARED, dir, { recursive: true });
  folders.set(name, dir);
  return dir;
}

describe('laws install', () => {
  it('downloads a folder URL, checks it, installs it under DATA_DIR/laws, where the bot then finds it', async () => {
    const dataDir = join(tmp, 'data-http');
    const done = await installStatutes(`${base}/laws/`, dataDir, KNOWLEDGE, LIMITS);
    const listed = readdirSync(SHARED).filter((f) => f.endsWith('.md'));
    expect(done).toEqual({ dir: join(dataDir, 'laws'), laws: listed.length, articles: expect.any(Number) });
    expect(done.articles).toBeGreaterThan(1000);
    expect(readdirSync(done.dir).sort()).toEqual(['MANIFEST.tsv', ...listed].sort());
    expect(requests).toContain('/laws/MANIFEST.tsv');
    expect(requests).toContain('/laws/劳动合同法.md');
    // No temporary folder is left beside it.
    expect(readdirSync(dataDir)).toEqual(['laws']);

    expect(findStatutesDir({ DATA_DIR: dataDir })).toBe(done.dir);
    const kb = loadLawKnowledge({ statutesDir: done.dir, knowledgeDir: KNOWLEDGE });
    expect(kb.library.getArticle('劳动合同法', 82)?.text).toContain('二倍的工资');
    expect(kb.problems).toEqual([]);
    expect(kb.library.articleCount).toBe(done.articles);
  });

  it('accepts the manifest URL itself and a folder path, and replaces an earlier installation', async () => {
    const dataDir = join(tmp, 'data-replace');
    await installStatutes(`${base}/laws/MANIFEST.tsv`, dataDir, KNOWLEDGE, LIMITS);
    writeFileSync(join(dataDir, 'laws', 'stale.md'), '# old');
    const done = await installStatutes(SHARED, dataDir, KNOWLEDGE, LIMITS);
    expect(existsSync(join(done.dir, 'stale.md'))).toBe(false);
    expect(readdirSync(dataDir)).toEqual(['laws']);
  });

  it('refuses a text whose articles do not parse, naming the file and the card citations it breaks, and keeps the old installation', async () => {
    const dataDir = join(tmp, 'data-refused');
    await installStatutes(SHARED, dataDir, KNOWLEDGE, LIMITS);
    const spoiled = copyOfLaws('spoiled');
    const file = join(spoiled, '劳动合同法.md');
    // A typo a copy-paste makes: "第八十二 条" is no longer an article line.
    writeFileSync(file, readFileSync(file, 'utf8').replace('第八十二条 ', '第八十二 条 '));
    const refused = await installStatutes(`${base}/spoiled`, dataDir, KNOWLEDGE, LIMITS).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(InstallRefused);
    const problems = (refused as InstallRefused).problems;
    expect(problems).toContain('劳动合同法.md: 97 articles parsed, MANIFEST.tsv says 98');
    expect(problems.some((p) => /^card [a-z0-9-]+: 劳动合同法 has no article 82$/.test(p))).toBe(true);
    expect(readFileSync(join(dataDir, 'laws', '劳动合同法.md'), 'utf8')).toBe(readFileSync(join(SHARED, '劳动合同法.md'), 'utf8'));
    expect(readdirSync(dataDir)).toEqual(['laws']);
  });

  it('refuses a missing file, a law the cards cite that is left out, and file names that leave the folder', async () => {
    const dir = copyOfLaws('gaps');
    rmSync(join(dir, '劳动法.md'));
    const manifest = readFileSync(join(dir, 'MANIFEST.tsv'), 'utf8');
    writeFileSync(join(dir, 'MANIFEST.tsv'), `${manifest.trimEnd()}\n../../etc/passwd.md\t-\t-\t1\t-\t\n`);
    const dataDir = join(tmp, 'data-gaps');
    const refused = (await installStatutes(`${base}/gaps/`, dataDir, KNOWLEDGE, LIMITS).catch((err: unknown) => err)) as InstallRefused;
    expect(refused.problems).toContain('MANIFEST.tsv: file name not allowed: ../../etc/passwd.md');
    expect(refused.problems.some((p) => p.startsWith('劳动法.md: could not be read (') && p.includes('HTTP 404'))).toBe(true);
    expect(refused.problems.some((p) => p.endsWith(': unknown law 劳动法'))).toBe(true);
    expect(requests.some((r) => r.includes('passwd'))).toBe(false);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('stops a download over the size limit', async () => {
    const refused = (await installStatutes(`${base}/endless/`, join(tmp, 'data-big'), KNOWLEDGE, LIMITS).catch((err: unknown) => err)) as InstallRefused;
    expect(refused.problems).toEqual([`MANIFEST.tsv could not be read: ${base}/endless/MANIFEST.tsv: larger than ${LIMITS.maxFileBytes} bytes`]);
  });

  it('runs as `npm run laws -- install <URL>` with DATA_DIR from the environment', async () => {
    const dataDir = join(tmp, 'data-cli');
    const saved = process.env.DATA_DIR;
    process.env.DATA_DIR = dataDir;
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
    try {
      expect(await run(['install', `${base}/laws`])).toBe(0);
    } finally {
      process.stdout.write = write;
      if (saved === undefined) delete process.env.DATA_DIR;
      else process.env.DATA_DIR = saved;
    }
    expect(out.join('')).toMatch(new RegExp(`^installed \\d+ laws, \\d+ articles into ${join(dataDir, 'laws')}\\n`));
    expect(await run(['install'])).toBe(2);
  });
});
