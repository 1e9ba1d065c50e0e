/**
 * Attack suite, Redis outages (issue item 8): with Redis killed mid-traffic, or hung, every request
 * answers within seconds (the apology, never a hang), /healthz says 503 at once and /readyz within about
 * a second; when Redis returns, the bot serves again without a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/app/engine.ts';
import { startChannels, type RunningApp } from '../../src/channels/index.ts';
import { loadConfig } from '../../src/core/config.ts';
import { createLogger } from '../../src/core/logger.ts';
import type { RedisProcess } from '../../src/core/redis-server.ts';
import { CORE_TEXT } from '../../src/core/texts.ts';
import { startRedis } from '../helpers/redis.ts';

const COMMAND_TIMEOUT_MS = 1000;
let redis: RedisProcess;
let engine: Engine;
let app: RunningApp;

beforeAll(async () => {
  redis = await startRedis();
  const config = loadConfig({ LOG_LEVEL: 'silent', PORT: '0', REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS), RATE_LIMIT_PER_MINUTE: '10000', WEB_RATE_LIMIT_PER_MINUTE_PER_IP: '100000' });
  engine = await createEngine(config, createLogger('silent'));
  app = await startChannels(engine);
});
afterAll(async () => {
  await app?.stop();
  await engine?.close();
  await redis?.stop();
});

async function ask(user: string, text = '菜单'): Promise<{ status: number; text: string; ms: number }> {
  const started = Date.now();
  const res = await fetch(`${app.url}/api/web/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: user, chatType: 'private', text }) });
  const body = (await res.json()) as { replies?: { text?: string }[] };
  return { status: res.status, text: (body.replies ?? []).map((r) => r.text ?? '').join('\n'), ms: Date.now() - started };
}

async function probe(path: string): Promise<{ status: number; ms: number }> {
  const started = Date.now();
  const res = await fetch(`${app.url}${path}`);
  await res.arrayBuffer();
  return { status: res.status, ms: Date.now() - started };
}

async function recovered(): Promise<void> {
  await expect.poll(async () => (await probe('/readyz')).status, { timeout: 15_000, interval: 200 }).toBe(200);
  await expect.poll(async () => (await ask('after')).text, { timeout: 10_000, interval: 200 }).toContain('劳动法');
}

describe('Redis outage', () => {
  it('killed mid-traffic: every request answers within seconds, health checks say 503 fast, then it recovers', async () => {
    expect((await ask('before')).text).toContain('劳动法');
    // Ten members keep talking while Redis dies.
    let stop = false;
    const results: { status: number; text: string; ms: number }[] = [];
    const traffic = Array.from({ length: 10 }, async (_, i) => {
      while (!stop) results.push(await ask(`m${i}`).catch(() => ({ status: 0, text: '', ms: 0 })));
    });
    await new Promise((r) => setTimeout(r, 300));
    await redis.kill9();
    const duringOutage = results.length;
    await new Promise((r) => setTimeout(r, 1500));
    const health = await probe('/healthz');
    const ready = await probe('/readyz');
    expect(health).toMatchObject({ status: 503 });
    expect(health.ms).toBeLessThan(1000);
    expect(ready.status).toBe(503);
    expect(ready.ms).toBeLessThan(2500);
    stop = true;
    await Promise.all(traffic);
    const outage = results.slice(duringOutage);
    expect(outage.length).toBeGreaterThan(0);
    for (const r of outage) {
      expect(r.status, r.text).toBe(200);
      expect(r.ms).toBeLessThan(COMMAND_TIMEOUT_MS * 3 + 2000);
    }
    expect(outage.filter((r) => r.text === CORE_TEXT.apology).length).toBeGreaterThan(0);

    await redis.restart();
    await recovered();
  });

  it('hung (SIGSTOP): requests get the apology after the command timeout, /readyz says 503 within about a second', async () => {
    const info = await engine.deps.redis.info('server');
    const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGSTOP');
    try {
      const answer = await ask('hung');
      expect(answer.status).toBe(200);
      expect(answer.text).toBe(CORE_TEXT.apology);
      expect(answer.ms).toBeLessThan(COMMAND_TIMEOUT_MS * 3 + 2000);
      const ready = await probe('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.ms).toBeLessThan(2500);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await recovered();
  });
});
