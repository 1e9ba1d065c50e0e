/**
 * A real Redis Cluster for tests and the bench: 6 redis-server processes on loopback (3 masters, 3 replicas),
 * created with `redis-cli --cluster create`. Ports stay below 55535 (each node's bus listens on port + 10000).
 * Every process is killed on every exit path.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findRedisBinary } from '../../src/core/redis-server.ts';

const run = promisify(execFile);

export interface ClusterNode {
  port: number;
  address: string;
  process: ChildProcess;
}

export interface RedisClusterHandle {
  /** host:port of every node, for REDIS_CLUSTER_NODES. */
  nodes: string[];
  /** `redis-cli -p <port> <args…>` against a node; its output. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** The port of the master serving `key` now. */
  masterOf(key: string): Promise<number>;
  /** kill -9 of the master serving `key`; resolves once a replica took over and the cluster is ok again. */
  failMasterOf(key: string): Promise<{ killed: number; promoted: number }>;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let hooked = false;
function hookExit() {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const p of live) p.kill('SIGKILL');
  });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const srv = createServer();
    srv.once('error', () => res(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => res(true)));
  });
}

/** `count` consecutive free ports (and their bus ports) in 20000–45000. */
async function freePorts(count: number): Promise<number[]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 25000);
    const ports = Array.from({ length: count }, (_, i) => base + i);
    const ok = await Promise.all(ports.flatMap((p) => [portFree(p), portFree(p + 10000)]));
    if (ok.every(Boolean)) return ports;
  }
  throw new Error('no free ports for a Redis Cluster');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startRedisCluster(opts: { appendfsync?: 'always' | 'everysec'; nodeTimeoutMs?: number } = {}): Promise<RedisClusterHandle> {
  hookExit();
  const bin = await findRedisBinary();
  const cliBin = bin.replace(/redis-server$/, 'redis-cli');
  const dir = mkdtempSync(join(tmpdir(), 'ua-cluster-'));
  const ports = await freePorts(6);
  const nodes: ClusterNode[] = [];
  const cli = async (port: number, ...args: string[]) => (await run(cliBin, ['-p', String(port), ...args], { timeout: 30_000 })).stdout;
  const stop = async () => {
    await Promise.all(
      nodes.map(
        (n) =>
          new Promise<void>((res) => {
            if (n.process.exitCode !== null || n.process.signalCode !== null) return res();
            n.process.once('exit', () => res());
            n.process.kill('SIGKILL');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      const nodeDir = join(dir, String(port));
      mkdirSync(nodeDir);
      const proc = spawn(
        bin,
        [
          '--port', String(port), '--bind', '127.0.0.1', '--dir', nodeDir, '--cluster-enabled', 'yes',
          '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(opts.nodeTimeoutMs ?? 2000),
          '--appendonly', 'yes', '--appendfsync', opts.appendfsync ?? 'everysec', '--save', '', '--loglevel', 'warning',
        ],
        { stdio: 'ignore' },
      );
      live.add(proc);
      proc.once('exit', () => live.delete(proc));
      nodes.push({ port, address: `127.0.0.1:${port}`, process: proc });
    }
    for (const n of nodes) {
      for (let i = 0; ; i++) {
        const pong = await cli(n.port, 'ping').catch(() => '');
        if (pong.trim() === 'PONG') break;
        if (i > 100) throw new Error(`cluster node ${n.port} did not start`);
        await sleep(50);
      }
    }
    await run(cliBin, ['--cluster', 'create', ...nodes.map((n) => n.address), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 60_000 });
    await waitOk(cli, ports);
    await waitReplicasOnline(cli, ports);
  } catch (err) {
    await stop();
    throw err;
  }

  const masterOf = async (key: string): Promise<number> => {
    const alive = nodes.filter((n) => n.process.exitCode === null && n.process.signalCode === null);
    const slot = Number((await cli(alive[0]!.port, 'cluster', 'keyslot', key)).trim());
    // CLUSTER SLOTS (plain text from redis-cli): start, end, master ip, master port, …
    for (const n of alive) {
      const lines = (await cli(n.port, 'cluster', 'slots')).split('\n').map((l) => l.trim());
      // Groups: start, end, ip, port, id, [replica ip, port, id]…, then the next range.
      for (let i = 0; i + 3 < lines.length; i++) {
        const start = Number(lines[i]);
        const end = Number(lines[i + 1]);
        if (/^\d+$/.test(lines[i] ?? '') && /^\d+$/.test(lines[i + 1] ?? '') && lines[i + 2] === '127.0.0.1' && start <= slot && slot <= end) return Number(lines[i + 3]);
      }
    }
    throw new Error(`no master for ${key}`);
  };

  return {
    nodes: nodes.map((n) => n.address),
    cli,
    masterOf,
    async failMasterOf(key: string) {
      const killed = await masterOf(key);
      const node = nodes.find((n) => n.port === killed)!;
      await new Promise<void>((res) => {
        node.process.once('exit', () => res());
        node.process.kill('SIGKILL');
      });
      const others = ports.filter((p) => p !== killed);
      const deadline = Date.now() + 30_000;
      for (;;) {
        const promoted = await masterOf(key).catch(() => killed);
        if (promoted !== killed) {
          await waitOk(cli, others);
          return { killed, promoted };
        }
        if (Date.now() > deadline) throw new Error('no replica took over');
        await sleep(200);
      }
    },
    stop,
  };
}

async function waitOk(cli: (port: number, ...args: string[]) => Promise<string>, ports: number[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const states = await Promise.all(ports.map((p) => cli(p, 'cluster', 'info').catch(() => '')));
    if (states.every((s) => s.includes('cluster_state:ok'))) return;
    if (Date.now() > deadline) throw new Error('cluster not ok in time');
    await sleep(200);
  }
}

/** `--cluster create` returns before the replicas have synced: a master killed before that has nobody to take over. */
async function waitReplicasOnline(cli: (port: number, ...args: string[]) => Promise<string>, ports: number[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const infos = await Promise.all(ports.map((p) => cli(p, 'info', 'replication').catch(() => '')));
    const masters = infos.filter((i) => i.includes('role:master'));
    if (masters.length === 3 && masters.every((i) => /slave0:.*state=online/.test(i))) return;
    if (Date.now() > deadline) throw new Error('cluster replicas not online in time');
    await sleep(100);
  }
}
