/** Closing words ("谢谢啦！", "好的👌", "拜拜~"): not a request to any service, recognized the same way everywhere. */

export type ClosingKind = 'thanks' | 'ack' | 'bye';

/** Closing words, with any trailing punctuation, emoji or particles. */
const TAIL = String.raw`[\s!！。.~～,，啦哈呀哦喔了]*[\p{Extended_Pictographic}\u{FE0F}\s!！。.~～]*`;
const THANKS = new RegExp(String.raw`^(?:好的|嗯嗯?|ok|收到)?[，,\s]*(?:(?:谢谢|多谢|感谢|非常感谢|太感谢了)(?:你|您|小助手)?(?:的)?(?:帮助|帮忙|回答|解答|耐心解答)?|谢了|谢啦|辛苦了|thanks|thank you|thx)${TAIL}$`, 'iu');
const ACK = new RegExp(String.raw`^(?:好的|好|嗯|嗯嗯|哦|哦哦|ok|okay|收到|明白了|明白|知道了|懂了|了解了|👌|👍|🙏)${TAIL}$`, 'iu');
const BYE = new RegExp(String.raw`^(?:好的[，,\s]*)?(?:再见|拜拜|bye|byebye|回头见|下次见)${TAIL}$`, 'iu');

export function closingKind(text: string): ClosingKind | null {
  const t = text.trim();
  if (BYE.test(t)) return 'bye';
  if (THANKS.test(t)) return 'thanks';
  if (ACK.test(t)) return 'ack';
  return null;
}
