/**
 * Guard for the model's text before a member sees it. The model is treated as hostile: it may invent articles
 * and rules, claim to have acted, or return links, personal numbers, markup and megabytes.
 */
import { maskPersonalNumbers, sanitizeText } from '../../src/core/text.ts';
import type { Citation } from './card.ts';
import { findCitations } from './citations.ts';
import type { StatuteLibrary } from './statutes.ts';

/** What the member may be shown of the model's text (characters, cut at a sentence end). */
export const MAX_MODEL_ANSWER_CHARS = 800;
/** Less than this (non-space characters) left after cleaning: the retrieval answer is used instead. */
export const MIN_MODEL_ANSWER_CHARS = 40;
/** Only this much of a reply is read at all. */
const MAX_MODEL_INPUT_CHARS = 8000;

/**
 * Sentences claiming the bot or the union acted or will act for the member ("已为您批准申请", "您的申请已通过",
 * "款项已转账至您的账户", "我马上为您提交"). The bot only gives information; such a claim is never true.
 */
const ACTION_VERBS = '批准|提交|转账|办理|申请|受理|登记|审批|审核|发放|打款|汇款|退款|补发|转交|上报|备案|立案|预约|安排|联系|通知|处理|撤销|取消|报名|开通|冻结|解冻';
export const ACTION_CLAIMS: RegExp[] = [
  /(?:已经?|现已|刚刚?|成功)(?:为|帮|给|替|代)(?:您|你)/,
  new RegExp(`(?:我|我们|小助手|助手|系统|本平台|工会)(?:已经?|现已|刚刚?)(?:成功)?(?:为|帮|给|替|代)?(?:您|你)?(?:${ACTION_VERBS})`),
  new RegExp(`(?:您|你)的[^。，；\\n]{0,12}(?:已经?|已被|已获)(?:成功)?(?:${ACTION_VERBS}|通过|到账|生效|批复)`),
  new RegExp(`(?:将|会|马上|立即|立刻|正在)(?:为|帮|给|替|代)(?:您|你)(?:${ACTION_VERBS})`),
  /已(?:经)?(?:成功)?(?:转账|打款|汇款|汇入|转入|发放|退还)(?:至|到|给|入)?(?:您|你)/,
];

