/**
 * 微信客服 end to end: the fake WeCom server signals, the bot pulls with kf/sync_msg from its stored cursor and
 * answers with kf/send_msg within the 48-hour / 5-message window; a closed window becomes a handoff ticket whose
 * alert reaches staff (here through the WeCom app). Real engine, real redis-server, bots restarted on the same Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/app/engine.ts';
import { startChannels, type RunningApp } from '../../src/channels/index.ts';
import { loadConfig } from '../../src/core/config.ts';
import type { RedisProcess } from '../../src/core/redis-server.ts';
import { createLogger } from '../../src/core/logger.ts';
import { FakeWecom } from '../helpers/fake-wecom.ts';
import { startRedis } from '../helpers/redis.ts';
import { kfSignal, newSecrets, officialEnv, OPEN_KFID, type OfficialSecrets } from '../helpers/wecom-harness.ts';
import type { WxkfChannel } from '../../src/channels/wxkf/index.ts';

interface Bot {
  engine: Engine;
  app: RunningApp;
  stop(): Promise<void>;
}

async function startBot(redisUrl: string, fake: FakeWecom, secrets: OfficialSecrets, env: Record<string, string> = {}, now?: () => Date): Promise<Bot> {
  const config = loadConfig({ LOG_LEVEL: 'silent', PORT: '0', REDIS_URL: redisUrl, WEB_RATE_LIMIT_PER_MINUTE_PER_IP: '100000', ...officialEnv(fake, secrets, ['wecom', 'wxkf']), ...env });
  const engine = await createEngine(config, createLogger('silent'), { now });
  const app = await startChannels(engine);
  return { engine, app, stop: async () => { await app.stop(); await engine.close(); } };
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await fn();
    if (got !== undefined && got !== false) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('微信客服: pulling with the cursor', () => {
  let redis: RedisProcess;
  let fake: FakeWecom;
  let secrets: OfficialSecrets;
  beforeAll(async () => {
    redis = await startRedis();
    fake = await FakeWecom.start();
    secrets = newSecrets(fake);
  });
  afterAll(async () => {
    await fake?.stop();
    await redis?.stop();
  });

  it('a burst of 30 messages from 6 customers across two callbacks, with a restart between: each pulled once, each handled once, in order per customer', async () => {
    fake.kfPageSize = 7; // pages: sync_msg says has_more, the bot follows next_cursor
    const customers = ['wmAlice', 'wmBob', 'wmCarol', 'wmDave', 'wmErin', 'wmFrank'];
    const said = new Map<string, string[]>(customers.map((c) => [c, []]));
    const add = (round: number) => {
      for (let j = 0; j < round; j++) {
        for (const c of customers) {
          const text = `我的第${(said.get(c)?.length ?? 0) + 1}条留言`;
          said.get(c)?.push(text);
          fake.addKfMessage({ open_kfid: OPEN_KFID, external_userid: c, msgtype: 'text', text: { content: text } });
        }
      }
    };
    const handled = async (bot: Bot, n: number) =>
      until(`${n} messages handled`, async () => {
        const values = await Promise.all(fake.kfLog.slice(0, n).map((m) => bot.engine.deps.redis.get(bot.engine.deps.keys.dedup('wxkf', m.external_userid, m.msgid))));
        return values.every((v) => v?.startsWith('done')) ? values : undefined;
      });

    add(3); // 18 messages
    const first = await startBot(redis.url, fake, secrets);
    expect((await kfSignal(first.app.url, fake, secrets)).body).toBe('success');
    await handled(first, 18);
    await until('replies sent', async () => fake.sent.filter((s) => s.api === 'kf/send_msg').length >= 18);
    await first.stop();
    const cursor = await (async () => {
      const { Redis } = await import('ioredis');
      const client = new Redis(redis.url);
      try {
        return await client.get(`ua:{wxkf}:cursor:${OPEN_KFID}`);
      } finally {
        client.disconnect();
      }
    })();
    expect(cursor).toBe('c18');

    add(2); // 12 more while the bot is down
    const syncsBefore = fake.syncCalls.length;
    const second = await startBot(redis.url, fake, secrets);
    try {
      await kfSignal(second.app.url, fake, secrets);
      await handled(second, 30);
      // The restarted bot went on from the stored cursor: nothing was pulled twice.
      expect(fake.syncCalls[syncsBefore]?.cursor).toBe('c18');
      expect(fake.syncCalls.slice(syncsBefore).every((c) => c.cursor !== '' && c.cursor !== 'c0')).toBe(true);
      // Each customer's messages reached the conversation once each, in the order they were sent.
      for (const c of customers) {
        const { keys, redis: r } = second.engine.deps;
        const history = (await r.lrange(keys.history(keys.session('wxkf', c, c)), 0, -1)).map((t) => JSON.parse(t) as { from: string; text: string });
        // (the history keeps the last turns: the latest messages, in order)
        const members = history.filter((t) => t.from === 'member').map((t) => t.text);
        expect(members.length).toBeGreaterThanOrEqual(4);
        expect(members).toEqual(said.get(c)?.slice(-members.length));
      }
      await until('every reply sent', async () => fake.sent.filter((s) => s.api === 'kf/send_msg').length >= 30);
      for (const c of customers) {
        const replies = fake.sentTo(c);
        expect(replies.length).toBe(5);
        expect(replies.every((r) => r.api === 'kf/send_msg' && r.openKfid === OPEN_KFID)).toBe(true);
      }
    } finally {
      await second.stop();
    }
  }, 90_000);

  it('a message handled again from the inbox (a crash before it left it) is not answered twice', async () => {
    const bot = await startBot(redis.url, fake, secrets);
    try {
      const customer = 'wmRedo';
      const msg = fake.addKfMessage({ open_kfid: OPEN_KFID, external_userid: customer, msgtype: 'text', text: { content: '菜单' } });
      await kfSignal(bot.app.url, fake, secrets);
      const replies = () => fake.sentTo(customer).filter((s) => s.api === 'kf/send_msg');
      await until('answered', async () => replies().length === 1);
      // What the next drain finds after a crash between handling the message and removing it from the inbox.
      const kf = bot.app.channels.find((c) => c.name === 'wxkf') as unknown as WxkfChannel;
      const body = { id: msg.msgid, from: customer, kfid: OPEN_KFID, at: msg.send_time * 1000, type: 'text', text: '菜单' };
      expect(await kf.inbox.push([{ id: `again-${msg.msgid}`, member: customer, body: JSON.stringify(body) }])).toBe(1);
      await until('drained', async () => (await kf.inbox.pending()) === 0 && (await kf.queue.pending(customer)) === 0);
      await new Promise((r) => setTimeout(r, 500));
      expect(replies()).toHaveLength(1);
    } finally {
      await bot.stop();
    }
  });
});

describe('微信客服: the reply window', () => {
  let redis: RedisProcess;
  let fake: FakeWecom;
  let bot: Bot;
  let offset = 0;
  const now = () => new Date(Date.now() + offset);
  beforeAll(async () => {
    redis = await startRedis();
    fake = await FakeWecom.start({ now: () => now().getTime() });
    bot = await startBot(redis.url, fake, newSecrets(fake), { BOT_STAFF: 'wecom:staff1' }, now);
  });
  afterAll(async () => {
    await bot?.stop();
    await fake?.stop();
    await redis?.stop();
  });

  const secretsOf = () => ({ kf: { token: bot.engine.config.WXKF_TOKEN!, aesKey: bot.engine.config.WXKF_ENCODING_AES_KEY!, receiveId: fake.corpId } }) as OfficialSecrets;
  const notify = (c: string, text: string) => bot.engine.deps.notifier.notify({ platform: 'wxkf', chatId: c, chatType: 'private' }, [{ text }]);

  it('a customer who opens the chat is greeted once through the event code', async () => {
    fake.kfEnterSession('wmHello', OPEN_KFID);
    await kfSignal(bot.app.url, fake, secretsOf());
    const hello = await fake.waitForSent((s) => s.touser === 'wmHello');
    expect(hello.api).toBe('kf/send_msg_on_event');
    expect(hello.text).toContain('工会小助手');
    expect(fake.welcomeCodes.size).toBe(0);
  });

  it('a labor-law question is answered through kf/send_msg', async () => {
    fake.addKfMessage({ open_kfid: OPEN_KFID, external_userid: 'wmLaw', msgtype: 'text', text: { content: '公司拖欠工资怎么办？' } });
    await kfSignal(bot.app.url, fake, secretsOf());
    const answer = await fake.waitForSent((s) => s.touser === 'wmLaw');
    expect(answer).toMatchObject({ api: 'kf/send_msg', openKfid: OPEN_KFID });
    expect(answer.text).toContain('依据');
  });

  it('after five messages the window is closed: the sixth is not sent, and staff get a handoff ticket saying what was not delivered', async () => {
    fake.kfNames.set('wmFive', '李四');
    fake.addKfMessage({ open_kfid: OPEN_KFID, external_userid: 'wmFive', msgtype: 'text', text: { content: '你好' } });
    await kfSignal(bot.app.url, fake, secretsOf());
    await fake.waitForSent((s) => s.touser === 'wmFive');
    for (let i = 1; i <= 5; i++) await notify('wmFive', `活动通知 ${i}`);
    const alert = await fake.waitForSent((s) => s.touser === 'staff1' && (s.text ?? '').includes('新转人工工单'));
    expect(alert.api).toBe('message/send');
    // Staff see the customer's WeChat nickname.
    expect(alert.text).toContain('李四');
    expect(fake.sentTo('wmFive')).toHaveLength(5);
    expect(fake.sentTo('wmFive').map((s) => s.text)).not.toContain('活动通知 5');
    const tickets = await bot.engine.deps.redis.keys('ua:*ticket*');
    expect(tickets.length).toBeGreaterThan(0);
  });

  it('48 hours after the customer last wrote, a notice is not sent and staff are told through a handoff', async () => {
    fake.addKfMessage({ open_kfid: OPEN_KFID, external_userid: 'wmLate', msgtype: 'text', text: { content: '我想问一下' } });
    await kfSignal(bot.app.url, fake, secretsOf());
    await fake.waitForSent((s) => s.touser === 'wmLate');
    offset += 49 * 3600_000;
    await notify('wmLate', '您的互助申请已审核通过');
    const alert = await fake.waitForSent((s) => s.touser === 'staff1' && (s.text ?? '').includes('wmLate'));
    expect(alert.text).toContain('新转人工工单');
    expect(fake.sentTo('wmLate').map((s) => s.text)).not.toContain('您的互助申请已审核通过');
  });
});
