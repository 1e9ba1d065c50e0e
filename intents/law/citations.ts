/**
 * The one parser of article references in free text, for members' questions and the model's answers alike.
 * Forms: 第八十二条, 第82条, 第８２条, 第八十二條, 第玖拾玖条, 第九十八、九十九条, 第九十八条、第九十九条, 第99-102条,
 * 第九十九条至第一百零二条, 第98条第二款, 劳动合同法九十九条 (no 第, right after a law name), Article 99 / Art. 98-99;
 * law names with or without 《》, full titles and the library's short names and aliases.
 */
import { CN_NUMERAL_CHARS, cnToInt, type StatuteLibrary } from './statutes.ts';

/** One written reference: one or more articles of one law ("第九十八、九十九条" is one group of two). */
export interface CitationGroup {
  /** Library law (short name) named before the reference, or carried over from the previous reference. */
  law: string | undefined;
  /** A law named right before the reference that the library does not hold ("民法典第一千条"). */
  unknownLaw: string | undefined;
  articles: number[];
  /** Span of the reference in the text (without the law name). */
  index: number;
  end: number;
}

export interface ArticleRef {
  law: string | undefined;
  unknownLaw: string | undefined;
  article: number;
  /** Span of the whole group the article was written in. */
  index: number;
  end: number;
}

/** Ranges wider than this are read as their two ends only ("第1-1000条" names no 1,000 articles). */
const MAX_RANGE = 30;

// Every replacement is one UTF-16 unit for one, so positions in the normalized text hold in the original.
const FULL_WIDTH = /[\uFF10-\uFF19\uFF0D\uFF5E\u3000條項]/g;
const normalize = (text: string): string =>
  text.replace(FULL_WIDTH, (c) => {
    if (c === '條') return '条';
    if (c === '項') return '项';
    if (c === '\u3000') return ' ';
    if (c === '\uFF0D') return '-';
    if (c === '\uFF5E') return '~';
    return String.fromCharCode(c.charCodeAt(0) - 0xfee0);
  });

