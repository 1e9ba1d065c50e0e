import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLlm } from '../../src/llm/client.ts';
import type { TrainingIntent } from '../../src/core/examples.ts';
import { createClassifier, type Classifier } from '../../src/nlu/classifier.ts';
import { loadTraining } from './helpers.ts';
import { parseLlmIntent, withLlmFallback } from '../../src/nlu/llm-fallback.ts';
import { registry } from '../../src/core/metrics.ts';
import { startFakeOpenAI } from '../helpers/fake-openai.ts';
import { Harness } from '../helpers/harness.ts';

let training: TrainingIntent[];

/** What the fake chat-completions server does with the next requests. */
type Mode = { kind: 'answer'; content: string } | { kind: 'hang' } | { kind: 'error' };
let mode: Mode = { kind: 'answer', content: '{"intent":"help"}' };
let requests: Array<{ path: string; body: { messages?: Array<{ role: string; content: string }> } }> = [];
let server: Server;
let baseURL = '';
let clf: Classifier;
const warnings: string[] = [];
const logger = { warn: (_o: object, msg?: string) => void warnings.push(msg ?? ''), debug: () => undefined };

function handle(req: IncomingMessage, res: ServerResponse): void {
  let raw = '';
  req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
  req.on('end', () => {
    requests.push({ path: req.url ?? '', body: JSON.parse(raw) as (typeof requests)[number]['body'] });
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404).end();
      return;
    }
    if (mode.kind === 'hang') return; // never answers
    if (mode.kind === 'error') {
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"boom"}}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: 'cmpl-1',
        object: 'chat.completion',
        created: 0,
        model: 'fake',
        choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: mode.content } }],
      }),
    );
  });
}

beforeAll(async () => {
  training = await loadTraining();
  clf = createClassifier(training);
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  requests = [];
  warnings.length = 0;
  mode = { kind: 'answer', content: '{"intent":"help"}' };
});

const llm = () => createLlm({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: baseURL, OPENAI_MODEL: 'fake', OPENAI_TIMEOUT_MS: 5000 });
const UNSURE = '阿斯顿发送到发'; // gibberish: the local classifier is unsure

describe('withLlmFallback', () => {
  it('the test input really is below the threshold locally', () => {
    expect(clf.classify(UNSURE).confidence).toBeLessThan(0.5);
  });

  it('uses a valid model answer when the local confidence is low', async () => {
    mode = { kind: 'answer', content: '{"intent":"handoff"}' };
    const c = withLlmFallback(clf, training, llm(), 0.5, logger);
    const r = await c.classifyAsync(UNSURE);
    expect(r).toEqual({ intent: 'handoff', confidence: 0.8 });
    expect(requests).toHaveLength(1);
    const msgs = requests[0]?.body.messages ?? [];
    expect(msgs[0]?.role).toBe('system');
    expect(msgs[0]?.content).toContain('claim_status');
    expect(msgs[1]).toEqual({ role: 'user', content: UNSURE });
    // `classify` is the same async function (the router's IntentClassifier interface).
    expect(await c.classify(UNSURE)).toEqual({ intent: 'handoff', confidence: 0.8 });
  });

  it('does not call the model when the local result is confident', async () => {
    const c = withLlmFallback(clf, training, llm(), 0.5, logger);
    const r = await c.classifyAsync('帮我取消运动会的报名');
    expect(r.intent).toBe('event_cancel');
    expect(requests).toHaveLength(0);
  });

  it('keeps the local result when the model answers an id that does not exist', async () => {
    mode = { kind: 'answer', content: '{"intent":"book_flight"}' };
    const c = withLlmFallback(clf, training, llm(), 0.5, logger);
    expect(await c.classifyAsync(UNSURE)).toEqual(clf.classify(UNSURE));
    expect(requests).toHaveLength(1);
    expect(warnings.join()).toMatch(/no valid intent/);
  });

  it('keeps the local result when the model answers prose', async () => {
    mode = { kind: 'answer', content: '我觉得这是在打招呼。' };
    const c = withLlmFallback(clf, training, llm(), 0.5, logger);
    expect(await c.classifyAsync(UNSURE)).toEqual(clf.classify(UNSURE));
  });

  it('keeps the local result when the model hangs (short timeout)', async () => {
    mode = { kind: 'hang' };
    const c = withLlmFallback(clf, training, llm(), 0.5, logger, { timeoutMs: 300 });
    const t0 = Date.now();
    expect(await c.classifyAsync(UNSURE)).toEqual(clf.classify(UNSURE));
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(warnings.join()).toMatch(/failed/);
  });

  it('keeps the local result when the client itself times out', async () => {
    mode = { kind: 'hang' };
    const slowLlm = createLlm({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: baseURL, OPENAI_MODEL: 'fake', OPENAI_TIMEOUT_MS: 300 });
    const c = withLlmFallback(clf, training, slowLlm, 0.5, logger, { timeoutMs: 10_000 });
    expect(await c.classifyAsync(UNSURE)).toEqual(clf.classify(UNSURE));
  });

  it('keeps the local result on a server error', async () => {
    mode = { kind: 'error' };
    const c = withLlmFallback(clf, training, llm(), 0.5, logger);
    expect(await c.classifyAsync(UNSURE)).toEqual(clf.classify(UNSURE));
  });

  it('asks once for a text asked again within a minute, or by many at once; a failed answer is asked again', async () => {
    mode = { kind: 'answer', content: '{"intent":"handoff"}' };
    const c = withLlmFallback(clf, training, llm(), 0.5, logger);
    const answers = await Promise.all([c.classifyAsync(UNSURE), c.classifyAsync(UNSURE)]);
    expect(await c.classifyAsync(UNSURE)).toEqual({ intent: 'handoff', confidence: 0.8 });
    expect(answers).toEqual([{ intent: 'handoff', confidence: 0.8 }, { intent: 'handoff', confidence: 0.8 }]);
    expect(requests).toHaveLength(1);
    mode = { kind: 'error' };
    const other = `${UNSURE}啊`;
    expect(await c.classifyAsync(other)).toEqual(clf.classify(other));
    mode = { kind: 'answer', content: '{"intent":"handoff"}' };
    expect(await c.classifyAsync(other)).toEqual({ intent: 'handoff', confidence: 0.8 });
    expect(requests).toHaveLength(3);
  });

  it('works without an LLM (null): always the local result', async () => {
    const c = withLlmFallback(clf, training, null, 0.5);
    expect(await c.classifyAsync(UNSURE)).toEqual(clf.classify(UNSURE));
    expect(requests).toHaveLength(0);
  });
});

