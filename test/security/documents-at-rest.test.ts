/**
 * Claim documents and rosters are never written anywhere decrypted: an admin reviews a claim with documents
 * over the web API and downloads them; then every Redis key and the AOF on disk are searched for the
 * documents (bytes, base64) and the ID, bank card and phone numbers in clear. Download links are signed,
 * short-lived and work once for their viewer; each view is audited.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChannels, type RunningApp } from '../../src/channels/index.ts';
import { TEST_KEY_HEX } from '../helpers/harness.ts';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { play, textOf, type Step } from '../helpers/transcript.ts';
import { webClient } from '../helpers/chat-paths.ts';
import { applicationUntilSummary, CARD, ID, MOBILE, SUBMIT } from '../intents/claims/transcripts.ts';

const docsDir = mkdtempSync(join(tmpdir(), 'ua-at-rest-'));
const clock = { now: new Date() };
let te: TestEngine;
let app: RunningApp;
let steps: Step[];
let claimNo = '';

type WireReply = { text?: string; file?: { name: string; mimeType: string; url: string } };

async function say(userId: string, text: string): Promise<WireReply[]> {
  const res = await fetch(`${app.url}/api/web/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId, chatType: 'private', text }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { replies: WireReply[] }).replies;
}
const links = (replies: WireReply[]) => replies.flatMap((r) => (r.file ? [r.file] : []));
const uploaded = () => steps.flatMap((s) => s.files ?? []);

beforeAll(async () => {
  te = await startTestEngine(
    { DATA_ENCRYPTION_KEY: TEST_KEY_HEX, DOCUMENTS_DIR: docsDir, BOT_ADMINS: 'web:admin1', BOT_STAFF: 'web:staff1', RATE_LIMIT_PER_MINUTE: '1000' },
    { now: () => clock.now },
  );
  app = await startChannels(te.engine);
  steps = applicationUntilSummary('hospital', '张三', clock.now);
  const out = await play(webClient(app.url), [...steps, SUBMIT], 'member1');
  claimNo = /HZ-\d{8}-\d{4}/.exec(textOf(out.at(-1) ?? []))?.[0] ?? '';
  expect(claimNo).not.toBe('');
});
afterAll(async () => {
  await app?.stop();
  await te?.stop();
  rmSync(docsDir, { recursive: true, force: true });
});

describe('claim documents over the web', () => {
  it('each link gives the uploaded bytes once, as an attachment never cached or sniffed, and every view is audited', async () => {
    const files = links(await say('admin1', `/claim ${claimNo}`));
    expect(files).toHaveLength(5);
    const got: string[] = [];
    for (const f of files) {
      const res = await fetch(`${app.url}${f.url}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toContain('no-store');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; /);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      got.push(Buffer.from(await res.arrayBuffer()).toString('hex'));
      expect((await fetch(`${app.url}${f.url}`)).status).toBe(404);
    }
    expect(got.sort()).toEqual(uploaded().map((f) => f.data.toString('hex')).sort());
    const views = (await te.engine.deps.audit.recent(100)).filter((e) => e.action === 'claim.document.view' && e.target === claimNo);
    expect(views).toHaveLength(5);
    expect(views.every((e) => e.actor === 'web:admin1')).toBe(true);
  });

  it('a link fails without its signature, with a changed signature, expiry or id, and once expired', async () => {
    const [file] = links(await say('admin1', `/claim ${claimNo}`));
    const url = new URL(file?.url ?? '', app.url);
    const variant = (change: (u: URL) => void) => {
      const u = new URL(url);
      change(u);
      return fetch(u).then((r) => r.status);
    };
    expect(await variant((u) => u.searchParams.delete('sig'))).toBe(403);
    expect(await variant((u) => u.searchParams.set('sig', `${u.searchParams.get('sig')?.slice(0, -2)}AA`))).toBe(403);
    expect(await variant((u) => u.searchParams.set('expires', String(Number(u.searchParams.get('expires')) + 3600_000)))).toBe(403);
    expect(await variant((u) => (u.pathname = u.pathname.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))))).toBe(403);
    // The refused attempts did not use the link up; time does.
    clock.now = new Date(clock.now.getTime() + (te.engine.config.WEB_FILE_LINK_SECONDS + 1) * 1000);
    expect((await fetch(url)).status).toBe(410);
  });

  it('a link made for an admin no longer works once that person is not an admin (the role is checked at download)', async () => {
    const [file] = links(await say('admin1', `/claim ${claimNo}`));
    const admins = te.engine.config.BOT_ADMINS;
    te.engine.config.BOT_ADMINS = [];
    try {
      expect((await fetch(`${app.url}${file?.url ?? ''}`)).status).toBe(404);
    } finally {
      te.engine.config.BOT_ADMINS = admins;
    }
  });
});

describe('rosters over the web', () => {
  it('are regenerated at download for the staff member, once, and audited as an export', async () => {
    const day = new Date(clock.now.getTime() + 30 * 86400_000).toISOString().slice(0, 10);
    await play(webClient(app.url), [
      { say: '/newevent', expect: '活动名称' },
      { say: '职工运动会', expect: '简介' },
      { say: '趣味运动，欢迎参加', expect: '开始时间' },
      { say: `${day} 09:00`, expect: '结束时间' },
      { say: '11:30', expect: '地点' },
      { say: '市体育馆', expect: '名额' },
      { say: '30', expect: '截止' },
      { say: '默认', expect: '发布到哪些群' },
      { say: '无', expect: '哪些信息' },
      { say: '默认', expect: '请确认活动信息' },
      { say: '发布', expect: '活动已发布（ID 1）' },
    ], 'staff1');
    const before = (await te.engine.deps.audit.recent(200)).filter((e) => e.action === 'event.roster_export').length;
    const [file] = links(await say('staff1', '/roster 1'));
    expect(file?.name).toMatch(/\.csv$/);
    const res = await fetch(`${app.url}${file?.url ?? ''}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toContain('no-store');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; /);
    expect(Buffer.from(await res.arrayBuffer()).toString('utf8')).toContain('"序号","状态","姓名","手机"');
    expect((await fetch(`${app.url}${file?.url ?? ''}`)).status).toBe(404);
    const exports = (await te.engine.deps.audit.recent(200)).filter((e) => e.action === 'event.roster_export');
    // One for the command's counts, one for the file produced at download.
    expect(exports.length - before).toBe(2);
    expect(exports[0]?.actor).toBe('web:staff1');
  });
});

/** Every Redis key with its value(s) as text, and the AOF files' bytes. */
async function dump(): Promise<{ entries: Array<{ key: string; value: string }>; aof: Buffer }> {
  const { redis } = te.engine.deps;
  const entries: Array<{ key: string; value: string }> = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      const value =
        type === 'string' ? ((await redis.get(key)) ?? '')
        : type === 'hash' ? JSON.stringify(await redis.hgetall(key))
        : type === 'list' ? JSON.stringify(await redis.lrange(key, 0, -1))
        : type === 'set' ? JSON.stringify(await redis.smembers(key))
        : type === 'zset' ? JSON.stringify(await redis.zrange(key, '0', '-1'))
        : JSON.stringify(await redis.xrange(key, '-', '+'));
      entries.push({ key, value });
    }
  } while (cursor !== '0');
  const [, dir] = (await redis.config('GET', 'dir')) as [string, string];
  const aofDir = join(dir, 'appendonlydir');
  return { entries, aof: Buffer.concat(readdirSync(aofDir).map((f) => readFileSync(join(aofDir, f)))) };
}

