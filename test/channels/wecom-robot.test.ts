/**
 * WeCom group robots (消息推送) as targets for notices and broadcasts to internal groups: listed in the group
 * directory, sent through the delivery path to the robot's webhook, at most 20 a minute per robot (queued,
 * never dropped), pictures inline and documents uploaded. Real engine and Redis; the fake WeCom server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeWecom } from '../helpers/fake-wecom.ts';
import { ApiError } from '../../src/channels/wecom/api.ts';
import { classifyRobotError } from '../../src/channels/wecom/robot.ts';
import { startWecomChannel, type WecomTestChannel } from '../helpers/wecom-harness.ts';

const KEY = '693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa'.replace(/x/g, '0');
const GROUP = { platform: 'wecomrobot' as const, chatId: '工会干部群', chatType: 'group' as const };

describe('WeCom group robots', () => {
  let ch: WecomTestChannel;
  let offset = 0;
  const now = () => new Date(Date.now() + offset);
  beforeAll(async () => {
    const fake = await FakeWecom.start({ now: () => now().getTime() });
    fake.robotKeys.add(KEY);
    // Robots work without the WeCom app: only WECOM_ROBOTS is set.
    ch = await startWecomChannel({ WECOM_ROBOTS: `工会干部群=${KEY}` }, { fake, which: [], now });
  });
  afterAll(async () => {
    await ch?.stop();
    await ch?.fake.stop();
  });

  it('a robot is listed among the groups staff can send to', async () => {
    const groups = await ch.engine.deps.groups.list();
    expect(groups).toContainEqual(expect.objectContaining({ platform: 'wecomrobot', chatId: '工会干部群', name: '工会干部群（群机器人）' }));
  });

  it('25 notices to one robot: at most 20 go out in the minute, the rest wait in the delivery ledger and follow; each once; WeCom never refuses one', async () => {
    for (let i = 1; i <= 25; i++) await ch.engine.deps.notifier.notify(GROUP, [{ text: `群通知 ${i}` }]);
    const robot = () => ch.fake.sent.filter((s) => s.api === 'webhook/send' && s.robotKey === KEY);
    await ch.fake.waitForSent((s) => s.text === '群通知 15');
    // Settled: nothing more goes out within this minute.
    let count = -1;
    while (count !== robot().length) {
      count = robot().length;
      await new Promise((r) => setTimeout(r, 700));
    }
    expect(count).toBeGreaterThanOrEqual(15);
    expect(count).toBeLessThanOrEqual(20);
    // A minute later (and another, for an item whose slot was given up on this loaded machine) the rest follow.
    for (let minute = 0; minute < 5 && robot().length < 25; minute++) {
      offset += 61_000;
      const deadline = Date.now() + 5000;
      while (robot().length < 25 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    }
    // Each once (the delivery path may reorder an item whose slot it had to give up).
    const byNumber = (t: string | undefined) => Number(t?.replace('群通知 ', ''));
    expect(robot().map((s) => byNumber(s.text)).sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(ch.fake.violations).toEqual([]);
  }, 60_000);

  it('a picture goes inline, a document is uploaded first', async () => {
    offset += 61_000;
    const jpg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 9, 8, 7]);
    const pdf = Buffer.from('%PDF-1.4 notice');
    await ch.engine.deps.notifier.notify(GROUP, [{ file: { name: '海报.jpg', mimeType: 'image/jpeg', data: jpg } }, { file: { name: '通知.pdf', mimeType: 'application/pdf', data: pdf } }]);
    const image = await ch.fake.waitForSent((s) => s.api === 'webhook/send' && s.msgtype === 'image');
    expect(image.media?.data.equals(jpg)).toBe(true);
    const file = await ch.fake.waitForSent((s) => s.api === 'webhook/send' && s.msgtype === 'file');
    expect(file.media).toMatchObject({ name: '通知.pdf' });
    expect(file.media?.data.equals(pdf)).toBe(true);
  });
});

describe('robot send failures, as the delivery path reads them', () => {
  it('the minute limit waits, a removed robot fails for good, the network is tried again', () => {
    expect(classifyRobotError(new ApiError('/cgi-bin/webhook/send', 45009, 'api freq out of limit', true))).toMatchObject({ kind: 'retry-after', ms: 60_000 });
    expect(classifyRobotError(new ApiError('/cgi-bin/webhook/send', 93000, 'invalid webhook url', false))).toMatchObject({ kind: 'permanent' });
    expect(classifyRobotError(new ApiError('/cgi-bin/webhook/send', undefined, 'fetch failed', true))).toMatchObject({ kind: 'transient' });
  });
});
