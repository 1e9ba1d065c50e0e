/**
 * The WeCom (企业微信) self-built app channel end to end: the real engine and HTTP server, a real redis-server,
 * and the fake WeCom server (test/helpers/fake-wecom.ts) posting encrypted, signed callbacks and serving
 * gettoken, message/send and media/*.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/app/engine.ts';
import { startChannels, type RunningApp } from '../../src/channels/index.ts';
import { registerCallback } from '../../src/channels/wecom/callback.ts';
import { CallbackCrypto } from '../../src/channels/wecom/crypto.ts';
import type { WecomChannel } from '../../src/channels/wecom/index.ts';
import { loadConfig } from '../../src/core/config.ts';
import { createLogger } from '../../src/core/logger.ts';
import { TEST_KEY_HEX } from '../helpers/harness.ts';
import { callback, encryptFor, FakeWecom, newAesKey, sign, toXml, verifyUrl } from '../helpers/fake-wecom.ts';
import { startFakeOpenAI } from '../helpers/fake-openai.ts';
import { play, textOf } from '../helpers/transcript.ts';
import { AGENT_ID, officialEnv, startWecomChannel, type WecomTestChannel } from '../helpers/wecom-harness.ts';
import { applicationUntilSummary, CARD, SUBMIT } from '../intents/claims/transcripts.ts';

const docsDir = mkdtempSync(join(tmpdir(), 'ua-wecom-'));
afterAll(() => rmSync(docsDir, { recursive: true, force: true }));

const claimNo = (text: string) => /HZ-\d{8}-\d{4}/.exec(text)?.[0] ?? '';

describe('WeCom app: callback security', () => {
  let ch: WecomTestChannel;
  beforeAll(async () => {
    ch = await startWecomChannel({}, { which: ['wecom'] });
  });
  afterAll(async () => {
    await ch?.stop();
  });

  it('URL verification answers the decrypted echostr; a wrong signature gets 403 and no echo', async () => {
    const ok = await verifyUrl(ch.app.url, '/wecom/callback', ch.secrets.wecom);
    expect(ok.status).toBe(200);
    expect(ok.body).toBe(ok.expected);
    const bad = await verifyUrl(ch.app.url, '/wecom/callback', ch.secrets.wecom, { tamper: true });
    expect(bad.status).toBe(403);
    expect(bad.body).not.toContain(bad.expected);
  });

  it('a message with a bad signature, another receiver id or a wrong key is refused and never handled', async () => {
    const before = ch.fake.sent.length;
    // A correctly signed message is answered; the forged ones below are not.
    expect((await ch.post('mallory', { Content: '菜单' })).status).toBe(200);
    await ch.settled('mallory');
    const answered = ch.fake.sent.length - before;
    expect(answered).toBeGreaterThan(0);

    const forged = await callback(ch.app.url, '/wecom/callback', { ToUserName: ch.fake.corpId, FromUserName: 'mallory', CreateTime: Math.floor(Date.now() / 1000), MsgType: 'text', Content: '菜单', MsgId: '9001', AgentID: AGENT_ID }, ch.secrets.wecom, { signature: 'f'.repeat(40) });
    expect(forged.status).toBe(403);
    const otherCorp = await callback(ch.app.url, '/wecom/callback', { ToUserName: 'wwother', FromUserName: 'mallory', CreateTime: Math.floor(Date.now() / 1000), MsgType: 'text', Content: '菜单', MsgId: '9002', AgentID: AGENT_ID }, { ...ch.secrets.wecom, receiveId: 'wwothercorp' });
    expect(otherCorp.status).toBe(403);
    const otherKey = await callback(ch.app.url, '/wecom/callback', { ToUserName: ch.fake.corpId, FromUserName: 'mallory', CreateTime: Math.floor(Date.now() / 1000), MsgType: 'text', Content: '菜单', MsgId: '9003', AgentID: AGENT_ID }, { ...ch.secrets.wecom, aesKey: newAesKey() });
    expect(otherKey.status).toBe(403);
    const notXml = await fetch(`${ch.app.url}/wecom/callback?timestamp=1&nonce=2&msg_signature=${'0'.repeat(40)}`, { method: 'POST', body: '{"a":1}' });
    expect(notXml.status).toBe(403);
    await new Promise((r) => setTimeout(r, 300));
    expect(ch.fake.sent.length - before).toBe(answered);
  });

  it('refusals are logged with the caller address', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } }));
    const app = Fastify();
    const secrets = { token: 'tok123', aesKey: newAesKey(), receiveId: 'wwcorp' };
    registerCallback(app, { path: '/cb', crypto: new CallbackCrypto(secrets.token, secrets.aesKey, secrets.receiveId), log, urlCheck: 'encrypted', onMessage: async () => '' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
      const encrypted = encryptFor(secrets.aesKey, toXml({ MsgType: 'text' }), secrets.receiveId);
      const res = await fetch(`${url}/cb?timestamp=1&nonce=n&msg_signature=${sign('other', '1', 'n', encrypted)}`, { method: 'POST', body: toXml({ Encrypt: encrypted }) });
      expect(res.status).toBe(403);
      const refusal = lines.map((l) => JSON.parse(l) as { msg: string; why?: string; ip?: string }).find((l) => l.msg === 'callback refused');
      expect(refusal).toMatchObject({ why: 'bad signature', ip: '127.0.0.1' });
    } finally {
      await app.close();
    }
  });
});

describe('WeCom app: members talk to the bot', () => {
  let ch: WecomTestChannel;
  beforeAll(async () => {
    ch = await startWecomChannel({
      DATA_ENCRYPTION_KEY: TEST_KEY_HEX, DOCUMENTS_DIR: docsDir, BOT_ADMINS: 'wecom:admin1', RATE_LIMIT_PER_MINUTE: '1000',
    }, { which: ['wecom'] });
  });
  afterAll(async () => {
    await ch?.stop();
  });

  it('a labor-law question is acknowledged at once and answered through message/send, once even when WeChat retries', async () => {
    const msgId = '7200000000000000001';
    const first = await ch.post('zhangsan', { Content: '公司拖欠工资怎么办？', MsgId: msgId });
    expect(first).toMatchObject({ status: 200, body: '' });
    // WeChat retries a callback it considers unanswered: the same MsgId is queued once.
    const retry = await ch.post('zhangsan', { Content: '公司拖欠工资怎么办？', MsgId: msgId });
    expect(retry).toMatchObject({ status: 200, body: '' });
    const answer = await ch.fake.waitForSent((s) => s.touser === 'zhangsan');
    expect(answer).toMatchObject({ api: 'message/send', msgtype: 'text' });
    expect(answer.text).toContain('依据');
    expect(answer.text).toContain('劳动合同法');
    await ch.settled('zhangsan');
    await new Promise((r) => setTimeout(r, 300));
    expect(ch.fake.sentTo('zhangsan').filter((s) => s.text?.includes('依据'))).toHaveLength(1);
  });

  it('a whole claim with image documents: consent, questions, photos through media/get, submit; the admin gets the documents back through media/upload and approves; the member is told', async () => {
    const member = 'hosp1';
    const steps = applicationUntilSummary('hospital', '张三', new Date());
    const out = await play(ch, [...steps, SUBMIT], member);
    const no = claimNo(textOf(out.at(-1) ?? []));
    expect(no).not.toBe('');
    // The photos were fetched from WeCom with media/get.
    expect(ch.fake.calls.filter((c) => c.path === '/cgi-bin/media/get').length).toBeGreaterThanOrEqual(4);

    await play(ch, [{ say: `/approve ${no} 1000`, expect: '权限', not: '已批准' }], member);
    const detail = await ch.dm('admin1').say(`/claim ${no}`);
    const files = detail.flatMap((r) => (r.file ? [r.file] : []));
    expect(files).toHaveLength(5);
    const uploaded = steps.flatMap((s) => s.files ?? []).map((f) => f.data.toString('hex')).sort();
    expect(files.map((f) => f.data.toString('hex')).sort()).toEqual(uploaded);
    // Pictures go as images, the PDF as a file.
    const kinds = ch.fake.sentTo('admin1').filter((s) => s.media).map((s) => s.msgtype).sort();
    expect(kinds).toEqual(['file', 'image', 'image', 'image', 'image']);

    await play(ch, [{ say: `/approve ${no} 2000.50 材料齐全`, expect: ['已批准', no] }], 'admin1');
    const note = await ch.notification(member, new RegExp(`${no}.*已审核通过`));
    expect(note).toContain(`尾号 ${CARD.slice(-4)}`);
  });

  it('a voice note gets a friendly word instead of silence', async () => {
    const r = await ch.post('voice1', { MsgType: 'voice', MediaId: 'm-voice', Format: 'amr' });
    expect(r.status).toBe(200);
    const said = await ch.fake.waitForSent((s) => s.touser === 'voice1');
    expect(said.text).toContain('文字');
  });
});

describe('WeCom app: the 5-second deadline', () => {
  it('the callback is answered at once while a slow answer (the model hangs until its timeout) follows through message/send', async () => {
    const llm = await startFakeOpenAI(() => ({ hang: true }));
    const ch = await startWecomChannel({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: llm.baseURL, OPENAI_TIMEOUT_MS: '6000' }, { which: ['wecom'] });
    try {
      const started = Date.now();
      const r = await ch.post('slow1', { Content: '公司拖欠工资怎么办？' });
      expect(r.status).toBe(200);
      expect(r.ms).toBeLessThan(1000);
      const answer = await ch.fake.waitForSent((s) => s.touser === 'slow1', 30_000);
      expect(llm.requests.length).toBeGreaterThan(0);
      expect(Date.now() - started).toBeGreaterThan(5000);
      expect(answer.text).toContain('依据');
    } finally {
      await ch.stop();
      await llm.close();
    }
  }, 60_000);
});

describe('WeCom app: per-member limits queue, never drop', () => {
  it('35 notices to one member: 30 go out, 5 wait in the delivery ledger (not marked sent); a minute later they follow, each once, all 35 in the order queued; WeCom never sees more than 30 a minute', async () => {
    let offset = 0;
    const now = () => new Date(Date.now() + offset);
    const fake = await FakeWecom.start({ now: () => now().getTime() });
    const ch = await startWecomChannel({}, { fake, which: ['wecom'], now });
    try {
      // Ids that sort backwards (services name their notifications): the queue order is not the ids' order.
      for (let i = 1; i <= 35; i++) await ch.engine.deps.notifier.notify({ platform: 'wecom', chatId: 'busy1', chatType: 'private' }, [{ text: `通知 ${i}` }], { id: `notice-${100 - i}` });
      await fake.waitForSent((s) => s.text === '通知 30', 30_000);
      await new Promise((r) => setTimeout(r, 1000));
      expect(fake.sentTo('busy1')).toHaveLength(30);
      expect(await ch.engine.outbox.depth('wecom')).toBe(5);
      offset += 61_000;
      for (const deadline = Date.now() + 40_000; fake.sentTo('busy1').length < 35 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
      const texts = fake.sentTo('busy1').map((s) => s.text);
      // All in order, each once: the 5 the ledger held back follow in the order they were queued.
      expect(texts).toEqual(Array.from({ length: 35 }, (_, i) => `通知 ${i + 1}`));
      expect(fake.violations).toEqual([]);
    } finally {
      await ch.stop();
      await fake.stop();
    }
  }, 120_000);
});

describe('WeCom app: the access token across two processes', () => {
  it('a token expiring mid-run (42001) is refreshed exactly once though two processes hit it at the same time', async () => {
    const ch = await startWecomChannel({}, { which: ['wecom'] });
    let second: { engine: Engine; app: RunningApp } | undefined;
    try {
      // A second bot process on the same Redis.
      const config = loadConfig({ LOG_LEVEL: 'silent', PORT: '0', REDIS_URL: ch.te.redisUrl, WEB_RATE_LIMIT_PER_MINUTE_PER_IP: '100000', ...officialEnv(ch.fake, ch.secrets, ['wecom']) });
      const engine = await createEngine(config, createLogger('silent'));
      second = { engine, app: await startChannels(engine) };
      const wecomB = second.app.channels.find((c) => c.name === 'wecom') as WecomChannel;

      await ch.post('t1', { Content: '菜单' });
      await ch.fake.waitForSent((s) => s.touser === 't1');
      const fetches = () => ch.fake.tokenFetches.filter((f) => f.secret === ch.fake.secret).length;
      expect(fetches()).toBe(1);

      ch.fake.expireTokens();
      // Both processes answer members at the same moment with the expired token.
      const results = await Promise.all([
        ch.post('t2', { Content: '菜单' }),
        callback(second.app.url, '/wecom/callback', { ToUserName: ch.fake.corpId, FromUserName: 't3', CreateTime: Math.floor(Date.now() / 1000), MsgType: 'text', Content: '菜单', MsgId: '88001', AgentID: AGENT_ID }, ch.secrets.wecom),
      ]);
      expect(results.map((r) => r.status)).toEqual([200, 200]);
      await Promise.all([ch.fake.waitForSent((s) => s.touser === 't2'), ch.fake.waitForSent((s) => s.touser === 't3')]);
      expect(fetches()).toBe(2);

      // And directly: both processes are refused the same token and ask for a new one at once.
      const stale = await ch.wecom().token.get();
      ch.fake.expireTokens();
      await Promise.all([ch.wecom().token.refuse(stale), wecomB.token.refuse(stale)]);
      const [a, b] = await Promise.all([ch.wecom().token.get(), wecomB.token.get()]);
      expect(a).toBe(b);
      expect(a).not.toBe(stale);
      expect(fetches()).toBe(3);
      // A process that learns late of the refused token does not throw away the fresh one.
      await wecomB.token.refuse(stale);
      expect(await wecomB.token.get()).toBe(a);
      expect(fetches()).toBe(3);
    } finally {
      await second?.app.stop();
      await second?.engine.close();
      await ch.stop();
    }
  }, 60_000);
});
