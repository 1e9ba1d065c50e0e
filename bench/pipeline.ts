/**
 * The fair pipeline bench: for each kind of message the full pipeline and the floor (plain ioredis GET+SET,
 * the least a stateful bot does per message) run interleaved, for equal durations, at the same concurrency,
 * for several rounds; each round's ratio is pipeline msg/s ÷ floor GET+SET/s. Beside them, the telegraf
 * baseline (session() in Redis, echo through handleUpdate) runs for the same duration each round, right after
 * the help run it is compared with.
 * Real redis-server with AOF appendfsync always. BENCH_SECONDS (per run), BENCH_ROUNDS, BENCH_MEMBERS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/core/config.ts';
import { createLogger } from '../src/core/logger.ts';
import { startRedisServer } from '../src/core/redis-server.ts';
import { createEngine, type Engine } from '../src/app/engine.ts';
import { fmtMs, percentile, runFor, spread, webMessage, type Timed } from './common.ts';
import { telegrafEcho } from './telegraf-baseline.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 200);

const LAW = ['公司三个月没发工资怎么办', '加班费怎么算', '被辞退了有补偿吗', '试用期可以随便辞退吗'];
const MIX = ['菜单', '公司三个月没发工资怎么办', '加班费怎么算', '最近有什么活动', '住院互助要什么材料', '你好', '被辞退了有补偿吗', '转人工'];
/** An answer the claim form questions and asks again: every message is one more turn of an open form. */
const FORM_ANSWER = '12345';

interface Kind {
  name: string;
  /** Run once per member before timing (e.g. open the form). */
  setup?: (engine: Engine, member: string) => Promise<void>;
  text: (i: number, member: number) => string;
}

const KINDS: Kind[] = [
  { name: 'help', text: () => '菜单' },
  { name: 'labor-law', text: (i, m) => LAW[(i + m) % LAW.length] ?? LAW[0]! },
  {
    name: 'claim-form turn',
    setup: async (engine, member) => {
      for (const text of ['申请住院互助', '同意', '张三']) await engine.pipeline.handle(webMessage(member, text));
    },
    text: () => FORM_ANSWER,
  },
  { name: 'mix', text: (i, m) => MIX[(i + m) % MIX.length] ?? MIX[0]! },
];

