/**
 * The Official Account (公众号) in safe mode end to end: the fake server posts encrypted, signed callbacks; the bot
 * answers passively (encrypted, checked here with the fake's own crypto) when it can within the wait, otherwise
 * answers empty and sends a 客服消息; stable_token is shared and refreshed once when refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callback, FakeWecom, openReply, verifyUrl } from '../helpers/fake-wecom.ts';
import { startFakeOpenAI } from '../helpers/fake-openai.ts';
import { oaPost, startWecomChannel, type WecomTestChannel } from '../helpers/wecom-harness.ts';
import { fillTemplate, type OfficialAccountChannel } from '../../src/channels/officialaccount/index.ts';
import { repliesToJobs } from '../../src/channels/wecom/jobs.ts';

const TEMPLATES = JSON.stringify({
  claim_decision: { id: 'TPL-claim-1', data: { character_string1: '{no}', thing2: '{plan}', phrase3: '{status}', amount4: '{amount}', thing5: '{note}' } },
});

describe('Official Account: callbacks', () => {
  let ch: WecomTestChannel;
  let offset = 0;
  const now = () => new Date(Date.now() + offset);
  beforeAll(async () => {
    const fake = await FakeWecom.start({ now: () => now().getTime() });
    ch = await startWecomChannel({ BOT_STAFF: 'wecom:staff1', WXOA_TEMPLATES: TEMPLATES }, { fake, which: ['wecom', 'wxoa'], now });
  });
  afterAll(async () => {
    await ch?.stop();
    await ch?.fake.stop();
  });
  const post = (openid: string, fields: Record<string, string | number>) => oaPost(ch.app.url, ch.fake, ch.secrets, openid, { CreateTime: Math.floor(now().getTime() / 1000), ...fields });

  it('URL verification echoes echostr only when the signature is right', async () => {
    const ok = await verifyUrl(ch.app.url, '/wxoa/callback', ch.secrets.oa, { style: 'oa' });
    expect(ok).toMatchObject({ status: 200, body: ok.expected });
    const bad = await verifyUrl(ch.app.url, '/wxoa/callback', ch.secrets.oa, { style: 'oa', tamper: true });
    expect(bad.status).toBe(403);
  });

  it('only safe mode is accepted: a plain-mode post and a forged signature are refused', async () => {
    const plain = await fetch(`${ch.app.url}/wxoa/callback?timestamp=1&nonce=2&signature=abc&openid=o1`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: '<xml><MsgType>text</MsgType><Content>菜单</Content></xml>' });
    expect(plain.status).toBe(403);
    const forged = await callback(ch.app.url, '/wxoa/callback', { ToUserName: 'gh_x', FromUserName: 'oForged', CreateTime: Math.floor(Date.now() / 1000), MsgType: 'text', Content: '菜单', MsgId: '1' }, ch.secrets.oa, { style: 'oa', signature: '0'.repeat(40) });
    expect(forged.status).toBe(403);
    expect(ch.fake.sentTo('oForged')).toEqual([]);
  });

  it('a labor-law question is answered passively, encrypted and signed, within the 5 seconds', async () => {
    const r = await post('oLaw', { Content: '公司拖欠工资怎么办？' });
    expect(r.status).toBe(200);
    expect(r.ms).toBeLessThan(5000);
    const reply = openReply(r.body, ch.secrets.oa);
    expect(reply).toMatchObject({ ToUserName: 'oLaw', FromUserName: 'gh_fakeaccount01', MsgType: 'text' });
    expect(reply.Content).toContain('依据');
    // Answered once: nothing follows as 客服消息.
    await new Promise((r) => setTimeout(r, 500));
    expect(ch.fake.sentTo('oLaw')).toEqual([]);
  });

  it('a new follower is welcomed passively', async () => {
    const r = await post('oNew', { MsgType: 'event', Event: 'subscribe' });
    expect(openReply(r.body, ch.secrets.oa).Content).toContain('欢迎关注');
  });

  it('a picture is fetched with media/get', async () => {
    const mediaId = ch.fake.addMedia(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]), 'photo.jpg', 'image/jpeg');
    const r = await post('oPic', { MsgType: 'image', PicUrl: `${ch.fake.url}/pic`, MediaId: mediaId });
    expect(r.status).toBe(200);
    expect(ch.fake.calls.some((c) => c.path === '/cgi-bin/media/get')).toBe(true);
  });

  it('a refused token (42001) is replaced once through stable_token with force_refresh', async () => {
    const before = ch.fake.tokenFetches.filter((f) => f.secret === ch.fake.oaSecret);
    ch.fake.customerWrote('oTok');
    ch.fake.expireTokens();
    await ch.engine.deps.notifier.notify({ platform: 'wxoa', chatId: 'oTok', chatType: 'private' }, [{ text: '您报名的活动明天开始' }]);
    await ch.fake.waitForSent((s) => s.touser === 'oTok' && s.api === 'custom/send');
    const after = ch.fake.tokenFetches.filter((f) => f.secret === ch.fake.oaSecret);
    expect(after.length - before.length).toBe(1);
    expect(after.at(-1)?.forced).toBe(before.length > 0);
  });

  it('48 hours after the follower last wrote, a notice cannot go as 客服消息: staff are told through a handoff', async () => {
    await post('oLate', { Content: '你好' });
    offset += 49 * 3600_000;
    await ch.engine.deps.notifier.notify({ platform: 'wxoa', chatId: 'oLate', chatType: 'private' }, [{ text: '您的互助申请需要补充材料' }]);
    const alert = await ch.fake.waitForSent((s) => s.touser === 'staff1' && (s.text ?? '').includes('oLate'));
    expect(alert.text).toContain('新转人工工单');
    expect(ch.fake.sentTo('oLate')).toEqual([]);
  });

  it("a claim decision after the 48 hours goes as the union's template message instead", async () => {
    await post('oClaim', { Content: '你好' });
    offset += 49 * 3600_000;
    const oa = ch.app.channels.find((c) => c.name === 'wxoa') as OfficialAccountChannel;
    const notice = { kind: 'claim_decision', fields: { no: 'HZ-20261130-0007', plan: '住院医疗互助', status: '已通过', amount: '2000.50 元', note: '材料齐全', time: '2026-11-30 15:00' } };
    await oa.queue.enqueue('oClaim', repliesToJobs([{ text: '您的互助申请 HZ-20261130-0007 已审核通过', notice }]));
    const sent = await ch.fake.waitForSent((s) => s.touser === 'oClaim');
    expect(sent.api).toBe('template/send');
    expect(sent.template).toEqual({
      id: 'TPL-claim-1',
      data: { character_string1: { value: 'HZ-20261130-0007' }, thing2: { value: '住院医疗互助' }, phrase3: { value: '已通过' }, amount4: { value: '2000.50 元' }, thing5: { value: '材料齐全' } },
    });
  });
});

describe('Official Account: template values', () => {
  it('fills keywords from the notice and cuts them to what WeChat accepts', () => {
    const fields = { no: 'HZ-20261130-0001', plan: '住院医疗互助（全市职工住院医疗互助保障计划第二期）', status: '已通过', note: '' };
    expect(fillTemplate('character_string1', '{no}', fields)).toBe('HZ-20261130-0001');
    expect(fillTemplate('thing2', '{plan}', fields)).toBe('住院医疗互助（全市职工住院医疗互助保障…');
    expect(fillTemplate('phrase3', '{status}', fields)).toBe('已通过');
    expect(fillTemplate('thing5', '{note}', fields)).toBe('—');
    expect(fillTemplate('first', '您的申请 {no} {status}', fields)).toBe('您的申请 HZ-20261130-0001 已通过');
  });
});

describe('Official Account: a slow answer', () => {
  it('the callback answers empty before WeChat gives up, and the answer follows as 客服消息', async () => {
    const llm = await startFakeOpenAI(() => ({ hang: true }));
    const ch = await startWecomChannel({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: llm.baseURL, OPENAI_TIMEOUT_MS: '6000' }, { which: ['wxoa'] });
    try {
      const r = await oaPost(ch.app.url, ch.fake, ch.secrets, 'oSlow', { Content: '公司拖欠工资怎么办？' });
      expect(r.status).toBe(200);
      expect(r.body).toBe('success');
      expect(r.ms).toBeLessThan(5000);
      const answer = await ch.fake.waitForSent((s) => s.touser === 'oSlow', 30_000);
      expect(answer.api).toBe('custom/send');
      expect(answer.text).toContain('依据');
    } finally {
      await ch.stop();
      await llm.close();
    }
  }, 60_000);
});
