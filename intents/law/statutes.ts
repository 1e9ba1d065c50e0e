/** Statute full texts loaded at run time from KNOWLEDGE_STATUTES_DIR, with article lookup and Chinese numerals. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Article {
  /** Short law name = file name without `.md`. */
  law: string;
  number: number;
  /** "第八十二条" */
  label: string;
  /** The article's text without its label, paragraphs joined with "\n". */
  text: string;
  /** Enclosing chapter/section headings, e.g. "第四章 劳动合同的解除和终止". */
  chapter: string;
}

export interface Statute {
  law: string;
  /** Full title from the file's "# " heading, e.g. 中华人民共和国劳动合同法. */
  title: string;
  articles: Map<number, Article>;
}

// Financial (大写) and traditional forms too: a model may write 第玖拾玖条 or 第九十九條.
const DIGITS: Record<string, number> = {
  零: 0, 〇: 0, 一: 1, 壹: 1, 二: 2, 两: 2, 兩: 2, 贰: 2, 貳: 2, 三: 3, 叁: 3, 參: 3, 四: 4, 肆: 4,
  五: 5, 伍: 5, 六: 6, 陆: 6, 陸: 6, 七: 7, 柒: 7, 八: 8, 捌: 8, 九: 9, 玖: 9,
};
const UNITS: Record<string, number> = { 十: 10, 拾: 10, 百: 100, 佰: 100, 千: 1000, 仟: 1000 };
export const CN_NUMERAL_CHARS = [...Object.keys(DIGITS), ...Object.keys(UNITS)].join('');

/** "八十二" → 82, "一百零七" → 107, "38" → 38; undefined when not a number. */
export function cnToInt(s: string): number | undefined {
  const t = s.trim();
  if (/^\d+$/.test(t)) return Number(t);
  if (!t || ![...t].every((c) => c in DIGITS || c in UNITS)) return undefined;
  let total = 0;
  let digit: number | null = null;
  for (const c of t) {
    const d = DIGITS[c];
    if (d !== undefined) {
      digit = d;
      continue;
    }
    const unit = UNITS[c] ?? 1;
    total += (digit ?? 1) * unit;
    digit = null;
  }
  if (digit !== null) total += digit;
  return total;
}

const CN = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/** 82 → "八十二", 107 → "一百零七", 10 → "十" (statute style). Supports 1–9999. */
export function intToCn(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 9999) throw new RangeError(`intToCn: ${n}`);
  if (n < 10) return CN[n]!;
  const parts: string[] = [];
  const units: Array<[number, string]> = [
    [1000, '千'],
    [100, '百'],
    [10, '十'],
  ];
  let rest = n;
  let pendingZero = false;
  for (const [value, name] of units) {
    const d = Math.floor(rest / value);
    rest %= value;
    if (d > 0) {
      if (pendingZero) parts.push('零');
      pendingZero = false;
      // 10–19 read 十, 十一 … at the start; 一百一十 inside a larger number.
      parts.push(d === 1 && value === 10 && parts.length === 0 ? '' : CN[d]!, name);
    } else if (parts.length > 0) {
      pendingZero = true;
    }
  }
  if (rest > 0) {
    if (pendingZero) parts.push('零');
    parts.push(CN[rest]!);
  }
  return parts.join('');
}

/** Labels already written (answers label the same few hundred articles over and over). */
const LABELS: string[] = [];

/** "第八十二条" for 82. */
export function articleLabel(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 9999) return `第${intToCn(n)}条`; // intToCn says what is wrong
  return (LABELS[n] ??= `第${intToCn(n)}条`);
}

const ARTICLE_LINE = new RegExp(`^第([${CN_NUMERAL_CHARS}]+)条(?:[\\s\\u3000]+(.*))?$`);

