/** The labor_law intent through the real engine: routing of members' wording, follow-ups, 查看原文, groups, the offer of a person. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerLawQuestion } from '../../../intents/law/service.ts';
import { HANDOFF_CHOICE, PROMPTS } from '../../../intents/law/texts.ts';
import { Harness } from '../../helpers/harness.ts';
import { play, textOf } from '../../helpers/transcript.ts';
import { knowledge } from './helpers.ts';

const kb = knowledge();

let h: Harness;
beforeAll(async () => {
  h = await Harness.start({ now: new Date('2026-11-22T02:00:00Z') });
});
afterAll(() => h.stop());

const say = async (who: string, text: string): Promise<string> => textOf(await h.dm(who).say(text));

describe('labor_law in chat', () => {
  it('answers, remembers the topic for the follow-up, and quotes the articles on "查看原文" without losing the topic', async () => {
    const question = '公司说我不能胜任工作要辞退我，合法吗';
    const first = await say('u1', question);
    expect(first).toContain('依据：');
    const previous = kb.retriever.card((await answerLawQuestion(kb, question)).cardId ?? '');
    expect(previous).toBeDefined();
    // The follow-up stays on the topic or moves to one of its related cards.
    const follow = await say('u1', '那赔偿怎么算');
    const onTopic = [previous!.id, ...previous!.related].map((id) => PROMPTS.cardTitle(kb.retriever.card(id)!.title));
    expect(onTopic.some((title) => follow.includes(title)), follow).toBe(true);
    const label = /依据：《[^》]+》(第.+?条)/.exec(follow)?.[1];
    expect(label).toBeDefined();
    const original = await say('u1', '查看原文');
    expect(original).toContain(`${label}原文：`);
    // Quoting an article does not replace what the conversation is about.
    expect(await say('u1', '查看原文')).toBe(original);
  });

  it('"如果我在试用期怀孕了呢" after a probation-dismissal answer gets the pregnancy-protection answer (第四十二条), not a bare article list', async () => {
    await play(h, [
      { say: '试用期公司可以随便辞退我吗', expect: '【试用期被辞退】' },
      { say: '如果我在试用期怀孕了呢', expect: ['【孕期、产期、哺乳期不得降薪、辞退', /依据：《劳动合同法》第四十二条/], not: '没有针对这个问题的现成解答' },
    ], 'f1');
  });

  it('a short next-step question after an answer ("那得去哪儿申请认定", "去哪里办", "那该找谁") stays with the matter just answered', async () => {
    const workInjury = '上班路上被车撞了算工伤吗';
    for (const [who, first, next, topic] of [
      ['n1', workInjury, '那得去哪儿申请认定', '工伤认定'],
      ['n2', workInjury, '去哪里办', '工伤认定'],
      ['n3', '公司拖欠工资怎么办', '那该找谁', '12351'],
    ] as const) {
      await play(h, [
        { say: first, expect: '依据：' },
        { say: next, expect: [topic, '依据：'], not: '没太明白' },
      ], who);
    }
  });

  it('is not a follow-up when it names another service, or after 15 minutes', async () => {
    await play(h, [
      { say: '公司拖欠工资怎么办', expect: '依据：' },
      { say: '那你能做什么', expect: '工会小助手', not: '依据：' },
    ], 'n4');
    await play(h, [
      { say: '公司拖欠工资怎么办', expect: '依据：' },
      { say: '什么时候到账', not: '依据：' },
    ], 'n6');
    await play(h, [{ say: '公司拖欠工资怎么办', expect: '依据：' }], 'n5');
    h.advance(16 * 60_000);
    await play(h, [{ say: '去哪里办', not: '依据：' }], 'n5');
  });

  it('a bare situation as workers type it (我被开除了, 我要辞职, 领导让我走人) gets a labor-law answer, not "没太明白"', async () => {
    for (const text of ['我被开除了', '我要辞职']) {
      await play(h, [{ say: text, expect: /依据：[^\n]*《劳动合同法》/, not: '没太明白' }], 'w1');
    }
    // Ambiguous between several kinds of dismissal: it asks which, with the dismissal topics as numbered choices.
    await play(h, [{ say: '领导让我走人', expect: [PROMPTS.clarify, /\n1\. .*(辞退|解除)/], not: '没太明白' }], 'w2');
  });

  it('when unsure it says so and offers a person as a choice, which opens a ticket', async () => {
    // Retrieval is Chinese-only: an English overtime question gets the honest "not sure" from labor law, not the mutual-aid plans.
    await play(h, [
      { say: 'what is the overtime pay rule', expect: [PROMPTS.lowConfidence, `1. ${HANDOFF_CHOICE}`], not: '互助项目' },
      { say: '1', expect: '已为您转人工' },
    ], 'e1');
  });

  it('in a group the answer is compact: the 依据 line without the next steps', async () => {
    await play(h, [{ say: '我怀孕了公司要把我开除', in: { group: 'g1', mention: true }, expect: '依据：', not: PROMPTS.nextStepsTitle }], 'g1member');
  });
});