const LINKS = [
  /\b[a-z][a-z0-9+.-]{1,15}:\/\/\S*/i,
  /\b(?:javascript|data|mailto|tel|weixin):\S*/i,
  /\bwww\.\S+/i,
  /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/,
  // Bare domains ("example.com/pay", "12333.gov.cn"); the top-level label is letters only, so 3560.50 is no link.
  /(?<![\w.@-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,10}(?::\d{1,5})?(?:\/\S*)?(?![\w-])/i,
];

/** Markup is removed, its text kept; a link's address is kept beside its text so the link rule sees it. */
function stripMarkup(text: string): string {
  return text
    .replace(/<(script|style)\b[^>]{0,200}>[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<a\b[^>]{0,500}?href\s*=\s*["']?([^"'\s>]+)[^>]{0,200}>/gi, ' $1 ')
    .replace(/<\/?[a-z][^>]{0,500}>/gi, '')
    .replace(/&(?:[a-z]{2,8}|#\d{1,7}|#x[0-9a-f]{1,6});/gi, '')
    .replace(/[<>]/g, '')
    .replace(/!\[[^\]\n]{0,200}\]\([^)\n]{0,500}\)/g, '')
    .replace(/\[([^\]\n]{0,200})\]\(([^)\n]{0,500})\)/g, '$1 $2')
    .replace(/^\s{0,3}\[[^\]\n]{1,50}\]:\s*(\S+).*$/gm, '$1')
    .replace(/^\s*(?:`{3,}|~{3,}).*$/gm, '')
    .replace(/^\s*(?:[-*_]\s*){3,}$/gm, '')
    .replace(/^\s*\|?(?:\s*:?-{2,}:?\s*\|)+\s*:?-*:?\s*$/gm, '')
    .replace(/^\s{0,3}#{1,6}\s*/gm, '')
    .replace(/^\s{0,3}>\s?/gm, '')
    .replace(/^\s*[-*+•]\s+/gm, '')
    .replace(/(\*{1,3}|_{2,3}|~~)([^*_~\n]{1,500}?)\1/g, '$2')
    .replace(/`+/g, '')
    .replace(/\s*\|\s*/g, ' ');
}

interface Sentence {
  text: string;
  start: number;
  /** Why it is dropped, when it is. */
  drop?: DropReason;
}

export type DropReason = 'citation' | 'link' | 'personal_number' | 'action_claim';

/** Sentences and clauses (ending in 。！？；!?; or a line break), positions kept. */
function sentences(text: string): Sentence[] {
  const out: Sentence[] = [];
  for (const m of text.matchAll(/[^。！？；!?;\n]*[。！？；!?;]+\n*|[^。！？；!?;\n]+\n*|\n+/g)) out.push({ text: m[0], start: m.index });
  return out;
}

/** What is left of a clause that only gives the basis of the one before ("依据：《劳动合同法》第一百二十条。"). */
const BASIS_ONLY = /^(?:(?:法律依据|依据|根据|按照|依照|出自|来源)(?:是|为)?[:：]*)?$/;

export interface CitationCheck {
  /** Citations outside the allowed set, as written (law undefined when none was named). */
  removed: Array<{ law: string | undefined; article: number }>;
  /** Allowed citations the kept text mentions. */
  kept: Citation[];
}

const key = (law: string, article: number) => `${law}#${article}`;

/**
 * Marks every sentence citing an article outside `allowed` (with the claim before it, when the sentence only
 * gives its basis). A reference without a law counts as allowed only if exactly one allowed law has that number;
 * an article of a law the library does not hold never does.
 */
function checkCitations(text: string, parts: Sentence[], allowed: Citation[], library: StatuteLibrary): CitationCheck {
  const ok = new Set(allowed.map((c) => key(c.law, c.article)));
  const removed: CitationCheck['removed'] = [];
  const kept: Citation[] = [];
  const sentenceAt = (pos: number) => parts.findLastIndex((s) => s.start <= pos);
  const groups = findCitations(text, library);
  const pending: Array<{ at: number; citation: Citation }> = [];
  for (const g of groups) {
    const at = sentenceAt(g.index);
    for (const article of g.articles) {
      const candidates = allowed.filter((c) => c.article === article);
      const law = g.unknownLaw ? undefined : (g.law ?? (candidates.length === 1 ? candidates[0]!.law : undefined));
      if (law && ok.has(key(law, article))) {
        pending.push({ at, citation: { law, article } });
        continue;
      }
      removed.push({ law: g.law ?? g.unknownLaw, article });
      const sentence = parts[at]!;
      sentence.drop = 'citation';
      const rest = stripCitations(sentence.text, sentence.start, groups, library);
      const previous = parts[at - 1];
      if (previous && BASIS_ONLY.test(rest) && !previous.drop) previous.drop = 'citation';
    }
  }
  for (const p of pending) {
    if (parts[p.at]?.drop) continue;
    if (!kept.some((k) => k.law === p.citation.law && k.article === p.citation.article)) kept.push(p.citation);
  }
  return { removed, kept };
}

/** A sentence without its references, law names and punctuation: what it says besides citing. */
function stripCitations(sentence: string, start: number, groups: ReturnType<typeof findCitations>, library: StatuteLibrary): string {
  let rest = sentence;
  for (const g of [...groups].reverse()) {
    const s = g.index - start;
    const e = g.end - start;
    if (s >= 0 && e <= rest.length) rest = rest.slice(0, s) + rest.slice(e);
  }
  for (const l of library.findLaws(rest).reverse()) rest = rest.slice(0, l.index) + rest.slice(l.end);
  // "另见…" and "参见…" point elsewhere and keep their stem; "见…" alone gives the basis.
  return rest.replace(/[《》（）()「」“”"'、，,。；;！？!?\s]|的规定|规定|详见|见|以及|和|及/g, '');
}

/** Cuts at the last sentence end within `max`, or at the last comma when one sentence is longer. */
function capAtSentence(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = text.slice(0, max);
  const end = Math.max(...['。', '！', '？', '；', '\n', '!', '?', ';'].map((c) => head.lastIndexOf(c)));
  if (end >= max / 2) return head.slice(0, end + 1).trimEnd();
  const comma = Math.max(head.lastIndexOf('，'), head.lastIndexOf(','), head.lastIndexOf('、'));
  return `${head.slice(0, comma >= max / 2 ? comma : max)}…`;
}

export interface GuardedOutput extends CitationCheck {
  text: string;
  /** Dropped sentences by reason. */
  dropped: Record<DropReason, number>;
  /** Too little is left: use the retrieval answer. */
  tooShort: boolean;
}

/**
 * Cleans the model's text for a member: markup stripped; sentences with an article outside `allowed`, a link,
 * a personal-looking number or a claim of action dropped whole; the model's own 依据 line removed (the caller
 * writes one from retrieval); capped at MAX_MODEL_ANSWER_CHARS at a sentence end.
 */
export function guardModelOutput(raw: string, allowed: Citation[], library: StatuteLibrary): GuardedOutput {
  const text = stripMarkup(sanitizeText(raw.slice(0, MAX_MODEL_INPUT_CHARS)).replace(/．/g, '.'));
  const parts = sentences(text);
  const { removed, kept } = checkCitations(text, parts, allowed, library);
  for (const s of parts) {
    if (s.drop) continue;
    if (LINKS.some((re) => re.test(s.text))) s.drop = 'link';
    else if (maskPersonalNumbers(s.text) !== s.text) s.drop = 'personal_number';
    else if (ACTION_CLAIMS.some((re) => re.test(s.text))) s.drop = 'action_claim';
  }
  const dropped: Record<DropReason, number> = { citation: 0, link: 0, personal_number: 0, action_claim: 0 };
  for (const s of parts) if (s.drop) dropped[s.drop] += 1;
  const body = parts
    .filter((s) => !s.drop)
    .map((s) => s.text)
    .join('')
    // The model's own 依据 line: the caller writes one from retrieval.
    .replace(/\n*依据[:：].*$/s, '')
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/（\s*）|\(\s*\)/g, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
    .replace(/[，,、；;：:]$/, '。');
  const capped = capAtSentence(body, MAX_MODEL_ANSWER_CHARS);
  return { text: capped, removed, kept, dropped, tooShort: capped.replace(/\s/g, '').length < MIN_MODEL_ANSWER_CHARS };
}
