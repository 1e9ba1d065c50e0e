/**
 * Personal matters never leak into groups: a member's claims and ticket answers go to their private chat
 * (the group hears only that), numbers typed in a group are never echoed, and posting one gets a
 * one-time reminder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Harness } from '../helpers/harness.ts';
import { play, textOf } from '../helpers/transcript.ts';
import { applicationUntilSummary, ID, MOBILE, SUBMIT } from '../intents/claims/transcripts.ts';
import { CLAIMS_NOW } from '../intents/claims/data.ts';
import { CORE_TEXT } from '../../src/core/texts.ts';

let h: Harness;
beforeAll(async () => {
  h = await Harness.start({ env: { BOT_ADMINS: 'telegram:admin1', BOT_STAFF: 'telegram:staff1' }, now: CLAIMS_NOW });
});
afterAll(() => h.stop());

const claimNo = (text: string) => /HZ-\d{8}-\d{4}/.exec(text)?.[0] ?? '';

describe('claims asked about in a group', () => {
  it('are answered in the member’s private chat; the group hears only 已私信您', async () => {
    const submitted = await play(h, [...applicationUntilSummary('hospital', '张三'), SUBMIT], 'zhang');
    const no = claimNo(textOf(submitted.at(-1) ?? []));
    expect(no).not.toBe('');
    const [inGroup] = await play(h, [{ say: '@小助手 我的互助申请进度怎么样了', in: { group: 'workshop', mention: true }, expect: CORE_TEXT.sentPrivately, not: [no, '住院', '待审核'] }], 'zhang');
    expect(textOf(inGroup ?? [])).toBe(CORE_TEXT.sentPrivately);
    expect(await h.notification('zhang', no)).toContain('待审核');
  });

  it('from someone the bot cannot write to privately yet get an invitation, and nothing about the claim', async () => {
    await play(h, [{ say: '查询一下我的互助申请', in: { group: 'workshop', mention: true }, expect: CORE_TEXT.askPrivately }], 'stranger');
    expect((await h.outbox()).filter((n) => n.to.chatId === 'stranger')).toEqual([]);
  });
});

describe('handoff tickets opened in a group', () => {
  it('without a private chat: staff answers never reach the group, the member reads them privately', async () => {
    const [opened] = await play(h, [{ say: '@小助手 转人工', in: { group: 'canteen', mention: true }, expect: '请私聊我' }], 'li');
    const id = /RG-\d{8}-\d{4}/.exec(textOf(opened ?? []))?.[0] ?? '';
    await play(h, [{ say: `/reply ${id} 您的加班费问题已转给法律顾问，电话 13800138000`, expect: '已回复' }], 'staff1');
    const notice = await h.groupNotification('canteen', id);
    expect(notice).not.toContain('法律顾问');
    expect(notice).toContain('我的工单');
    await play(h, [
      { say: '我的工单', in: { group: 'canteen', mention: true }, expect: '请私聊我', not: '法律顾问' },
      { say: '我的工单', expect: ['法律顾问', id], not: '13800138000' },
    ], 'li');
    await play(h, [{ say: `/close ${id}`, expect: '已关闭' }], 'staff1');
    expect(await h.groupNotification('canteen', id)).not.toContain('法律顾问');
  });

  it('with a private chat: staff answers go there', async () => {
    await h.dm('wang').say('你好');
    const [opened] = await play(h, [{ say: '@小助手 转人工', in: { group: 'canteen', mention: true }, expect: '私聊中回复您' }], 'wang');
    const id = /RG-\d{8}-\d{4}/.exec(textOf(opened ?? []))?.[0] ?? '';
    await play(h, [{ say: `/reply ${id} 请周一来工会办公室`, expect: '已回复' }], 'staff1');
    expect(await h.notification('wang', '工会办公室')).toContain(id);
    await expect(h.groupNotification('canteen', '工会办公室')).rejects.toThrow();
  });
});

describe('personal numbers in groups', () => {
  it('are never echoed back, in any reply', async () => {
    // Two open events, so a sign-up for an unknown name answers "没有找到名称像「…」" with the query.
    for (const title of ['职工运动会', '读书分享会']) {
      for (const line of ['/newevent', title, '无', '2027-06-01 14:00', '17:00', '体育馆', '30', '默认', '无', '默认', '发布']) await h.dm('staff1').say(line);
    }
    for (const text of [`报名 ${MOBILE}`, `@小助手 ${ID} 是我的身份证`, `@小助手 取消报名 ${MOBILE}`]) {
      const replies = await h.group('zhao', 'workshop', { mention: true }).say(text);
      const said = textOf(replies);
      expect(said, text).not.toContain(MOBILE);
      expect(said, text).not.toContain(ID);
    }
  });

  it('get one reminder per member and group, even when the bot was not addressed', async () => {
    expect(textOf(await h.group('qian', 'workshop').say(`有事打我电话 ${MOBILE}`))).toBe(CORE_TEXT.numberInGroup);
    expect(await h.group('qian', 'workshop').say('我的电话 138 1234 5678')).toEqual([]);
    expect(textOf(await h.group('qian', 'other-group').say(`卡号 6222 0212 3456 7890 128`))).toBe(CORE_TEXT.numberInGroup);
    expect(await h.group('sun', 'workshop').say('今天食堂几点开门')).toEqual([]);
  });
});
