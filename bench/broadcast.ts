/**
 * `npm run bench -- broadcast`: one broadcast to 1,000 simulated Telegram targets (600 groups, 400 private
 * chats) through the delivery path — the ledger and the pacing in a real redis-server — sent by two sender
 * "processes" (own Redis connections, own leases) to the fake Telegram Bot API over HTTP, which runs in a process of
 * its own so that its arrival times are not those of a busy sender. Halfway through,
 * one of them crashes (it stops writing anything, its sends in flight still arrive). Prints what the fake
 * server measured: achieved rate ÷ allowed rate, sends over any limit, duplicates.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Delivery, DeliverySender, type DeliveryPort, type SendFailure } from '../src/core/delivery/index.ts';
import { FieldCipher } from '../src/core/crypto.ts';
import { Keys } from '../src/core/keys.ts';
import { startRedisServer } from '../src/core/redis-server.ts';
import { TELEGRAM_PACING } from '../src/channels/telegram/index.ts';

/** The fake Telegram in its own process (bench/fake-telegram-process.ts): one JSON line per request. */
async function startFakeTelegram(): Promise<{ url: string; token: string; dump(): Promise<Dump>; stop(): void }> {
  const child: ChildProcess = spawn(process.execPath, ['--import', new URL('../src/app/run-typescript.mjs', import.meta.url).href, fileURLToPath(new URL('./fake-telegram-process.ts', import.meta.url))], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => JSON.parse(String((await lines.next()).value)) as unknown;
  const { url, token } = (await next()) as { url: string; token: string };
  return {
    url,
    token,
    async dump() {
      child.stdin!.write('dump\n');
      return (await next()) as Dump;
    },
    stop: () => child.kill('SIGKILL'),
  };
}

interface Dump {
  sent: { method: string; chatId: string; at: number }[];
  over: { overall: number; perChat: number; perGroup: number };
}

const TARGETS = Number(process.env.BENCH_TARGETS ?? 1000);
const GROUP_SHARE = 0.6;
/** Telegram's overall limit: what "allowed" means when every target is a different chat. */
const ALLOWED_PER_SECOND = 30;
const LEASE_MS = 3000;

class TelegramApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly retryAfter?: number,
  ) {
    super(`${code} ${description}`);
  }
}

