/**
 * Attack suite, HTTP stalls (issue item 6): nested and oversized bodies are refused fast while a normal
 * request still answers; a slow body is cut off within seconds; a flood of slow connections from one
 * address cannot starve others; a turn that outlives its lease answers with the apology, never a 500.
 * Timings are asserted loosely (shared machine): "fast" means within a few seconds, not the 8–300 s found.
 */
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pipeline } from '../../src/core/pipeline.ts';
import { Router, type IntentClassifier } from '../../src/core/router.ts';
import type { IntentDefinition } from '../../src/core/service.ts';
import { CORE_TEXT } from '../../src/core/texts.ts';
import { startWebChannel, type TestChannel } from '../helpers/chat-paths.ts';

const REQUEST_TIMEOUT_MS = 2000;
const PER_IP = 20;
let ch: TestChannel & { url: string };
let port: number;

beforeAll(async () => {
  ch = await startWebChannel({ HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS), HTTP_MAX_CONNECTIONS_PER_IP: String(PER_IP), RATE_LIMIT_PER_MINUTE: '10000' });
  port = Number(new URL(ch.url).port);
});
afterAll(async () => {
  await ch?.stop();
});

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await fn();
  return { value, ms: Date.now() - started };
}

/** POSTs a raw body; a connection the server cuts while we still send counts as refused (status 0). */
async function postRaw(body: string | Buffer): Promise<number> {
  return fetch(`${ch.url}/api/web/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(
    async (res) => {
      await res.arrayBuffer();
      return res.status;
    },
    () => 0,
  );
}

const menu = () => ch.dm('normal-user').say('菜单');

/** A GET from another loopback address (127.0.0.2): another client as far as the per-IP cap goes. */
function getFromOtherAddress(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, localAddress: '127.0.0.2' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

function openSlowConnection(): Socket {
  const s = connect(port, '127.0.0.1');
  s.on('error', () => undefined);
  s.write('POST /api/web/messages HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{');
  return s;
}

describe('HTTP limits', () => {
  it('refuses deeply nested 10 MB bodies fast while a normal request still answers quickly', async () => {
    const nested = '['.repeat(10 * 1024 * 1024);
    const objects = '{"a":'.repeat(2 * 1024 * 1024);
    const attacks = [postRaw(nested), postRaw(nested), postRaw(objects)].map((p) => timed(() => p));
    await new Promise((r) => setTimeout(r, 50));
    const normal = await timed(menu);
    expect(normal.value[0]?.text).toContain('劳动法');
    expect(normal.ms).toBeLessThan(5000);
    for (const attack of await Promise.all(attacks)) {
      // 413 when the parser stops it, 408 when the body is cut off for taking too long, 0 when the socket is closed.
      expect([0, 408, 413]).toContain(attack.value);
      expect(attack.ms).toBeLessThan(5000);
    }
  });

  it('refuses an oversized body (over 16 MB) and a long value outside file data', async () => {
    const huge = await timed(() => postRaw(Buffer.alloc(20 * 1024 * 1024, 0x20)));
    expect([0, 413]).toContain(huge.value);
    expect(huge.ms).toBeLessThan(5000);
    // 1 MB of "text" is no file: JSON without files is small.
    const longText = JSON.stringify({ userId: 'u', chatType: 'private', text: 'x'.repeat(1024 * 1024) });
    expect(await postRaw(longText)).toBe(413);
    // Many small values add up too.
    expect(await postRaw(JSON.stringify({ userId: 'u', chatType: 'private', text: '', pad: Array.from({ length: 100_000 }, () => 1) }))).toBe(413);
    // Prototype poisoning is refused outright.
    expect(await postRaw('{"userId":"u","chatType":"private","text":"hi","__proto__":{"admin":true}}')).toBe(400);
  });

  it('still takes a file as base64 (a 2 MB attachment)', async () => {
    const replies = await ch.dm('uploader').say('你好', [{ name: 'scan.pdf', mimeType: 'application/pdf', data: Buffer.alloc(2 * 1024 * 1024, 7) }]);
    expect(replies.length).toBeGreaterThan(0);
  });

  it('cuts off a slow body within seconds', async () => {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    const closed = new Promise<number>((resolve) => s.once('close', () => resolve(Date.now())));
    const started = Date.now();
    s.write('POST /api/web/messages HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{');
    const drip = setInterval(() => s.writable && s.write(' '), 300);
    const at = await closed;
    clearInterval(drip);
    expect(at - started).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 200);
    expect(at - started).toBeLessThan(REQUEST_TIMEOUT_MS + 4000);
  });

  it('caps connections per address: 300 slow connections from one address do not starve another', async () => {
    const slow = Array.from({ length: 300 }, openSlowConnection);
    // The server drops each one past the cap as it accepts it; on a busy machine that takes a moment.
    await expect.poll(() => slow.filter((s) => !s.destroyed).length, { timeout: 5000 }).toBeLessThanOrEqual(PER_IP);
    const other = await timed(() => getFromOtherAddress('/healthz'));
    expect(other.value).toBe(200);
    expect(other.ms).toBeLessThan(3000);
    for (const s of slow) s.destroy();
    // The server counts them closed once it sees the close: then this address is served again.
    await expect.poll(() => fetch(`${ch.url}/healthz`).then((r) => r.status, () => 0), { timeout: 5000 }).toBe(200);
  });

  it('answers a turn that outlives its lease with the apology (HTTP 200), never a 500', async () => {
    const { engine } = ch;
    const slow: IntentDefinition = {
      id: 'help',
      handle: async () => {
        await new Promise((r) => setTimeout(r, 400));
        return { replies: [{ text: '太慢了' }] };
      },
    };
    const always: IntentClassifier = { classify: async () => ({ intent: 'help', confidence: 0.9 }) };
    const original = engine.pipeline;
    engine.pipeline = new Pipeline({ ...engine.deps, config: { ...engine.deps.config, LOCK_TIMEOUT_MS: 100 } }, new Router([slow], always, engine.deps.audit, 'unknown'));
    try {
      const res = await fetch(`${ch.url}/api/web/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId: 'slowpoke', chatType: 'private', text: '你好' }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { replies: { text?: string }[] };
      expect(body.replies.map((r) => r.text)).toEqual([CORE_TEXT.apology]);
    } finally {
      engine.pipeline = original;
    }
  });
});
