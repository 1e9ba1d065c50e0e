/**
 * Redis connection: REDIS_CLUSTER_NODES (Redis Cluster), REDIS_URL (one server, or Sentinel through
 * REDIS_OPTIONS; `unix:///path` for a socket), otherwise a private redis-server with AOF under DATA_DIR, on its socket only.
 * The main connection serves member requests, so it never waits out an outage: a command fails after
 * REDIS_COMMAND_TIMEOUT_MS, or at once while disconnected (no offline queue), and the member gets the
 * apology. Duplicates serve background loops (blocking reads) and keep waiting for Redis to return.
 *
 * A Cluster client is handed around as the `Redis` type: ioredis gives both the same command interface,
 * and every multi-key script or MULTI of this project keeps its keys in one hash slot (src/core/keys.ts).
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { startRedisServer, type RedisProcess } from './redis-server.ts';
import { checkSpeculativeWrites } from './speculation.ts';

export interface RedisHandle {
  redis: Redis;
  /**
   * The connections conversations' turn scripts are spread over, `redis` first (REDIS_TURN_CONNECTIONS). With
   * `appendfsync always` Redis reads at most 16 KB from a connection per event-loop turn, one fsync each: on
   * one connection a busy process's turns (1–3 KB of script arguments) queued behind that read.
   */
  turns: Redis[];
  /** A new connection for background work (blocking commands need their own): waits through outages. */
  duplicate(): Redis;
  embedded?: RedisProcess;
  /** Whether this is a Redis Cluster. */
  cluster: boolean;
  close(): Promise<void>;
}

/** How long start-up waits for Redis to accept the first connection. */
const CONNECT_TIMEOUT_MS = 20_000;

/** Counts Redis errors for /metrics (set by src/core/metrics.ts; a no-op until then). */
export const redisErrorCounter: { inc: (kind: string) => void } = { inc: () => undefined };

export async function connectRedis(config: Config, logger: Logger): Promise<RedisHandle> {
  let embedded: RedisProcess | undefined;
  let url = config.REDIS_URL;
  // Sentinel, auth and TLS come from REDIS_OPTIONS (validated in config.ts); BullMQ needs maxRetriesPerRequest: null.
  let extra: RedisOptions = config.REDIS_OPTIONS ?? {};
  const clusterNodes = config.REDIS_CLUSTER_NODES;
  if (!url && !clusterNodes.length && !extra.sentinels) {
    const dir = join(config.DATA_DIR, 'redis');
    embedded = await startRedisServer({ dir, socketOnly: true, logger });
    // On its owner-only socket (see startRedisServer); on a loopback port when DATA_DIR's path is too long for one.
    if (embedded.port === 0) extra = { ...extra, path: embedded.socket };
    else url = embedded.url;
    logger.info({ url: embedded.url, dir }, 'embedded redis-server started (AOF on)');
  }
  const background: RedisOptions = { maxRetriesPerRequest: null, ...extra };
  const requests: RedisOptions = { commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS, maxRetriesPerRequest: 1, enableOfflineQueue: false, ...extra };
  const clients: Redis[] = [];
  const watch = (client: Redis) => {
    client.on('error', (err: Error) => {
      redisErrorCounter.inc('connection');
      logger.error({ err: err.message }, 'redis connection error');
    });
    checkSpeculativeWrites(client);
    clients.push(client);
    return client;
  };
  const make = (options: RedisOptions): Redis => {
    if (clusterNodes.length) {
      const { enableOfflineQueue, ...redisOptions } = options;
      const clusterOptions: ClusterOptions = {
        redisOptions,
        enableOfflineQueue: enableOfflineQueue ?? true,
        // A failover moves slots: retry briefly rather than failing the member's message at once.
        retryDelayOnFailover: 200,
        retryDelayOnClusterDown: 200,
        slotsRefreshTimeout: 2000,
      };
      // Same command interface (see above); the type differs only in the class.
      return watch(new Cluster(clusterNodes.map(parseHostPort), clusterOptions) as unknown as Redis);
    }
    return watch(url ? new Redis(url, options) : new Redis(options));
  };
  const turns = Array.from({ length: config.REDIS_TURN_CONNECTIONS }, () => coalescing(make(requests)));
  const redis = turns[0]!;
  try {
    await Promise.all(turns.map((c) => ready(c, CONNECT_TIMEOUT_MS)));
    await redis.ping();
  } catch (err) {
    for (const c of turns) c.disconnect();
    await embedded?.stop();
    throw err;
  }
  const replicas = new ReplicaWait(redis, config.REDIS_WAIT_REPLICAS, config.REDIS_WAIT_TIMEOUT_MS, logger);
  replicaPolicies.set(redis, replicas);
  return {
    redis,
    turns,
    duplicate: () => make(background),
    embedded,
    cluster: clusterNodes.length > 0,
    async close() {
      replicas.stop();
      await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
      await embedded?.stop();
    },
  };
}

