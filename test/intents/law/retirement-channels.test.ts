/**
 * The retirement date computed end to end through every real channel path (web API, Telegram, WeChat): the
 * member gives birth month, sex and (for a woman) her original retirement age, in one message or one figure at
 * a time, and gets the new age and month with the working and 国务院关于渐进式延迟法定退休年龄的办法 第一条.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { play } from '../../helpers/transcript.ts';
import { startTelegramChannel, startWebChannel, startWechatChannel, type TestChannel } from '../../helpers/chat-paths.ts';

const env = { RATE_LIMIT_PER_MINUTE: '1000' };
const CHANNELS: { name: string; start: () => Promise<TestChannel> }[] = [
  { name: 'web API', start: () => startWebChannel(env) },
  { name: 'Telegram', start: () => startTelegramChannel(env) },
  { name: 'WeChat', start: () => startWechatChannel(env) },
];
const CITES_FIRST = '依据：《国务院关于渐进式延迟法定退休年龄的办法》第一条';

for (const channel of CHANNELS) {
  describe(`retirement date via ${channel.name}`, () => {
    let ch: TestChannel;
    beforeAll(async () => {
      ch = await channel.start();
    });
    afterAll(async () => {
      await ch?.stop();
    });

    it('everything in one message: a man born 1970-05 retires at 61 years 5 months in 2031-10', async () => {
      await play(ch, [{ say: '我是1970年5月出生的男职工，什么时候能退休', expect: ['原退休时间：2030年5月', '（65−1）÷4取整后加1 = 17个月', '61岁5个月', '2031年10月', CITES_FIRST] }], 'ret1');
    });

    it('one figure at a time after the topic answer: birth month, then sex, then the original age 55', async () => {
      await play(ch, [
        { say: '延迟退休以后我哪年退休', expect: '出生年月', not: '岁8个月' },
        { say: '1972年5月', expect: '男职工还是女职工' },
        { say: '女', expect: '50岁还是55岁' },
        { say: '55', expect: ['55岁8个月', '2028年1月', CITES_FIRST] },
      ], 'ret2');
    });

    it('a woman worker (original age 50) who names herself is asked only for her birth month', async () => {
      await play(ch, [
        { say: '我是女工人，想知道哪年退休', expect: '出生年月' },
        { say: '1975年3月', expect: ['原法定退休年龄50岁', '50岁2个月', '2025年5月', CITES_FIRST] },
      ], 'ret3');
    });

    it('a birth year without the month keeps the year and asks for the month', async () => {
      await play(ch, [
        { say: '我是1968年出生的男职工，延迟退休后几岁退', expect: '出生年月' },
        { say: '3月', expect: ['原退休时间：2028年3月', '60岁10个月', '2029年1月', CITES_FIRST] },
      ], 'ret4');
    });
  });
}
