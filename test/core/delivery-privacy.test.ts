/**
 * What the delivery path sends is never at rest in clear: a notification naming a member's phone number with a
 * file, and a broadcast's attachment, are sealed with the data key in the ledger and the blob. The raw Redis
 * values (every key) and the AOF on disk are searched for the phone number, the file's bytes and their base64;
 * then a sender delivers both, decrypted only for the platform call. A payload queued in clear by an older
 * version is still delivered.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { broadcastService } from '../../intents/broadcasts/service.ts';
import { loadConfig } from '../../src/core/config.ts';
import { buildDeps } from '../../src/core/deps.ts';
import { batchId, DeliverySender, NOTIFY_GROUP } from '../../src/core/delivery/index.ts';
import type { Address } from '../../src/core/message.ts';
import type { Role } from '../../src/core/service.ts';
import type { RedisProcess } from '../../src/core/redis-server.ts';
import { TEST_KEY_HEX } from '../helpers/harness.ts';
import { FakePlatform } from '../helpers/fake-platform.ts';
import { startRedis } from '../helpers/redis.ts';
import { watchCommands } from '../helpers/command-count.ts';
import { OpenedFiles } from '../../src/core/delivery/opened-files.ts';

let server: RedisProcess;
let redis: Redis;
const log = pino({ level: 'silent' });
const STAFF = 'telegram:1001' as const;
const PHONE = '13812345678';
const MARKER = 'PRIVATE-FILE-MARKER-4711';
const memberFile = Buffer.concat([Buffer.from(`%PDF-1.4 ${MARKER} `), randomBytes(256)]);
const noticeFile = Buffer.concat([Buffer.from(`\x89PNG ${MARKER}-BC `), randomBytes(256)]);

beforeAll(async () => {
  server = await startRedis();
  redis = new Redis(server.url, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

function deps() {
  const config = loadConfig({ NODE_ENV: 'test', REDIS_URL: server.url, BOT_STAFF: STAFF, BROADCAST_APPROVAL: 'none', DATA_ENCRYPTION_KEY: TEST_KEY_HEX });
  return buildDeps(config, redis, log).deps;
}

/** Every key and value as bytes, and the AOF files. */
async function everything(): Promise<{ values: Buffer; aof: Buffer }> {
  const parts: Buffer[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      parts.push(Buffer.from(key));
      const type = await redis.type(key);
      if (type === 'string') parts.push((await redis.getBuffer(key)) ?? Buffer.alloc(0));
      else if (type === 'hash') parts.push(...Object.entries(await redis.hgetallBuffer(key)).flatMap(([f, v]) => [Buffer.from(f), v]));
      else if (type === 'zset') parts.push(...(await redis.zrangeBuffer(key, '0', '-1')));
      else if (type === 'set') parts.push(...(await redis.smembersBuffer(key)));
      else if (type === 'list') parts.push(...(await redis.lrangeBuffer(key, 0, -1)));
      else parts.push(Buffer.from(JSON.stringify(await redis.xrange(key, '-', '+'))));
    }
  } while (cursor !== '0');
  const [, dir] = (await redis.config('GET', 'dir')) as [string, string];
  const aofDir = join(dir, 'appendonlydir');
  return { values: Buffer.concat(parts), aof: Buffer.concat(readdirSync(aofDir).map((f) => readFileSync(join(aofDir, f)))) };
}

