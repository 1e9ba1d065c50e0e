/**
 * A private redis-server child process (embedded mode, tests): AOF on, stopped on every exit path.
 * Its directory is owned by one process at a time (owner.pid): a second bot on the same AOF directory
 * is refused. A server left running by an owner that was killed (kill -9 runs no exit hook) is found by
 * its pidfile and stopped before a new one starts, so two servers never write one AOF.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';

export interface RedisProcess {
  /** `redis://127.0.0.1:port`, or `unix://path` when it listens on its socket only. */
  url: string;
  /** 0 when it listens on its socket only. */
  port: number;
  /** Its owner-only Unix socket (`dir/redis.sock`); undefined when that path is too long for one. */
  socket: string | undefined;
  /** Graceful stop (SIGTERM, waits for exit). */
  stop(): Promise<void>;
  /** Simulated crash: SIGKILL, no chance to flush anything not already fsynced. */
  kill9(): Promise<void>;
  /** Start again on the same port and directory (reloads the AOF). */
  restart(): Promise<void>;
}

/** A Unix socket's path is at most 107 bytes (sun_path). */
const MAX_SOCKET_PATH = 107;

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
const ownedDirs = new Set<string>();
let exitHookInstalled = false;
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous kill on any exit path so no orphan redis-server outlives us.
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
    for (const dir of ownedDirs) rmSync(join(dir, OWNER_FILE), { force: true });
  });
}

const OWNER_FILE = 'owner.pid';
const SERVER_PID_FILE = 'redis-server.pid';

export class DirectoryInUseError extends Error {}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process's command line where /proc tells it (Linux), else null. */
function commandLine(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return null;
  }
}

function readPid(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Takes the directory for this process, or throws DirectoryInUseError while another live process holds it. */
async function claimDirectory(dir: string): Promise<void> {
  const file = join(dir, OWNER_FILE);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      ownedDirs.add(dir);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = readPid(file);
    if (owner === process.pid) return;
    if (owner === null && attempt < 4) {
      await new Promise((r) => setTimeout(r, 50)); // another process is writing its pid right now
      continue;
    }
    // A live owner (a reused pid is told apart by its command line where /proc exists) keeps the directory.
    if (owner !== null && alive(owner) && (commandLine(owner)?.includes('node') ?? true)) {
      throw new DirectoryInUseError(`${dir} is in use by process ${owner}: two bots must not share one Redis directory (set another DATA_DIR, or REDIS_URL)`);
    }
    rmSync(file, { force: true }); // stale: its owner died without cleaning up
  }
  throw new DirectoryInUseError(`${dir}: could not take ${OWNER_FILE}`);
}

/** Stops a redis-server its dead owner left running on this directory (waits for it to exit). */
async function stopLeftover(dir: string, logger?: Pick<Logger, 'warn'>): Promise<void> {
  const file = join(dir, SERVER_PID_FILE);
  const pid = readPid(file);
  if (pid !== null && alive(pid) && (commandLine(pid)?.includes('redis-server') ?? true)) {
    logger?.warn({ pid, dir }, 'stopping a redis-server left running by a previous bot process');
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 10_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    while (alive(pid)) await new Promise((r) => setTimeout(r, 20));
  }
  rmSync(file, { force: true });
}

/**
 * `socketOnly`: no TCP port (the embedded server), when the socket's path fits: no other local user or
 * process reaches a store without a password, and `redis-cli -s DATA_DIR/redis/redis.sock` finds it.
 */
export async function startRedisServer(opts: { dir: string; port?: number; socketOnly?: boolean; appendfsync?: 'always' | 'everysec'; logger?: Pick<Logger, 'warn'> }): Promise<RedisProcess> {
  installExitHook();
  const dir = resolve(opts.dir);
  mkdirSync(dir, { recursive: true });
  await claimDirectory(dir);
  let child: ChildProcess | null = null;
  const release = () => {
    rmSync(join(dir, SERVER_PID_FILE), { force: true });
    rmSync(join(dir, OWNER_FILE), { force: true });
    ownedDirs.delete(dir);
  };
  const socketPath = join(dir, 'redis.sock');
  const socket = Buffer.byteLength(socketPath) <= MAX_SOCKET_PATH ? socketPath : undefined;
  const socketOnly = Boolean(opts.socketOnly && socket);
  let bin: string;
  let port: number;
  try {
    await stopLeftover(dir, opts.logger);
    bin = await findRedisBinary();
    port = socketOnly ? 0 : (opts.port ?? (await freePort()));
  } catch (err) {
    release();
    throw err;
  }

  const launch = async () => {
    const args = [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
      '--appendonly', 'yes', '--appendfsync', opts.appendfsync ?? 'always', '--save', '',
      '--protected-mode', 'yes', '--loglevel', 'warning',
      ...(socket ? ['--unixsocket', socket, '--unixsocketperm', '700'] : []),
    ];
    const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    live.add(proc);
    if (proc.pid !== undefined) writeFileSync(join(dir, SERVER_PID_FILE), String(proc.pid));
    proc.once('exit', () => live.delete(proc));
    let output = '';
    proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    await waitForServer(socketOnly ? { path: socket! } : { port, host: '127.0.0.1' }, proc, () => output);
  };

  const waitExit = async (signal: NodeJS.Signals) => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((res) => {
      proc.once('exit', () => res());
      proc.kill(signal);
    });
  };

  try {
    await launch();
  } catch (err) {
    await waitExit('SIGKILL');
    release();
    throw err;
  }
  return {
    url: socketOnly ? `unix://${socket}` : `redis://127.0.0.1:${port}`,
    port,
    socket,
    stop: async () => {
      await waitExit('SIGTERM');
      release();
    },
    kill9: () => waitExit('SIGKILL'),
    restart: async () => {
      await waitExit('SIGTERM');
      await launch();
    },
  };
}

async function waitForServer(address: { port: number; host: string } | { path: string }, proc: ChildProcess, output: () => string): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited: ${output()}`);
    const ok = await new Promise<boolean>((res) => {
      const sock = connect(address);
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
  throw new Error(`redis-server did not start on ${'path' in address ? address.path : `port ${address.port}`}: ${output()}`);
}
