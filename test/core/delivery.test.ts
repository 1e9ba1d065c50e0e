/**
 * The delivery path on a real redis-server: the ledger (exactly once across processes and crashes), the
 * shared pacing (measured with a controllable clock: no limit ever exceeded), and how send failures are read
 * (retry_after obeyed, permanent errors not retried, network errors retried with backoff).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchId, Delivery, DeliverySender, NOTIFY_GROUP, type DeliveryPort, type PacingLimits, type SendFailure } from '../../src/core/delivery/index.ts';
import { Pacer } from '../../src/core/delivery/pacing.ts';
import { FieldCipher } from '../../src/core/crypto.ts';
import { Keys } from '../../src/core/keys.ts';
import type { Address } from '../../src/core/message.ts';
import { FakePlatform } from '../helpers/fake-platform.ts';
import { countCommands, watchCommands } from '../helpers/command-count.ts';
import { startRedis } from '../helpers/redis.ts';
import type { RedisProcess } from '../../src/core/redis-server.ts';

const log = pino({ level: 'silent' });
const cipher = new FieldCipher(randomBytes(32));
let server: RedisProcess;
const clients: Redis[] = [];
const connect = () => {
  const c = new Redis(server.url, { maxRetriesPerRequest: null });
  c.on('error', () => undefined);
  clients.push(c);
  return c;
};

beforeAll(async () => {
  server = await startRedis();
}, 30_000);
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await server.stop();
});

const to = (chatId: string, chatType: 'private' | 'group' = 'private'): Address => ({ platform: 'telegram', chatId, chatType });
const until = async (check: () => boolean | Promise<boolean>, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

function proc(prefix: string) {
  const redis = connect();
  return { redis, delivery: new Delivery(redis, new Keys(prefix), log, cipher) };
}

describe('the ledger: each notification delivered exactly once across processes', () => {
  it('a process starting while another is sending leaves that item alone (the old outbox re-queued it at start: the member got it twice)', async () => {
    const a = proc('d1:');
    const platform = new FakePlatform();
    platform.delayMs = 1500; // A is in the middle of a slow send …
    await a.delivery.notify(to('m1'), [{ text: '您的申请已通过' }]);
    const senderA = new DeliverySender(a.delivery, platform.port(), connect(), log, { pollMs: 20, leaseMs: 10_000 });
    senderA.start();
    await until(async () => (await a.delivery.counts('notify')).pending === 1 && (await a.delivery.pending('telegram')).length === 0);
    // … when process B starts and drains the same ledger.
    const b = proc('d1:');
    const senderB = new DeliverySender(b.delivery, platform.port(), connect(), log, { pollMs: 20, leaseMs: 10_000 });
    senderB.start();
    await until(() => platform.got.length >= 1);
    await new Promise((r) => setTimeout(r, 600));
    await Promise.all([senderA.stop(), senderB.stop()]);
    expect(platform.got.map((g) => g.text)).toEqual(['您的申请已通过']);
  });

  it('a report over a big batch reads its items a slice at a time, never in one blocking command', async () => {
    const a = proc('d2r:');
    const recipients = Array.from({ length: 1_200 }, (_, i) => ({ id: `r${i}`, to: to(`m${i}`), replies: [{ text: '通知' }] }));
    await a.delivery.sendToMany('bc:r#1', recipients);
    const sent = countCommands(a.redis);
    const stored: string[] = [];
    watchCommands(a.redis, (command) => {
      if (command.args.map(String).some((arg) => arg.endsWith(':items'))) stored.push(command.name);
    });
    const report = await a.delivery.report('bc:r#1');
    expect(report).toHaveLength(1_200);
    expect(new Set(report.map((r) => r.id)).size).toBe(1_200);
    expect(report.every((r) => r.state === 'queued')).toBe(true);
    const commands = sent();
    expect(commands['hscan']).toBeGreaterThan(2);
    expect(commands['hgetall']).toBeUndefined();
    // The states alone: no stored message (a broadcast's whole text, sealed) is read or opened.
    expect(stored).toEqual([]);
  });

  it('a big batch is cancelled a slice at a time: every item skipped, the batch finished, no script over the whole queue', async () => {
    const a = proc('d2c:');
    const finished: string[] = [];
    a.delivery.onFinished(async (_group, batch) => void finished.push(batch));
    await a.delivery.sendToMany('bc:c#1', Array.from({ length: 1_200 }, (_, i) => ({ id: `c${i}`, to: to(`m${i}`), replies: [{ text: '通知' }] })));
    const scriptsOnTelegram: number[] = [];
    watchCommands(a.redis, (c) => {
      if (c.name === 'evalsha' && c.args.some((arg) => String(arg).includes('bc:c#1@telegram'))) scriptsOnTelegram.push(c.args.length);
    });
    expect(await a.delivery.cancel('bc:c#1')).toBe(1_200);
    // 500, 500, then 200 items: three script calls on this platform's queue.
    expect(scriptsOnTelegram).toHaveLength(3);
    expect(await a.delivery.counts('bc:c#1')).toMatchObject({ total: 1_200, pending: 0, skipped: 1_200 });
    expect(finished).toContain('bc:c#1@telegram');
  });

  it('the same notification id queued twice is delivered once', async () => {
    const a = proc('d2:');
    await a.delivery.notify(to('m2'), [{ text: '提醒' }], { id: 'reminder:e1:m2' });
    await a.delivery.notify(to('m2'), [{ text: '提醒' }], { id: 'reminder:e1:m2' });
    expect(await a.delivery.pending('telegram')).toHaveLength(1);
  });

  it('finished notifications are forgotten once kept long enough; until then the same id queued again is not sent twice', async () => {
    const a = proc('d-prune:');
    const platform = new FakePlatform();
    for (const id of ['n1', 'n2', 'n3']) await a.delivery.notify(to(`p-${id}`), [{ text: '审核结果通知' }], { id });
    const sender = new DeliverySender(a.delivery, platform.port(), a.redis, log, { pollMs: 20, keepEndedMs: 1_500, pruneEveryMs: 100 });
    sender.start();
    await until(() => platform.got.length === 3);
    const [items, state, , , , , , , , , , ended] = a.delivery.ledger.keysOf(batchId(NOTIFY_GROUP, 'telegram'));
    await a.delivery.notify(to('p-n1'), [{ text: '审核结果通知' }], { id: 'n1' });
    expect(await a.redis.hlen(items!)).toBe(3);
    // Past the keep window: payloads, states and their bookkeeping are gone; the counts still count them.
    await until(async () => (await a.redis.hlen(items!)) === 0, 10_000);
    await sender.stop();
    expect(platform.got).toHaveLength(3);
    expect(await a.redis.hlen(state!)).toBe(0);
    expect(await a.redis.zcard(ended!)).toBe(0);
    expect(await a.delivery.counts(NOTIFY_GROUP)).toMatchObject({ total: 3, sent: 3, pending: 0 });
  });

  it('notifications that ended before their end was noted (an older version) are noted once, then pruned; pending ones stay', async () => {
    const a = proc('d-prune-old:');
    const batch = batchId(NOTIFY_GROUP, 'telegram');
    const keys = a.delivery.ledger.keysOf(batch);
    await a.delivery.ledger.enqueue(batch, [{ id: 'old-sent', payload: 'x', state: 'sent' }, { id: 'old-failed', payload: 'y', state: 'failed:blocked' }, { id: 'waiting', payload: 'z' }], Date.now());
    await a.redis.del(keys[11]!);
    const prune = () => a.delivery.ledger.prune(batch, 0, { leaseMs: 5_000, maxSlices: 1 });
    expect(await prune()).toBe(2);
    expect(await a.redis.hkeys(keys[0]!)).toEqual(['waiting']);
    expect(await a.redis.hget(keys[1]!, 'waiting')).toBe('queued');
    // One finished by an older process during the upgrade, after the noting: noted at the next day's noting.
    await a.delivery.ledger.enqueue(batch, [{ id: 'late-old', payload: 'x', state: 'sent' }], Date.now());
    await a.redis.zrem(keys[11]!, 'late-old');
    expect(await prune()).toBe(0);
    await a.redis.del(`${keys[11]!}:noted`);
    // Another process pruning holds the lease: nothing is done twice at once.
    await a.redis.set(`${keys[11]!}:prune`, '1', 'PX', 5_000);
    expect(await prune()).toBe(0);
    await a.redis.del(`${keys[11]!}:prune`);
    expect(await prune()).toBe(1);
    expect(await a.redis.hkeys(keys[0]!)).toEqual(['waiting']);
  });

  it('items due together are claimed in the order they were queued, whatever their ids, also after a hold released them together', async () => {
    const a = proc('d2o:');
    const batch = 'notify@telegram' as const;
    const ids = ['n-5', 'n-4', 'n-3', 'n-2', 'n-1']; // named by a service: the ids sort backwards
    for (const id of ids) await a.delivery.ledger.enqueue(batch, [{ id, payload: 'p' }], 1000);
    const first = await a.delivery.ledger.claim(batch, 'owner', 2000, 60_000, 2);
    expect(first.items.map((i) => i.id)).toEqual(['n-5', 'n-4']);
    // Both held back by a limit until the same moment (the platform's window); by then the rest are due too.
    for (const id of ['n-4', 'n-5']) await a.delivery.ledger.complete(batch, id, 'owner', { kind: 'release', due: 5000 });
    const rest = await a.delivery.ledger.claim(batch, 'owner', 5000, 60_000, 10);
    expect(rest.items.map((i) => i.id)).toEqual(ids);
  });

  it('a crashed process: what it only claimed is sent by another after the lease; what it was sending is never sent again', async () => {
    const a = proc('d3:');
    for (const m of ['c1', 'c2', 'c3']) await a.delivery.notify(to(m), [{ text: `给${m}` }], { id: m });
    const batch = 'notify@telegram' as const;
    const now = Date.now();
    const claimed = await a.delivery.ledger.claim(batch, 'dead', now, 300, 2);
    expect(claimed.items).toHaveLength(2);
    // The dead process had started sending the first one (its outcome is unknown), not the second.
    expect(await a.delivery.ledger.markSending(batch, claimed.items[0]!.id, 'dead', now, 300)).toBe('go');
    const platform = new FakePlatform();
    const b = proc('d3:');
    const sender = new DeliverySender(b.delivery, platform.port(), connect(), log, { pollMs: 20 });
    sender.start();
    await until(() => platform.got.length >= 2);
    await new Promise((r) => setTimeout(r, 300));
    await sender.stop();
    expect(platform.got.map((g) => g.chatId).sort()).toEqual(['c2', 'c3']);
    const report = await b.delivery.report('notify');
    expect(report.find((r) => r.id === 'k:c1')?.state).toBe('failed:interrupted');
    // The dead process comes back and reports that its send did go out: recorded as sent, nothing resent.
    expect((await a.delivery.ledger.complete(batch, claimed.items[0]!.id, 'dead', { kind: 'sent' })).recorded).toBe(true);
    expect((await b.delivery.report('notify')).find((r) => r.id === 'k:c1')?.state).toBe('sent');
  });

  it('two processes draining one 200-recipient batch: every recipient once, none twice', async () => {
    const a = proc('d4:');
    const b = proc('d4:');
    const platform = new FakePlatform();
    platform.delayMs = 2;
    const recipients = Array.from({ length: 200 }, (_, i) => ({ id: `t${i}`, to: to(`r${i}`), replies: [{ text: `通知 ${i}` }] }));
    const senders = [a, b].map((p) => new DeliverySender(p.delivery, platform.port(), connect(), log, { pollMs: 10 }));
    senders.forEach((s) => s.start());
    await a.delivery.sendToMany('bc:9#1', recipients);
    await until(async () => (await a.delivery.counts('bc:9#1')).pending === 0);
    await Promise.all(senders.map((s) => s.stop()));
    const chats = platform.got.map((g) => g.chatId);
    expect(chats).toHaveLength(200);
    expect(new Set(chats).size).toBe(200);
    expect(await a.delivery.counts('bc:9#1')).toMatchObject({ total: 200, sent: 200, failed: 0, pending: 0 });
  });
});

describe('failures', () => {
  it('retry_after is obeyed, a permanent error is not retried, a network error is retried then given up', async () => {
    const a = proc('d5:');
    const platform = new FakePlatform();
    let flooded = false;
    const tries: Record<string, number[]> = {};
    platform.failWith = (t) => {
      (tries[t.chatId] ??= []).push(Date.now());
      if (t.chatId === 'flood' && !flooded) {
        flooded = true;
        return { kind: 'retry-after', ms: 1000, reason: '429 Too Many Requests: retry after 1' };
      }
      if (t.chatId === 'kicked') return { kind: 'permanent', reason: '403 Forbidden: bot was kicked from the group chat' };
      if (t.chatId === 'down') return { kind: 'transient', reason: 'ECONNRESET' };
      return undefined;
    };
    const sender = new DeliverySender(a.delivery, platform.port(), connect(), log, { pollMs: 20, maxTries: 2 });
    sender.start();
    const finished: string[] = [];
    a.delivery.onFinished(async (group) => void finished.push(group));
    await a.delivery.sendToMany('bc:5#1', [
      { id: 't1', to: to('flood'), replies: [{ text: 'a' }] },
      { id: 't2', to: to('kicked', 'group'), replies: [{ text: 'b' }] },
      { id: 't3', to: to('down'), replies: [{ text: 'c' }] },
      { id: 't4', to: to('optout'), replies: [{ text: 'd' }], skip: 'opted-out' },
    ]);
    await until(async () => (await a.delivery.counts('bc:5#1')).pending === 0, 20_000);
    await sender.stop();
    const states = Object.fromEntries((await a.delivery.report('bc:5#1')).map((r) => [r.id, r.state]));
    expect(states).toEqual({ t1: 'sent', t2: 'failed:403 Forbidden: bot was kicked from the group chat', t3: 'failed:ECONNRESET', t4: 'skipped:opted-out' });
    expect(tries['flood']![1]! - tries['flood']![0]!).toBeGreaterThanOrEqual(990);
    expect(tries['kicked']).toHaveLength(1);
    expect(tries['down']).toHaveLength(2);
    expect(tries['down']![1]! - tries['down']![0]!).toBeGreaterThanOrEqual(1900);
    expect(finished).toEqual(['bc:5#1']);
  }, 30_000);

  it('pause holds the queue, resume goes on, cancel stops every further send', async () => {
    const a = proc('d6:');
    const platform = new FakePlatform();
    platform.delayMs = 30;
    const sender = new DeliverySender(a.delivery, platform.port({ concurrency: 1 }), connect(), log, { pollMs: 20 });
    await a.delivery.sendToMany('bc:6#1', Array.from({ length: 20 }, (_, i) => ({ id: `t${i}`, to: to(`p${i}`), replies: [{ text: 'x' }] })));
    expect(await a.delivery.pause('bc:6#1')).toBe(true);
    sender.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(platform.got).toHaveLength(0);
    await a.delivery.resume('bc:6#1');
    await until(() => platform.got.length >= 3);
    const skipped = await a.delivery.cancel('bc:6#1');
    const sentAtCancel = platform.got.length;
    await new Promise((r) => setTimeout(r, 300));
    await sender.stop();
    expect(platform.got.length).toBeLessThanOrEqual(sentAtCancel + 1); // one already claimed may be stopped or finish
    const c = await a.delivery.counts('bc:6#1');
    expect(c.sent + c.skipped).toBe(20);
    expect(c.skipped).toBeGreaterThanOrEqual(skipped);
    expect(c.pending).toBe(0);
  });
});

describe('pacing shared in Redis, measured with a controllable clock', () => {
  const TELEGRAM: PacingLimits = {
    platform: [{ count: 30, perMs: 1000 }],
    privateChat: [{ count: 1, perMs: 1000 }],
    groupChat: [
      { count: 1, perMs: 1000 },
      { count: 20, perMs: 60_000 },
    ],
  };

  /** Every window of each limit, wherever it starts: at most `count` sends. */
  function worstWindow(times: number[], perMs: number): number {
    const t = [...times].sort((x, y) => x - y);
    let worst = 0;
    let lo = 0;
    for (let hi = 0; hi < t.length; hi++) {
      while (t[hi]! - t[lo]! >= perMs) lo++;
      worst = Math.max(worst, hi - lo + 1);
    }
    return worst;
  }

  it('three processes sending to 40 private chats and 5 groups for 2 simulated minutes stay within every Telegram limit, near the allowed rate', async () => {
    const pacers = [0, 1, 2].map(() => new Pacer(connect(), new Keys('p1:')));
    const chats = [...Array.from({ length: 40 }, (_, i) => ({ chatType: 'private' as const, chatId: `u${i}` })), ...Array.from({ length: 5 }, (_, i) => ({ chatType: 'group' as const, chatId: `g${i}` }))];
    const sent: { chat: string; group: boolean; at: number }[] = [];
    const start = 1_700_000_000_000;
    let rnd = 7;
    const next = () => (rnd = (rnd * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    // The clock moves in 10 ms steps; at each step every process tries a few chats.
    for (let now = start; now < start + 120_000; now += 10) {
      for (const pacer of pacers) {
        for (let k = 0; k < 2; k++) {
          const chat = chats[Math.floor(next() * chats.length)]!;
          if ((await pacer.take('telegram', TELEGRAM, chat, now)) === 0) sent.push({ chat: chat.chatId, group: chat.chatType === 'group', at: now });
        }
      }
    }
    expect(worstWindow(sent.map((s) => s.at), 1000)).toBeLessThanOrEqual(30);
    for (const c of chats) {
      const mine = sent.filter((s) => s.chat === c.chatId).map((s) => s.at);
      expect(worstWindow(mine, 1000)).toBeLessThanOrEqual(1);
      if (c.chatType === 'group') expect(worstWindow(mine, 60_000)).toBeLessThanOrEqual(20);
    }
    // 60 tries per 100 ms against 30/s: the platform limit is reached, not merely respected.
    expect(sent.length / 120).toBeGreaterThan(0.95 * 30);
  }, 120_000);

  it('booking ahead: slots booked by three processes never break a limit and follow each other at the full rate', async () => {
    const pacers = [0, 1, 2].map(() => new Pacer(connect(), new Keys('p4:')));
    const limits: PacingLimits = { platform: [{ count: 30, perMs: 1000, spread: true }], privateChat: [{ count: 1, perMs: 1000 }] };
    const booked: { chat: string; at: number }[] = [];
    const start = 1_700_000_000_000;
    let n = 0;
    for (let now = start; now < start + 60_000; now += 50) {
      for (const pacer of pacers) {
        const chat = { chatType: 'private' as const, chatId: `u${n++ % 100}` };
        const slot = await pacer.book('telegram', limits, chat, now, 2000);
        if (slot.booked) booked.push({ chat: chat.chatId, at: slot.at });
      }
    }
    expect(worstWindow(booked.map((b) => b.at), 1000)).toBeLessThanOrEqual(30);
    for (let c = 0; c < 100; c++) expect(worstWindow(booked.filter((b) => b.chat === `u${c}`).map((b) => b.at), 1000)).toBeLessThanOrEqual(1);
    const span = Math.max(...booked.map((b) => b.at)) - start;
    expect(((booked.length - 1) / span) * 1000).toBeGreaterThan(0.98 * 30);
    // Spread evenly, never in bursts.
    const times = booked.map((b) => b.at).sort((x, y) => x - y);
    expect(Math.min(...times.slice(1).map((t, i) => t - times[i]!))).toBeGreaterThanOrEqual(33);
  }, 60_000);

  it('a sender woken late does not send at once: its slot moves to when it leaves if every window holds, else it books again', async () => {
    const { delivery } = proc('late:');
    const limits: PacingLimits = { platform: [{ count: 5, perMs: 1000, spread: true }] };
    // Queued first: the items are due at the real time they were queued, and the test clock starts there (it
    // only moves by sleeping, so items due after its start would never come due).
    await delivery.sendToMany('late:1', Array.from({ length: 20 }, (_, i) => ({ id: `t${i}`, to: to(`c${i}`), replies: [{ text: '通知' }] })));
    let clock = Date.now();
    let naps = 0;
    const sent: number[] = [];
    const port: DeliveryPort = { platform: 'telegram', pacing: limits, concurrency: 1, ready: () => true, deliver: async () => void sent.push(clock), classify: (err) => err as SendFailure };
    // Every third wake-up comes 40 ms late (a busy process); the clock moves only by sleeping.
    const sleep = async (ms: number) => {
      clock += ms + (++naps % 3 === 0 ? 40 : 0);
    };
    const sender = new DeliverySender(delivery, port, connect(), log, { pollMs: 5, now: () => clock, sleep });
    sender.start();
    await until(async () => (await delivery.counts('late:1')).pending === 0);
    await sender.stop();
    expect(sent).toHaveLength(20);
    // By the time each send went out: never 6 in a second (sent on the late wake-up without a new look, the
    // late one and the five after it would be), never closer than a quarter of the spacing.
    expect(worstWindow(sent, 1000)).toBeLessThanOrEqual(5);
    expect(Math.min(...sent.slice(1).map((t, i) => t - sent[i]!))).toBeGreaterThanOrEqual(50);
    expect(sender.stats.moved + sender.stats.rebooks).toBeGreaterThan(0);
  }, 30_000);

  it('personal WeChat: at least the gap plus jitter between sends, and the daily cap', async () => {
    const pacer = new Pacer(connect(), new Keys('p2:'), () => 0.5);
    const limits: PacingLimits = { platform: [{ count: 1, perMs: 20_000 }, { count: 5, perMs: 24 * 3600_000 }], minGapMs: 20_000, jitterMs: 10_000 };
    const sent: number[] = [];
    const start = 1_700_000_000_000;
    for (let now = start; now < start + 600_000; now += 1000) {
      if ((await pacer.take('wechat', limits, { chatType: 'group', chatId: `r${now}` }, now)) === 0) sent.push(now);
    }
    expect(sent).toHaveLength(5);
    const gaps = sent.slice(1).map((t, i) => t - sent[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(25_000); // 20 s + half of the 10 s jitter
    const wait = await pacer.take('wechat', limits, { chatType: 'group', chatId: 'late' }, start + 3600_000);
    expect(wait).toBeGreaterThan(20 * 3600_000); // the day's cap is used up
  }, 60_000);

  it('a retry_after hold stops sends to that chat until it ends', async () => {
    const pacer = new Pacer(connect(), new Keys('p3:'));
    const chat = { chatType: 'private' as const, chatId: 'x' };
    await pacer.hold('telegram', chat, 10_000, 0);
    expect(await pacer.take('telegram', TELEGRAM, chat, 5_000)).toBe(5_000);
    expect(await pacer.take('telegram', TELEGRAM, { chatType: 'private', chatId: 'y' }, 5_000)).toBe(0);
    expect(await pacer.take('telegram', TELEGRAM, chat, 10_001)).toBe(0);
  });
});
