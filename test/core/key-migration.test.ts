/** Data stored under the key names before the hash tags is moved by `migrate-keys` and read by the stores. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { SERVICES } from '../../src/app/services.ts';
import { CORE_KEY_RENAMES, migrateKeys } from '../../src/core/key-migration.ts';
import { Keys } from '../../src/core/keys.ts';
import { createLogger } from '../../src/core/logger.ts';
import { EventStore } from '../../intents/events/store.ts';
import { startRedis } from '../helpers/redis.ts';

let server: Awaited<ReturnType<typeof startRedis>>;
let redis: Redis;
beforeAll(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
});
afterAll(async () => {
  redis.disconnect();
  await server.stop();
});

describe('migrate-keys', () => {
  it('moves events, claims, tickets and the group directory to their hash-tagged names, once', async () => {
    // What the previous version wrote (its key layout, by hand).
    await redis.hset('ua:ev:7', { title: '运动会', description: '', place: '体育馆', startAt: 2000, endAt: 3000, capacity: 10, deadline: 1500, status: 'open', groups: '[]', fields: '[]', createdBy: 'web:a', createdAt: 1 });
    await redis.zadd('ua:ev:7:reg', 1, 'web:m1');
    await redis.hset('ua:ev:7:state', 'web:m1', 'registered');
    await redis.zadd('ua:evmeta:byStart', 2000, '7');
    await redis.sadd('ua:evmeta:mine:web:m1', '7');
    await redis.set('ua:claims:c:HZ-20260101-0001', '{}');
    await redis.zadd('ua:claims:pending', 1, 'HZ-20260101-0001');
    await redis.set('ua:claims:sweep:lease', 'x');
    await redis.set('ua:ticket:RG-20260101-0001', '{}');
    await redis.set('ua:ticket:RG-20260101-0001:alerted', '1');
    await redis.zadd('ua:tickets:open', 1, 'RG-20260101-0001');
    await redis.hset('ua:groups', 'web:g1', '{}');

    const rules = [...CORE_KEY_RENAMES, ...SERVICES.flatMap((s) => s.keyRenames ?? [])];
    const first = await migrateKeys(redis, 'ua:', rules);
    expect(first.moved).toBe(9);
    expect((await redis.keys('*')).sort()).toEqual(
      [
        'ua:{ev:7}', 'ua:{ev:7}:reg', 'ua:{ev:7}:state', 'ua:{evmeta}:byStart', 'ua:evmeta:mine:web:m1',
        'ua:{claims}:c:HZ-20260101-0001', 'ua:{claims}:pending', 'ua:claims:sweep:lease',
        'ua:{tickets}:ticket:RG-20260101-0001', 'ua:ticket:RG-20260101-0001:alerted', 'ua:{tickets}:open', 'ua:{groups}',
      ].sort(),
    );
    const store = new EventStore(redis, new Keys('ua:'), createLogger('silent'));
    expect((await store.get('7'))?.title).toBe('运动会');
    expect(await store.memberState('7', 'web:m1')).toEqual({ state: 'registered', position: 1 });
    expect((await store.upcoming(0)).map((e) => e.id)).toEqual(['7']);
    expect(await migrateKeys(redis, 'ua:', rules)).toEqual({ moved: 0, kept: 0 });
  });
});
