/**
 * Latency under an offered load: the real bot as its own process (`npm start`'s entry), its web API over
 * HTTP, a redis-server with AOF appendfsync always; messages are sent at a fixed rate whatever the answers
 * (open loop, latency counted from the moment each was due). The first BENCH_HTTP_WARM_SECONDS at that rate
 * from a cold process are reported apart; the steady run follows over the same connections and members.
 * BENCH_HTTP_RATE (msg/s), BENCH_HTTP_SECONDS, BENCH_HTTP_WARM_SECONDS.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { startRedisServer } from '../src/core/redis-server.ts';
import { startBotProcess, type BotProcess } from '../test/helpers/bot-process.ts';
import { fmtMs, percentile } from './common.ts';

const RATE = Number(process.env.BENCH_HTTP_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 10);
/** The first seconds at the offered rate, from a cold process: reported apart from the steady run. */
const WARM_SECONDS = Number(process.env.BENCH_HTTP_WARM_SECONDS ?? 3);
const MEMBERS = 2000;
const MIX = ['菜单', '公司三个月没发工资怎么办', '加班费怎么算', '最近有什么活动', '住院互助要什么材料', '你好', '被辞退了有补偿吗', '转人工'];

/** Environment for a bot process under bench load: no per-IP or per-member limits in the way, quiet logs. */
export const BENCH_BOT_ENV = {
  LOG_LEVEL: 'warn',
  RATE_LIMIT_PER_MINUTE: '10000',
  WEB_RATE_LIMIT_PER_MINUTE_PER_IP: '100000',
  HTTP_MAX_CONNECTIONS_PER_IP: '100000',
  KNOWLEDGE_STATUTES_DIR: process.env.KNOWLEDGE_STATUTES_DIR ?? '../shared/laws',
};

/** Posts one web message; resolves when the answer has arrived (rejects on a non-200). */
export function postMessage(agent: Agent, base: string, userId: string, text: string): Promise<void> {
  const body = JSON.stringify({ userId, chatType: 'private', text, messageId: randomUUID() });
  const url = new URL('/api/web/messages', base);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.once('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.once('error', reject);
    req.end(body);
  });
}

/** A keep-alive client that counts the connections it opens (a slow start or a stall shows as many: each costs the bot an accept and a parser). */
export interface BenchClient {
  agent: Agent;
  connections(): number;
}
export function benchClient(): BenchClient {
  const agent = new Agent({ keepAlive: true, maxSockets: 1024 });
  let opened = 0;
  const connect = agent.createConnection.bind(agent) as (...args: unknown[]) => unknown;
  (agent as unknown as { createConnection: (...args: unknown[]) => unknown }).createConnection = (...args) => {
    opened++;
    return connect(...args);
  };
  return { agent, connections: () => opened };
}

/** Sends `rate` messages per second for `seconds`; latencies from each message's due time. */
export async function offer(bots: BotProcess[], rate: number, seconds: number, members = 2000, client = benchClient()): Promise<{ latencies: number[]; errors: number; connections: number }> {
  const { agent } = client;
  const connectionsBefore = client.connections();
  const latencies: number[] = [];
  let errors = 0;
  const total = rate * seconds;
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const bot = bots[i % bots.length]!;
    pending.push(
      postMessage(agent, bot.url, `h${i % members}`, MIX[i % MIX.length]!).then(
        () => void latencies.push(performance.now() - due),
        () => void errors++,
      ),
    );
  }
  await Promise.all(pending);
  return { latencies: latencies.sort((a, b) => a - b), errors, connections: client.connections() - connectionsBefore };
}

/** redis-server's own CPU seconds (INFO cpu). */
async function redisCpuReader(url: string): Promise<{ read(): Promise<number>; close(): void }> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  return {
    read: async () => {
      const info = await client.info('cpu');
      return Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1]) + Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1]);
    },
    close: () => client.disconnect(),
  };
}

/** User + system CPU seconds a process has used (Linux /proc; NaN elsewhere): what a message costs, whatever the machine's load. */
function processCpuSeconds(pid: number | undefined): number {
  try {
    // Fields after the command name: utime and stime are the 12th and 13th, in clock ticks (100 per second).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

export async function httpBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ua-bench-http-'));
  const server = await startRedisServer({ dir, appendfsync: 'always' });
  let bot: BotProcess | undefined;
  try {
    bot = await startBotProcess({ ...BENCH_BOT_ENV, REDIS_URL: server.url, DATA_DIR: join(dir, 'data') });
    // From cold straight to the offered rate (connections opened, code paths compiled, every member's first
    // turn): reported apart, then the same members at the same rate over the connections already open, as a
    // reverse proxy keeps them.
    const client = benchClient();
    const cold = await offer([bot], RATE, WARM_SECONDS, MEMBERS, client);
    const redisCpu = await redisCpuReader(server.url);
    const cpu0 = processCpuSeconds(bot.pid);
    const redis0 = await redisCpu.read();
    const own0 = process.cpuUsage();
    const { latencies, errors, connections } = await offer([bot], RATE, SECONDS, MEMBERS, client);
    client.agent.destroy();
    const cpu = processCpuSeconds(bot.pid) - cpu0;
    const own = process.cpuUsage(own0);
    const redisUs = (((await redisCpu.read()) - redis0) * 1e6) / Math.max(1, latencies.length);
    redisCpu.close();
    const perMsg = (seconds: number) => ((seconds * 1e6) / Math.max(1, latencies.length)).toFixed(0);
    console.log(`http: ${RATE} msg/s offered for ${SECONDS} s over HTTP to one bot process, ${MEMBERS} members, Redis AOF appendfsync always`);
    console.log(
      `  from cold, first ${WARM_SECONDS} s: p50 ${fmtMs(percentile(cold.latencies, 50))}   p99 ${fmtMs(percentile(cold.latencies, 99))}   max ${fmtMs(cold.latencies.at(-1) ?? 0)}   errors ${cold.errors}   connections opened ${cold.connections}`,
    );
    console.log('  then, steady:');
    console.log(
      `  answered ${latencies.length}  errors ${errors}   p50 ${fmtMs(percentile(latencies, 50))}   p99 ${fmtMs(percentile(latencies, 99))}   max ${fmtMs(latencies.at(-1) ?? 0)}` +
        (Number.isFinite(cpu) ? `   bot cpu ${perMsg(cpu)} µs/msg` : ''),
    );
    // The three share the machine's cores: what is left for anything else decides the tail.
    console.log(`  redis-server cpu ${redisUs.toFixed(0)} µs/msg   this client ${perMsg((own.user + own.system) / 1e6)} µs/msg   connections opened ${connections}   load average ${loadavg()[0]!.toFixed(1)}`);
  } finally {
    await bot?.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
