/**
 * A MONITOR connection read straight off the socket: every command Redis runs, arguments unescaped to
 * their bytes (UTF-8 text comes back whole). ioredis's own monitor mode is not used: when traffic is
 * already flowing, a monitor line can arrive before it has switched modes and it fails with a "Command
 * queue state error".
 */
import { once } from 'node:events';
import { connect } from 'node:net';

export interface MonitoredCommand {
  args: string[];
  /** The client's address as Redis saw it (ip:port). */
  source: string;
}

const ESCAPES: Record<string, number> = { n: 10, r: 13, t: 9, a: 7, b: 8, '"': 34, '\\': 92 };

/** The arguments of one MONITOR line: `+<time> [<db> <source>] "arg" "arg" …` with C-style escapes. */
export function parseMonitorLine(line: string): MonitoredCommand | null {
  const m = /^\+\d+\.\d+ \[\d+ ([^\]]*)\] (.*)$/.exec(line);
  if (!m) return null;
  const rest = m[2]!;
  const args: string[] = [];
  let i = 0;
  while (i < rest.length) {
    if (rest[i] !== '"') {
      i++;
      continue;
    }
    const bytes: number[] = [];
    for (i++; i < rest.length && rest[i] !== '"'; i++) {
      const c = rest[i]!;
      if (c !== '\\') {
        bytes.push(...Buffer.from(c, 'latin1'));
        continue;
      }
      const next = rest[++i]!;
      if (next === 'x') {
        bytes.push(parseInt(rest.slice(i + 1, i + 3), 16));
        i += 2;
      } else bytes.push(ESCAPES[next] ?? next.charCodeAt(0));
    }
    args.push(Buffer.from(bytes).toString('utf8'));
    i++;
  }
  return { args, source: m[1]! };
}

/** Starts monitoring; resolves once Redis confirmed (every later command is seen). */
export async function monitorRedis(url: string, onCommand: (c: MonitoredCommand) => void): Promise<{ close(): void }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  socket.setEncoding('latin1');
  let buffered = '';
  let confirmed: () => void;
  const ready = new Promise<void>((res) => (confirmed = res));
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let end: number;
    while ((end = buffered.indexOf('\r\n')) >= 0) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      if (line === '+OK') confirmed();
      else {
        const command = parseMonitorLine(line);
        if (command) onCommand(command);
      }
    }
  });
  socket.write('MONITOR\r\n');
  await ready;
  return { close: () => socket.destroy() };
}
