/**
 * The delivery ledger's record of a notice or broadcast item on the official channels is what the platform
 * answered, not that the item was handed over: sent once WeCom / 微信客服 / the Official Account accepted it,
 * failed with the platform's reason (an unknown userid, a closed reply window), retried when the platform was
 * busy, and still waiting (not "sent") while a per-member limit holds it back. Real engine, real redis-server,
 * the fake platform server.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.ts';
import { toWire } from '../../src/core/delivery/wire.ts';
import type { Address } from '../../src/core/message.ts';
import { FakeWecom } from '../helpers/fake-wecom.ts';
import { kfPath, startWecomChannel, type WecomTestChannel } from '../helpers/wecom-harness.ts';

const TEMPLATES = JSON.stringify({ claim_decision: { id: 'TPL-claim-1', data: { character_string1: '{no}', phrase3: '{status}' } } });

describe('official channels: the delivery ledger records the platform\'s answer', () => {
  let ch: WecomTestChannel;
  let offset = 0;
  /** The engine's log lines, parsed. */
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const now = () => new Date(Date.now() + offset);
  beforeAll(async () => {
    const fake = await FakeWecom.start({ now: () => now().getTime() });
    fake.perMinute = 2;
    ch = await startWecomChannel({ WECOM_PER_MEMBER_PER_MINUTE: '2', WXOA_TEMPLATES: TEMPLATES, BOT_STAFF: 'wecom:staff1' }, { fake, now, logger: createLogger('warn', sink) });
  }, 60_000);
  afterAll(async () => {
    await ch?.stop();
    await ch?.fake.stop();
  });

  const to = (platform: Address['platform'], chatId: string): Address => ({ platform, chatId, chatType: 'private' });
  const states = async (group: string) => Object.fromEntries((await ch.engine.outbox.report(group)).map((r) => [r.id, r.state]));
  const until = async (what: string, check: () => Promise<boolean> | boolean, ms = 30_000) => {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it('WeCom app: sent when WeCom accepted it, failed with its reason for an unknown member, retried when WeCom was busy', async () => {
    ch.fake.unknownUsers.add('leftTheCorp');
    ch.fake.busyNext = 1;
    await ch.engine.outbox.sendToMany('bc-wecom#1', [
      { id: 'busy', to: to('wecom', 'memberBusy'), replies: toWire([{ text: '会员日活动通知 A' }]) },
      { id: 'gone', to: to('wecom', 'leftTheCorp'), replies: toWire([{ text: '会员日活动通知 B' }]) },
      { id: 'ok', to: to('wecom', 'memberOk'), replies: toWire([{ text: '会员日活动通知 C' }]) },
    ]);
    await until('all settled', async () => Object.values(await states('bc-wecom#1')).every((s) => s === 'sent' || s.startsWith('failed')));
    const final = await states('bc-wecom#1');
    expect(final.ok).toBe('sent');
    expect(final.busy).toBe('sent');
    expect(final.gone).toMatch(/^failed:.*81013/);
    expect(ch.fake.sentTo('memberOk').map((s) => s.text)).toEqual(['会员日活动通知 C']);
    expect(ch.fake.sentTo('memberBusy').map((s) => s.text)).toEqual(['会员日活动通知 A']);
    expect(ch.fake.sentTo('leftTheCorp')).toEqual([]);
    expect((await ch.engine.outbox.counts('bc-wecom#1'))).toMatchObject({ sent: 2, failed: 1, pending: 0 });
  }, 60_000);

  it('WeCom app: a notice too long for one message goes as two; when the second fails, the retry sends only the second', async () => {
    const first = `第一部分：${'甲'.repeat(600)}`;
    const second = `第二部分：${'乙'.repeat(600)}`;
    ch.fake.busyOnce = (text) => text.startsWith('第二部分');
    await ch.engine.outbox.sendToMany('bc-long#1', [{ id: 'long', to: to('wecom', 'memberLong'), replies: toWire([{ text: `${first}\n${second}` }]) }]);
    await until('the second piece refused', () => ch.fake.busyOnce === undefined);
    // (this file allows 2 sends a minute per member: the refused try took the second)
    offset += 61_000;
    await until('sent', async () => (await states('bc-long#1')).long === 'sent');
    expect(ch.fake.sentTo('memberLong').map((s) => s.text)).toEqual([first, second]);
    // The progress marker (a fingerprint, no text) is gone once the notice is through.
    expect(await ch.engine.deps.redis.keys('*{wecom}:parts:*')).toEqual([]);
  }, 60_000);

  it('WeCom app: an item held back by the per-member limit stays unsent in the ledger until WeCom takes it', async () => {
    await ch.engine.outbox.sendToMany('bc-limit#1', [1, 2, 3].map((i) => ({ id: `n${i}`, to: to('wecom', 'memberLimited'), replies: toWire([{ text: `第${i}条` }]) })));
    await until('two sent', () => ch.fake.sentTo('memberLimited').length === 2);
    await new Promise((r) => setTimeout(r, 800));
    expect(ch.fake.sentTo('memberLimited')).toHaveLength(2);
    const held = await states('bc-limit#1');
    expect(Object.values(held).filter((s) => s === 'sent')).toHaveLength(2);
    expect(held.n3).not.toBe('sent');
    offset += 61_000;
    await until('the third sent', async () => (await states('bc-limit#1')).n3 === 'sent');
    expect(ch.fake.sentTo('memberLimited').map((s) => s.text)).toEqual(['第1条', '第2条', '第3条']);
    expect(ch.fake.violations).toEqual([]);
  }, 60_000);

  it('微信客服: sent within the window; failed (and staff told) once the window has closed', async () => {
    await kfPath(ch, 'kfLedger').say('你好');
    await ch.engine.outbox.sendToMany('bc-kf#1', [{ id: 'open', to: to('wxkf', 'kfLedger'), replies: toWire([{ text: '窗口内的通知' }]) }]);
    await until('sent', async () => (await states('bc-kf#1')).open === 'sent');
    expect(ch.fake.sentTo('kfLedger').some((s) => s.text === '窗口内的通知')).toBe(true);

    offset += 49 * 3600_000;
    await ch.engine.outbox.sendToMany('bc-kf#2', [{ id: 'late', to: to('wxkf', 'kfLedger'), replies: toWire([{ text: '窗口外的通知' }]) }]);
    await until('failed', async () => ((await states('bc-kf#2')).late ?? '').startsWith('failed'));
    expect((await states('bc-kf#2')).late).toMatch(/window/);
    expect(ch.fake.sentTo('kfLedger').some((s) => s.text === '窗口外的通知')).toBe(false);
    // Staff were told through a handoff (on their own platform).
    await ch.notification('staff1', /新转人工工单[\s\S]*kfLedger|kfLedger[\s\S]*新转人工工单/, 15_000);
    // The channel's line about it carries the request id its handoff turn ran under.
    const closed = lines.find((l) => String(l['msg']).startsWith('微信客服 window closed') && l['customer'] === 'kfLedger');
    expect(closed?.['reqId']).toEqual(expect.stringMatching(/\S/));
  }, 60_000);

  it('Official Account: outside the 48 hours a claim decision goes as a template (sent); a plain notice fails', async () => {
    ch.fake.customerWrote('oLedger');
    offset += 49 * 3600_000;
    await ch.engine.outbox.sendToMany('bc-oa#1', [
      { id: 'decision', to: to('wxoa', 'oLedger'), replies: toWire([{ text: '您的申请已通过', notice: { kind: 'claim_decision', fields: { no: 'HZ-20260101-0001', status: '已通过' } } }]) },
    ]);
    await until('decision settled', async () => (await states('bc-oa#1')).decision === 'sent');
    expect(ch.fake.sentTo('oLedger').map((s) => s.api)).toEqual(['template/send']);
    await ch.engine.outbox.sendToMany('bc-oa#2', [{ id: 'plain', to: to('wxoa', 'oLedger'), replies: toWire([{ text: '普通通知' }]) }]);
    await until('plain failed', async () => ((await states('bc-oa#2')).plain ?? '').startsWith('failed'));
    expect((await states('bc-oa#2')).plain).toMatch(/45015/);
    // Staff are alerted by a handoff, and the channel's line about it carries that turn's request id.
    await until('the handoff line', () => lines.some((l) => String(l['msg']).startsWith('Official Account: the 48-hour window has closed') && l['openid'] === 'oLedger'));
    const closed = lines.find((l) => String(l['msg']).startsWith('Official Account: the 48-hour window has closed') && l['openid'] === 'oLedger');
    expect(closed?.['reqId']).toEqual(expect.stringMatching(/\S/));
  }, 60_000);
});
