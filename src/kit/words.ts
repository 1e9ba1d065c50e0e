/**
 * The words members use to steer a form: yes / no / cancel / back / done, and "改一下电话".
 * One vocabulary for every form, so a word that works in one form works in all of them.
 */

/** Trailing punctuation and particles that do not change the meaning ("好的！", "取消吧"). */
const strip = (text: string) => text.trim().replace(/[\s。.!！~～,，]+$/u, '').replace(/(?<=\S)[吧啊呀哈]$/u, '');

const YES = /^(?:1|是|是的|对|对的|好|好的|可以|行|嗯|嗯嗯|要|需要|同意|我同意|确认|确定|没问题|ok|y|yes)$/i;
const NO = /^(?:2|否|不|不是|不要|不要了|不用|不用了|不了|不需要|不同意|我不同意|拒绝|不可以|n|no)$/i;
const CANCEL = /^(?:取消|取消申请|我要取消|不申请了|不办了|不填了|不报了|退出|算了|结束|quit|exit|cancel)$/i;
const BACK = /^(?:返回|上一步|上一题|上一个|返回上一步|返回上一题|后退|回退|back)$/i;
const DONE = /^(?:完成|好了|发完了|传完了|上传完了|齐了|没有了|没了|就这些|完毕|结束|ok|done)$/i;
const SUBMIT = /^(?:1|确认|确认提交|提交|确定|确定提交|是|对|好|好的|没问题|无误|确认无误|发布|ok)$/i;
const EDIT = /^(?:2|修改|修改某一项|改|我要修改|要修改|有错|不对|重填|重新填写)$/;
const KEEP_GOING = /^(?:2|继续填写|继续|否|不|不取消|不要取消)$/;
const CONFIRM_CANCEL = /^(?:1|确定取消|确定|确认|是|是的|取消|对)$/;

export const isYes = (text: string): boolean => YES.test(strip(text));
export const isNo = (text: string): boolean => NO.test(strip(text));
/**
 * A change of mind said in a sentence ("算了不报了", "我不想填了", "不参加了"): a verb of filling in with 了, or 算了.
 * Short messages only, and never a question ("不报了会怎样？" is asked, not decided) nor "算了一下" (computed).
 */
const MIND_CHANGED = /(?<![打计就])算了(?!一下|下)|不(?:想|要|用|再)?(?:再)?(?:填|报|申请|办|弄|参加|写|交|提交|发布?)(?:名|写|表|了)*了|(?:不想|不打算)(?:再)?(?:填|报|申请|办|参加|写|发)|^放弃(?:填写|申请|报名)?$/u;
const MAX_MIND_CHANGE = 16;
const QUESTION = /[?？吗呢]|怎么|怎样|为什么|会不会|能不能/;
/** Who may stand before a change of mind that opens the message ("我不报了", "那算了"). */
const OPENER = /^(?:我|那|那我|我就|那就|哎|唉)?[，,]?$/u;

/** 取消 or one of its synonyms, said alone. */
export const isCancelWord = (text: string): boolean => CANCEL.test(strip(text));
/**
 * A change of mind in a short sentence ("算了不报了"). `leading`: only one that opens the message, for free text
 * where "下雨就不参加了" may be the answer itself.
 */
export const isChangeOfMind = (text: string, opts: { leading?: boolean } = {}): boolean => {
  const t = strip(text);
  const m = [...t].length <= MAX_MIND_CHANGE && !QUESTION.test(t) ? MIND_CHANGED.exec(t) : null;
  return m !== null && (!opts.leading || OPENER.test(t.slice(0, m.index)));
};
/** 取消 and its synonyms, or a change of mind anywhere in a short sentence. */
export const isCancel = (text: string): boolean => isCancelWord(text) || isChangeOfMind(text);
export const isBack = (text: string): boolean => BACK.test(strip(text));
export const isDone = (text: string): boolean => DONE.test(strip(text));
/** At a summary: submit it. */
export const isSubmit = (text: string): boolean => SUBMIT.test(strip(text));
/** At a summary: change something. */
export const isEditRequest = (text: string): boolean => EDIT.test(strip(text));
/** At "确定要取消吗": keep the form. */
export const isKeepGoing = (text: string): boolean => KEEP_GOING.test(strip(text));
/** At "确定要取消吗": yes, cancel. */
export const isConfirmCancel = (text: string): boolean => CONFIRM_CANCEL.test(strip(text));

/**
 * "改一下电话", "修改银行卡", "电话填错了" → the field whose alias names it (longest alias wins), else null.
 * `aliases` maps field ids to the words members use for them.
 */
export function fieldToChange(text: string, aliases: ReadonlyMap<string, readonly string[]>): string | null {
  const t = text.replace(/\s+/g, '');
  const m =
    /^(?:我要|我想|帮我|请|麻烦)?(?:修改|更改|更正|改一下|改下|改|重新填写|重新填|重填|重新输入)(?:一下)?(?:我的|下)?(.{1,10}?)(?:吧|呢)?[。!！]*$/.exec(t) ??
    /^(?:我的)?(.{1,8}?)(?:填错了|写错了|输错了|错了|要改|需要改|要修改)[。!！]*$/.exec(t);
  const target = m?.[1];
  if (!target) return null;
  let best: { field: string; len: number } | null = null;
  for (const [field, words] of aliases) {
    for (const word of words) if (target.includes(word) && (!best || word.length > best.len)) best = { field, len: word.length };
  }
  return best?.field ?? null;
}

/** What a member wants changed, and (in "地点错了，改成厂区篮球场") its new value. */
export interface ChangeRequest {
  field: string;
  value?: string;
}

/** Words that may stand before a field's name without changing it ("我的电话", "活动地点"). */
const OWNER = /^(?:我的|活动的?|报名的?)|的$/gu;

/**
 * "地点错了，改成厂区篮球场", "把电话改成13812345678", "名额改为50人" → the field and its new value; else
 * `fieldToChange` (the field alone). With a value the field must be named exactly (one of its words, "我的"/"活动" aside),
 * so a free-text answer that merely mentions a field ("比赛时间改成了下午") is not taken for a change.
 */
export function changeRequest(text: string, aliases: ReadonlyMap<string, readonly string[]>): ChangeRequest | null {
  const t = text.trim();
  const m =
    /^(?:请|麻烦)?(?:把)?(\S{1,10}?)(?:填错了|写错了|输错了|错了|不对)[，,。；;\s]*(?:应该是|应为|改成|改为|换成|更正为)[:：]?\s*(\S.*)$/u.exec(t) ??
    /^(?:请|麻烦|帮我)?(?:把)?(\S{1,10}?)(?:改成|改为|换成|更正为|修改为)[:：]?\s*(\S.*)$/u.exec(t) ??
    /^(?:请|麻烦|帮我)?(?:修改|更改|改一下|改下)(\S{1,10}?)(?:为|成|[:：])\s*(\S.*)$/u.exec(t);
  const target = m?.[1]?.replace(OWNER, '');
  const value = m?.[2]?.trim();
  if (target && value) {
    for (const [field, words] of aliases) if (words.includes(target)) return { field, value };
  }
  const field = fieldToChange(text, aliases);
  return field ? { field } : null;
}
