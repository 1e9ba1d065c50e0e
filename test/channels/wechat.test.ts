/**
 * WeChat channel on wechaty with wechaty-puppet-mock, the real engine and real Redis.
 */
import { CORE_TEXT } from '../../src/core/texts.ts';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../../src/app/engine.ts';
import { loadConfig } from '../../src/core/config.ts';
import { createLogger } from '../../src/core/logger.ts';
import { isTrustedViewer, startChannels } from '../../src/channels/index.ts';
import { startWechat } from '../../src/channels/wechat/index.ts';
import { log as wechatyLog } from 'wechaty';
import { PuppetMock, mock } from 'wechaty-puppet-mock';
import { Writable } from 'node:stream';
import { startRedis } from '../helpers/redis.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELP_TEXT } from '../../intents/help/texts.ts';
import { backoffDelay, Reconnector, SendQueue } from '../../src/channels/backoff.ts';
import { parseQuote, stripMentions } from '../../src/channels/wechat/map.ts';
import { BOT_NAME, startWechatHarness, type WechatHarness } from '../helpers/wechat-harness.ts';

type Json = Record<string, unknown>;
const fixture = (name: string): string => readFileSync(new URL(`../fixtures/wechat/${name}.json`, import.meta.url), 'utf8');

describe('wechat helpers (pure)', () => {
  it('trusts a status viewer with the token, or without a token one on loopback not behind a proxy', () => {
    const token = 'secret-token-123';
    expect(isTrustedViewer({ ip: '203.0.113.9', headers: { authorization: `Bearer ${token}` } }, token)).toBe(true);
    expect(isTrustedViewer({ ip: '127.0.0.1', headers: {} }, token)).toBe(false);
    expect(isTrustedViewer({ ip: '127.0.0.1', headers: { authorization: 'Bearer wrong-token-12' } }, token)).toBe(false);
    expect(isTrustedViewer({ ip: '::1', headers: {} }, undefined)).toBe(true);
    expect(isTrustedViewer({ ip: '10.0.0.2', headers: {} }, undefined)).toBe(false);
    expect(isTrustedViewer(undefined, undefined)).toBe(false);
  });


  it('backs off exponentially from 1 s to 5 min with jitter', () => {
    const mid = (n: number) => backoffDelay(n, { random: () => 0.5 });
    expect([0, 1, 2, 3, 8, 9, 20].map(mid)).toEqual([1000, 2000, 4000, 8000, 256_000, 300_000, 300_000]);
    expect(backoffDelay(0, { random: () => 0 })).toBe(800);
    expect(backoffDelay(0, { random: () => 1 })).toBe(1200);
    expect(backoffDelay(40, { random: () => 1 })).toBe(300_000);
  });

  it('retries a failing reconnect with growing delays and stops when told', async () => {
    const at: number[] = [];
    let fail = 2;
    const r = new Reconnector(
      async () => {
        at.push(Date.now());
        if (fail-- > 0) throw new Error('down');
      },
      () => undefined,
      { baseMs: 20, maxMs: 1000, random: () => 0.5 },
    );
    const t0 = Date.now();
    r.schedule();
    expect(r.schedule()).toBeUndefined(); // already pending
    await new Promise((res) => setTimeout(res, 250));
    expect(at).toHaveLength(3); // 20 ms, +40 ms, +80 ms
    expect(at[0]! - t0).toBeGreaterThanOrEqual(15);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(at[1]! - at[0]! - 5);
    expect(r.restarts).toBe(3);
    r.stop();
    expect(r.schedule()).toBeUndefined();
  });

  it('spaces queued sends', async () => {
    const q = new SendQueue(60);
    const at: number[] = [];
    await Promise.all([1, 2, 3].map(() => q.run(async () => at.push(Date.now()))));
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(55);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(55);
    await expect(q.run(async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(q.run(async () => 'still works')).resolves.toBe('still works');
  });

  it('parses quoted replies and strips mentions of the bot only', () => {
    expect(parseQuote('「工会小助手：您好」\n- - - - - - - - - - - - - - -\n帮助')).toEqual({ quotedName: '工会小助手', reply: '帮助' });
    expect(parseQuote('普通消息')).toBeNull();
    expect(stripMentions('@工会小助手\u2005菜单', ['工会小助手'])).toBe('菜单');
    expect(stripMentions('请问 @工会小助手 @张三\u2005怎么办', ['工会小助手'])).toBe('请问 @张三 怎么办');
  });
});

describe('wechat channel with the mock puppet', () => {
  let h: WechatHarness;
  beforeAll(async () => {
    h = await startWechatHarness({ sendIntervalMs: 100 });
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('reports the logged-in user', () => {
    expect(h.channel.status()).toMatchObject({ state: 'logged-in', user: BOT_NAME });
  });

  it('answers a private chat', async () => {
    expect(await h.say('alice', '菜单')).toEqual([HELP_TEXT.menu]);
    const [handoff] = await h.say('alice', '转人工');
    expect(handoff).toContain('工单号');
  });

  it('answers a group @mention and mentions the asker', async () => {
    expect(await h.say('bob', '菜单', { room: '会员群', mention: true })).toEqual([`@bob ${HELP_TEXT.menu}`]);
  });

  it('ignores group chatter', async () => {
    const before = h.sent.length;
    expect(await h.say('carol', '菜单', { room: '会员群' })).toEqual([]);
    expect(await h.say('carol', '今天食堂有饺子', { room: '会员群' })).toEqual([]);
    expect(h.sent.length).toBe(before);
  });

  it('answers a group message that starts with the bot name', async () => {
    expect(await h.say('dave', `${BOT_NAME} 菜单`, { room: '会员群' })).toEqual([`@dave ${HELP_TEXT.menu}`]);
  });

  it('ignores its own messages', async () => {
    const before = h.sent.length;
    const out = await h.push({ talkerId: h.botContact.id, listenerId: h.contact('erin').id, timestamp: Date.now(), type: 7, text: '菜单' });
    expect(out).toEqual([]);
    expect(h.sent.length).toBe(before);
  });

  it('ignores a stale message', async () => {
    const out = await h.push({ talkerId: h.contact('frank').id, listenerId: h.botContact.id, timestamp: Date.now() - 3600_000, type: 7, text: '菜单' });
    expect(out).toEqual([]);
  });

  it('handles recorded payloads: room mention, private text, quoted reply to the bot', async () => {
    const ids = (s: string) =>
      JSON.parse(s.replaceAll('@ALICE', h.contact('grace').id).replaceAll('@BOT', h.botContact.id).replaceAll('@ROOM', h.room('会员群').id)) as Json;
    const fresh = (name: string): Json => ({ ...ids(fixture(name)), id: `fx-${name}-${Date.now()}`, timestamp: Date.now() });

    const mention = await h.push(fresh('room-mention'));
    expect(mention.map((m) => m.text)).toEqual([`@grace ${HELP_TEXT.menu}`]);
    const quote = await h.push(fresh('room-quote-reply'));
    expect(quote.map((m) => m.text)).toEqual([`@grace ${HELP_TEXT.menu}`]);
    const dm = await h.push(fresh('private-text'));
    expect(dm).toHaveLength(1);
    expect(dm[0]!.text).toContain('工单');
  });

  it('receives a file and answers the caption-less upload without crashing', async () => {
    const replies = await h.sendFile('heidi', { name: '诊断证明.pdf', data: Buffer.from('%PDF-1.4 test') });
    // A file without text goes to the pipeline (no size notice); the channel keeps serving.
    expect(replies).not.toContain(CORE_TEXT.fileTooBig);
    expect(await h.sendFile('heidi', { name: 'photo.png', data: Buffer.from('png') })).not.toContain(CORE_TEXT.fileTooBig);
    expect(await h.say('heidi', '菜单')).toEqual([HELP_TEXT.menu]);
  });

  it('tells the member when a file is over 10 MB', async () => {
    const replies = await h.sendFile('ken', { name: 'scan.pdf', data: Buffer.alloc(10 * 1024 * 1024 + 1, 7) });
    expect(replies.at(-1)).toBe(CORE_TEXT.fileTooBig);
  }, 20_000);

  it('does not download files posted in a group without a mention', async () => {
    expect(await h.sendFile('ken', { name: 'big.pdf', data: Buffer.alloc(10 * 1024 * 1024 + 1, 7) }, { room: '会员群' })).toEqual([]);
  }, 20_000);

  it('delivers outbox notifications to a contact and to a room (mentioning the member)', async () => {
    const ivan = h.contact('ivan');
    await h.engine.outbox.notify({ platform: 'wechat', chatId: ivan.id, chatType: 'private' }, [{ text: '您的互助申请已通过。' }]);
    const dm = await h.waitForSent((s) => s.toContactId === ivan.id);
    expect(dm.text).toBe('您的互助申请已通过。');

    const room = h.room('活动群');
    await h.engine.outbox.notify({ platform: 'wechat', chatId: room.id, chatType: 'group', mentionUserId: ivan.id, mentionName: 'ivan' }, [
      { text: '活动改到周六。' },
      { file: { name: '名单.csv', mimeType: 'text/csv', data: Buffer.from('a,b\n') } },
    ]);
    const text = await h.waitForSent((s) => s.roomId === room.id && s.text !== undefined);
    expect(text.text).toBe('@ivan 活动改到周六。');
    const file = await h.waitForSent((s) => s.roomId === room.id && s.fileName !== undefined);
    expect(file.fileName).toBe('名单.csv');
    // Paced by the per-process send queue (100 ms in this harness).
    expect(file.at - text.at).toBeGreaterThanOrEqual(90);
  });

  it('accepts a friend request and greets the new friend with how to see the menu', async () => {
    const id = await h.requestFriendship('newfriend', '我是三车间的');
    await expect.poll(() => h.acceptedFriendships).toContain(id);
    const greeting = await h.waitForSent((s) => s.toContactId === h.contact('newfriend').id);
    expect(greeting.text).toBe(CORE_TEXT.friendWelcome);
    expect(await h.say('newfriend', '菜单')).toEqual([HELP_TEXT.menu]);
  });

  it('reconnects after a logout, shows the scan QR, and serves again after login', async () => {
    const restarts = Number(h.channel.status().restarts);
    await h.puppet.logout('test');
    await h.waitForState('starting');
    expect(Number(h.channel.status().restarts)).toBe(restarts + 1);

    h.mocker.scan('https://login.weixin.qq.com/l/abc123');
    await h.waitForState('scan');
    await expect.poll(() => h.channel.status().qrSvg, { timeout: 5000 }).toMatch(/^<svg/);
    expect(h.channel.status().qrUrl).toBe(`https://wechaty.js.org/qrcode/${encodeURIComponent('https://login.weixin.qq.com/l/abc123')}`);

    await h.login();
    expect(h.channel.status()).toMatchObject({ state: 'logged-in', user: BOT_NAME });
    expect(h.channel.status().qrSvg).toBeUndefined();
    expect(await h.say('judy', '菜单')).toEqual([HELP_TEXT.menu]);
  }, 20_000);
});

describe('wechat friend requests by keyword', () => {
  let h: WechatHarness;
  beforeAll(async () => {
    h = await startWechatHarness({ env: { WECHATY_ACCEPT_FRIENDS: 'keyword', WECHATY_FRIEND_KEYWORD: '工会会员' } });
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('accepts only requests whose hello carries the keyword', async () => {
    const stranger = await h.requestFriendship('stranger', '你好，加个好友');
    const member = await h.requestFriendship('member', '我是工会会员张三');
    await expect.poll(() => h.acceptedFriendships).toContain(member);
    await h.waitForSent((s) => s.toContactId === h.contact('member').id && s.text === CORE_TEXT.friendWelcome);
    expect(h.acceptedFriendships).not.toContain(stranger);
    expect(h.sent.filter((s) => s.toContactId === h.contact('stranger').id)).toEqual([]);
  });

  it('needs the keyword when accepting by keyword', () => {
    expect(() => loadConfig({ WECHATY_ACCEPT_FRIENDS: 'keyword' })).toThrow(/WECHATY_FRIEND_KEYWORD: required/);
    expect(() => loadConfig({ WECHATY_ACCEPT_FRIENDS: 'some' })).toThrow(/WECHATY_ACCEPT_FRIENDS/);
  });
});

/** Like a puppet without network: it errs every few milliseconds once started; with `stuck`, it never finishes stopping. */
class UnreachablePuppet extends PuppetMock {
  starts = 0;
  stuck = false;
  private timer: NodeJS.Timeout | undefined;
  override async onStart(): Promise<void> {
    await super.onStart();
    this.starts++;
    this.timer = setInterval(() => this.emit('error', { gerror: 'getaddrinfo ENOTFOUND login.wx.qq.com' }), 5);
  }
  override async onStop(): Promise<void> {
    clearInterval(this.timer);
    if (this.stuck) await new Promise(() => undefined);
    await super.onStop();
  }
}

describe('wechat with a puppet that cannot connect', () => {
  it('logs one error per window, retries later each time up to the cap, and stops within its timeout', async () => {
    const redis = await startRedis();
    const lines: Array<{ level: number; msg: string; delayMs?: number; alsoSince?: number }> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as (typeof lines)[number]);
        done();
      },
    });
    try {
      const config = loadConfig({ ...process.env, NODE_ENV: 'test', REDIS_URL: redis.url, LOG_LEVEL: 'info', TELEGRAM_BOT_TOKEN: '', WECHATY_PUPPET: 'wechaty-puppet-mock' });
      const engine = await createEngine(config, createLogger('info', sink));
      const puppet = new UnreachablePuppet({ mocker: new mock.Mocker() });
      try {
        const channel = await startWechat(engine, { puppet, backoff: { baseMs: 50, maxMs: 200, random: () => 0.5 }, stopTimeoutMs: 300, printQr: false });
        await new Promise((r) => setTimeout(r, 2500));
        const errors = lines.filter((l) => l.level >= 50);
        // About 500 puppet errors in 2.5 s; one line, the rest counted into the next.
        expect(errors).toHaveLength(1);
        const delays = lines.filter((l) => l.msg === 'wechat will reconnect').map((l) => l.delayMs);
        expect(delays.slice(0, 4)).toEqual([50, 100, 200, 200]);
        expect(puppet.starts).toBeGreaterThanOrEqual(3);
        expect(['reconnecting', 'starting']).toContain(channel.status().state);

        // SIGTERM: the app stops its channels; a puppet stuck in stopping must not hold the process.
        puppet.stuck = true;
        const t0 = Date.now();
        await channel.stop();
        expect(Date.now() - t0).toBeLessThan(1500);
      } finally {
        await engine.close();
      }
    } finally {
      await redis.stop();
    }
  }, 30_000);
});

describe('wechat through startChannels (puppet by package name)', () => {
  it('starts the puppet named in WECHATY_PUPPET and shows the channel on /api/status', async () => {
    const redis = await startRedis();
    const dataDir = mkdtempSync(join(tmpdir(), 'ua-wechat-'));
    try {
      const config = loadConfig({
        ...process.env, NODE_ENV: 'test', REDIS_URL: redis.url, LOG_LEVEL: 'silent',
        PORT: '0', DATA_DIR: dataDir, TELEGRAM_BOT_TOKEN: '', WECHATY_PUPPET: 'wechaty-puppet-mock',
      });
      const engine = await createEngine(config, createLogger('silent'));
      const app = await startChannels(engine);
      try {
        const status = (await (await fetch(`${app.url}/api/status`)).json()) as Record<string, Record<string, unknown>>;
        expect(status.wechat).toMatchObject({ state: 'starting', restarts: 0 });

        // A login QR code shows only to a trusted viewer: here (no WEB_API_TOKEN) one on this machine, not via a proxy.
        app.channels.push({ name: 'qrdemo', status: () => ({ state: 'scan', qrSvg: '<svg/>', qrUrl: 'https://example.test/qr' }), stop: async () => undefined });
        expect(app.status({ ip: '127.0.0.1', headers: {} }).qrdemo).toEqual({ state: 'scan', qrSvg: '<svg/>', qrUrl: 'https://example.test/qr' });
        expect(app.status({ ip: '203.0.113.9', headers: {} }).qrdemo).toEqual({ state: 'scan' });
        expect(app.status({ ip: '127.0.0.1', headers: { 'x-forwarded-for': '203.0.113.9' } }).qrdemo).toEqual({ state: 'scan' });
        expect(app.status().qrdemo).toEqual({ state: 'scan' });
        app.channels.pop();
      } finally {
        await app.stop();
        await engine.close();
      }
    } finally {
      await redis.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('the log lines of wechaty itself', () => {
  it('go through our logger, masked, not to the console (a puppet may log a whole raw message)', async () => {
    const redis = await startRedis();
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const printed: unknown[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void printed.push(...args);
    try {
      const config = loadConfig({ ...process.env, NODE_ENV: 'test', REDIS_URL: redis.url, LOG_LEVEL: 'debug', TELEGRAM_BOT_TOKEN: '', WECHATY_PUPPET: 'wechaty-puppet-mock' });
      const engine = await createEngine(config, createLogger('debug', sink));
      try {
        const channel = await startWechat(engine, { puppet: new PuppetMock({ mocker: new mock.Mocker() }), printQr: false });
        wechatyLog.warn('PuppetWechat4u', 'initHookEvents() no message id: %s', JSON.stringify({ Content: '我的电话13812345678' }));
        await channel.stop();
      } finally {
        await engine.close();
      }
      const line = lines.find((l) => l.includes('no message id'));
      expect(line).toContain('138****5678');
      // At debug, pino's own level field intact (wechaty's is beside it).
      expect(JSON.parse(line ?? '{}')).toMatchObject({ level: 20, lib: 'wechaty', libLevel: 'WARN' });
      expect(lines.join('')).not.toContain('13812345678');
      expect(printed.join(' ')).not.toContain('13812345678');
    } finally {
      console.warn = warn;
      await redis.stop();
    }
  }, 30_000);
});