const NUM = `(?:\\d{1,4}|[${CN_NUMERAL_CHARS}]{1,12})`;
const JOIN = `(?:\\s{0,2}(?:以及|、|,|，|和|及|与|或)\\s{0,2})`;
const TO_WORDS = `-|‐|–|—|~|〜|至|到`;
const TO = `(?:\\s{0,2}(?:${TO_WORDS})\\s{0,2})`;
const CLAUSE = `(?:\\s{0,2}第\\s{0,2}${NUM}\\s{0,2}[款项])`;
// 第N条 with lists and ranges of numbers before 条, then lists and ranges of whole references after it.
const ONE = `第?\\s{0,2}${NUM}(?:(?:${JOIN}|${TO})第?\\s{0,2}${NUM})*\\s{0,2}条${CLAUSE}*`;
const CHINESE_REF = `(第)?\\s{0,2}${NUM}(?:(?:${JOIN}|${TO})第?\\s{0,2}${NUM})*\\s{0,2}条${CLAUSE}*(?:(?:${JOIN}|${TO})${ONE})*`;
/** Shared by every call (`findCitations` is synchronous and resets it first). */
const CHINESE_REF_ALL = new RegExp(CHINESE_REF, 'g');
const MAY_HOLD_REFERENCE = /[条條]|art/i;
const ENGLISH_REF = /\b(?:articles?|art\.?)\s{0,3}\d{1,4}(?:\s{0,3}(?:,|&|and|-|–|to|through)\s{0,3}\d{1,4})*/gi;
const CLAUSE_PART = new RegExp(CLAUSE, 'g');
const NUMBER_OR_RANGE = new RegExp(`(${NUM})|(${TO_WORDS}|to|through)`, 'gi');
/** A reference right after a law name (closing quotes, spaces or 的 between). */
const CHINESE_AFTER_LAW = new RegExp(`^[》」”"'\\s的]{0,3}第?\\s{0,2}${NUM}`);
/** Between a law name and a reference written without 第: closing quotes, spaces, 的. */
const LAW_GAP = /^[》」”"'\s的]{0,3}$/;

const UNKNOWN_LAW = /(?:《([^》]{2,30})》|([\u4e00-\u9fff]{1,12}?(?:法典|法|条例|办法|司法解释)))\s*$/u;
const LEADING_WORDS = /^(?:那么|那|请问|请|帮我|给我|我想|想|查看|查一下|查询|查|看看|看一下|看|发一下|关于|以及|还有|和|及|与|或|跟|中华人民共和国)+/u;

/** A law named at the end of `segment` that the library does not hold (by its short name), or undefined. */
function unknownLawAtEnd(segment: string, library: StatuteLibrary): string | undefined {
  const m = UNKNOWN_LAW.exec(segment);
  const name = (m?.[1] ?? m?.[2] ?? '').replace(LEADING_WORDS, '').replace(/^中华人民共和国/, '');
  if (!name || library.findLaws(name).length > 0) return undefined;
  return name;
}

/** The article numbers of one written reference, ranges expanded. */
function articlesOf(written: string): number[] {
  const out: number[] = [];
  let rangeOpen = false;
  for (const m of written.replace(CLAUSE_PART, ' ').matchAll(NUMBER_OR_RANGE)) {
    if (m[2]) {
      rangeOpen = out.length > 0;
      continue;
    }
    const n = cnToInt(m[1]!);
    if (n === undefined || n === 0) continue;
    const from = out.at(-1);
    if (rangeOpen && from !== undefined && n > from && n - from <= MAX_RANGE) {
      for (let k = from + 1; k < n; k++) out.push(k);
    }
    if (!out.includes(n)) out.push(n);
    rangeOpen = false;
  }
  return out;
}

/**
 * Every article reference in `text`, in order. Each takes the law named right before it (a library law, or
 * one the library does not hold); without one it carries over the previous reference's law, as in
 * "《劳动合同法》第三十九条、第四十条和第八十二条".
 */
export function findCitations(text: string, library: StatuteLibrary): CitationGroup[] {
  // Every reference holds 条 (條) or "art": most texts skip the parser.
  if (!MAY_HOLD_REFERENCE.test(text)) return [];
  const t = normalize(text);
  const mentioned = library.findLaws(t);
  // An everyday phrase that is also a law name ("集体合同规定") names the law only right before a reference.
  const laws = mentioned.filter((l) => !l.ambiguous || CHINESE_AFTER_LAW.test(t.slice(l.end)));
  const raw: Array<{ index: number; end: number; articles: number[] }> = [];
  const chinese = CHINESE_REF_ALL;
  chinese.lastIndex = 0;
  for (let m = chinese.exec(t); m; m = chinese.exec(t)) {
    // Without 第 a bare "九十九条" is a reference only right after a law name; a 第 inside it may start one.
    if (!m[1] && !laws.some((l) => l.end <= m!.index && LAW_GAP.test(t.slice(l.end, m!.index)))) {
      chinese.lastIndex = m.index + 1;
      continue;
    }
    const lead = m[0].length - m[0].trimStart().length;
    raw.push({ index: m.index + lead, end: m.index + m[0].trimEnd().length, articles: articlesOf(m[0]) });
  }
  for (const m of t.matchAll(ENGLISH_REF)) raw.push({ index: m.index, end: m.index + m[0].length, articles: articlesOf(m[0]) });
  raw.sort((a, b) => a.index - b.index);

  const groups: CitationGroup[] = [];
  let prevEnd = 0;
  for (const r of raw) {
    if (r.articles.length === 0 || r.index < prevEnd) continue;
    const named = laws.filter((l) => l.index >= prevEnd && l.end <= r.index).at(-1);
    const unknownLaw = unknownLawAtEnd(t.slice(named?.end ?? prevEnd, r.index), library);
    const previous = groups.at(-1);
    const law = unknownLaw ? undefined : (named?.law ?? (previous ? previous.law : laws.filter((l) => l.end <= r.index).at(-1)?.law));
    groups.push({ law, unknownLaw: unknownLaw ?? (named ? undefined : previous?.unknownLaw), articles: r.articles, index: r.index, end: r.end });
    prevEnd = r.end;
  }
  return groups;
}

/** `findCitations` one article at a time. */
export function findArticleRefs(text: string, library: StatuteLibrary): ArticleRef[] {
  return findCitations(text, library).flatMap((g) =>
    g.articles.map((article) => ({ law: g.law, unknownLaw: g.unknownLaw, article, index: g.index, end: g.end })),
  );
}