const holding = (entries: Array<{ key: string; value: string }>, needle: string | Buffer) =>
  entries.filter((e) => Buffer.from(e.key + e.value, 'utf8').includes(needle) || Buffer.from(e.key + e.value, 'latin1').includes(needle)).map((e) => e.key);

describe('nothing decrypted at rest', () => {
  it('no Redis key and no AOF file holds a document (bytes or base64) or a roster; the claim store holds no ID, bank card or phone number in clear', async () => {
    const { entries, aof } = await dump();
    expect(entries.length).toBeGreaterThan(10);
    expect(aof.length).toBeGreaterThan(0);
    for (const doc of uploaded()) {
      // The random part of each document (its first bytes are a file signature), raw and as base64.
      for (const needle of [doc.data.subarray(16, 48), doc.data.toString('base64').slice(24, 64)]) {
        expect(holding(entries, needle), doc.name).toEqual([]);
        expect(aof.includes(needle), doc.name).toBe(false);
      }
    }
    expect(holding(entries, '"序号","状态"')).toEqual([]);
    expect(aof.includes('"序号","状态"')).toBe(false);
  });

  it('no ID, bank card or phone number in clear anywhere in Redis or the AOF (replies kept for a redelivery are masked)', async () => {
    const { entries, aof } = await dump();
    for (const n of [ID, CARD, MOBILE]) {
      expect(holding(entries, n), n).toEqual([]);
      expect(aof.includes(n), n).toBe(false);
    }
  });
});
