/**
 * A 200-target broadcast (text and a file) sent by 3 real bot processes on a real Redis Cluster (3 masters,
 * 3 replicas on loopback) to a fake Telegram Bot API, at Telegram's production limits. The bots run in webhook
 * mode, so every process drains the broadcast at once (in polling mode one process sends). One bot is
 * killed with SIGKILL halfway: the other two finish; no target gets anything twice, every target's ledger
 * entry is final, and every target either got the notice or is listed as cut off mid-send (none silently
 * lost); staff then resend the cut-off ones and every group has it. The shared pace is checked where it is
 * decided — every send slot the three pacers booked in Redis, collected while the run goes — and per chat and
 * per group by arrival at the fake.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, type Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { broadcastService } from '../../intents/broadcasts/service.ts';
import { TELEGRAM_PACING } from '../../src/channels/telegram/index.ts';
import { loadConfig } from '../../src/core/config.ts';
import { buildDeps } from '../../src/core/deps.ts';
import { Keys } from '../../src/core/keys.ts';
import { startBotProcess, type BotProcess } from '../helpers/bot-process.ts';
import { startRedisCluster, type RedisClusterHandle } from '../helpers/cluster.ts';
import { FakeTelegram } from '../helpers/fake-telegram.ts';
import { TEST_KEY_HEX } from '../helpers/harness.ts';

const TARGETS = 200;
const STAFF = 'telegram:1001';
const NOTICE = '【工会通知】本周五下午三点在三楼会议室开会，请准时参加。';
const FILE = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.from('会议议程 AGENDA-MARKER-7731\n'.repeat(20))]);
const keys = new Keys('ua:');

let cluster: RedisClusterHandle;
let redis: Redis;
let tg: FakeTelegram;
const bots: BotProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), 'ua-cluster-bc-'));

beforeAll(async () => {
  cluster = await startRedisCluster();
  const [host, port] = cluster.nodes[0]!.split(':');
  redis = new Cluster([{ host: host!, port: Number(port) }]) as unknown as Redis;
  redis.on('error', () => undefined);
  tg = await FakeTelegram.start();
  for (let i = 0; i < 3; i++) {
    bots.push(
      await startBotProcess({
        REDIS_CLUSTER_NODES: cluster.nodes.join(','),
        DATA_DIR: join(dir, `bot${i}`),
        DATA_ENCRYPTION_KEY: TEST_KEY_HEX,
        TELEGRAM_BOT_TOKEN: tg.token,
        TELEGRAM_API_ROOT: tg.url,
        // Webhook mode: every process serves Telegram and sends (long polling is one process's job).
        TELEGRAM_MODE: 'webhook',
        TELEGRAM_WEBHOOK_URL: `https://bot.example.org/telegram/webhook`,
        WEB_ENABLED: 'false',
        BOT_STAFF: STAFF,
        DELIVERY_LEASE_SECONDS: '2',
        SINGLETON_LEASE_MS: '2000',
        REDIS_COMMAND_TIMEOUT_MS: '5000',
        LOG_LEVEL: 'warn',
      }),
    );
  }
}, 180_000);

afterAll(async () => {
  for (const b of bots) await b.kill9().catch(() => undefined);
  await tg?.stop();
  redis?.disconnect();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const until = async (check: () => boolean | Promise<boolean>, ms: number, what: string) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

/** Every send slot booked on Telegram's overall limit, read from the pacers' sliding log while it holds them. */
function watchBookings(): { stop: () => Promise<Map<string, number>> } {
  const key = `${keys.tagged('pace:telegram')}:all:0`;
  const booked = new Map<string, number>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const readAt = Date.now();
      const flat = (await redis.zrange(key, '0', '-1', 'WITHSCORES').catch(() => null)) ?? [];
      const current = new Map<string, number>();
      for (let i = 0; i + 1 < flat.length; i += 2) current.set(flat[i]!, Number(flat[i + 1]));
      // A slot gone while still inside its window was given back (its send left late and booked again): not a send.
      if (flat.length) for (const [member, at] of booked) if (!current.has(member) && at > readAt - 800) booked.delete(member);
      // A moved slot keeps its name with its new time.
      for (const [member, at] of current) booked.set(member, at);
      // Entries stay at least the window (1,040 ms) after their slot: reading every 200 ms misses none.
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return booked;
    },
  };
}

