/**
 * One process of the scaling bench: an engine on the Redis Cluster (REDIS_CLUSTER_NODES), members sending the
 * message mix through the full pipeline in a closed loop. Waits for "go" on stdin (so every process starts
 * together), then prints {"rate": messages per second}.
 */
import { createInterface } from 'node:readline';
import { loadConfig } from '../src/core/config.ts';
import { createLogger } from '../src/core/logger.ts';
import { createEngine } from '../src/app/engine.ts';
import { runFor, webMessage } from './common.ts';

const MIX = ['菜单', '公司三个月没发工资怎么办', '加班费怎么算', '最近有什么活动', '住院互助要什么材料', '你好', '被辞退了有补偿吗', '转人工'];
const seconds = Number(process.env.BENCH_SCALING_SECONDS ?? 8);
const members = Number(process.env.BENCH_MEMBERS ?? 200);
const name = process.env.BENCH_WORKER ?? 'w';

const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '10000' });
const engine = await createEngine(config, createLogger('silent'));
const send = async (m: number, i: number) => {
  const out = await engine.pipeline.handle(webMessage(`${name}m${m}`, MIX[(i + m) % MIX.length]!));
  if (out.dropped) throw new Error(`dropped: ${out.dropped}`);
};
await runFor(2000, members, send); // warm-up
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) if (line.trim() === 'go') break;
const { rate } = await runFor(seconds * 1000, members, send);
process.stdout.write(`${JSON.stringify({ rate })}\n`);
await engine.close();
process.exit(0);
