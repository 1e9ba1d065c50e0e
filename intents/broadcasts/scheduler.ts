/**
 * Broadcasts for later (a date and time, daily, weekly) are BullMQ delayed jobs, one per run, under the
 * hash-tagged prefix `<REDIS_KEY_PREFIX>{bq}` (one Redis Cluster slot). A job only starts its run, which is
 * idempotent (BroadcastStore.claimRun): BullMQ hands a job to one worker, and a stalled job run again queues
 * nothing twice; the per-recipient ledger does the rest. Every process runs a worker, but only once there is
 * something scheduled (tests that never schedule open no BullMQ connections).
 */
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CoreDeps, Worker as ServiceWorker } from '../../src/core/service.ts';
import type { BroadcastService, RunScheduler } from './service.ts';

const QUEUE = 'broadcasts';

interface RunJob {
  id: number;
  run: number;
}

export class BroadcastScheduler implements RunScheduler, ServiceWorker {
  private queue?: Queue<RunJob>;
  private worker?: Worker<RunJob>;
  private readonly connections: Redis[] = [];
  private stopped = false;

  constructor(
    private readonly deps: CoreDeps,
    private readonly service: BroadcastService,
  ) {}

  private get prefix(): string {
    return `${this.deps.config.REDIS_KEY_PREFIX}{bq}`;
  }
  /** Broadcast ids with a run still to come: a process starting finds out whether it needs a worker. */
  private get pendingKey(): string {
    return this.deps.keys.k('bc', 'scheduled');
  }

  private connection(): Redis {
    // BullMQ blocks and retries on its own connections; the request connection fails fast instead.
    const c = this.deps.redis.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true, commandTimeout: undefined });
    c.on('error', (err) => this.deps.logger.warn({ err: err.message }, 'broadcast scheduler: redis error'));
    this.connections.push(c);
    return c;
  }

  /** Starts the worker when runs are scheduled (called at start-up). */
  async start(): Promise<void> {
    if ((await this.deps.redis.zcard(this.pendingKey)) > 0) this.ensureWorker();
  }

  private ensureQueue(): Queue<RunJob> {
    this.queue ??= new Queue<RunJob>(QUEUE, { connection: this.connection(), prefix: this.prefix });
    return this.queue;
  }

  private ensureWorker(): void {
    if (this.worker || this.stopped) return;
    this.worker = new Worker<RunJob>(
      QUEUE,
      async (job) => {
        const { id, run } = job.data;
        const started = await this.service.startRun(id, run);
        this.deps.logger.info({ broadcast: id, run, targets: started?.total ?? null }, 'broadcast run due');
        const rec = await this.service.store.get(id);
        if (!rec || rec.nextRunAt === undefined || rec.status === 'cancelled') await this.deps.redis.zrem(this.pendingKey, String(id));
      },
      { connection: this.connection(), prefix: this.prefix, concurrency: 2 },
    );
    this.worker.on('failed', (job, err) => this.deps.logger.error({ err: err.message, job: job?.data }, 'broadcast run failed'));
    this.worker.on('error', (err) => this.deps.logger.warn({ err: err.message }, 'broadcast scheduler error'));
  }

  async schedule(id: number, run: number, at: number): Promise<void> {
    const delay = Math.max(0, at - this.deps.now().getTime());
    await this.deps.redis.zadd(this.pendingKey, at, String(id));
    // The job id names the run: scheduling the same run twice adds one job.
    await this.ensureQueue().add('run', { id, run }, { jobId: `bc-${id}-${run}`, delay, attempts: 5, backoff: { type: 'exponential', delay: 5000 }, removeOnComplete: 100, removeOnFail: 100 });
    this.ensureWorker();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.worker?.close().catch(() => undefined);
    await this.queue?.close().catch(() => undefined);
    for (const c of this.connections) c.disconnect();
  }
}
