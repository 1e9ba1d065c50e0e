/**
 * Observability through the real HTTP server: /metrics in Prometheus format counts messages by channel,
 * intent and outcome, turns by path, times the pipeline, counts sends and Redis errors, reads queue depths and claims by
 * status from Redis; every log line written while handling a message carries its request id.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChannels, type RunningApp } from '../../src/channels/index.ts';
import { createEngine } from '../../src/app/engine.ts';
import { createLogger } from '../../src/core/logger.ts';
import { loadConfig } from '../../src/core/config.ts';
import type { Engine } from '../../src/app/engine.ts';
import { inbound } from '../helpers/engine.ts';
import { startRedis } from '../helpers/redis.ts';
import { TEST_KEY_HEX } from '../helpers/harness.ts';
import { countCommands } from '../helpers/command-count.ts';

let server: Awaited<ReturnType<typeof startRedis>>;
let engine: Engine;
let app: RunningApp;
const lines: Record<string, unknown>[] = [];

beforeAll(async () => {
  server = await startRedis();
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const config = loadConfig({ REDIS_URL: server.url, LOG_LEVEL: 'debug', DATA_ENCRYPTION_KEY: TEST_KEY_HEX, WEB_RATE_LIMIT_PER_MINUTE_PER_IP: '100000', PORT: '0', WECHATY_PUPPET: '' });
  engine = await createEngine(config, createLogger('debug', sink));
  app = await startChannels(engine);
});
afterAll(async () => {
  await app.stop();
  await engine.close();
  await server.stop();
});

const post = (body: Record<string, unknown>) =>
  fetch(`${app.url}/api/web/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ chatType: 'private', ...body }) }).then((r) => r.json() as Promise<{ replies: unknown[] }>);

const scrape = async () => {
  const res = await fetch(`${app.url}/metrics`);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
};
const value = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? 'NaN');

describe('/metrics', () => {
  it('counts messages by channel, intent and outcome, their latency and the sends', async () => {
    await post({ userId: 'm1', text: '菜单' });
    await post({ userId: 'm1', text: '菜单', messageId: 'same' });
    await post({ userId: 'm1', text: '菜单', messageId: 'same' });
    const text = await scrape();
    expect(value(text, 'ua_messages_total{channel="web",intent="help",outcome="answered"}')).toBe(2);
    expect(value(text, 'ua_messages_total{channel="web",intent="none",outcome="duplicate"}')).toBe(1);
    expect(value(text, 'ua_pipeline_seconds_count{channel="web"}')).toBe(3);
    expect(value(text, 'ua_sends_total{platform="web",result="ok"}')).toBe(3);
    expect(text).toMatch(/^ua_pipeline_seconds_bucket\{le="0\.5",channel="web"\} \d+$/m);
    // The first turn ran locked; then the process knew the session: the next turn and the redelivery took one round trip.
    expect(value(text, 'ua_turns_total{path="locked"}')).toBe(1);
    expect(value(text, 'ua_turns_total{path="speculative"}')).toBe(2);
    expect(value(text, 'ua_turns_total{path="retried"}')).toBe(0);
  });

  it('reads queue depths and claims by status from Redis', async () => {
    const { redis, keys } = engine.deps;
    // Two notifications waiting in the delivery ledger (no Telegram channel runs here to send them).
    for (const text of ['a', 'b']) await engine.outbox.notify({ platform: 'telegram', chatId: '42', chatType: 'private' }, [{ text }]);
    // Three broadcast runs waiting in BullMQ's list, one delayed.
    await redis.rpush(`${keys.queuePrefix()}:broadcasts:wait`, '1', '2', '3');
    await redis.zadd(`${keys.queuePrefix()}:broadcasts:delayed`, '1', '4');
    const text = await scrape();
    expect(value(text, 'ua_queue_depth{queue="outbox:telegram"}')).toBe(2);
    expect(value(text, 'ua_queue_depth{queue="broadcasts"}')).toBe(4);
    expect(value(text, 'ua_claims{status="pending"}')).toBe(0);
    // A scrape reads the figures it reports, never the whole keyspace.
    const sent = countCommands(redis);
    await scrape();
    expect(sent()['scan']).toBeUndefined();
  });

  it('counts Redis failures on the message path', async () => {
    const before = value(await scrape(), 'ua_redis_errors_total{kind="command"}') || 0;
    await server.kill9();
    await expect(engine.pipeline.handle(inbound({ senderId: 'down', text: '菜单' }))).rejects.toThrow();
    await server.restart();
    await expect.poll(() => fetch(`${app.url}/readyz`).then((r) => r.status), { timeout: 10_000 }).toBe(200);
    expect(value(await scrape(), 'ua_redis_errors_total{kind="command"}')).toBe(before + 1);
  });
});

describe('request ids', () => {
  it('puts the message’s request id on every line logged while handling it, and a new one for the next message', async () => {
    lines.length = 0;
    await post({ userId: 'log1', text: '   ' }); // an empty message: logged as dropped at debug level
    await post({ userId: 'log1', text: '' });
    const dropped = lines.filter((l) => l['msg'] === 'message dropped');
    expect(dropped).toHaveLength(2);
    expect(dropped.every((l) => typeof l['reqId'] === 'string' && (l['reqId'] as string).length >= 8)).toBe(true);
    expect(dropped[0]!['reqId']).not.toBe(dropped[1]!['reqId']);
  });

  it('carries it from the channel into the pipeline, the router and the handlers', async () => {
    lines.length = 0;
    // A member's admin command: refused by the router, which logs it on the turn's log.
    await post({ userId: 'log2', text: '/approve HZ-20260101-0001 100' });
    const refused = lines.find((l) => l['msg'] === 'refused: missing role');
    expect(refused?.['reqId']).toMatch(/^[0-9a-f]{8}-/);
    // Over the rate limit (20 a minute): the pipeline's line and the channel's about one message share its id.
    for (let i = 0; i < 20; i++) await post({ userId: 'log2', text: '你好' });
    const limited = lines.find((l) => l['msg'] === 'rate limited');
    const dropped = lines.find((l) => l['msg'] === 'message dropped' && l['dropped'] === 'rate-limited');
    expect(limited?.['reqId']).toMatch(/^[0-9a-f]{8}-/);
    expect(dropped?.['reqId']).toBe(limited?.['reqId']);
    expect(refused?.['reqId']).not.toBe(limited?.['reqId']);
  });

  it('is the web request’s own: the answer names it in x-request-id', async () => {
    lines.length = 0;
    const res = await fetch(`${app.url}/api/web/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ chatType: 'private', userId: 'log4', text: '/approve HZ-20260101-0001 100' }) });
    expect(res.status).toBe(200);
    const refused = lines.find((l) => l['msg'] === 'refused: missing role');
    expect(refused?.['reqId']).toBe(res.headers.get('x-request-id'));
  });

  it('is on a store’s warning about an unreadable record met while handling the message', async () => {
    const opened = JSON.stringify((await post({ userId: 'log3', text: '转人工' })).replies);
    const ticket = /RG-\d{8}-\d{4}/.exec(opened)?.[0];
    expect(ticket).toBeDefined();
    await engine.deps.redis.set(engine.deps.keys.tagged('tickets', 'ticket', ticket!), '{not json');
    lines.length = 0;
    await post({ userId: 'log3', text: '我的工单' });
    const corrupt = lines.find((l) => l['record'] === `ticket ${ticket}`);
    expect(corrupt?.['msg']).toBe('corrupt record ignored (not JSON)');
    expect(corrupt?.['reqId']).toMatch(/^[0-9a-f]{8}-/);
    // The next message's lines carry another id.
    await post({ userId: 'log3', text: '我的工单' });
    const both = lines.filter((l) => l['record'] === `ticket ${ticket}`);
    expect(both).toHaveLength(2);
    expect(both[1]!['reqId']).toMatch(/^[0-9a-f]{8}-/);
    expect(both[1]!['reqId']).not.toBe(both[0]!['reqId']);
  });
});
