/**
 * Scaling efficiency on a real Redis Cluster (3 masters, 3 replicas, loopback, AOF appendfsync always): the
 * pipeline's throughput in one process, then in three processes at once (each its own engine and members,
 * the message mix, closed loop). Efficiency = throughput(3) ÷ (3 × throughput(1)). On a machine with fewer
 * cores than processes it mostly measures the cores. BENCH_SCALING_SECONDS, BENCH_MEMBERS (per process).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startRedisCluster } from '../test/helpers/cluster.ts';
import { START_NODE_FLAGS } from '../test/helpers/start-command.ts';

const WORKER = fileURLToPath(new URL('./scaling-worker.ts', import.meta.url));

/** Starts `n` worker processes, starts them together, sums their rates. */
async function together(n: number, env: Record<string, string>, dir: string): Promise<number> {
  const children: ChildProcess[] = [];
  try {
    const lines = await Promise.all(
      Array.from({ length: n }, (_, i) => {
        const child = spawn(process.execPath, [...START_NODE_FLAGS, '--import', new URL('../src/app/run-typescript.mjs', import.meta.url).href, WORKER], {
          env: { ...process.env, ...env, BENCH_WORKER: `p${n}w${i}`, DATA_DIR: join(dir, `p${n}w${i}`) },
          stdio: ['pipe', 'pipe', 'inherit'],
        });
        children.push(child);
        return createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
      }),
    );
    for (const it of lines) if ((await it.next()).value !== 'ready') throw new Error('scaling worker did not start');
    for (const c of children) c.stdin!.write('go\n');
    const rates = await Promise.all(lines.map(async (it) => (JSON.parse(String((await it.next()).value)) as { rate: number }).rate));
    return rates.reduce((a, b) => a + b, 0);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  }
}

export async function scalingBench(): Promise<void> {
  const cluster = await startRedisCluster({ appendfsync: 'always' });
  const dir = mkdtempSync(join(tmpdir(), 'ua-bench-scaling-'));
  try {
    const env = { REDIS_CLUSTER_NODES: cluster.nodes.join(','), KNOWLEDGE_STATUTES_DIR: process.env.KNOWLEDGE_STATUTES_DIR ?? '../shared/laws' };
    const one = await together(1, env, dir);
    const three = await together(3, env, dir);
    console.log(`scaling: the message mix through the pipeline on a Redis Cluster (3 masters + 3 replicas, AOF always, loopback), ${cpus().length} cores`);
    console.log(`  1 process ${one.toFixed(0)} msg/s   3 processes ${three.toFixed(0)} msg/s   efficiency ${(three / (3 * one)).toFixed(2)}`);
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
