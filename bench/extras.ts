/** Capability benchmarks run after the pipeline bench (retrieval latency, registration rush …). */
import type { Engine } from '../src/engine.ts';

export const BENCH_EXTRAS: ((engine: Engine) => Promise<void>)[] = [];
