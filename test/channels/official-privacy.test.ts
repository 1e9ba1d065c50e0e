/**
 * Personal data at rest in the official WeChat channels: a member's message carrying a phone and an ID number
 * goes through the WeCom app, 微信客服 and the Official Account (real engine, real redis-server, the fake
 * platform server), and a notification repeating them is sent back. A MONITOR connection sees every command
 * Redis runs, the ones inside Lua scripts included: no command on a channel's keys may carry the plaintext,
 * every inbox entry, queued reply, passive reply and cached nickname written must be sealed with the data
 * key (and open to what was sent), and the messages still arrive decrypted at the platform. (Notices are sent
 * from the delivery ledger, which seals its own items; the channels park nothing of them.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecipientQueue } from '../../src/channels/wecom/outqueue.ts';
import { FieldCipher } from '../../src/core/crypto.ts';
import { TEST_KEY_HEX } from '../helpers/harness.ts';
import { monitorRedis, type MonitoredCommand } from '../helpers/redis-monitor.ts';
import { kfPath, oaPath, OPEN_KFID, startWecomChannel, type WecomTestChannel } from '../helpers/wecom-harness.ts';

const PHONE = '13812345678';
const ID_NUMBER = '110105194912310025';
const CARD = '6222021234567890123';
const NICKNAME = '张秘密昵称';
const NEEDLES = [PHONE, ID_NUMBER, CARD, NICKNAME];
const said = `您好，我的电话是${PHONE}，身份证号${ID_NUMBER}，银行卡${CARD}`;
const notice = `已登记：电话${PHONE}，身份证${ID_NUMBER}`;
const queuedReply = `回复：您留的电话${PHONE}，身份证${ID_NUMBER}`;

const cipher = new FieldCipher(Buffer.from(TEST_KEY_HEX, 'hex'));
const CHANNEL_TAG = /\{(wecom|wxkf|wxoa)\}/;

/** `source` is the client that sent it (MULTI … EXEC are grouped by client). */
type Command = MonitoredCommand;

