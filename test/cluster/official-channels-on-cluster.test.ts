/**
 * The official WeChat channels on a real Redis Cluster (3 masters, 3 replicas on loopback), two engines with
 * their HTTP servers like two bot processes, one fake WeCom / Official Account server: every Lua script and
 * MULTI of the inboxes, the per-recipient queues, the token lease, the 微信客服 cursor and window runs on
 * keys of one hash slot (a CROSSSLOT error would fail the flow). Each message is answered once, whichever
 * process the platform called; notices beyond the per-member limit wait in the queue and follow.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/app/engine.ts';
import { startChannels, type RunningApp } from '../../src/channels/index.ts';
import type { OfficialAccountChannel } from '../../src/channels/officialaccount/index.ts';
import type { WxkfChannel } from '../../src/channels/wxkf/index.ts';
import { loadConfig } from '../../src/core/config.ts';
import { createLogger } from '../../src/core/logger.ts';
import { callback, FakeWecom, openReply } from '../helpers/fake-wecom.ts';
import { TEST_KEY_HEX } from '../helpers/harness.ts';
import { AGENT_ID, kfSignal, newSecrets, nextMsgId, oaPost, officialEnv, OPEN_KFID, type OfficialSecrets } from '../helpers/wecom-harness.ts';
import { startRedisCluster, type RedisClusterHandle } from '../helpers/cluster.ts';

let cluster: RedisClusterHandle;
let fake: FakeWecom;
let secrets: OfficialSecrets;
let offset = 0;
const now = () => new Date(Date.now() + offset);
const bots: { engine: Engine; app: RunningApp }[] = [];
const dir = mkdtempSync(join(tmpdir(), 'ua-cluster-official-'));
const PER_MINUTE = 3;

beforeAll(async () => {
  cluster = await startRedisCluster();
  fake = await FakeWecom.start({ now: () => now().getTime() });
  fake.perMinute = PER_MINUTE;
  secrets = newSecrets(fake);
  for (let i = 0; i < 2; i++) {
    const config = loadConfig({
      ...officialEnv(fake, secrets),
      REDIS_CLUSTER_NODES: cluster.nodes.join(','), DATA_DIR: join(dir, `e${i}`), DATA_ENCRYPTION_KEY: TEST_KEY_HEX,
      LOG_LEVEL: 'silent', PORT: '0', WEB_RATE_LIMIT_PER_MINUTE_PER_IP: '100000', RATE_LIMIT_PER_MINUTE: '10000',
      REDIS_COMMAND_TIMEOUT_MS: '5000', WECOM_PER_MEMBER_PER_MINUTE: String(PER_MINUTE),
    });
    const engine = await createEngine(config, createLogger('silent'), { now });
    bots.push({ engine, app: await startChannels(engine) });
  }
}, 180_000);

afterAll(async () => {
  for (const b of bots) {
    await b.app.stop().catch(() => undefined);
    await b.engine.close().catch(() => undefined);
  }
  await fake?.stop();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const channel = <T>(bot: { app: RunningApp }, name: string) => bot.app.channels.find((c) => c.name === name) as unknown as T;
const until = async (what: string, check: () => Promise<boolean> | boolean, ms = 30_000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('official channels on Redis Cluster', () => {
  it('WeCom app: callbacks to either process are answered once each; notices beyond the per-member limit wait and follow', async () => {
    const members = Array.from({ length: 6 }, (_, i) => `clusterMember${i}`);
    const msgIds = new Map<string, string>();
    for (const [i, who] of members.entries()) {
      const msgId = nextMsgId();
      msgIds.set(who, msgId);
      const fields = { ToUserName: fake.corpId, FromUserName: who, CreateTime: Math.floor(now().getTime() / 1000), MsgType: 'text', Content: '菜单', MsgId: msgId, AgentID: AGENT_ID };
      const r = await callback(bots[i % 2]!.app.url, '/wecom/callback', fields, secrets.wecom);
      expect(r.status).toBe(200);
      // WeChat's retry of the same message, to the other process: queued once.
      await callback(bots[(i + 1) % 2]!.app.url, '/wecom/callback', fields, secrets.wecom);
    }
    await until('every member answered', () => members.every((m) => fake.sentTo(m).length > 0));
    await new Promise((r) => setTimeout(r, 1000));
    for (const m of members) expect(fake.sentTo(m).filter((s) => s.api === 'message/send')).toHaveLength(1);

    // Notices through the delivery ledger to a member: the per-member queue (due set, send log) paces them.
    const who = 'clusterNotice';
    for (let i = 1; i <= PER_MINUTE + 1; i++) await bots[i % 2]!.engine.deps.notifier.notify({ platform: 'wecom', chatId: who, chatType: 'private' }, [{ text: `通知 ${i}` }]);
    await until('the minute used up', () => fake.sentTo(who).length === PER_MINUTE);
    // The last one waits in the delivery ledger, not marked sent.
    await until('one waiting', async () => (await bots[0]!.engine.outbox.depth('wecom')) === 1);
    await new Promise((r) => setTimeout(r, 500));
    expect(fake.sentTo(who)).toHaveLength(PER_MINUTE);
    offset += 61_000;
    await until('the last after the minute', () => fake.sentTo(who).length === PER_MINUTE + 1);
    // Each once (queued by two processes, claimed by either: their order is not one queue's).
    expect(fake.sentTo(who).map((s) => s.text).sort()).toEqual(['通知 1', '通知 2', '通知 3', '通知 4']);
    expect(fake.violations).toEqual([]);
  }, 120_000);

  it('微信客服: pages pulled with their cursor, each message answered once, in order per customer', async () => {
    const customers = ['kfC1', 'kfC2', 'kfC3'];
    for (let round = 1; round <= 2; round++) {
      for (const c of customers) fake.addKfMessage({ open_kfid: OPEN_KFID, external_userid: c, msgtype: 'text', text: { content: round === 1 ? '菜单' : '你好' } });
      expect((await kfSignal(bots[round % 2]!.app.url, fake, secrets)).body).toBe('success');
    }
    await until('every message answered', () => customers.every((c) => fake.sentTo(c).filter((s) => s.api === 'kf/send_msg').length >= 2));
    await until('inboxes drained', async () => (await channel<WxkfChannel>(bots[0]!, 'wxkf').inbox.pending()) === 0);
    const cursor = await bots[0]!.engine.deps.redis.get(bots[0]!.engine.deps.keys.tagged('wxkf', 'cursor', OPEN_KFID));
    expect(cursor).toBe(`c${fake.kfLog.length}`);
    await new Promise((r) => setTimeout(r, 1000));
    for (const c of customers) expect(fake.sentTo(c).filter((s) => s.api === 'kf/send_msg')).toHaveLength(2);
  }, 120_000);

  it('Official Account: a follower is answered passively by whichever process took the callback', async () => {
    const r = await oaPost(bots[1]!.app.url, fake, secrets, 'oCluster1', { CreateTime: Math.floor(now().getTime() / 1000), MsgId: nextMsgId(), Content: '菜单' });
    expect(r.status).toBe(200);
    expect(openReply(r.body, secrets.oa).Content?.length ?? 0).toBeGreaterThan(0);
    await until('inbox drained', async () => (await channel<OfficialAccountChannel>(bots[0]!, 'wxoa').inbox.pending()) === 0);
    await bots[0]!.engine.deps.notifier.notify({ platform: 'wxoa', chatId: 'oCluster1', chatType: 'private' }, [{ text: '活动提醒' }]);
    await fake.waitForSent((s) => s.touser === 'oCluster1' && s.api === 'custom/send' && s.text === '活动提醒', 20_000);
  }, 120_000);
});
