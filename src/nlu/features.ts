/** Text normalization and sparse feature extraction (character n-grams, jieba words, cue words). */
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import { CUES, DOMAIN_WORDS, type Cue } from './cues.ts';

let jieba: Jieba | undefined;

/** The shared segmenter, created on first use (~0.2 s) with the domain words added. */
export function getJieba(): Jieba {
  if (!jieba) {
    jieba = Jieba.withDict(dict);
    jieba.loadDict(Buffer.from(DOMAIN_WORDS.map((w) => `${w} 20000 n`).join('\n')));
  }
  return jieba;
}

/**
 * Lowercase, full-width → half-width (NFKC), @mentions dropped, claim numbers and long digit runs
 * replaced by `#id`, punctuation and whitespace collapsed to single spaces.
 */
export function normalize(text: string): string {
  return simplify(text.normalize('NFKC').toLowerCase())
    .replace(/@\S+[\s\u2005]?/gu, ' ')
    .replace(/[a-z]{1,4}\d{5,}|\d{6,}/gu, ' #id ')
    .replace(/[^\p{L}\p{N}#+/]+/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim();
}

/**
 * Traditional → simplified for the characters members actually type in our domain (a Hong Kong /
 * Taiwan keyboard, or a phone set to traditional), so 報名/申請/勞動 reach the same features.
 */
const TRAD = '報請問勞動資險醫療會參與給幫辦準備單據還沒嗎麼麽這個們過時間進審狀態費傷殘護職員氣電話聯係絡長開關實際應該當試約續簽僱產婦災種類節兒親歲場處說認證讓轉務樂歡運團體課講賽籃遊聽點邊裡裏飯發後來對錯為爲無線網號碼帳賬額補償賠離辭東業廠歷經濟總統紀錄齊齡顧頭題煩謝幾樣專門見現結組織銷臨週獎勵罰級鑒鑑訴訟擇選導領師書讀驗衛權維強製負責積條規範難過學車買賣錢銀貸險標準違約複雜數啟啓';
const SIMP = '报请问劳动资险医疗会参与给帮办准备单据还没吗么么这个们过时间进审状态费伤残护职员气电话联系络长开关实际应该当试约续签雇产妇灾种类节儿亲岁场处说认证让转务乐欢运团体课讲赛篮游听点边里里饭发后来对错为为无线网号码账账额补偿赔离辞东业厂历经济总统纪录齐龄顾头题烦谢几样专门见现结组织销临周奖励罚级鉴鉴诉讼择选导领师书读验卫权维强制负责积条规范难过学车买卖钱银贷险标准违约复杂数启启';
const T2S = new Map<string, string>();
{
  const t = Array.from(TRAD);
  const s = Array.from(SIMP);
  if (t.length !== s.length) throw new Error('features.ts: TRAD/SIMP tables differ in length');
  t.forEach((c, i) => T2S.set(c, s[i] ?? c));
}
/** Pinyin-input slips that change a key word (报名 typed as 保名/抱名/报明). */
const TYPOS: Array<[RegExp, string]> = [
  [/[保抱]名|报明/gu, '报名'],
  [/互住|护助/gu, '互助'],
];

function simplify(text: string): string {
  let out = '';
  for (const ch of text) out += T2S.get(ch) ?? ch;
  for (const [re, to] of TYPOS) out = out.replace(re, to);
  return out;
}

const ASCII_RE = /^[\x20-\x7e]+$/u;

interface CompiledCue {
  cue: Cue;
  plain: string[];
  ascii: RegExp | null;
}

const COMPILED: CompiledCue[] = CUES.map((cue) => {
  const ascii = cue.any.filter((s) => ASCII_RE.test(s) && s !== '#id');
  return {
    cue,
    plain: cue.any.filter((s) => !ascii.includes(s)),
    ascii: ascii.length ? new RegExp(`(?:^|[^a-z0-9])(?:${ascii.map(escapeRe).join('|')})(?:$|[^a-z0-9])`, 'u') : null,
  };
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/gu, '\\$&');
}

/**
 * A sign-up verb under negation ("不打算去了", "不报名了", "别给我报了", "不能参加", "没空去") means cancelling,
 * never signing up. Not after a word that makes it a question ("能不能参加", "要不要报名"), and not 报销/报告 ….
 */
const NEGATED_SIGNUP = new RegExp(
  [
    String.raw`(?<![能要可去会是想来报参用])(?:不|别|甭)(?:打算|想|准备|要|再|用|给我|帮我)?(?:去|参加|参与|报名|报(?![销案告酬警价账道表考到税]))`,
    String.raw`(?<![能要可])不能(?:去|参加|参与)`,
    String.raw`没(?:空|时间|法|办法)(?:去|参加|参与)`,
  ].join('|'),
  'gu',
);

/** Cues that fire on an already normalized text. */
export function matchCues(norm: string): Cue[] {
  return matchCuesAt(norm).map((m) => m.cue);
}

/** Every plain cue string by its first character, with the cue it belongs to: a text is scanned once. */
const PLAIN_BY_FIRST = new Map<string, Array<{ s: string; cue: number }>>();
COMPILED.forEach((c, cue) => {
  for (const s of c.plain) {
    if (!s) throw new Error(`cues.ts: cue ${c.cue.id} has an empty string`);
    const list = PLAIN_BY_FIRST.get(s[0] ?? '') ?? [];
    list.push({ s, cue });
    PLAIN_BY_FIRST.set(s[0] ?? '', list);
  }
});
const ASCII_CUES = COMPILED.flatMap((c, cue) => (c.ascii ? [{ re: c.ascii, cue }] : []));
/** Every ASCII cue string has a character other than a space. */
const HAS_ASCII = /[\x21-\x7e]/u;
/** Every negated sign-up starts with one of these. */
const MAY_NEGATE = /[不别甭没]/u;

/** Cues that fire, each with the position of its earliest match, in cue order. */
function matchCuesAt(norm: string): Array<{ cue: Cue; at: number; index: number }> {
  // The negated verb reads as the cancel word "不去", so it is not also a sign-up word.
  const text = MAY_NEGATE.test(norm) ? norm.replace(NEGATED_SIGNUP, '不去') : norm;
  const first = new Int32Array(COMPILED.length).fill(-1);
  // Positions ascending: a cue's first hit is its earliest.
  for (let i = 0; i < text.length; i++) {
    const list = PLAIN_BY_FIRST.get(text[i]!);
    if (!list) continue;
    for (const { s, cue } of list) if (first[cue]! < 0 && text.startsWith(s, i)) first[cue] = i;
  }
  if (HAS_ASCII.test(text)) {
    for (const { re, cue } of ASCII_CUES) {
      const m = re.exec(text);
      if (m && (first[cue]! < 0 || m.index < first[cue]!)) first[cue] = m.index;
    }
  }
  const out: Array<{ cue: Cue; at: number; index: number }> = [];
  for (let c = 0; c < COMPILED.length; c++) if (first[c]! >= 0) out.push({ cue: COMPILED[c]!.cue, at: first[c]!, index: c });
  return out;
}

/** Feature names of the cues and of pairs of cues, built once (a message's features are looked up by them). */
const CUE_KEYS = COMPILED.map((c) => `c:${c.cue.id}`);
const CUE_PAIR_KEYS: Array<string | undefined> = [];
const cuePairKey = (i: number, j: number): string =>
  (CUE_PAIR_KEYS[i * COMPILED.length + j] ??= `c:${COMPILED[i]!.cue.id}+${COMPILED[j]!.cue.id}`);

export interface Features {
  norm: string;
  /** feature → weight */
  weights: Map<string, number>;
  cues: Cue[];
  /** Character bigrams of the text (for vocabulary coverage). */
  bigrams: string[];
}

function add(m: Map<string, number>, k: string, w: number): void {
  m.set(k, (m.get(k) ?? 0) + w);
}

/** Sparse, L2-normalized features of one text. */
export function extract(text: string): Features {
  const norm = normalize(text);
  const weights = new Map<string, number>();
  const compact = norm.replace(/ /gu, '');
  const chars = Array.from(compact);
  const bigrams: string[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c0 = chars[i] ?? '';
    add(weights, `1:${c0}`, 0.5);
    if (i + 1 < chars.length) {
      const bg = c0 + (chars[i + 1] ?? '');
      bigrams.push(bg);
      add(weights, `2:${bg}`, 1);
    }
    if (i + 2 < chars.length) add(weights, `3:${c0}${chars[i + 1] ?? ''}${chars[i + 2] ?? ''}`, 1);
  }
  if (chars.length) {
    // Sentence start/end markers: "取消…", "…不去了", "…吗".
    add(weights, `^${chars.slice(0, 2).join('')}`, 0.7);
    add(weights, `$${chars.slice(-2).join('')}`, 0.7);
    add(weights, `$1${chars[chars.length - 1] ?? ''}`, 0.5);
  }
  const len = chars.length;
  add(weights, len <= 3 ? 'len:short' : len <= 10 ? 'len:mid' : 'len:long', 0.7);

  if (norm) {
    for (const w of getJieba().cut(norm, true)) {
      if (w.trim()) add(weights, `w:${w}`, 1);
    }
  }

  const found = matchCuesAt(norm);
  const cues = found.map((m) => m.cue);
  for (const m of found) add(weights, CUE_KEYS[m.index]!, 1.2);
  // Pairs of cues: "apply + aid", "cancel + event", "status + mine" …
  for (let i = 0; i < found.length; i++) {
    for (let j = i + 1; j < found.length; j++) add(weights, cuePairKey(found[i]!.index, found[j]!.index), 1);
  }
  const domain = cues.filter((c) => c.domain);
  if (!domain.length) add(weights, 'c:none', 1);
  // The only domain cue present ("labor" alone → almost surely a labor-law question).
  else if (domain.length === 1) add(weights, `c:only:${domain[0]?.id}`, 1);
  else {
    // Two topics in one message ("住院了能报互助吗，另外公司不给病假工资怎么办"): the first one
    // mentioned is usually the main ask.
    let first: { cue: Cue; at: number } | undefined;
    for (const m of found) if (m.cue.domain && (!first || m.at < first.at)) first = m;
    if (first) add(weights, `c:first:${first.cue.id}`, 1);
  }

  let sq = 0;
  for (const v of weights.values()) sq += v * v;
  const n = Math.sqrt(sq) || 1;
  for (const [k, v] of weights) weights.set(k, v / n);
  return { norm, weights, cues, bigrams };
}

/** Cues that mark a question or a request (rather than a statement). */
const ASKING = new Set(['ask', 'legal_q', 'want', 'apply', 'register', 'lookup', 'info_q', 'list_q']);
/** Topics that are a request on their own ("我的申请到哪一步了", "篮球赛我不去了"). */
const REQUEST_TOPICS = new Set(['status', 'cancel', 'howto']);

/**
 * Whether the text asks one of our services for something: a topic ("加班费", "活动", "互助") together with a
 * question or a request, or a topic that is a request by itself. "好的，明天上午几点？" and "公司那边又打电话了"
 * do not: they are told to whoever the member is talking to.
 */
export function asksService(text: string): boolean {
  const cues = matchCues(normalize(text));
  const topics = cues.filter((c) => c.domain && !c.addressee);
  return topics.some((c) => REQUEST_TOPICS.has(c.id)) || (topics.length > 0 && cues.some((c) => ASKING.has(c.id)));
}
