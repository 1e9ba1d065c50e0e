/**
 * Broadcasts for later (a date and time, daily, weekly) are BullMQ delayed jobs, one per run, under the
 * hash-tagged prefix keys.queuePrefix() (one Redis Cluster slot). A job only starts its run, which is
 * idempotent (BroadcastStore.claimRun): BullMQ hands a job to one worker, and a stalled job run again queues
 * nothing twice; the per-recipient ledger does the rest. The worker runs in the one process holding the
 * service's worker lease (the engine starts `startWorkers` under src/core/leader.ts), and only once something
 * is scheduled (a bot that never schedules opens no BullMQ connections); any process may add jobs.
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
  private connections: Redis[] = [];
  private stopped = false;
  /** This process holds the worker lease (start() was called). */
  private leading = false;
  private watch?: NodeJS.Timeout;

  constructor(
    private readonly deps: CoreDeps,
    private readonly service: BroadcastService,
  ) {}

  private get prefix(): string {
    return this.deps.keys.queuePrefix();
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

  /** Jobs waiting in the queue (waiting, delayed, prioritized), read from BullMQ's keys: no Queue object needed. */
  async depth(): Promise<number> {
    const key = (part: string) => `${this.prefix}:${QUEUE}:${part}`;
    const [wait, delayed, prioritized] = await Promise.all([this.deps.redis.llen(key('wait')), this.deps.redis.zcard(key('delayed')), this.deps.redis.zcard(key('prioritized'))]);
    return wait + delayed + prioritized;
  }

  /** In the lease holder: starts the worker once runs are scheduled (now, or later by any process). */
  async start(): Promise<void> {
    this.leading = true;
    this.stopped = false;
    const check = async () => {
      if ((await this.deps.redis.zcard(this.pendingKey).catch(() => 0)) > 0) this.ensureWorker();
    };
    await check();
    if (!this.worker) {
      this.watch = setInterval(() => void check(), 2000);
      this.watch.unref();
    }
  }

  private ensureQueue(): Queue<RunJob> {
    this.queue ??= new Queue<RunJob>(QUEUE, { connection: this.connection(), prefix: this.prefix });
    return this.queue;
  }

  private ensureWorker(): void {
    if (this.worker || this.stopped || !this.leading) return;
    if (this.watch) clearInterval(this.watch);
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
    this.leading = false;
    if (this.watch) clearInterval(this.watch);
    await this.worker?.close().catch(() => undefined);
    this.worker = undefined;
    await this.queue?.close().catch(() => undefined);
    // Another process may hold the lease next; this one can still add jobs (a new queue connection on demand).
    this.queue = undefined;
    for (const c of this.connections.splice(0)) c.disconnect();
  }
}
