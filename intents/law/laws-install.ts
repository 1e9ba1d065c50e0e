/**
 * Installs statute texts under DATA_DIR/laws from a folder or an http(s) folder URL laid out like ../shared/laws:
 * MANIFEST.tsv (a `file` and an `article_count` column) and one `<short name>.md` per law. Everything is read
 * and checked first — every listed file parses into its article count, every card citation resolves — and only
 * then written, to a temporary folder that replaces the old installation by rename.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkCards, loadCards } from './cards.ts';
import { loadLexicon } from './lexicon.ts';
import { parseStatute, StatuteLibrary } from './statutes.ts';

export const MANIFEST = 'MANIFEST.tsv';

export interface InstallLimits {
  /** Largest single file (default 5 MB; the biggest statute today is about 150 KB). */
  maxFileBytes: number;
  /** Largest installation (default 50 MB). */
  maxTotalBytes: number;
  /** Most laws (default 500). */
  maxFiles: number;
  /** Per download (default 30 s). */
  timeoutMs: number;
}

const DEFAULT_LIMITS: InstallLimits = { maxFileBytes: 5 * 1024 * 1024, maxTotalBytes: 50 * 1024 * 1024, maxFiles: 500, timeoutMs: 30_000 };

/** The source was refused; `problems` lists every reason, one per line. */
export class InstallRefused extends Error {
  constructor(readonly problems: string[]) {
    super(`statute texts refused:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export interface InstallResult {
  dir: string;
  laws: number;
  articles: number;
}

type Reader = (name: string, limits: InstallLimits) => Promise<string>;

const isUrl = (source: string) => /^https?:\/\//i.test(source);

async function download(url: string, limits: InstallLimits): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(limits.timeoutMs), redirect: 'follow' });
  if (!res.ok || !res.body) throw new Error(`${url}: HTTP ${res.status}`);
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > limits.maxFileBytes) throw new Error(`${url}: larger than ${limits.maxFileBytes} bytes`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Counted while reading: a missing or false content-length must not let a file grow without bound.
  for await (const chunk of res.body) {
    size += chunk.length;
    if (size > limits.maxFileBytes) {
      await res.body.cancel().catch(() => undefined);
      throw new Error(`${url}: larger than ${limits.maxFileBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function readerFor(source: string): Reader {
  if (isUrl(source)) {
    // A folder URL, or the manifest's own URL: files are fetched relative to the folder.
    const base = new URL(source.endsWith(MANIFEST) ? source : source.replace(/\/?$/, '/'));
    return (name, limits) => download(new URL(encodeURIComponent(name), base).href, limits);
  }
  const dir = resolve(source);
  return async (name, limits) => {
    const path = join(dir, name);
    if (statSync(path).size > limits.maxFileBytes) throw new Error(`${path}: larger than ${limits.maxFileBytes} bytes`);
    return readFileSync(path, 'utf8');
  };
}

/** Listed files and their declared article counts; problems for rows that cannot be used. */
export function parseManifest(text: string): { files: Array<{ file: string; articleCount: number | undefined }>; problems: string[] } {
  const [header = '', ...rows] = text.split(/\r?\n/).filter((l) => l.trim());
  const columns = header.split('\t').map((c) => c.trim());
  const fileCol = columns.indexOf('file');
  const countCol = columns.indexOf('article_count');
  if (fileCol < 0) return { files: [], problems: [`${MANIFEST}: no "file" column in the header line`] };
  const files: Array<{ file: string; articleCount: number | undefined }> = [];
  const problems: string[] = [];
  for (const row of rows) {
    const cells = row.split('\t');
    const file = cells[fileCol]?.trim() ?? '';
    // Rows without a file ("-") record laws that were looked for and not included.
    if (!file.endsWith('.md')) continue;
    if (!/^[^/\\]+\.md$/.test(file) || file.startsWith('.')) {
      problems.push(`${MANIFEST}: file name not allowed: ${file}`);
      continue;
    }
    const count = countCol >= 0 ? Number(cells[countCol]) : NaN;
    files.push({ file, articleCount: Number.isInteger(count) && count > 0 ? count : undefined });
  }
  if (files.length === 0 && problems.length === 0) problems.push(`${MANIFEST}: lists no .md files`);
  return { files, problems };
}

/** Reads and checks a source; throws InstallRefused with every problem found. */
export async function readStatutes(
  source: string,
  knowledgeDir: string,
  limits: InstallLimits = DEFAULT_LIMITS,
): Promise<{ manifest: string; files: Map<string, string>; library: StatuteLibrary }> {
  const read = readerFor(source);
  let manifest: string;
  try {
    manifest = await read(MANIFEST, limits);
  } catch (err) {
    throw new InstallRefused([`${MANIFEST} could not be read: ${(err as Error).message}`]);
  }
  const listed = parseManifest(manifest);
  const problems = [...listed.problems];
  if (listed.files.length > limits.maxFiles) throw new InstallRefused([`${MANIFEST} lists ${listed.files.length} files, more than ${limits.maxFiles}`]);
  const files = new Map<string, string>();
  const statutes = [];
  let total = 0;
  for (const { file, articleCount } of listed.files) {
    let text: string;
    try {
      text = await read(file, limits);
    } catch (err) {
      problems.push(`${file}: could not be read (${(err as Error).message})`);
      continue;
    }
    total += Buffer.byteLength(text);
    if (total > limits.maxTotalBytes) throw new InstallRefused([...problems, `more than ${limits.maxTotalBytes} bytes in all`]);
    const statute = parseStatute(file.slice(0, -3), text);
    if (statute.articles.size === 0) problems.push(`${file}: no article (第…条) found`);
    else if (articleCount !== undefined && statute.articles.size !== articleCount) {
      problems.push(`${file}: ${statute.articles.size} articles parsed, ${MANIFEST} says ${articleCount}`);
    }
    files.set(file, text);
    statutes.push(statute);
  }
  const library = new StatuteLibrary(statutes, loadLexicon(join(knowledgeDir, 'labor-law-lexicon')).lawAliases);
  const { cards } = loadCards(join(knowledgeDir, 'labor-law'));
  for (const p of checkCards(cards, library)) if (p.citation) problems.push(`card ${p.cardId}: ${p.problem}`);
  if (problems.length) throw new InstallRefused(problems);
  return { manifest, files, library };
}

/** Checks `source` and installs it as `<dataDir>/laws`, replacing an earlier installation only once all is well. */
export async function installStatutes(source: string, dataDir: string, knowledgeDir: string, limits: InstallLimits = DEFAULT_LIMITS): Promise<InstallResult> {
  const { manifest, files, library } = await readStatutes(source, knowledgeDir, limits);
  const target = resolve(dataDir, 'laws');
  const suffix = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const staging = `${target}.new-${suffix}`;
  const previous = `${target}.old-${suffix}`;
  mkdirSync(staging, { recursive: true });
  try {
    writeFileSync(join(staging, MANIFEST), manifest);
    for (const [file, text] of files) writeFileSync(join(staging, file), text);
    if (existsSync(target)) renameSync(target, previous);
    renameSync(staging, target);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    if (existsSync(previous) && !existsSync(target)) renameSync(previous, target);
    throw err;
  }
  rmSync(previous, { recursive: true, force: true });
  return { dir: target, laws: library.statutes.size, articles: library.articleCount };
}
