/**
 * `npm run bench`: simulated members through the full pipeline against a real redis-server, beside the
 * floor measured in the same run (as many plain ioredis GET+SET round trips, same concurrency).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/core/config.ts';
import { createLogger } from '../src/core/logger.ts';
import { startRedisServer } from '../src/core/redis-server.ts';
import { createEngine } from '../src/app/engine.ts';
import { BENCH_EXTRAS } from './extras.ts';

// `npm run bench -- retrieval`: labor-law retrieval alone (bench/retrieval.ts), no Redis.
if (process.argv[2] === 'retrieval') {
  await (await import('./retrieval.ts')).runRetrievalBench();
  process.exit(0);
}

const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 200);
const PER_MEMBER = Number(process.env.BENCH_MESSAGES ?? 10);
const TEXTS = ['菜单', '公司三个月没发工资怎么办', '加班费怎么算', '最近有什么活动', '住院互助要什么材料', '你好', '被辞退了有补偿吗', '转人工'];

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

async function timeLoops(fn: (member: number, i: number) => Promise<void>): Promise<{ seconds: number; latencies: number[] }> {
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: MEMBERS }, async (_, m) => {
      for (let i = 0; i < PER_MEMBER; i++) {
        const t = performance.now();
        await fn(m, i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, latencies: latencies.sort((a, b) => a - b) };
}

const dir = mkdtempSync(join(tmpdir(), 'ua-bench-'));
const server = await startRedisServer({ dir });
try {
  const config = loadConfig({ ...process.env, REDIS_URL: server.url, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '10000', KNOWLEDGE_STATUTES_DIR: process.env.KNOWLEDGE_STATUTES_DIR ?? '../shared/laws' });
  const engine = await createEngine(config, createLogger('silent'));
  const total = MEMBERS * PER_MEMBER;

  // Warm up JIT, jieba and connections.
  for (const text of TEXTS) await engine.pipeline.handle(message('warm', text));

  const pipeline = await timeLoops(async (m, i) => {
    const out = await engine.pipeline.handle(message(`m${m}`, TEXTS[(m + i) % TEXTS.length] ?? '菜单'));
    if (out.dropped) throw new Error(`bench message dropped: ${out.dropped}`);
  });

  const floorClient = new Redis(server.url);
  const floor = await timeLoops(async (m, i) => {
    await floorClient.get(`floor:${m}`);
    await floorClient.set(`floor:${m}`, String(i));
  });
  floorClient.disconnect();

  const rate = total / pipeline.seconds;
  const floorRate = total / floor.seconds;
  console.log(`pipeline: ${total} messages from ${MEMBERS} members (${PER_MEMBER} each, real Redis, AOF appendfsync always)`);
  console.log(`  throughput ${rate.toFixed(0)} msg/s   p50 ${fmt(percentile(pipeline.latencies, 50))}   p99 ${fmt(percentile(pipeline.latencies, 99))}`);
  console.log(`floor: ${total} plain ioredis GET+SET round trips, same concurrency`);
  console.log(`  throughput ${floorRate.toFixed(0)} ops/s   p50 ${fmt(percentile(floor.latencies, 50))}   p99 ${fmt(percentile(floor.latencies, 99))}`);
  console.log(`ratio pipeline/floor: throughput ${(rate / floorRate).toFixed(3)}   p50 latency ${(percentile(pipeline.latencies, 50) / percentile(floor.latencies, 50)).toFixed(2)}x`);

  for (const extra of BENCH_EXTRAS) await extra(engine);
  await engine.close();
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}

function message(userId: string, text: string) {
  return {
    platform: 'web' as const, chatId: userId, chatType: 'private' as const, senderId: userId, senderName: userId, text,
    mentionsBot: false, repliesToBot: false, attachments: [], messageId: randomUUID(), sentAt: Date.now(), fromSelf: false,
  };
}