describe('the delivery ledger holds nothing in clear', () => {
  it('a notification with a phone number and a file, and a broadcast with an attachment: sealed in Redis and the AOF, delivered in clear', async () => {
    const d = deps();
    const member: Address = { platform: 'telegram', chatId: '5550001', chatType: 'private' };
    await d.notifier.notify(member, [{ text: `您登记的联系电话 ${PHONE} 已更新。` }, { file: { name: '回执.pdf', mimeType: 'application/pdf', data: memberFile } }]);
    const group: Address = { platform: 'telegram', chatId: '-7001', chatType: 'group' };
    const r = await broadcastService(d).compose(
      { key: STAFF, roles: new Set(['staff']) },
      { name: '张老师', chat: { platform: 'telegram', chatId: '1001', chatType: 'private' } },
      { audience: { kind: 'groups', groups: [{ name: '一车间', address: group }] }, text: '本周五开会', file: { name: '通知.png', mimeType: 'image/png', data: noticeFile }, schedule: { kind: 'now' } },
    );
    expect(r.outcome).toBe('started');

    // The ledger item as it is stored: sealed (v2:<key id>:…), no phone number, no JSON.
    const [itemsKey] = d.delivery.ledger.keysOf(batchId(NOTIFY_GROUP, 'telegram'));
    const stored = Object.values(await redis.hgetall(itemsKey!));
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatch(/^v2:[0-9a-f]{8}:/);
    expect(stored[0]).not.toContain(PHONE);

    await redis.call('BGREWRITEAOF').catch(() => undefined);
    const { values, aof } = await everything();
    expect(values.length).toBeGreaterThan(1000);
    for (const needle of [PHONE, MARKER, memberFile.toString('base64').slice(20, 80), noticeFile.toString('base64').slice(20, 80), memberFile.subarray(40, 80), noticeFile.subarray(40, 80)]) {
      expect(values.includes(needle), String(needle)).toBe(false);
      expect(aof.includes(needle), String(needle)).toBe(false);
    }

    // Sent: the platform gets the text and both files as they were.
    const platform = new FakePlatform();
    const sent = platform.got;
    const sender = new DeliverySender(d.delivery, platform.port(), redis, log, { pollMs: 20 });
    sender.start();
    // Two replies each to the member and the group (and the author hears the broadcast finished).
    await expect.poll(() => sent.filter((s) => s.to.chatId === member.chatId || s.to.chatId === group.chatId).length, { timeout: 15_000 }).toBe(4);
    await sender.stop();
    const toMember = sent.filter((s) => s.to.chatId === member.chatId).map((s) => s.reply);
    expect(toMember[0]?.text).toContain(PHONE);
    expect(toMember[1]?.file?.data.equals(memberFile)).toBe(true);
    const toGroup = sent.filter((s) => s.to.chatId === group.chatId).map((s) => s.reply);
    expect(toGroup[0]?.text).toBe('本周五开会');
    expect(toGroup[1]?.file?.data.equals(noticeFile)).toBe(true);
  });

  it('a broadcast attachment is read from Redis once for all its targets', async () => {
    const d = deps();
    const groups = ['-7101', '-7102', '-7103'].map((chatId, i) => ({ name: `车间${i}`, address: { platform: 'telegram' as const, chatId, chatType: 'group' as const } }));
    const staff = { key: STAFF, roles: new Set<Role>(['staff']) };
    const author = { name: '张老师', chat: { platform: 'telegram' as const, chatId: '1001', chatType: 'private' as const } };
    const r = await broadcastService(d).compose(staff, author, { audience: { kind: 'groups', groups }, text: '安全培训', file: { name: '培训.png', mimeType: 'image/png', data: noticeFile }, schedule: { kind: 'now' } });
    expect(r.outcome).toBe('started');
    const blobReads: string[] = [];
    watchCommands(redis, (command) => {
      const key = String(command.args[0] ?? '');
      if (command.name === 'get' && key.endsWith(':file')) blobReads.push(key);
    });
    const platform = new FakePlatform();
    const sender = new DeliverySender(d.delivery, platform.port(), redis, log, { pollMs: 20 });
    sender.start();
    const files = () => platform.got.filter((s) => groups.some((g) => g.address.chatId === s.to.chatId) && s.reply.file);
    await expect.poll(() => files().length, { timeout: 15_000 }).toBe(3);
    await sender.stop();
    expect(files().every((s) => s.reply.file?.data.equals(noticeFile))).toBe(true);
    expect(blobReads).toHaveLength(1);

  });

  it('opened files are kept up to their byte limit, the least recently used leaving first', async () => {
    const d = deps();
    for (const name of ['a', 'b', 'c']) await redis.set(`test:keep:${name}`, d.delivery.sealFile(Buffer.alloc(600, name)));
    const reads: string[] = [];
    const files = new OpenedFiles((key) => (reads.push(key.slice(-1)), redis.getBuffer(key)), (stored) => d.delivery.openFile(stored), 1_300);
    const get = async (name: string) => (await files.get(`test:keep:${name}`)).toString().slice(0, 1);
    // Two fit: a and b are read once however often they are sent, even asked for together.
    expect(await Promise.all(['a', 'b', 'a', 'b'].map(get))).toEqual(['a', 'b', 'a', 'b']);
    expect(await get('a')).toBe('a');
    // c pushes out b (a was used last); a is used again, so b, read again, pushes out c, and c is read again.
    expect(await get('c')).toBe('c');
    expect(await get('a')).toBe('a');
    expect(await get('b')).toBe('b');
    expect(await get('c')).toBe('c');
    expect(reads).toEqual(['a', 'b', 'c', 'b', 'c']);
  });

  it('an opened file that was missing is read again next time (a failure is not kept)', async () => {
    const d = deps();
    const files = new OpenedFiles((key) => redis.getBuffer(key), (stored) => d.delivery.openFile(stored));
    await expect(files.get('test:blob')).rejects.toThrow('file missing');
    await redis.set('test:blob', d.delivery.sealFile(noticeFile));
    expect((await files.get('test:blob')).equals(noticeFile)).toBe(true);
    const other = buildDeps(loadConfig({ NODE_ENV: 'test', REDIS_URL: server.url, DATA_ENCRYPTION_KEY: randomBytes(32).toString('hex') }), redis, log).deps;
    await redis.set('test:bad', other.delivery.sealFile(noticeFile));
    await expect(files.get('test:bad')).rejects.toThrow('file unreadable');
  });

  it('a payload queued in clear by an older version is still delivered; a sealed one under another key fails as unreadable', async () => {
    const d = deps();
    const batch = batchId('legacy:1', 'telegram');
    const to: Address = { platform: 'telegram', chatId: '5550002', chatType: 'private' };
    await d.delivery.ledger.enqueue(batch, [{ id: 'old', payload: JSON.stringify({ to, replies: [{ text: '旧版本排队的通知' }], queuedAt: Date.now() }) }], Date.now());
    const other = buildDeps(loadConfig({ NODE_ENV: 'test', REDIS_URL: server.url, DATA_ENCRYPTION_KEY: randomBytes(32).toString('hex') }), redis, log).deps;
    await d.delivery.ledger.enqueue(batch, [{ id: 'foreign', payload: other.delivery.seal({ to, replies: [{ text: '别的密钥' }], queuedAt: Date.now() }) }], Date.now());
    const platform = new FakePlatform();
    const sent = platform.got;
    const sender = new DeliverySender(d.delivery, platform.port(), redis, log, { pollMs: 20 });
    sender.start();
    await expect.poll(async () => (await d.delivery.counts('legacy:1')).pending, { timeout: 15_000 }).toBe(0);
    await sender.stop();
    expect(sent.filter((s) => s.to.chatId === to.chatId).map((s) => s.reply.text)).toEqual(['旧版本排队的通知']);
    expect(await d.delivery.ledger.states(batch)).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'foreign', state: 'failed:unreadable' })]));
  });
});