/** What the Telegram channel does for one reply, over plain HTTP: one sendMessage, no retry inside. */
function telegramPort(tg: { url: string; token: string }): DeliveryPort {
  return {
    platform: 'telegram',
    pacing: TELEGRAM_PACING,
    concurrency: 8,
    ready: () => true,
    async deliver(to, reply) {
      const res = await fetch(`${tg.url}/bot${tg.token}/sendMessage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ chat_id: to.chatId, text: reply.text ?? '' }) });
      const body = (await res.json()) as { ok: boolean; error_code?: number; description?: string; parameters?: { retry_after?: number } };
      if (!body.ok) throw new TelegramApiError(body.error_code ?? res.status, body.description ?? '', body.parameters?.retry_after);
    },
    classify(err): SendFailure {
      if (err instanceof TelegramApiError) {
        if (err.code === 429) return { kind: 'retry-after', ms: (err.retryAfter ?? 1) * 1000, reason: err.message };
        if (err.code >= 400 && err.code < 500) return { kind: 'permanent', reason: err.message };
      }
      return { kind: 'transient', reason: err instanceof Error ? err.message : String(err) };
    },
  };
}

export async function runBroadcastBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ua-bench-bc-'));
  const redisServer = await startRedisServer({ dir });
  const tg = await startFakeTelegram();
  const clients: Redis[] = [];
  const connect = () => {
    const c = new Redis(redisServer.url, { maxRetriesPerRequest: null });
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  };
  const log = pino({ level: 'silent' });
  const keys = new Keys('bench:');
  const cipher = new FieldCipher(randomBytes(32));
  try {
    const processes = [0, 1].map(() => {
      const delivery = new Delivery(connect(), keys, log, cipher);
      return { delivery, sender: new DeliverySender(delivery, telegramPort(tg), connect(), log, { leaseMs: LEASE_MS }) };
    });
    const [a, b] = processes as [(typeof processes)[0], (typeof processes)[0]];
    const groups = Math.round(TARGETS * GROUP_SHARE);
    const recipients = Array.from({ length: TARGETS }, (_, i) => ({
      id: `t${i}`,
      to: i < groups ? { platform: 'telegram' as const, chatId: String(-1_000_000 - i), chatType: 'group' as const } : { platform: 'telegram' as const, chatId: String(5_000_000 + i), chatType: 'private' as const },
      replies: [{ text: '【工会通知】本周五下午三点在三楼会议室开会，请准时参加。' }],
    }));
    console.log(`broadcast bench: ${TARGETS} Telegram targets (${groups} groups, ${TARGETS - groups} private chats), 2 sender processes, limits 30/s overall, 1/s per chat, 20/min per group`);
    await a.delivery.sendToMany('bc:1#1', recipients);
    for (const p of processes) p.sender.start();

    // Halfway: process B dies (nothing more written by it; what it sent is out there).
    const counts = () => a.delivery.counts('bc:1#1');
    while ((await counts()).sent < TARGETS / 2) await new Promise((r) => setTimeout(r, 20));
    b.sender.abandon();
    const killedAt = Date.now();
    while ((await counts()).pending > 0) await new Promise((r) => setTimeout(r, 50));
    await a.sender.stop();

    const dump = await tg.dump();
    const sends = dump.sent.filter((s) => s.method === 'sendMessage').sort((x, y) => x.at - y.at);
    const perChat = new Map<string, number>();
    for (const s of sends) perChat.set(s.chatId, (perChat.get(s.chatId) ?? 0) + 1);
    const duplicates = [...perChat.values()].reduce((n, c) => n + Math.max(0, c - 1), 0);
    const spanMs = sends[sends.length - 1]!.at - sends[0]!.at;
    const achieved = ((sends.length - 1) / spanMs) * 1000;
    const over = dump.over;
    if (process.env.BENCH_DEBUG) {
      let worst = 0;
      for (let i = 0, lo = 0; i < sends.length; i++) {
        while (sends[i]!.at - sends[lo]!.at >= 1000) lo++;
        worst = Math.max(worst, i - lo + 1);
      }
      const gaps = sends.slice(1).map((x, i) => x.at - sends[i]!.at).sort((x, y) => x - y);
      console.log(`  debug: worst 1 s window ${worst}; gaps p1 ${gaps[Math.floor(gaps.length * 0.01)]} p50 ${gaps[Math.floor(gaps.length / 2)]} p99 ${gaps[Math.floor(gaps.length * 0.99)]} ms`);
    }
    const final = await counts();
    const interrupted = (await a.delivery.report('bc:1#1')).filter((r) => r.state === 'failed:interrupted').length;
    console.log(`  delivered: ${perChat.size}/${TARGETS} targets in ${(spanMs / 1000).toFixed(1)} s (crash of one process at ${((killedAt - sends[0]!.at) / 1000).toFixed(1)} s, lease ${LEASE_MS / 1000} s)`);
    console.log(`  achieved rate: ${achieved.toFixed(2)}/s ÷ allowed ${ALLOWED_PER_SECOND}/s = ${(achieved / ALLOWED_PER_SECOND).toFixed(3)} (goal ≥ 0.95)`);
    console.log(`  sends over any limit: ${over.overall + over.perChat + over.perGroup} (overall ${over.overall}, per chat ${over.perChat}, per group ${over.perGroup}; goal 0)`);
    console.log(`  duplicates after the crash: ${duplicates} (goal 0)`);
    console.log(`  ledger: ${final.sent} sent, ${final.failed} failed (${interrupted} cut off mid-send by the crash: not repeated), ${final.skipped} skipped`);
    console.log(`  not delivered (cut off before the request left): ${TARGETS - perChat.size}`);
    const late = processes.reduce((n, p) => ({ moved: n.moved + p.sender.stats.moved, rebooks: n.rebooks + p.sender.stats.rebooks, lateReleases: n.lateReleases + p.sender.stats.lateReleases }), { moved: 0, rebooks: 0, lateReleases: 0 });
    console.log(`  late wake-ups: ${late.moved} slots moved to when the send left, ${late.rebooks} given back and booked again, ${late.lateReleases} items put back after their mark`);
  } finally {
    for (const c of clients) c.disconnect();
    tg.stop();
    await redisServer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
