import { afterAll, beforeAll, describe, it } from 'vitest';
import { HELP_TEXT } from '../../../intents/help/texts.ts';
import { Harness } from '../../helpers/harness.ts';
import { play } from '../../helpers/transcript.ts';

let h: Harness;
beforeAll(async () => {
  h = await Harness.start({ env: { BOT_STAFF: 'telegram:staff1', BOT_ADMINS: 'telegram:admin1' } });
});
afterAll(() => h.stop());

describe('help menu', () => {
  it('shows members what the bot does, without staff commands', async () => {
    await play(h, [{ say: '菜单', expect: ['工会小助手', '转人工'], not: ['/newevent', '/tickets', HELP_TEXT.roleHeader] }]);
  });

  it('answers every way of asking for it: /help, /start, 帮助 and a greeting', async () => {
    await play(h, [
      { say: '/help', expect: HELP_TEXT.menu },
      { say: '/start', expect: HELP_TEXT.menu },
      { say: '帮助', expect: HELP_TEXT.menu },
      { say: '你好', expect: HELP_TEXT.menu },
    ], 'member2');
  });

  it('shows staff their commands too, including the ticket commands, but not the admins\' ones', async () => {
    await play(h, [{ who: 'staff1', say: '菜单', expect: [HELP_TEXT.roleHeader, '/newevent', '/tickets', '/ticket —', '/reply', '/close'], not: '/approve' }]);
  });

  it('shows admins the staff commands and the claim review commands', async () => {
    await play(h, [{ who: 'admin1', say: '菜单', expect: ['/tickets', '/claims', '/approve'] }]);
  });

  it('answers a bare @mention in a group with the menu', async () => {
    await play(h, [{ say: '@小助手', in: { group: 'g1', mention: true }, expect: '工会小助手' }]);
  });
});
