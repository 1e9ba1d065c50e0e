import { afterAll, beforeAll, describe, it } from 'vitest';
import { Harness } from '../../helpers/harness.ts';
import { play } from '../../helpers/transcript.ts';

let h: Harness;
beforeAll(async () => {
  h = await Harness.start({ env: { BOT_STAFF: 'telegram:staff1' } });
});
afterAll(() => h.stop());

describe('help menu', () => {
  it('shows members what the bot does, without staff commands', async () => {
    await play(h, [{ say: '菜单', expect: ['工会小助手'], not: ['/newevent'] }]);
  });

  it('shows staff their commands too', async () => {
    await play(h, [{ who: 'staff1', say: '菜单', expect: ['/newevent', '/tickets'] }]);
  });

  it('answers a bare @mention in a group with the menu', async () => {
    await play(h, [{ say: '@小助手', in: { group: 'g1', mention: true }, expect: '工会小助手' }]);
  });
});
