/** The HTTP server (src/channels/http/server.ts): security headers on every response, replaceable by a route; its listen queue. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createHttpServer, SECURITY_HEADERS } from '../../../src/channels/http/server.ts';
import { createLogger } from '../../../src/core/logger.ts';
import { startChannels } from '../../../src/channels/index.ts';
import { startTestEngine } from '../../helpers/engine.ts';

let app: FastifyInstance;
let base: string;
const logged: string[] = [];

beforeAll(async () => {
  app = createHttpServer(createLogger('info', { write: (line: string) => void logged.push(line) }), { requestTimeoutMs: 5000, maxConnectionsPerIp: 100 });
  app.get('/plain', async () => ({ ok: true }));
  app.get('/framed', async (_req, reply) => reply.header('content-security-policy', "frame-ancestors 'self'").header('x-frame-options', 'SAMEORIGIN').send('inline'));
  app.get('/fails', async () => {
    throw new Error('boom');
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(async () => {
  await app.close();
});

describe('security headers', () => {
  it('are sent on answers, errors and unknown paths alike', async () => {
    for (const [path, status] of [['/plain', 200], ['/fails', 500], ['/nowhere', 404]] as const) {
      const res = await fetch(`${base}${path}`);
      expect(res.status, path).toBe(status);
      // Exactly the value: a header sent twice would read "DENY, DENY".
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers.get(name), `${path} ${name}`).toBe(value);
    }
  });

  it('a failed request is logged with its path, never its query (a search typed as 138+1234+5678 reads as no number)', async () => {
    logged.length = 0;
    expect((await fetch(`${base}/fails?q=138+1234+5678&chatId=13812345678`)).status).toBe(500);
    const line = logged.map((l) => JSON.parse(l) as { msg?: string; path?: string }).find((l) => l.msg === 'http handler failed');
    expect(line?.path).toBe('/fails');
    expect(logged.join('')).not.toMatch(/1234/);
  });

  it('give way to a header a route sets itself; the others stay', async () => {
    const res = await fetch(`${base}/framed`);
    expect(res.headers.get('content-security-policy')).toBe("frame-ancestors 'self'");
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });
});

describe('a burst of connections', () => {
  it('waits in the listen queue while the server is busy instead of being dropped', async () => {
    const te = await startTestEngine();
    const running = await startChannels(te.engine);
    const { port } = new URL(running.url);
    // Another process opens more connections than Node's default queue (511) holds; this one is busy meanwhile.
    const CONNECTIONS = 800;
    const opener = spawn(process.execPath, [
      '-e',
      `const net = require('node:net'); let up = 0; const all = [];
       process.stdin.once('data', () => {
         for (let i = 0; i < ${CONNECTIONS}; i++) { const s = net.connect(${port}, '127.0.0.1', () => { up++; }); s.on('error', () => {}); all.push(s); }
         setTimeout(() => { console.log('up ' + up); all.forEach((s) => s.destroy()); process.exit(0); }, 800);
       });
       console.log('ready');`,
    ], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    opener.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      while (!out.includes('ready')) await new Promise((r) => setTimeout(r, 20));
      opener.stdin.write('go\n');
      // Busy for 500 ms, accepting nothing: the kernel completes the handshakes the listen queue has room for.
      const until = Date.now() + 500;
      while (Date.now() < until) {
        /* not accepting */
      }
      await once(opener, 'exit');
      // A dropped handshake is retried only after a second: within 0.8 s it could not have connected.
      expect(out).toContain(`up ${CONNECTIONS}`);
    } finally {
      opener.kill();
      await running.stop();
      await te.stop();
    }
  });
});
