import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELP_TEXT } from '../../../intents/help/texts.ts';
import { UNKNOWN_TEXT } from '../../../intents/smalltalk/texts.ts';
import { Harness } from '../../helpers/harness.ts';
import { play, textOf } from '../../helpers/transcript.ts';

let h: Harness;
beforeAll(async () => {
  h = await Harness.start({ env: { BOT_STAFF: 'telegram:staff1', BOT_ADMINS: 'telegram:admin1' } });
});
afterAll(() => h.stop());

const menuFor = async (who: string) => textOf(await h.dm(who).say('菜单'));
const lines = (text: string) => text.split('\n');

describe('help menu', () => {
  it('shows members what the bot does on one phone screen (≤ 8 lines, < 300 characters), without staff commands', async () => {
    const menu = await menuFor('member1');
    expect(menu).toBe(HELP_TEXT.menu);
    expect(menu).toContain('转人工');
    expect(lines(menu).length).toBeLessThanOrEqual(8);
    expect([...menu].length).toBeLessThan(300);
    expect(menu).not.toMatch(/发布活动|审核列表|回复工单|\//);
  });

  it('every phrase it quotes for members does what it says (none gets "没太明白")', async () => {
    const quoted = [...HELP_TEXT.menu.matchAll(/“([^”]+)”/gu)].map((m) => m[1] ?? '');
    expect(quoted.length).toBeGreaterThanOrEqual(10);
    for (const [n, say] of quoted.entries()) {
      // A fresh member per phrase, so one phrase's form does not take the next as its answer.
      await play(h, [{ say, not: [UNKNOWN_TEXT.notUnderstood, '没太明白'] }], `quoted${n}`);
    }
  });

  it('answers every way of asking for it: /help, /start, 帮助 and a greeting', async () => {
    await play(h, [
      { say: '/help', expect: HELP_TEXT.menu },
      { say: '/start', expect: HELP_TEXT.menu },
      { say: '帮助', expect: HELP_TEXT.menu },
      { say: '你好', expect: HELP_TEXT.menu },
    ], 'member2');
  });

  it('shows staff their Chinese command words grouped by topic in at most 12 lines, but not the admins\' ones', async () => {
    const menu = await menuFor('staff1');
    expect(menu).toContain(HELP_TEXT.roleHeader);
    expect(menu).toContain(HELP_TEXT.roleFooter);
    expect(menu).toMatch(/^活动：发布活动 \/ .*签到/mu);
    expect(menu).toMatch(/^工单：工单 \/ 查看工单 \/ 回复工单 \/ 关闭工单$/mu);
    expect(menu).not.toMatch(/审核列表|批准/);
    expect(lines(menu).length).toBeLessThanOrEqual(12);
  });

  it('shows admins the staff commands and the claim review commands, every command they hold by one of its names, in at most 12 lines', async () => {
    const menu = await menuFor('admin1');
    expect(menu).toMatch(/^互助审核：审核列表 \/ 申请详情 \/ 批准 \/ 驳回 \/ 要求补充$/mu);
    expect(lines(menu).length).toBeLessThanOrEqual(12);
    const roleCommands = h.engine.router.commandsFor(new Set(['staff', 'admin']));
    expect(roleCommands.length).toBeGreaterThan(10);
    const staffPart = menu.slice(menu.indexOf(HELP_TEXT.roleHeader));
    for (const spec of roleCommands) expect(spec.names.some((n) => staffPart.includes(n)), spec.names.join('/')).toBe(true);
  });

  it('the Chinese words in the staff menu are the commands: 查看工单 without a number shows its usage', async () => {
    await play(h, [{ say: '查看工单', expect: '用法' }, { say: '回复工单', expect: '用法' }], 'staff1');
  });

  it('answers a bare @mention in a group with the menu', async () => {
    await play(h, [{ say: '@小助手', in: { group: 'g1', mention: true }, expect: '工会小助手' }]);
  });

  it('tells a person their platform:userId in private chat (for BOT_ADMINS / BOT_STAFF), never in a group', async () => {
    await play(h, [
      { say: '我的ID', expect: 'telegram:zhou' },
      { say: '/whoami', expect: ['telegram:zhou', 'BOT_STAFF'] },
      { say: '@小助手 我的ID', in: { group: 'g1', mention: true }, expect: '私聊', not: 'telegram:zhou' },
    ], 'zhou');
  });
});
