/** Reading long, rambling member questions: which part is the question, which words carry the legal issue. */

/** Words after which the actual question starts ("……请问我能要赔偿吗"). */
const FOCUS_MARKER = /(请问|想问一下|想问下|想问|问一下|问下|想咨询一下|想咨询|咨询一下|我想知道|想知道|这种情况下?|这样的话|这样子|那么|我该|我现在|现在我)/g;
/** A clause that asks something. */
const ASKS = /[吗么嘛呢?？]|怎么|怎样|如何|能否|是否|可否|可不可以|能不能|会不会|要不要|有没有|算不算|是不是|多少|多久|几[天个年倍]|哪|什么|合法|违法|有效|无效|对不对|合理|应该|该不该/;
const CLAUSE_SPLIT = /[，,。.！!？?；;：:\n\s]+/;

/** A run of 3–24 characters (bounded: linear time on long messages) repeated right after itself ("要求公司经济补偿么要求公司经济补偿么"). */
const IMMEDIATE_REPEAT = /(\p{Script=Han}.{2,23}?)\1+/gsu;

/**
 * Speech input and hasty pasting repeat fragments ("…经济赔偿吗以向公司要求经济赔偿吗"); each run is kept
 * once, so the repeat does not pass for the question part or double a word's weight.
 */
export function collapseRepeats(text: string): string {
  return mayRepeat(text) ? text.replace(IMMEDIATE_REPEAT, '$1') : text;
}

/**
 * Whether `IMMEDIATE_REPEAT` can match: some three characters recur 3–24 characters later (a repeated run is at
 * least three characters long). Most questions fail this cheap test and skip the backtracking pattern.
 */
function mayRepeat(text: string): boolean {
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    // Outside the basic plane one character is two code units: the pattern itself decides.
    if (c >= 0xd800 && c <= 0xdfff) return true;
    const last = Math.min(i + 24, n - 3);
    for (let j = i + 3; j <= last; j++) {
      if (text.charCodeAt(j) === c && text.charCodeAt(j + 1) === text.charCodeAt(i + 1) && text.charCodeAt(j + 2) === text.charCodeAt(i + 2)) return true;
    }
  }
  return false;
}

/** Clauses of a message, punctuation dropped, empty ones removed. */
export function clauses(text: string): string[] {
  return text.split(CLAUSE_SPLIT).map((c) => c.trim()).filter(Boolean);
}

/**
 * The part of a message that carries the question: the text after the last "请问/这种情况下 …" marker,
 * else the last clause that asks something, with the clause before it when it is very short ("合法吗").
 * Returns undefined for short messages (the whole message is the question).
 */
export function questionFocus(text: string, minLength = 20): string | undefined {
  const flat = text.trim();
  if (flat.replace(/\s/g, '').length < minLength) return undefined;
  const parts = clauses(flat);
  let focus: string | undefined;
  let lastMarker = -1;
  let markerLen = 0;
  for (const m of flat.matchAll(FOCUS_MARKER)) {
    lastMarker = m.index;
    markerLen = m[0].length;
  }
  if (lastMarker >= 0 && flat.length - (lastMarker + markerLen) >= 4) focus = flat.slice(lastMarker + markerLen);
  if (!focus) {
    for (let i = parts.length - 1; i >= 0; i--) {
      if (!ASKS.test(parts[i]!)) continue;
      focus = parts[i]!;
      if (focus.length < 8 && i > 0) focus = `${parts[i - 1]}，${focus}`;
      break;
    }
  }
  if (!focus || focus.length >= flat.length * 0.9) return undefined;
  return focus;
}
