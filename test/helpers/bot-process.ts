/** The bot as a real child process (`npm start`'s entry), for start-up and crash tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/core/redis-server.ts';
import { START_NODE_FLAGS } from './start-command.ts';

export interface BotProcess {
  url: string;
  /** The process id (benches read its CPU time from /proc). */
  pid: number | undefined;
  output(): string;
  /** SIGKILL: no shutdown hooks run. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

const ENTRY = fileURLToPath(new URL('../../src/app/main.ts', import.meta.url));
/** How `npm start` runs it (see package.json). */
export const RUN_TYPESCRIPT = new URL('../../src/app/run-typescript.mjs', import.meta.url).href;

/** `cwd`: the folder it starts in (where it looks for `.env`); default: the checkout. */
export async function startBotProcess(env: Record<string, string>, opts: { cwd?: string } = {}): Promise<BotProcess> {
  const port = await freePort();
  // BOT_NODE_ARGS: extra node flags for the bot only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it under a bench.
  const nodeArgs = (process.env.BOT_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...START_NODE_FLAGS, ...nodeArgs, '--import', RUN_TYPESCRIPT, ENTRY], {
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', NODE_ENV: 'development', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`bot exited during start-up:\n${out}`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok).catch(() => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`bot did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const waitExit = (signal: NodeJS.Signals) =>
    new Promise<void>((res) => {
      if (child.exitCode !== null || child.signalCode !== null) return res();
      child.once('exit', () => res());
      child.kill(signal);
    });
  return { url, pid: child.pid, output: () => out, kill9: () => waitExit('SIGKILL'), stop: () => waitExit('SIGTERM') };
}