/** Parses one statute markdown file: header before `<!-- INFO END -->`, `## 第一章 …` headings, articles `第N条 …`. */
export function parseStatute(law: string, markdown: string): Statute {
  const lines = markdown.split(/\r?\n/);
  const titleLine = lines.find((l) => l.startsWith('# '));
  const title = titleLine ? titleLine.slice(2).trim() : law;
  const endIdx = lines.findIndex((l) => l.includes('<!-- INFO END -->'));
  const articles = new Map<number, Article>();
  const headings: string[] = [];
  let current: { number: number; paras: string[]; chapter: string } | null = null;
  const flush = () => {
    if (!current) return;
    articles.set(current.number, {
      law,
      number: current.number,
      label: articleLabel(current.number),
      text: current.paras.join('\n'),
      chapter: current.chapter,
    });
    current = null;
  };
  for (const raw of lines.slice(endIdx + 1)) {
    const line = raw.trim();
    if (!line || line.startsWith('<!--')) continue;
    const heading = /^(#{2,6})\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      const level = heading[1]!.length - 2;
      headings.length = level;
      headings[level] = heading[2]!.trim();
      continue;
    }
    const m = ARTICLE_LINE.exec(line);
    const n = m ? cnToInt(m[1]!) : undefined;
    if (m && n !== undefined && !articles.has(n)) {
      flush();
      current = { number: n, paras: m[2] ? [m[2].trim()] : [], chapter: headings.filter(Boolean).join(' ') };
      continue;
    }
    current?.paras.push(line);
  }
  flush();
  return { law, title, articles };
}

export interface LawMention {
  law: string;
  index: number;
  end: number;
  ambiguous?: boolean;
}

/** All statutes of one directory, looked up by short law name. */
export class StatuteLibrary {
  readonly statutes: Map<string, Statute>;
  private readonly aliases: Array<[string, string]>;
  private readonly ambiguous: Set<string>;

  constructor(statutes: Statute[], aliases: Record<string, string> = {}, ambiguous: string[] = []) {
    this.ambiguous = new Set(ambiguous);
    this.statutes = new Map(statutes.map((s) => [s.law, s]));
    const pairs = new Map<string, string>();
    for (const s of statutes) {
      pairs.set(s.law, s.law);
      pairs.set(s.title, s.law);
      pairs.set(s.law.replace(/（([一二三四五六七八九十]+)）/, '$1'), s.law);
    }
    for (const [alias, law] of Object.entries(aliases)) if (this.statutes.has(law)) pairs.set(alias, law);
    // Longest first so 劳动合同法实施条例 wins over 劳动合同法.
    this.aliases = [...pairs.entries()].sort((a, b) => b[0].length - a[0].length);
  }

  get laws(): string[] {
    return [...this.statutes.keys()];
  }

  getArticle(law: string, article: number): Article | undefined {
    return this.statutes.get(law)?.articles.get(article);
  }

  has(law: string, article: number): boolean {
    return this.getArticle(law, article) !== undefined;
  }

  title(law: string): string {
    return this.statutes.get(law)?.title ?? law;
  }

  *allArticles(): Generator<Article> {
    for (const s of this.statutes.values()) yield* s.articles.values();
  }

  get articleCount(): number {
    let n = 0;
    for (const s of this.statutes.values()) n += s.articles.size;
    return n;
  }

  /**
   * Law names (short, full or alias) mentioned in a text, with their positions, earliest first. `ambiguous`: the
   * name is also an everyday phrase (集体合同规定) and not written inside 《》, so it names the law only when an
   * article reference follows right after it.
   */
  findLaws(text: string): LawMention[] {
    const found: LawMention[] = [];
    const taken = new Array<boolean>(text.length).fill(false);
    for (const [alias, law] of this.aliases) {
      let from = 0;
      for (;;) {
        const i = text.indexOf(alias, from);
        if (i < 0) break;
        from = i + 1;
        if (taken.slice(i, i + alias.length).some(Boolean)) continue;
        for (let k = i; k < i + alias.length; k++) taken[k] = true;
        const quoted = text[i - 1] === '《';
        found.push({ law, index: i, end: i + alias.length, ...(this.ambiguous.has(alias) && !quoted ? { ambiguous: true } : {}) });
      }
    }
    return found.sort((a, b) => a.index - b.index);
  }
}

/** Reads every `*.md` statute in a directory (MANIFEST and other files are ignored). */
export function loadStatutes(dir: string, aliases: Record<string, string> = {}, ambiguous: string[] = []): StatuteLibrary {
  const files = readdirSync(dir).filter((f) => f.endsWith('.md') && !/^readme/i.test(f));
  if (files.length === 0) throw new Error(`No statute files (*.md) in ${dir}`);
  const statutes = files.map((f) => parseStatute(f.slice(0, -3), readFileSync(join(dir, f), 'utf8')));
  return new StatuteLibrary(statutes, aliases, ambiguous);
}
