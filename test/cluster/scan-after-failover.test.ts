/**
 * scanKeys on a Redis Cluster right after a master failed over (real 6-node cluster): a client whose slot
 * table still names the failed master finds every key, on the replica that took its slots.
 */
import { Cluster, type Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { scanKeys } from '../../src/core/redis.ts';
import { startRedisCluster, type RedisClusterHandle } from '../helpers/cluster.ts';

let cluster: RedisClusterHandle;
beforeAll(async () => {
  cluster = await startRedisCluster();
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
});

it('finds every key with a slot table made before a master failed', async () => {
  // No refresh of its own: the table stays as it was before the failover until something asks.
  const client = new Cluster(cluster.nodes.map((n) => ({ host: n.split(':')[0]!, port: Number(n.split(':')[1]) })), { slotsRefreshInterval: 3_600_000 });
  client.on('error', () => undefined);
  try {
    const written = Array.from({ length: 60 }, (_, i) => `scan:{k${i}}`);
    for (const key of written) await client.set(key, '1');
    await cluster.failMasterOf('scan:{k0}');
    const found = new Set<string>();
    await scanKeys(client as unknown as Redis, 'scan:*', (batch) => void batch.forEach((k) => found.add(k)));
    expect([...found].sort()).toEqual([...written].sort());
  } finally {
    client.disconnect();
  }
}, 120_000);
