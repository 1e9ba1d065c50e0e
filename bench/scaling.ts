/**
 * Scaling efficiency on a real Redis Cluster (3 masters, 3 replicas, loopback): the web API's throughput with
 * one bot process, then with three (requests spread over them), closed loop at the same total concurrency.
 * Efficiency = throughput(3) ÷ (3 × throughput(1)). On a machine with fewer cores than processes it mostly
 * measures the cores. BENCH_SCALING_SECONDS, BENCH_SCALING_CONCURRENCY.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisCluster } from '../test/helpers/cluster.ts';
import { startBotProcess, type BotProcess } from '../test/helpers/bot-process.ts';
import { runFor } from './common.ts';
import { BENCH_BOT_ENV, postMessage } from './http.ts';

const SECONDS = Number(process.env.BENCH_SCALING_SECONDS ?? 8);
const CONCURRENCY = Number(process.env.BENCH_SCALING_CONCURRENCY ?? 96);
const MIX = ['菜单', '公司三个月没发工资怎么办', '加班费怎么算', '最近有什么活动', '你好', '被辞退了有补偿吗'];

async function throughput(bots: BotProcess[]): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1024 });
  const send = (w: number, i: number) => postMessage(agent, bots[w % bots.length]!.url, `s${w}`, MIX[(w + i) % MIX.length]!);
  await runFor(2000, CONCURRENCY, send); // warm-up
  const { rate } = await runFor(SECONDS * 1000, CONCURRENCY, send);
  agent.destroy();
  return rate;
}

export async function scalingBench(): Promise<void> {
  const cluster = await startRedisCluster({ appendfsync: 'always' });
  const dir = mkdtempSync(join(tmpdir(), 'ua-bench-scaling-'));
  const bots: BotProcess[] = [];
  try {
    const env = (i: number) => ({ ...BENCH_BOT_ENV, REDIS_CLUSTER_NODES: cluster.nodes.join(','), DATA_DIR: join(dir, `bot${i}`) });
    bots.push(await startBotProcess(env(0)));
    const one = await throughput(bots);
    bots.push(await startBotProcess(env(1)), await startBotProcess(env(2)));
    const three = await throughput(bots);
    console.log(`scaling: Redis Cluster (3 masters + 3 replicas, AOF always) on loopback, ${CONCURRENCY} requests in flight over HTTP, ${cpus().length} cores`);
    console.log(`  1 process ${one.toFixed(0)} msg/s   3 processes ${three.toFixed(0)} msg/s   efficiency ${(three / (3 * one)).toFixed(2)}`);
  } finally {
    await Promise.all(bots.map((b) => b.stop()));
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
