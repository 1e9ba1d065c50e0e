/**
 * Telegram long polling is one process's job: two bot instances on one Redis, one fake Telegram Bot API.
 * Only the lease holder polls (the other shows standby); each update is answered once; when the holder stops,
 * the other takes polling over and answers what comes next.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChannels, type RunningApp } from '../../src/channels/index.ts';
import { createEngine, type Engine } from '../../src/app/engine.ts';
import { loadConfig } from '../../src/core/config.ts';
import { createLogger } from '../../src/core/logger.ts';
import { FakeTelegram } from '../helpers/fake-telegram.ts';
import { startRedis } from '../helpers/redis.ts';

let redis: Awaited<ReturnType<typeof startRedis>>;
let tg: FakeTelegram;
const running: { engine: Engine; app: RunningApp }[] = [];

async function startInstance(): Promise<{ engine: Engine; app: RunningApp }> {
  const config = loadConfig({
    REDIS_URL: redis.url, LOG_LEVEL: 'silent', PORT: '0', TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_API_ROOT: tg.url,
    TELEGRAM_MODE: 'polling', WECHATY_PUPPET: '', SINGLETON_LEASE_MS: '1500',
  });
  const engine = await createEngine(config, createLogger('silent'));
  const instance = { engine, app: await startChannels(engine) };
  running.push(instance);
  return instance;
}

const telegramState = (i: { app: RunningApp }) => (i.app.status()['telegram'] as { state: string }).state;
const member = { id: 4242, is_bot: false, first_name: '小王' };

beforeAll(async () => {
  redis = await startRedis();
  tg = await FakeTelegram.start();
});
afterAll(async () => {
  for (const i of running) {
    await i.app.stop().catch(() => undefined);
    await i.engine.close().catch(() => undefined);
  }
  await tg.stop();
  await redis.stop();
});

describe('Telegram long polling across processes', () => {
  it('one instance polls, the other stands by; the standby takes over when the poller stops', async () => {
    const a = await startInstance();
    const b = await startInstance();
    expect(telegramState(a)).not.toBe('standby');
    expect(telegramState(b)).toBe('standby');

    tg.pushUpdate(tg.message({ from: member, text: '菜单' }));
    await tg.waitForSent((m) => m.chatId === String(member.id), 10_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(tg.sent.filter((m) => m.chatId === String(member.id))).toHaveLength(1);

    await a.app.stop();
    await a.engine.close();
    running.splice(running.indexOf(a), 1);
    await expect.poll(() => telegramState(b), { timeout: 10_000 }).not.toBe('standby');
    tg.pushUpdate(tg.message({ from: member, text: '你好' }));
    await expect.poll(() => tg.sent.filter((m) => m.chatId === String(member.id)).length, { timeout: 10_000 }).toBe(2);
  }, 60_000);
});