/** The part of a key Redis Cluster hashes: the first non-empty `{…}`, else the whole key. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
}

describe('official channels: nothing personal in Redis unsealed', () => {
  let ch: WecomTestChannel;
  let monitor: { close(): void } | undefined;
  const commands: Command[] = [];

  beforeAll(async () => {
    ch = await startWecomChannel({ DATA_ENCRYPTION_KEY: TEST_KEY_HEX });
    ch.fake.kfNames.set('kfCustomer1', NICKNAME);
    monitor = await monitorRedis(ch.te.redisUrl, (c) => commands.push(c));
  }, 60_000);
  afterAll(async () => {
    monitor?.close();
    await ch?.stop();
  });

  const queueOf = (name: string) => (ch.app.channels.find((c) => c.name === name) as unknown as { queue: RecipientQueue }).queue;
  /** Commands that write to a channel's keys (a key argument carries a channel's hash tag). */
  const onChannelKeys = () => commands.filter((c) => c.args.slice(1).some((a) => CHANNEL_TAG.test(a)));
  /** Values written by `command` to keys matching `key`. */
  const written = (command: string, key: RegExp, valueAt: number) =>
    commands.filter((c) => c.args[0]?.toLowerCase() === command && key.test(c.args[1] ?? '')).flatMap((c) => c.args.slice(valueAt));

  const expectNoPlaintext = () => {
    const leaks = onChannelKeys().filter((c) => NEEDLES.some((n) => c.args.some((a) => a.includes(n))));
    expect(leaks.map((c) => c.args.slice(0, 2).join(' '))).toEqual([]);
  };

  it('WeCom app: the inbox entry and the queued replies are sealed; the member still gets both', async () => {
    const replies = await ch.dm('wecomMember').say(said);
    expect(replies.length).toBeGreaterThan(0);
    // A notice (sent from the delivery ledger) and a reply through the member's queue, both repeating the numbers.
    await ch.engine.deps.notifier.notify({ platform: 'wecom', chatId: 'wecomMember', chatType: 'private' }, [{ text: notice }]);
    expect(await ch.notification('wecomMember', notice)).toContain(PHONE);
    await queueOf('wecom').enqueue('wecomMember', [{ text: queuedReply }]);
    expect(await ch.notification('wecomMember', queuedReply)).toContain(ID_NUMBER);
    await ch.settled('wecomMember');

    const inbox = written('rpush', /\{wecom\}:inbox:\d+$/, 2);
    expect(inbox.length).toBeGreaterThan(0);
    expect(inbox.every((v) => v.startsWith('v2:'))).toBe(true);
    expect(inbox.map((v) => cipher.decrypt(v, 'wecom:inbox')).some((v) => v.includes(ID_NUMBER))).toBe(true);
    const queued = written('rpush', /\{wecom\}:out:wecomMember$/, 2);
    expect(queued.length).toBeGreaterThan(0);
    expect(queued.every((v) => v.startsWith('v2:'))).toBe(true);
    expect(queued.map((v) => cipher.decrypt(v, 'wecom:outqueue')).some((v) => v.includes(PHONE))).toBe(true);
    // Sealed for one purpose, a value does not open as another.
    expect(() => cipher.decrypt(queued[0]!, 'wecom:inbox')).toThrow();
    expectNoPlaintext();
  });

  it('微信客服: the pulled messages, the queued replies and the nickname are sealed; the customer still gets the answers', async () => {
    const replies = await kfPath(ch, 'kfCustomer1').say(said);
    expect(replies.length).toBeGreaterThan(0);
    await ch.engine.deps.notifier.notify({ platform: 'wxkf', chatId: 'kfCustomer1', chatType: 'private' }, [{ text: notice }]);
    const sent = await ch.fake.waitForSent((s) => s.touser === 'kfCustomer1' && s.text === notice);
    expect(sent.openKfid).toBe(OPEN_KFID);
    await queueOf('wxkf').enqueue('kfCustomer1', [{ text: queuedReply }]);
    await ch.fake.waitForSent((s) => s.touser === 'kfCustomer1' && s.text === queuedReply);

    const inbox = written('rpush', /\{wxkf\}:inbox:\d+$/, 2);
    expect(inbox.length).toBeGreaterThan(0);
    expect(inbox.every((v) => v.startsWith('v2:'))).toBe(true);
    expect(inbox.map((v) => cipher.decrypt(v, 'wxkf:inbox')).some((v) => v.includes(CARD))).toBe(true);
    const queued = written('rpush', /\{wxkf\}:out:kfCustomer1$/, 2);
    expect(queued.every((v) => v.startsWith('v2:'))).toBe(true);
    expect(queued.map((v) => cipher.decrypt(v, 'wxkf:outqueue')).some((v) => v.includes(PHONE))).toBe(true);
    const names = written('set', /\{wxkf\}:name:kfCustomer1$/, 2).slice(0, 1);
    expect(names.length).toBe(1);
    expect(cipher.decrypt(names[0]!, 'wxkf:nickname')).toBe(NICKNAME);
    expectNoPlaintext();
  });

  it('Official Account: the inbox entry, the passive reply and the 客服消息 queue are sealed; the follower still gets them', async () => {
    const replies = await oaPath(ch, 'oFollower1').say(said);
    expect(replies.length).toBeGreaterThan(0);
    const passive = written('set', /\{wxoa\}:passive:/, 2).filter((v) => v.startsWith('reply:'));
    expect(passive.length).toBe(1);
    // The passive slot holds the sealed reply the follower received.
    expect(cipher.decrypt(passive[0]!.slice('reply:'.length), 'wxoa:passive')).toBe(replies[0]?.text);

    await ch.engine.deps.notifier.notify({ platform: 'wxoa', chatId: 'oFollower1', chatType: 'private' }, [{ text: notice }]);
    await ch.fake.waitForSent((s) => s.touser === 'oFollower1' && s.api === 'custom/send' && s.text === notice);
    await queueOf('wxoa').enqueue('oFollower1', [{ text: queuedReply }]);
    await ch.fake.waitForSent((s) => s.touser === 'oFollower1' && s.api === 'custom/send' && s.text === queuedReply);

    const inbox = written('rpush', /\{wxoa\}:inbox:\d+$/, 2);
    expect(inbox.every((v) => v.startsWith('v2:'))).toBe(true);
    expect(inbox.map((v) => cipher.decrypt(v, 'wxoa:inbox')).some((v) => v.includes(PHONE))).toBe(true);
    const queued = written('rpush', /\{wxoa\}:out:oFollower1$/, 2);
    expect(queued.length).toBeGreaterThan(0);
    expect(queued.every((v) => v.startsWith('v2:'))).toBe(true);
    expectNoPlaintext();
  });

  it('every script and MULTI that touches a channel\'s keys keeps to one hash slot (Redis Cluster)', () => {
    const groups: { what: string; keys: string[] }[] = [];
    const open = new Map<string, string[]>();
    for (const c of commands) {
      const name = c.args[0]?.toLowerCase() ?? '';
      if (name === 'evalsha' || name === 'eval') {
        const n = Number(c.args[2]);
        groups.push({ what: `${name} ${c.args[1]?.slice(0, 60)}`, keys: c.args.slice(3, 3 + n) });
      } else if (name === 'multi') {
        open.set(c.source, []);
      } else if (name === 'exec' || name === 'discard') {
        const keys = open.get(c.source);
        open.delete(c.source);
        if (keys) groups.push({ what: 'multi', keys });
      } else if (open.has(c.source) && c.args[1] !== undefined) {
        // The commands queued in a channel's transactions take one key, the first argument.
        open.get(c.source)!.push(c.args[1]);
      }
    }
    const channelGroups = groups.filter((g) => g.keys.some((k) => CHANNEL_TAG.test(k)));
    // The inbox pushes, the queue scripts, the windows and the 微信客服 signal MULTI were all seen.
    expect(channelGroups.filter((g) => g.what.startsWith('evalsha')).length).toBeGreaterThan(10);
    expect(channelGroups.some((g) => g.what === 'multi' && g.keys.some((k) => k.includes('{wxkf}:accounts')))).toBe(true);
    const spread = channelGroups.filter((g) => new Set(g.keys.map(hashTag)).size > 1);
    expect(spread).toEqual([]);
  });

  it('what remains in the channels\' keys afterwards carries no plaintext either', async () => {
    const redis = ch.engine.deps.redis;
    const keys = await redis.keys('*');
    const channelKeys = keys.filter((k) => CHANNEL_TAG.test(k));
    expect(channelKeys.length).toBeGreaterThan(0);
    for (const key of channelKeys) {
      const type = await redis.type(key);
      const values =
        type === 'string' ? [(await redis.get(key)) ?? '']
        : type === 'list' ? await redis.lrange(key, 0, -1)
        : type === 'hash' ? Object.entries(await redis.hgetall(key)).flat()
        : type === 'set' ? await redis.smembers(key)
        : type === 'zset' ? await redis.zrange(key, '0', '-1')
        : [];
      for (const n of NEEDLES) expect(values.some((v) => v.includes(n)), `${key} carries ${n}`).toBe(false);
    }
  });
});