export async function pipelineBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ua-bench-'));
  const server = await startRedisServer({ dir });
  try {
    const config = loadConfig({ ...process.env, REDIS_URL: server.url, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '10000', KNOWLEDGE_STATUTES_DIR: process.env.KNOWLEDGE_STATUTES_DIR ?? '../shared/laws' });
    const engine = await createEngine(config, createLogger('silent'));
    const floorClient = new Redis(server.url);
    const tgClient = new Redis(server.url);
    const echo = telegrafEcho(tgClient);
    const ms = SECONDS * 1000;

    const member = (kind: number, m: number) => `k${kind}m${m}`;
    // CPU seconds of this process and of redis-server: per message, the steadiest figure on a shared machine.
    const redisCpu = async () => {
      const info = await floorClient.info('cpu');
      return Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1]) + Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1]);
    };
    // Bytes the bot sent Redis and Redis appended to its AOF: what a turn costs in fsynced writes, load-independent.
    const redisBytes = async () => {
      const info = await floorClient.info();
      return { sent: Number(/total_net_input_bytes:(\d+)/.exec(info)?.[1]), aof: Number(/aof_current_size:(\d+)/.exec(info)?.[1]) };
    };
    const pipelineRun = async (k: number): Promise<Timed & { botUs: number; redisUs: number; sentBytes: number; aofBytes: number }> => {
      const cpu0 = process.cpuUsage();
      const redis0 = await redisCpu();
      const bytes0 = await redisBytes();
      const run = await runFor(ms, MEMBERS, async (m, i) => {
        const out = await engine.pipeline.handle(webMessage(member(k, m), KINDS[k]!.text(i, m)));
        if (out.dropped) throw new Error(`bench message dropped: ${out.dropped}`);
      });
      const cpu = process.cpuUsage(cpu0);
      const messages = run.latencies.length;
      const bytes1 = await redisBytes();
      return {
        ...run, botUs: (cpu.user + cpu.system) / messages, redisUs: (((await redisCpu()) - redis0) * 1e6) / messages,
        sentBytes: (bytes1.sent - bytes0.sent) / messages, aofBytes: (bytes1.aof - bytes0.aof) / messages,
      };
    };
    const floorRun = () =>
      runFor(ms, MEMBERS, async (m, i) => {
        await floorClient.get(`floor:${m}`);
        await floorClient.set(`floor:${m}`, String(i));
      });
    const telegrafRun = () => runFor(ms, MEMBERS, async (m, i) => echo(1000 + m, MIX[i % MIX.length]!));

    // Set-up and warm-up (JIT, jieba, connections): every kind, the floor and telegraf once, untimed.
    for (const [k, kind] of KINDS.entries()) if (kind.setup) for (let m = 0; m < MEMBERS; m++) await kind.setup(engine, member(k, m));
    await runFor(1000, MEMBERS, async (m, i) => void (await engine.pipeline.handle(webMessage(`warm${m}`, MIX[(i + m) % MIX.length]!))));
    await runFor(500, MEMBERS, async (m) => void (await floorClient.get(`floor:${m}`)));
    await runFor(500, MEMBERS, async (m, i) => echo(5000 + m, String(i)));

    const results = KINDS.map(() => ({ ratios: [] as number[], floors: [] as number[], runs: [] as Array<Timed & { botUs: number; redisUs: number; sentBytes: number; aofBytes: number }> }));
    const telegraf: Timed[] = [];
    const helpVsTelegraf: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const k of KINDS.keys()) {
        const p = await pipelineRun(k);
        const f = await floorRun();
        results[k]!.runs.push(p);
        results[k]!.floors.push(f.rate);
        results[k]!.ratios.push(p.rate / f.rate);
        if (KINDS[k]!.name !== 'help') continue;
        // Right after the help run, as the floor: a ratio of runs far apart measures the machine's spells too.
        const t = await telegrafRun();
        telegraf.push(t);
        helpVsTelegraf.push(p.rate / t.rate);
      }
      process.stdout.write(`  round ${round + 1}/${ROUNDS} done\n`);
    }

    console.log(`pipeline bench: ${MEMBERS} members at once, ${ROUNDS} rounds of ${SECONDS} s per run, real Redis with AOF appendfsync always`);
    console.log('ratio = pipeline messages/s ÷ floor GET+SET/s, floor measured right after each pipeline run (its median shown: it follows the fsync speed of the disk, which differs between machines and days)');
    console.log('cpu = CPU microseconds per message of the bot process and of redis-server (medians over the rounds)');
    console.log('bytes = bytes per message sent to Redis and appended to its AOF (medians; an AOF rewrite in a round shows as less)');
    for (const [k, kind] of KINDS.entries()) {
      const { ratios, floors, runs } = results[k]!;
      const all = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
      const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50).toFixed(0);
      console.log(
        `  ${kind.name.padEnd(16)} ratio ${spread(ratios)}   msg/s ${spread(runs.map((r) => r.rate), 0)}   p50 ${fmtMs(percentile(all, 50))} p99 ${fmtMs(percentile(all, 99))}` +
          `   cpu bot ${median(runs.map((r) => r.botUs))} µs redis ${median(runs.map((r) => r.redisUs))} µs` +
          `   bytes sent ${median(runs.map((r) => r.sentBytes))} aof ${median(runs.map((r) => r.aofBytes))}   floor GET+SET/s ${median(floors)}`,
      );
    }
    console.log(`  telegraf echo    msg/s ${spread(telegraf.map((r) => r.rate), 0)}`);
    console.log(`  help ÷ telegraf  ${spread(helpVsTelegraf)}`);
    floorClient.disconnect();
    tgClient.disconnect();
    await engine.close();
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
