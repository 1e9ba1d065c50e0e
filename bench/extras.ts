/** Capability benchmarks: labor-law retrieval latency and a registration rush, on their own engine. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createEngine } from '../src/app/engine.ts';
import { loadConfig } from '../src/core/config.ts';
import { createLogger } from '../src/core/logger.ts';
import { startRedisServer } from '../src/core/redis-server.ts';
import type { Engine } from '../src/app/engine.ts';
import { loadLawKnowledge } from '../intents/law/knowledge.ts';
import { DEFAULT_FIELDS } from '../intents/events/model.ts';
import { EventStore } from '../intents/events/store.ts';

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** Every card phrasing as a query (our own data, no eval items), each retrieved three times. */
async function retrievalLatency(engine: Engine): Promise<void> {
  const { config } = engine.deps;
  const kb = loadLawKnowledge({ knowledgeDir: config.KNOWLEDGE_DIR, statutesDir: config.KNOWLEDGE_STATUTES_DIR });
  const queries = kb.cards.flatMap((c) => c.phrasings);
  for (const q of queries.slice(0, 50)) kb.retrieve(q); // warm-up
  const times: number[] = [];
  for (let round = 0; round < 3; round++) {
    for (const q of queries) {
      const t = performance.now();
      kb.retrieve(q);
      times.push(performance.now() - t);
    }
  }
  times.sort((a, b) => a - b);
  console.log(`labor-law retrieval: ${times.length} queries over ${kb.cards.length} cards and ${kb.library.articleCount} articles`);
  console.log(`  p50 ${percentile(times, 50).toFixed(2)} ms   p99 ${percentile(times, 99).toFixed(2)} ms   max ${(times.at(-1) ?? 0).toFixed(2)} ms`);
}

/** 1,000 distinct members register at once for 100 seats over 8 connections (like 8 bot processes). */
async function registrationRush(engine: Engine): Promise<void> {
  const { deps, redisHandle } = engine;
  const now = Date.now();
  const hour = 3600_000;
  const clients: Redis[] = Array.from({ length: 8 }, () => redisHandle.duplicate());
  const stores = clients.map((c) => new EventStore(c, deps.keys, deps.logger));
  await Promise.all(clients.map((c) => c.ping()));
  const ev = await stores[0]!.create(
    {
      title: '职工运动会（压测）', description: '', place: '体育馆', startAt: now + 240 * hour, endAt: now + 243 * hour,
      capacity: 100, deadline: now + 200 * hour, groups: [], fields: DEFAULT_FIELDS, createdBy: 'web:bench',
    },
    now,
    null,
  );
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: 1000 }, (_, i) =>
      stores[i % stores.length]!.register(
        ev.id,
        { member: `web:rush${i}`, values: { name: `会员${i}` }, displayName: `会员${i}`, address: { platform: 'web', chatId: `rush${i}`, chatType: 'private' }, at: now },
        now,
        true,
      ),
    ),
  );
  const ms = performance.now() - started;
  const count = (o: string) => results.filter((r) => r.outcome === o).length;
  console.log(`registration rush: 1000 members, 100 seats, 8 connections: settled in ${ms.toFixed(0)} ms`);
  console.log(`  registered ${count('registered')}   waitlisted ${count('waitlisted')}   other ${1000 - count('registered') - count('waitlisted')}`);
  for (const c of clients) c.disconnect();
}

export async function extrasBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ua-bench-extras-'));
  const server = await startRedisServer({ dir });
  try {
    const config = loadConfig({ ...process.env, REDIS_URL: server.url, LOG_LEVEL: 'silent', KNOWLEDGE_STATUTES_DIR: process.env.KNOWLEDGE_STATUTES_DIR ?? '../shared/laws' });
    const engine = await createEngine(config, createLogger('silent'));
    await retrievalLatency(engine);
    await registrationRush(engine);
    await engine.close();
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
