/** Builds the channel-independent engine: Redis, shared deps, the services' intents and workers, classifier, router, pipeline. */
import type { Logger } from 'pino';
import type { Config } from '../core/config.ts';
import { readTraining, type TrainingIntent } from '../core/examples.ts';
import type { ConsoleSection } from '../core/console.ts';
import type { CoreDeps, IntentDefinition, ServiceDefinition, Worker } from '../core/service.ts';
import { buildDeps } from '../core/deps.ts';
import type { Delivery } from '../core/delivery/index.ts';
import { Singleton } from '../core/leader.ts';
import { Pipeline } from '../core/pipeline.ts';
import { connectRedis, type RedisHandle } from '../core/redis.ts';
import { Router, type IntentClassifier } from '../core/router.ts';
import { createLlm } from '../llm/client.ts';
import { createClassifier, withLlmFallback } from '../nlu/classifier.ts';
import { SERVICES } from './services.ts';

export interface Engine {
  config: Config;
  deps: CoreDeps;
  redisHandle: RedisHandle;
  /** The delivery path (notifications and sends to many); `notify` queues a notification. */
  outbox: Delivery;
  router: Router;
  pipeline: Pipeline;
  intents: IntentDefinition[];
  /** What the services add to the web console, in the services' order. */
  console: ConsoleSection[];
  /** The leases this engine contends for (one per service with workers): which it holds now. */
  singletons: Singleton[];
  /** Stops background workers and closes Redis (and the embedded server). */
  close(): Promise<void>;
}

export interface EngineOptions {
  now?: () => Date;
  /** Extra shutdown steps registered by capabilities (workers). */
  onClose?: (() => Promise<void>)[];
  /** The services to run (tests may run a subset); default: all of them. */
  services?: readonly ServiceDefinition[];
}

/**
 * Before the process serves: the services' example phrasings, `passes` times, through the pipeline's rehearsal
 * (see Pipeline.rehearse). Without it a new process answers its first seconds of traffic from cold code, several
 * times slower, and a queue builds behind it (`npm run bench -- http`, "from cold").
 */
async function warmUp(pipeline: Pipeline, training: readonly TrainingIntent[], passes: number, logger: Logger): Promise<void> {
  if (passes === 0) return;
  const started = performance.now();
  const texts = training.flatMap((t) => t.examples);
  let counts = { answered: 0, refused: 0 };
  // First messages, then conversations (most messages continue one): the shapes of both are compiled.
  for (let pass = 0; pass < passes; pass++) counts = await pipeline.rehearse(texts, pass % 2 === 0 ? 'fresh' : 'conversation');
  logger.info({ texts: texts.length, passes, ...counts, ms: Math.round(performance.now() - started) }, 'warmed up');
}

/** Below this local confidence the optional LLM is asked to classify. */
const LLM_CLASSIFY_THRESHOLD = 0.5;

export async function createEngine(config: Config, logger: Logger, opts: EngineOptions = {}): Promise<Engine> {
  const redisHandle = await connectRedis(config, logger);
  try {
    const { deps, outbox } = buildDeps(config, redisHandle.redis, logger, opts.now);
    await deps.roles.refresh();
    const services = opts.services ?? SERVICES;
    const training = await readTraining(services);
    const runtimes = await Promise.all(services.map((s) => s.create(deps)));
    const intents = runtimes.flatMap((r) => r.intents);
    const undeclared = intents.find((i) => !training.some((t) => t.id === i.id));
    if (undeclared) throw new Error(`intent ${undeclared.id} is not declared in its service's manifest`);
    const classifier: IntentClassifier = withLlmFallback(createClassifier(training), training, createLlm(config), LLM_CLASSIFY_THRESHOLD, logger);
    const fallback = training.find((t) => t.fallback)?.id ?? '';
    const casual = new Set(training.filter((t) => t.fallback || t.onBareMention).map((t) => t.id));
    const router = new Router(intents, classifier, deps.audit, fallback, casual, deps.notifier);
    const pipeline = new Pipeline(deps, router, redisHandle.turns);
    await warmUp(pipeline, training, config.WARM_UP_PASSES, logger);
    // A service's background work (schedulers, sweeps) runs in one process at a time, under a lease.
    const workers: Worker[] = [];
    const singletons: Singleton[] = [];
    for (const [i, r] of runtimes.entries()) {
      const start = r.startWorkers?.bind(r);
      if (!start) continue;
      const name = `workers:${services[i]?.id ?? i}`;
      const singleton = await Singleton.start({ redis: redisHandle.redis, keys: deps.keys, logger, name, leaseMs: config.SINGLETON_LEASE_MS }, async () => {
        const started = await start();
        return { stop: async () => void (await Promise.all(started.map((w) => w.stop()))) };
      });
      await singleton.started();
      workers.push(singleton);
      singletons.push(singleton);
    }
    const closers = [...(opts.onClose ?? []), ...workers.map((w) => () => w.stop())];
    return {
      config, deps, redisHandle, outbox, router, pipeline, intents, singletons,
      console: runtimes.flatMap((r) => (r.console ? [r.console] : [])),
      async close() {
        for (const close of closers.reverse()) await close().catch((err: unknown) => logger.error({ err }, 'shutdown step failed'));
        await redisHandle.close();
      },
    };
  } catch (err) {
    await redisHandle.close();
    throw err;
  }
}
