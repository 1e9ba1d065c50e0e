/**
 * scanKeys on a Redis Cluster when a master fails over (real 6-node cluster): a client whose slot table still
 * names the failed master finds every key, on the replica that took its slots; a master that fails in the
 * middle of its scan is scanned again there, and no key is handed over twice.
 */
import { Cluster, type Redis } from 'ioredis';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { scanKeys } from '../../src/core/redis.ts';
import { startRedisCluster, type RedisClusterHandle } from '../helpers/cluster.ts';

// A cluster per test: each fails a master, and a master without a replica cannot fail over again.
let cluster: RedisClusterHandle;
beforeEach(async () => {
  cluster = await startRedisCluster();
}, 120_000);
afterEach(async () => {
  await cluster?.stop();
});

/** A client with no slot refresh of its own: its table stays as it was until something asks. */
const connect = () => {
  const client = new Cluster(cluster.nodes.map((n) => ({ host: n.split(':')[0]!, port: Number(n.split(':')[1]) })), { slotsRefreshInterval: 3_600_000 });
  client.on('error', () => undefined);
  return client;
};

it('finds every key with a slot table made before a master failed', async () => {
  const client = connect();
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

it('hands every key over once when the master being scanned fails over after its first batch', async () => {
  const client = connect();
  try {
    // About 1,000 keys a master: more than one SCAN batch each.
    const written = Array.from({ length: 3000 }, (_, i) => `mid:{k${i}}`);
    await Promise.all(written.map((key) => client.set(key, '1')));
    const handed: string[] = [];
    let failed = false;
    await scanKeys(client as unknown as Redis, 'mid:*', async (batch) => {
      handed.push(...batch);
      if (failed) return;
      failed = true;
      // The master whose keys these are is being scanned: it dies before its next batch.
      await cluster.failMasterOf(batch[0]!);
    });
    expect(failed).toBe(true);
    expect(handed.length).toBe(new Set(handed).size);
    expect([...handed].sort()).toEqual([...written].sort());
  } finally {
    client.disconnect();
  }
}, 120_000);
