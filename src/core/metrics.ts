/**
 * Prometheus metrics (prom-client), served at /metrics by every process. One registry per process; counters
 * and histograms are module-level, queue depths and other figures read from Redis when scraped, through
 * sources an engine registers (and removes on close). Labels never carry personal data: channel, intent,
 * outcome, platform, status.
 *
 * Capabilities count their own events with the exported helpers, e.g. `recordSend('telegram', 'ok')` after
 * each platform send, and add scraped figures with `addGaugeSource`.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { redisErrorCounter } from './redis.ts';

export const registry = new Registry();
/**
 * How often the event-loop delay is sampled. prom-client's default, 10 ms, woke an idle process 100 times a second
 * (106 wakeups and 14–21 ms of CPU a second, against 21 and 11–12.5 ms at 100 ms); a stall long enough to matter
 * still delays a sample.
 */
const EVENT_LOOP_SAMPLE_MS = 100;
collectDefaultMetrics({ register: registry, prefix: 'ua_', eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });

const messages = new Counter({
  name: 'ua_messages_total',
  help: 'Messages through the pipeline, by channel, intent that answered (none when no turn ran) and outcome',
  labelNames: ['channel', 'intent', 'outcome'] as const,
  registers: [registry],
});

const latency = new Histogram({
  name: 'ua_pipeline_seconds',
  help: 'Time from a message entering the pipeline to its replies being ready',
  labelNames: ['channel'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

/** Turns by how they ran, counted in the process (a plain increment per turn) and handed over at scrape time. */
const turnPaths = { speculative: 0, retried: 0, locked: 0 };
new Counter({
  name: 'ua_turns_total',
  help: 'Conversation turns by path: speculative (one round trip), retried (a speculative run thrown away: it wrote, or the session changed elsewhere), locked (two round trips)',
  labelNames: ['path'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const [path, n] of Object.entries(turnPaths)) this.inc({ path }, n);
  },
});

export function recordTurn(path: keyof typeof turnPaths): void {
  turnPaths[path]++;
}

const redisErrors = new Counter({
  name: 'ua_redis_errors_total',
  help: 'Redis failures: connection errors, failed commands on the message path, writes not confirmed by a replica in time',
  labelNames: ['kind'] as const,
  registers: [registry],
});
redisErrorCounter.inc = (kind) => redisErrors.inc({ kind });

const sends = new Counter({
  name: 'ua_sends_total',
  help: 'Messages sent to a platform, by platform and result (ok, error)',
  labelNames: ['platform', 'result'] as const,
  registers: [registry],
});

const leadership = new Gauge({
  name: 'ua_singleton_leader',
  help: 'Whether this process holds the lease of a one-process job (1) or stands by (0)',
  labelNames: ['name'] as const,
  registers: [registry],
});

export function recordLeadership(name: string, held: boolean): void {
  leadership.set({ name }, held ? 1 : 0);
}

/** A figure read from Redis at scrape time: one gauge name, many label sets. */
export interface GaugeReading {
  labels: Record<string, string>;
  value: number;
}

const sources = new Map<string, Set<() => Promise<GaugeReading[]>>>();

function scrapedGauge(name: string, help: string, labelNames: string[]): void {
  new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      this.reset();
      for (const read of sources.get(name) ?? []) {
        // A source that cannot answer (Redis down) leaves its figures out of this scrape.
        const readings = await read().catch(() => []);
        for (const r of readings) this.set(r.labels, r.value);
      }
    },
  });
}

scrapedGauge('ua_queue_depth', 'Items waiting in a queue (outbox per platform; the broadcasts queue, from the process running its scheduler)', ['queue']);
scrapedGauge('ua_claims', 'Claims by status', ['status']);

/** Adds a source for a scraped gauge (ua_queue_depth, ua_claims); returns its removal. */
export function addGaugeSource(name: 'ua_queue_depth' | 'ua_claims', read: () => Promise<GaugeReading[]>): () => void {
  const set = sources.get(name) ?? new Set();
  sources.set(name, set);
  set.add(read);
  return () => void set.delete(read);
}

export type MessageOutcome = 'answered' | 'apology' | 'duplicate' | 'rate-limited' | 'not-addressed' | 'stale' | 'own' | 'empty' | 'failed';

export function recordMessage(channel: string, intent: string, outcome: MessageOutcome, seconds: number): void {
  messages.inc({ channel, intent, outcome });
  latency.observe({ channel }, seconds);
}

export function recordSend(platform: string, result: 'ok' | 'error'): void {
  sends.inc({ platform, result });
}

export function recordRedisError(kind: string): void {
  redisErrors.inc({ kind });
}

export const METRICS_CONTENT_TYPE = registry.contentType;
export const renderMetrics = (): Promise<string> => registry.metrics();
