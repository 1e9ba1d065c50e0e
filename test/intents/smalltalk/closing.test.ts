/** Small talk through the real engine: closing words answered in kind, the menu-or-person fallback, and forms keep their answers. */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { UNKNOWN_TEXT } from '../../../intents/smalltalk/texts.ts';
import { Harness } from '../../helpers/harness.ts';
import { play } from '../../helpers/transcript.ts';

let h: Harness;
beforeAll(async () => {
  h = await Harness.start({ now: new Date('2026-11-22T02:00:00Z') });
});
afterAll(() => h.stop());

describe('closing words', () => {
  it('谢谢 / 再见 / 好的 get a courteous reply, not "没太明白" and the menu', async () => {
    await play(h, [
      { say: '谢谢', expect: UNKNOWN_TEXT.thanks, not: '没太明白' },
      { say: '好的', expect: UNKNOWN_TEXT.ack, not: '没太明白' },
      { say: '再见', expect: UNKNOWN_TEXT.bye, not: '没太明白' },
    ], 't0');
  });

  it('after an answer, thanks in any wording, an acknowledgement or a goodbye is answered in kind', async () => {
    await play(h, [
      { say: '公司拖欠工资怎么办', expect: '依据：' },
      { say: '谢谢', expect: '不客气', not: '没太明白' },
      { say: '好的，谢谢你的解答！', expect: '不客气', not: '没太明白' },
      { say: '再见', expect: '再见', not: '没太明白' },
      { say: '收到👌', expect: '好的', not: '没太明白' },
      { say: 'thanks', expect: '不客气', not: '没太明白' },
    ], 't1');
  });
});

describe('the fallback', () => {
  it('gibberish gets "没太明白" with the menu or a person to choose from', async () => {
    await play(h, [{ say: 'asdfghjkl', expect: ['没太明白', '1. 查看菜单', '4. 转人工', UNKNOWN_TEXT.hint] }], 't2');
  });

  it('a number picks from the offered choices', async () => {
    await play(h, [
      { say: 'asdfghjkl', expect: '没太明白' },
      { say: '1', expect: '工会小助手' },
    ], 't3');
  });
});

describe('inside a form', () => {
  it('好的 is an answer to the form, not small talk', async () => {
    await play(h, [
      { say: '我要申请住院医疗互助', expect: '同意' },
      { say: '同意', expect: '请输入申请人姓名' },
      // Not taken as small talk, nor stored as the applicant's name: the form asks again.
      { say: '好的', expect: '请输入申请人姓名', not: [UNKNOWN_TEXT.ack, UNKNOWN_TEXT.thanks] },
      { say: '谢谢', not: [UNKNOWN_TEXT.thanks, '没太明白'] },
    ], 'f1');
  });
});