/** Most slots in any window of `perMs` (sorted times). */
function busiest(times: number[], perMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let hi = 0, lo = 0; hi < t.length; hi++) {
    while (t[hi]! - t[lo]! >= perMs) lo++;
    most = Math.max(most, hi - lo + 1);
  }
  return most;
}

describe('a 200-target broadcast on a Redis Cluster, sent by 3 bot processes', () => {
  it('the production pacing is Telegram’s own limits (no test profile)', () => {
    expect(TELEGRAM_PACING.platform).toEqual([expect.objectContaining({ count: 30, spread: true })]);
    expect(TELEGRAM_PACING.platform![0]!.perMs).toBeGreaterThanOrEqual(1000);
    expect(TELEGRAM_PACING.privateChat!.map((r) => [r.count, r.perMs >= 1000])).toEqual([[1, true]]);
    expect(TELEGRAM_PACING.groupChat!.map((r) => r.count)).toEqual([1, 20]);
    expect(TELEGRAM_PACING.groupChat![1]!.perMs).toBeGreaterThanOrEqual(60_000);
  });

  it('kill -9 of one bot halfway: the others finish, 0 duplicates, 0 lost, every ledger entry final, the shared pace held', async () => {
    // The test composes as staff would (the chat and the console call this same operation).
    const config = loadConfig({ NODE_ENV: 'test', REDIS_CLUSTER_NODES: cluster.nodes.join(','), BOT_STAFF: STAFF, BROADCAST_APPROVAL: 'none', DATA_ENCRYPTION_KEY: TEST_KEY_HEX });
    const { deps } = buildDeps(config, redis, pino({ level: 'silent' }));
    const batch = redis.multi();
    for (let i = 0; i < TARGETS; i++) {
      deps.groups.record(batch, { platform: 'telegram', chatId: String(-200000 - i), chatType: 'group', chatName: `第${i + 1}工会小组`, senderId: '1', senderName: 'x', text: '', mentionsBot: true, repliesToBot: false, attachments: [], messageId: `m${i}`, sentAt: Date.now(), fromSelf: false }, Date.now());
    }
    await batch.exec();
    const bookings = watchBookings();
    const svc = broadcastService(deps);
    const r = await svc.compose(
      { key: STAFF, roles: new Set(['staff']) },
      { name: '张老师', chat: { platform: 'telegram', chatId: '1001', chatType: 'private' } },
      { audience: { kind: 'all-groups' }, text: NOTICE, file: { name: '议程.pdf', mimeType: 'application/pdf', data: FILE }, schedule: { kind: 'now' } },
    );
    if (r.outcome !== 'started') throw new Error(`not started: ${r.outcome}`);
    expect(r.total).toBe(TARGETS);
    const group = `bc:${r.broadcast.id}#1`;
    const counts = () => deps.delivery.counts(group);
    const got = (kind: 'text' | 'file') => {
      const n = new Map<string, number>();
      for (const s of tg.sent) {
        if (!s.chatId.startsWith('-')) continue;
        if (kind === 'text' ? s.text === NOTICE : s.document?.filename === '议程.pdf') n.set(s.chatId, (n.get(s.chatId) ?? 0) + 1);
      }
      return n;
    };

    // Halfway through, with sends of every process under way, one bot dies without a word.
    await until(() => got('text').size >= TARGETS / 2, 60_000, 'half the groups reached');
    await bots[0]!.kill9();
    const atKill = got('text').size;
    expect(atKill).toBeLessThan(TARGETS);

    await until(async () => (await counts()).pending === 0, 90_000, 'every ledger entry final');
    const booked = await bookings.stop();

    // Every target's entry is final: sent, or cut off mid-send by the kill (never sent twice).
    const report = await deps.delivery.report(group);
    expect(report).toHaveLength(TARGETS);
    // A group target's id is g:<platform>:<chat id>.
    const states = new Map(report.map((it) => [it.id.replace(/^g:telegram:/, ''), it.state]));
    expect([...states.values()].every((s) => s === 'sent' || s === 'failed:interrupted')).toBe(true);
    const interrupted = [...states].filter(([, s]) => s === 'failed:interrupted').map(([chat]) => chat);
    // At most what the killed process had in flight (its sender's concurrency, 8).
    expect(interrupted.length).toBeLessThanOrEqual(8);

    // 0 duplicates: no group got the text or the file twice.
    const texts = got('text');
    const files = got('file');
    expect([...texts.values()].filter((n) => n > 1)).toEqual([]);
    expect([...files.values()].filter((n) => n > 1)).toEqual([]);
    expect(tg.sent.filter((s) => s.document).every((s) => s.document!.data.equals(FILE))).toBe(true);
    // 0 lost: every group recorded as sent got both parts; a group without them is listed as cut off.
    for (const [chat, state] of states) {
      if (state === 'sent') {
        expect(texts.get(chat), chat).toBe(1);
        expect(files.get(chat), chat).toBe(1);
      } else expect(interrupted).toContain(chat);
    }
    const c = await counts();
    expect(c).toMatchObject({ total: TARGETS, pending: 0, sent: TARGETS - interrupted.length, failed: interrupted.length });

    // The survivors went on after the kill.
    expect(texts.size).toBeGreaterThan(atKill);
    if (process.env.DEBUG_BC) console.log({ atKill, interrupted: interrupted.length, slots: booked.size, busiest: busiest([...booked.values()], 1000), over: tg.overLimits() });

    // The shared pace, as the three pacers booked it: never more than 30 slots in any second, and spread.
    const slots = [...booked.values()].sort((a, b) => a - b);
    expect(slots.length).toBeGreaterThanOrEqual(c.sent * 2);
    expect(busiest(slots, 1000)).toBeLessThanOrEqual(30);
    // Spread: booked a full spacing apart; a late send's slot moved to when it left stays a quarter of it away.
    const gaps = slots.slice(1).map((t, i) => t - slots[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(Math.floor(TELEGRAM_PACING.platform![0]!.perMs / 30 / 4));
    // Per chat and per group, by arrival at the fake (two parts to one group are a second apart).
    expect(tg.overLimits((chat) => chat.startsWith('-'))).toMatchObject({ perChat: 0, perGroup: 0 });

    // The author is told once the run is over.
    await until(() => tg.sent.some((s) => s.chatId === '1001' && /已发送完毕/.test(s.text ?? '')), 20_000, 'the author told');

    // Staff resend what the kill cut off (confirmed: some may get it twice): afterwards every group has the notice.
    const staff = { key: STAFF as `telegram:${string}`, roles: new Set(['staff'] as const) };
    const resend = await svc.resendInterrupted(staff, r.broadcast.id);
    expect(resend).toMatchObject(interrupted.length ? { outcome: 'done', resent: interrupted.length } : { outcome: 'nothing-to-resend' });
    await until(async () => (await counts()).pending === 0, 60_000, 'the resend final');
    expect(await counts()).toMatchObject({ total: TARGETS, sent: TARGETS, failed: 0 });
    const after = got('text');
    expect(after.size).toBe(TARGETS);
    // Only a target cut off mid-send can have it twice, and at most twice.
    for (const [chat, n] of after) expect(n, chat).toBeLessThanOrEqual(interrupted.includes(chat) ? 2 : 1);
  }, 240_000);
});
