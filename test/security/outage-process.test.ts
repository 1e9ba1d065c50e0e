/**
 * Attack suite, bot crashes (issue item 8), with the real bot process and its embedded Redis: kill -9
 * three times leaves no orphan redis-server and loses nothing; a second bot on the same DATA_DIR is
 * refused; a message redelivered after the bot died gets the replies its completed turn gave.
 */
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_KEY_HEX } from '../helpers/harness.ts';
import { startBotProcess, type BotProcess } from '../helpers/bot-process.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'ua-outage-'));
let bot: BotProcess | undefined;

const start = () =>
  startBotProcess({ DATA_DIR: dataDir, REDIS_URL: '', DATA_ENCRYPTION_KEY: TEST_KEY_HEX, BOT_STAFF: 'web:staff1', RATE_LIMIT_PER_MINUTE: '1000', LOG_LEVEL: 'warn' });

afterAll(async () => {
  await bot?.stop();
  for (const pid of redisServersOn(dataDir)) process.kill(pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/** Live redis-server processes working in `dir` (from /proc: redis rewrites its title but works in --dir). */
function redisServersOn(dir: string): number[] {
  return readdirSync('/proc').flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const state = /^State:\s+(\w)/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      return cmd.includes('redis-server') && state !== 'Z' && readlinkSync(`/proc/${entry}/cwd`).startsWith(dir) ? [Number(entry)] : [];
    } catch {
      return [];
    }
  });
}

async function post(url: string, body: Record<string, unknown>) {
  const res = await fetch(`${url}/api/web/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return (await res.json()) as { replies: { text?: string }[]; dropped?: string };
}

describe('kill -9 of the bot with embedded Redis', () => {
  it('three times: no orphan redis-server, every ticket intact, a second bot on the same DATA_DIR refused', async () => {
    const tickets: string[] = [];
    for (let round = 0; round < 3; round++) {
      bot = await start();
      expect(redisServersOn(dataDir)).toHaveLength(1);
      const answer = await post(bot.url, { userId: `member${round}`, chatType: 'private', text: '转人工' });
      const id = /RG-\d{8}-\d{4}/.exec(answer.replies[0]?.text ?? '')?.[0];
      expect(id).toBeDefined();
      tickets.push(id ?? '');
      if (round === 0) await expect(start()).rejects.toThrow(/in use by process/);
      const server = redisServersOn(dataDir);
      await bot.kill9();
      // kill -9 runs no exit hook: the server outlives the bot until the next start stops it.
      expect(redisServersOn(dataDir)).toEqual(server);
    }
    const orphan = redisServersOn(dataDir);
    bot = await start();
    expect(redisServersOn(dataDir)).toHaveLength(1);
    expect(redisServersOn(dataDir)).not.toEqual(orphan);
    const list = await post(bot.url, { userId: 'staff1', chatType: 'private', text: '/tickets' });
    for (const id of tickets) expect(list.replies[0]?.text).toContain(id);
    await bot.stop();
    bot = undefined;
    expect(redisServersOn(dataDir)).toHaveLength(0);
  }, 120_000); // five bot start-ups: each is a fresh Node process importing every SDK

  it('a message redelivered after the bot died gets the same replies again', async () => {
    bot = await start();
    const first = await post(bot.url, { userId: 'retry1', chatType: 'private', text: '转人工', messageId: 'client-msg-1' });
    expect(first.replies[0]?.text).toMatch(/RG-\d{8}-\d{4}/);
    await bot.kill9();
    bot = await start();
    const again = await post(bot.url, { userId: 'retry1', chatType: 'private', text: '转人工', messageId: 'client-msg-1' });
    expect(again).toEqual({ replies: first.replies, dropped: 'duplicate' });
  });
});