describe('withLlmFallback in the engine', () => {
  it('a message the model sends to a service that writes is asked once, though its turn runs twice', async () => {
    const model = await startFakeOpenAI((req) => (req.messages[0]?.content.includes('意图分类器') ? { reply: '{"intent":"handoff"}' } : { reply: '好的' }));
    const h = await Harness.start({ env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: model.baseURL, OPENAI_MODEL: 'fake' } });
    const retried = async () => (await registry.getSingleMetric('ua_turns_total')?.get())?.values.find((v) => v.labels['path'] === 'retried')?.value ?? 0;
    try {
      await h.dm('m1').say('菜单'); // the process now knows the session: the next turn runs speculatively
      const [asked, before] = [model.requests.length, await retried()];
      await h.dm('m1').say(UNSURE);
      // Refused speculatively (a ticket is a write), run again locked, with the model's answer of the first run.
      expect(await retried()).toBe(before + 1);
      expect(model.requests.slice(asked).filter((r) => r.messages[0]?.content.includes('意图分类器'))).toHaveLength(1);
      expect(await h.engine.deps.redis.zcard(h.engine.deps.keys.tagged('tickets', 'open'))).toBe(1);
    } finally {
      await h.stop();
      await model.close();
    }
  });
});

describe('the warm-up before a process serves (Pipeline.rehearse)', () => {
  it('asks the model nothing, though one is configured: neither to classify nor to phrase a labor-law answer', async () => {
    const model = await startFakeOpenAI(() => ({ reply: '{"intent":"labor_law"}' }));
    const h = await Harness.start({ env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: model.baseURL, OPENAI_MODEL: 'fake', WARM_UP_PASSES: '1' } });
    try {
      expect(model.requests).toHaveLength(0);
      // The same paths, for a member: the model is asked.
      await h.dm('m1').say(UNSURE);
      const classified = model.requests.length;
      expect(classified).toBeGreaterThan(0);
      await h.dm('m2').say('加班费怎么算');
      expect(model.requests.length).toBeGreaterThan(classified);
    } finally {
      await h.stop();
      await model.close();
    }
  });
});

describe('parseLlmIntent', () => {
  it('accepts JSON, fenced JSON and a bare id of a declared intent; rejects anything else', () => {
    const ids = training.map((t) => t.id);
    expect(parseLlmIntent('{"intent":"refund"}', ids)).toBeNull();
    expect(parseLlmIntent('{"intent":"labor_law"}', ids)).toBe('labor_law');
    expect(parseLlmIntent('```json\n{"intent": "claim_info"}\n```', ids)).toBe('claim_info');
    expect(parseLlmIntent(' event_list ', ids)).toBe('event_list');
    expect(parseLlmIntent('{"intent":"LABOR_LAW"}', ids)).toBeNull();
    expect(parseLlmIntent('{"label":"help"}', ids)).toBeNull();
    expect(parseLlmIntent('', ids)).toBeNull();
  });
});