function parseHostPort(node: string): { host: string; port: number } {
  const at = node.lastIndexOf(':');
  return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
}

/** Without an offline queue nothing may be sent before the connection is ready. */
function ready(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(new Error(`redis not reachable within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', onReady);
  });
}

const asCluster = (redis: Redis): Cluster | null => (redis.isCluster ? (redis as unknown as Cluster) : null);

/** How long scanKeys waits for a Cluster's topology to settle after a failover. */
const TOPOLOGY_WAIT_MS = 15_000;
const CLUSTER_SLOTS = 16384;
const nodeKey = (node: Redis) => `${node.options.host}:${node.options.port}`;

/**
 * The masters that hold the Cluster's slots now, by address. Right after a failover the client's table may
 * still name the failed master, or its connection may have ended before the replica is known as a master:
 * the table is refreshed until every slot's master is a live connection.
 */
async function slotMasters(cluster: Cluster): Promise<Map<string, Redis>> {
  const deadline = Date.now() + TOPOLOGY_WAIT_MS;
  for (;;) {
    const live = new Map(cluster.nodes('master').filter((n) => n.status !== 'end' && n.status !== 'close').map((n) => [nodeKey(n), n]));
    const holders = new Map<string, Redis>();
    let covered = true;
    for (let slot = 0; slot < CLUSTER_SLOTS && covered; slot++) {
      const key = cluster.slots[slot]?.[0];
      const node = key === undefined ? undefined : live.get(key);
      if (node) holders.set(key!, node);
      else covered = false;
    }
    if (covered) return holders;
    if (Date.now() > deadline) throw new Error('Redis Cluster: some slots have no live master');
    cluster.refreshSlotsCache();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Scans one node to the end (true) or until `stopWhen` (false). */
async function scanNode(node: Redis, pattern: string, onBatch: (keys: string[]) => Promise<void> | void, stopWhen: () => boolean): Promise<boolean> {
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (keys.length) await onBatch(keys);
  } while (cursor !== '0' && !stopWhen());
  return cursor === '0';
}

/** Fields and members read per HSCAN / SSCAN call: a slice Redis serves in well under a millisecond. */
const COLLECTION_SCAN_COUNT = 500;

/**
 * Every field and value of a hash, read a slice at a time (HSCAN): one HGETALL of a big hash (a union's
 * subscribers, a broadcast's items) would hold Redis — and every member's message waiting on it — for as long.
 * HSCAN may hand a field over twice (the hash resized under it): the last value read is kept.
 */
export async function readHash(redis: Redis, key: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let cursor = '0';
  do {
    const [next, flat] = await redis.hscan(key, cursor, 'COUNT', COLLECTION_SCAN_COUNT);
    for (let i = 0; i + 1 < flat.length; i += 2) out.set(flat[i]!, flat[i + 1]!);
    cursor = next;
  } while (cursor !== '0');
  return out;
}

/**
 * Every member of a sorted set whose scores are unique and only grow (a sequence number), with its score, lowest
 * first, a slice at a time (ZRANGEBYSCORE … LIMIT): each slice starts after the last score read, so a member
 * removed or added meanwhile moves no other one in or out of a slice.
 */
export async function readScored(redis: Redis, key: string): Promise<Array<[string, number]>> {
  const out: Array<[string, number]> = [];
  let after = '-inf';
  for (;;) {
    const flat = await redis.zrangebyscore(key, after, '+inf', 'WITHSCORES', 'LIMIT', 0, COLLECTION_SCAN_COUNT);
    for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!, Number(flat[i + 1])]);
    if (flat.length < 2 * COLLECTION_SCAN_COUNT) return out;
    after = `(${flat[flat.length - 1]!}`;
  }
}

/** Every member of a set, a slice at a time (SSCAN), each once: as `readHash`. */
export async function readSet(redis: Redis, key: string): Promise<Set<string>> {
  const out = new Set<string>();
  let cursor = '0';
  do {
    const [next, members] = await redis.sscan(key, cursor, 'COUNT', COLLECTION_SCAN_COUNT);
    for (const m of members) out.add(m);
    cursor = next;
  } while (cursor !== '0');
  return out;
}

/**
 * Every key matching `pattern` (SCAN, so no server blocks), batch by batch, each key once. On a Cluster each
 * master is scanned: a keyless command would reach only one of them. A master that fails over mid-scan is
 * scanned again where its slots went, and SCAN itself may return a key twice (a table resized under it): the
 * keys handed over are remembered, so callers that count (metrics, a sweep) see each once.
 */
export async function scanKeys(redis: Redis, pattern: string, onBatch: (keys: string[]) => Promise<void> | void, stopWhen: () => boolean = () => false): Promise<void> {
  const handed = new Set<string>();
  const onFresh = (keys: string[]) => {
    const fresh = keys.filter((k) => !handed.has(k) && handed.add(k));
    return fresh.length ? onBatch(fresh) : undefined;
  };
  const cluster = asCluster(redis);
  if (!cluster) {
    await scanNode(redis, pattern, onFresh, stopWhen);
    return;
  }
  const scanned = new Set<string>();
  const deadline = Date.now() + TOPOLOGY_WAIT_MS;
  for (;;) {
    try {
      for (const [key, node] of await slotMasters(cluster)) {
        if (scanned.has(key)) continue;
        if (stopWhen() || !(await scanNode(node, pattern, onFresh, stopWhen))) return;
        scanned.add(key);
      }
      return;
    } catch (err) {
      // The connection to a master that just failed ended under the scan: scan whoever holds its slots now.
      if (!(err instanceof Error && err.message.startsWith('Connection is closed')) || Date.now() > deadline) throw err;
    }
  }
}

/**
 * Waits until a write reached replicas (WAIT), when replicas exist: an acknowledged claim or registration
 * survives a failover of its master. WAIT counts the writes made on the connection it is sent on; a
 * pipeline routed by the written key reaches that key's master on the very connection that wrote it.
 */
class ReplicaWait {
  private known = 0;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly wanted: number,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {
    if (wanted > 0 && !redis.isCluster) {
      const refresh = () => void this.countReplicas().catch(() => undefined);
      refresh();
      this.timer = setInterval(refresh, 30_000);
      this.timer.unref();
      // A reconnect may reach another master (a Sentinel failover) with a different number of replicas.
      redis.on('ready', refresh);
    }
  }

  private async countReplicas(): Promise<void> {
    const info = await this.redis.info('replication');
    this.known = Number(/connected_slaves:(\d+)/.exec(info)?.[1] ?? 0);
  }

  private replicasNow(): number {
    const cluster = asCluster(this.redis);
    return cluster ? (cluster.nodes('slave').length > 0 ? this.wanted : 0) : Math.min(this.wanted, this.known);
  }

  async after(key: string, log: Pick<Logger, 'warn'> = this.logger): Promise<void> {
    const want = this.replicasNow();
    if (want === 0) return;
    const res = await this.redis.pipeline().exists(key).wait(want, this.timeoutMs).exec();
    const acked = Number(res?.[1]?.[1] ?? 0);
    if (acked < want) {
      redisErrorCounter.inc('replica-wait');
      log.warn({ key, acked, want, timeoutMs: this.timeoutMs }, 'write not yet on a replica');
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

const replicaPolicies = new WeakMap<Redis, ReplicaWait>();

/**
 * After an acknowledged write (a claim, a registration) and before telling the member: waits until the
 * write of `key` reached REDIS_WAIT_REPLICAS replicas (at most REDIS_WAIT_TIMEOUT_MS). Nothing to wait
 * for without replicas or on a client not made by connectRedis. `log`: the operation's (with its request id).
 */
export async function awaitReplicas(redis: Redis, key: string, log?: Pick<Logger, 'warn'>): Promise<void> {
  await replicaPolicies.get(redis)?.after(key, log);
}

/** `client` with coalesceWrites on its connection, or on each of a Cluster client's, made now or later. */
function coalescing(client: Redis): Redis {
  const cluster = asCluster(client);
  if (!cluster) coalesceWrites(client);
  else {
    cluster.on('+node', coalesceWrites);
    for (const node of cluster.nodes('all')) coalesceWrites(node);
  }
  return client;
}

/**
 * Commands issued in one tick leave in one write: the connection's socket is corked at the first and uncorked
 * when the tick's work is done (process.nextTick runs after the promise jobs queued meanwhile). Concurrent
 * conversations resume together when one read brings several replies, each then sends its next script, and
 * every socket write is a system call (10 % of a message's CPU, measured). Nothing waits longer: the tick ends
 * anyway before the event loop could read a reply. ioredis has no hook for it (its auto-pipelining builds a
 * pipeline per tick and costs more than it saves here), so the socket's write is wrapped on every (re)connect.
 */
function coalesceWrites(client: Redis): void {
  client.on('connect', () => writeOncePerTick(client));
  if (client.status === 'connect' || client.status === 'ready') writeOncePerTick(client);
}

function writeOncePerTick(client: Redis): void {
  const stream = (client as unknown as { stream?: import('node:net').Socket }).stream;
  if (!stream) return;
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  let corked = false;
  const uncork = () => {
    corked = false;
    stream.uncork();
  };
  (stream as unknown as { write: (...args: unknown[]) => boolean }).write = (...args: unknown[]) => {
    if (!corked) {
      corked = true;
      stream.cork();
      process.nextTick(uncork);
    }
    return write(...args);
  };
}

