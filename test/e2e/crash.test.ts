/**
 * "Kill the bot (and Redis, restarted from its AOF) right after 已提交 and find the claim intact": the real
 * bot process (npm start's entry) against a real redis-server (AOF, appendfsync always), driven over the web API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisProcess } from '../../src/core/redis-server.ts';
import { TEST_KEY_HEX } from '../helpers/harness.ts';
import { play, textOf, type Step } from '../helpers/transcript.ts';
import { applicationUntilSummary, CARD, ID, MOBILE, SUBMIT } from '../intents/claims/transcripts.ts';
import { startBotProcess, type BotProcess } from '../helpers/bot-process.ts';
import { webClient } from '../helpers/chat-paths.ts';
import { startRedis } from '../helpers/redis.ts';

let redis: RedisProcess;
let bot: BotProcess | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'ua-e2e-crash-'));

const startBot = () =>
  startBotProcess({
    REDIS_URL: redis.url,
    DATA_DIR: dataDir,
    DATA_ENCRYPTION_KEY: TEST_KEY_HEX,
    DOCUMENTS_DIR: join(dataDir, 'documents'),
    BOT_ADMINS: 'web:admin1',
    RATE_LIMIT_PER_MINUTE: '1000',
    LOG_LEVEL: 'warn',
  });

beforeAll(async () => {
  redis = await startRedis();
  bot = await startBot();
});
afterAll(async () => {
  await bot?.stop();
  await redis?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function futureDay(): string {
  const d = new Date(Date.now() + 30 * 86400_000 + 8 * 3600_000);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
}

describe('crash: kill -9 of the bot and of Redis', () => {
  it('right after 已提交: after restarting Redis from its AOF and a new bot, the claim, its documents and event registrations are intact', async () => {
    let web = webClient(bot?.url ?? '');
    // An event and a registration, so they go through the same crash.
    await play(web, [
      { who: 'admin1', say: '/newevent', expect: '活动名称' },
      { who: 'admin1', say: '法律讲座', expect: '简介' },
      { who: 'admin1', say: '无', expect: '开始时间' },
      { who: 'admin1', say: `${futureDay()} 14:00`, expect: '结束时间' },
      { who: 'admin1', say: '16:00', expect: '地点' },
      { who: 'admin1', say: '工会三楼', expect: '名额' },
      { who: 'admin1', say: '30', expect: '截止' },
      { who: 'admin1', say: '默认', expect: '发布到哪些群' },
      { who: 'admin1', say: '无', expect: '哪些信息' },
      { who: 'admin1', say: '默认', expect: '请确认' },
      { who: 'admin1', say: '发布', expect: '活动已发布（ID 1）' },
      { who: 'ev1', say: '报名 法律讲座', expect: '姓名' },
      { who: 'ev1', say: '王小明', expect: '手机' },
      { who: 'ev1', say: '13600001111', expect: '工作单位' },
      { who: 'ev1', say: '五厂', expect: '记住' },
      { who: 'ev1', say: '否', expect: '请确认' },
      { who: 'ev1', say: '确认', expect: ['报名成功', '第 1 位'] },
    ]);

    const steps = applicationUntilSummary('hospital', '张三', new Date());
    const out = await play(web, [...steps, SUBMIT], 'crash1');
    const no = /已提交，编号 (HZ-\d{8}-\d{4})/.exec(textOf(out.at(-1) ?? []))?.[1] ?? '';
    expect(no).not.toBe('');

    // No goodbye for anyone: SIGKILL the bot, SIGKILL Redis, then bring both back.
    await bot?.kill9();
    await redis.kill9();
    await redis.restart();
    bot = await startBot();
    web = webClient(bot.url);

    await play(web, [{ say: '查询互助进度', expect: [no, '待审核'] }], 'crash1');
    await play(web, [{ say: '/claims', expect: no }], 'admin1');
    const detail = await web.dm('admin1').say(`/claim ${no}`);
    const text = textOf(detail);
    for (const s of [no, '张三', ID, MOBILE, CARD, '急性阑尾炎', '市第一人民医院']) expect(text).toContain(s);
    const files = detail.flatMap((r) => (r.file ? [r.file.data.toString('hex')] : []));
    const uploaded = steps.flatMap((s) => s.files ?? []).map((f) => f.data.toString('hex'));
    expect(files.sort()).toEqual(uploaded.sort());

    await play(web, [
      { who: 'ev1', say: '我的报名', expect: ['法律讲座', '已报名（第 1 位）'] },
      { who: 'admin1', say: '/roster 1', expect: '报名 1/30' },
    ]);
    // The day's claim counter survived too: the next claim gets the next number.
    const next = await play(web, [...applicationUntilSummary('accident', '张三', new Date()), SUBMIT], 'crash2');
    expect(textOf(next.at(-1) ?? [])).toContain(no.replace(/\d{4}$/, (n) => String(Number(n) + 1).padStart(4, '0')));
  });

  it('resume after restart: a member mid-form continues where they left off', async () => {
    const steps: Step[] = applicationUntilSummary('accident', '张三', new Date());
    const hospital = steps.findIndex((s) => [s.expect].flat().includes('医院'));
    await play(webClient(bot?.url ?? ''), steps.slice(0, hospital + 1), 'resume1');
    await bot?.stop();
    bot = await startBot();
    await play(webClient(bot.url), [...steps.slice(hospital + 1), SUBMIT], 'resume1');
  });
});
