/** A private redis-server child process (embedded mode, tests): AOF on, stopped on every exit path. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

export interface RedisProcess {
  url: string;
  port: number;
  /** Graceful stop (SIGTERM, waits for exit). */
  stop(): Promise<void>;
  /** Simulated crash: SIGKILL, no chance to flush anything not already fsynced. */
  kill9(): Promise<void>;
  /** Start again on the same port and directory (reloads the AOF). */
  restart(): Promise<void>;
}

const SYSTEM_PATHS = ['/usr/bin/redis-server', '/usr/local/bin/redis-server', '/opt/homebrew/bin/redis-server'];

/** Finds redis-server on PATH / usual places, else the one redis-memory-server downloads or points at. */
export async function findRedisBinary(): Promise<string> {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = resolve(dir || '.', 'redis-server');
    if (dir && existsSync(p)) return p;
  }
  for (const p of SYSTEM_PATHS) if (existsSync(p)) return p;
  const { RedisBinary } = await import('redis-memory-server');
  const found = await RedisBinary.getPath({});
  if (!found) throw new Error('redis-server not found: install it (apt-get install redis-server) or set REDIS_URL');
  return found;
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous kill on any exit path so no orphan redis-server outlives us.
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

export async function startRedisServer(opts: { dir: string; port?: number; appendfsync?: 'always' | 'everysec' }): Promise<RedisProcess> {
  installExitHook();
  mkdirSync(opts.dir, { recursive: true });
  const bin = await findRedisBinary();
  const port = opts.port ?? (await freePort());
  let child: ChildProcess | null = null;

  const launch = async () => {
    const args = [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', resolve(opts.dir),
      '--appendonly', 'yes', '--appendfsync', opts.appendfsync ?? 'always', '--save', '',
      '--protected-mode', 'yes', '--loglevel', 'warning',
    ];
    const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    live.add(proc);
    proc.once('exit', () => live.delete(proc));
    let output = '';
    proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    await waitForPort(port, proc, () => output);
  };

  const waitExit = async (signal: NodeJS.Signals) => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((res) => {
      proc.once('exit', () => res());
      proc.kill(signal);
    });
  };

  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () => waitExit('SIGTERM'),
    kill9: () => waitExit('SIGKILL'),
    restart: async () => {
      await waitExit('SIGTERM');
      await launch();
    },
  };
}

async function waitForPort(port: number, proc: ChildProcess, output: () => string): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited: ${output()}`);
    const ok = await new Promise<boolean>((res) => {
      const sock = connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.write('PING\r\n');
        sock.once('data', (d) => {
          sock.destroy();
          // While loading the AOF, redis answers -LOADING; wait until it answers PONG.
          res(d.toString().startsWith('+PONG'));
        });
      });
      sock.once('error', () => res(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server did not start on port ${port}: ${output()}`);
}
