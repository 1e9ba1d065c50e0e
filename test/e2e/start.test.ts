/** As a newcomer would: the real entry point starts (embedded Redis), answers on the web API, stops cleanly. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startBotProcess, type BotProcess } from '../helpers/bot-process.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'ua-start-'));
let bot: BotProcess | undefined;
afterAll(async () => {
  await bot?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

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
    expect(existsSync(join(dataDir, 'redis', 'appendonlydir'))).toBe(true);
    await bot.stop();
    expect(bot.output()).toContain('shutting down');
    bot = undefined;
  });

  it('refuses to start with a bad setting and names it', async () => {
    await expect(startBotProcess({ DATA_DIR: dataDir, PORT_UNUSED: '1', RATE_LIMIT_PER_MINUTE: 'lots' })).rejects.toThrow(/RATE_LIMIT_PER_MINUTE/);
  });
});
