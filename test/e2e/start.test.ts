/** As a newcomer would: the real entry point starts (embedded Redis), answers on the web API, stops cleanly. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startBotProcess, type BotProcess } from '../helpers/bot-process.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'ua-start-'));
let bot: BotProcess | undefined;
// A test that fails midway still stops its bot before the next one starts another.
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('npm start', () => {
  it('starts with an embedded Redis under DATA_DIR, answers, and shuts down with it', async () => {
    bot = await startBotProcess({ DATA_DIR: dataDir, REDIS_URL: '' });
    const res = await fetch(`${bot.url}/api/web/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'newcomer', chatType: 'private', text: '你好' }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { replies: { text?: string }[] };
    expect(body.replies.length).toBeGreaterThan(0);
    // It rehearsed the services' example phrasings before it served (its warm-up).
    expect(bot.output()).toMatch(/"answered":[1-9]\d*,"refused":\d+,"ms":\d+,"msg":"warmed up"/);
    expect(existsSync(join(dataDir, 'redis', 'appendonlydir'))).toBe(true);
    // Idle, it sleeps: its timers (event-loop sampling, delivery polls, leases) wake it a few dozen times a
    // second at most. Sampling the event loop every 10 ms alone woke it 100 times a second.
    const metrics = await (await fetch(`${bot.url}/metrics`)).text();
    expect(metrics).toMatch(/^ua_nodejs_eventloop_lag_p99_seconds \d/m);
    if (bot.pid && existsSync(`/proc/${bot.pid}/status`)) {
      const wakeups = () => Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(readFileSync(`/proc/${bot!.pid}/status`, 'utf8'))?.[1]);
      const before = wakeups();
      await new Promise((r) => setTimeout(r, 3000));
      expect((wakeups() - before) / 3).toBeLessThan(50);
    }
    // The bot reaches its own Redis over the owner-only Unix socket, which is all it listens on.
    const socket = join(dataDir, 'redis', 'redis.sock');
    const observer = new Redis({ path: socket });
    try {
      expect(await observer.config('GET', 'port')).toEqual(['port', '0']);
      const others = String(await observer.client('LIST')).trim().split('\n').filter((line) => !line.includes(' cmd=client|list '));
      expect(others.length).toBeGreaterThanOrEqual(4);
      for (const line of others) expect(line).toContain(`addr=${socket}:0`);
    } finally {
      observer.disconnect();
    }
    await bot.stop();
    expect(bot.output()).toContain('shutting down');
    bot = undefined;
  });

  it('reads .env in the folder it starts in, without overriding variables already set', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'ua-dotenv-'));
    writeFileSync(join(folder, '.env'), 'WEB_API_TOKEN=from-dotenv-file\nBOT_NAMES=从文件来的名字\n');
    const checkout = fileURLToPath(new URL('../..', import.meta.url));
    bot = await startBotProcess(
      { DATA_DIR: join(folder, 'data'), REDIS_URL: '', KNOWLEDGE_DIR: join(checkout, 'knowledge'), BOT_NAMES: '环境变量名' },
      { cwd: folder },
    );
    const post = (token?: string) =>
      fetch(`${bot?.url}/api/web/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ userId: 'u1', chatId: 'g1', chatType: 'group', text: '环境变量名 你好' }),
      });
    expect((await post()).status).toBe(401);
    const answered = (await (await post('from-dotenv-file')).json()) as { replies: unknown[] };
    // BOT_NAMES from the environment won over the file's: the message starting with it was addressed.
    expect(answered.replies.length).toBeGreaterThan(0);
    await bot.stop();
    bot = undefined;
    rmSync(folder, { recursive: true, force: true });
  });

  it('refuses to start with a bad setting and names it', async () => {
    await expect(startBotProcess({ DATA_DIR: dataDir, PORT_UNUSED: '1', RATE_LIMIT_PER_MINUTE: 'lots' })).rejects.toThrow(/RATE_LIMIT_PER_MINUTE/);
  });
});
