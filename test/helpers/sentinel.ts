/**
 * A real Redis Sentinel setup for tests: a master, one replica and one sentinel (quorum 1) as redis-server
 * processes on loopback, each killed on every exit path.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findRedisBinary, freePort } from '../../src/core/redis-server.ts';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface SentinelHandle {
  /** The master's name the sentinel monitors. */
  name: string;
  sentinelPort: number;
  /** The port of the master the sentinel names now. */
  masterPort(): Promise<number>;
  /** kill -9 of the current master; resolves once the sentinel names the promoted replica. */
  failMaster(): Promise<{ killed: number; promoted: number }>;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

export async function startRedisSentinel(): Promise<SentinelHandle> {
  const bin = await findRedisBinary();
  const cliBin = bin.replace(/redis-server$/, 'redis-cli');
  const dir = mkdtempSync(join(tmpdir(), 'ua-sentinel-'));
  const name = 'ua-master';
  const [masterPort, replicaPort, sentinelPort] = [await freePort(), await freePort(), await freePort()];
  const processes = new Map<number, ChildProcess>();
  const cli = async (port: number, ...args: string[]) => (await run(cliBin, ['-p', String(port), ...args], { timeout: 10_000 })).stdout.trim();
  const start = (port: number, args: string[]) => {
    const proc = spawn(bin, args, { stdio: 'ignore' });
    live.add(proc);
    proc.once('exit', () => live.delete(proc));
    processes.set(port, proc);
  };
  const waitFor = async (what: string, check: () => Promise<boolean>, ms = 30_000) => {
    for (const deadline = Date.now() + ms; !(await check().catch(() => false)); await sleep(100)) {
      if (Date.now() > deadline) throw new Error(`sentinel setup: ${what} not in time`);
    }
  };
  const stop = async () => {
    await Promise.all(
      [...processes.values()].map(
        (p) =>
          new Promise<void>((res) => {
            if (p.exitCode !== null || p.signalCode !== null) return res();
            p.once('exit', () => res());
            p.kill('SIGKILL');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  const server = (port: number, extra: string[] = []) => [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--dbfilename', `dump-${port}.rdb`,
    '--appendonly', 'yes', '--appenddirname', `aof-${port}`, '--save', '', '--loglevel', 'warning', ...extra,
  ];
  const masterNow = async () => Number((await cli(sentinelPort, 'sentinel', 'get-master-addr-by-name', name)).split('\n')[1]);
  try {
    start(masterPort, server(masterPort));
    start(replicaPort, server(replicaPort, ['--replicaof', '127.0.0.1', String(masterPort)]));
    await waitFor('replica in sync', async () => /master_link_status:up/.test(await cli(replicaPort, 'info', 'replication')));
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${sentinelPort}`, 'bind 127.0.0.1', `dir ${dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`,
        `sentinel down-after-milliseconds ${name} 1000`,
        `sentinel failover-timeout ${name} 10000`,
      ].join('\n') + '\n',
    );
    start(sentinelPort, [conf, '--sentinel']);
    await waitFor('sentinel sees the replica', async () => /^1$/m.test(await cli(sentinelPort, 'sentinel', 'master', name).then((o) => o.split('\n')[o.split('\n').indexOf('num-slaves') + 1] ?? '')));
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    name,
    sentinelPort,
    masterPort: masterNow,
    async failMaster() {
      const killed = await masterNow();
      const proc = processes.get(killed)!;
      await new Promise<void>((res) => {
        proc.once('exit', () => res());
        proc.kill('SIGKILL');
      });
      let promoted = killed;
      await waitFor('failover', async () => {
        promoted = await masterNow();
        return promoted !== killed && /role:master/.test(await cli(promoted, 'info', 'replication'));
      });
      return { killed, promoted };
    },
    stop,
  };
}
