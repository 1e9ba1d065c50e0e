/**
 * CPU per message of one kind, and where it goes: `npm run profile -- help|law|form|mix|group [seconds]`
 * (group: the menu asked with an @mention in one of 20 groups).
 * Prints the bot's and redis-server's CPU microseconds per message (steadier than msg/s on a shared machine:
 * compare two versions by alternating runs). PROF_OUT=file.cpuprofile writes a CPU profile of the timed part
 * only (open it in Chrome DevTools); HEAP_OUT=file.heapprofile a sampling allocation profile.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/core/config.ts';
import { createLogger } from '../src/core/logger.ts';
import { startRedisServer } from '../src/core/redis-server.ts';
import { createEngine } from '../src/app/engine.ts';
import { registry } from '../src/core/metrics.ts';
import { runFor, webMessage } from './common.ts';

const kind = process.argv[2] ?? 'help';
const seconds = Number(process.argv[3] ?? 5);
const MEMBERS = 200;
const LAW = ['公司三个月没发工资怎么办', '加班费怎么算', '被辞退了有补偿吗', '试用期可以随便辞退吗'];
const MIX = ['菜单', '公司三个月没发工资怎么办', '加班费怎么算', '最近有什么活动', '住院互助要什么材料', '你好', '被辞退了有补偿吗', '转人工'];
const text = (i: number, m: number): string =>
  kind === 'help' || kind === 'group' ? '菜单' : kind === 'law' ? LAW[(i + m) % LAW.length]! : kind === 'form' ? '12345' : MIX[(i + m) % MIX.length]!;
const message = (m: number, i: number) => {
  const msg = webMessage(`p${m}`, text(i, m));
  return kind === 'group' ? { ...msg, chatType: 'group' as const, chatId: `g${m % 20}`, mentionsBot: true } : msg;
};

const dir = mkdtempSync(join(tmpdir(), 'ua-prof-'));
const server = await startRedisServer({ dir });
const config = loadConfig({
  ...process.env, REDIS_URL: server.url, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '10000',
  KNOWLEDGE_STATUTES_DIR: process.env.KNOWLEDGE_STATUTES_DIR ?? '../shared/laws',
});
const engine = await createEngine(config, createLogger('silent'));
const redisCpuSeconds = async () => {
  const info = await engine.deps.redis.info('cpu');
  return Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1]) + Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1]);
};
try {
  if (kind === 'form') for (let m = 0; m < MEMBERS; m++) for (const t of ['申请住院互助', '同意', '张三']) await engine.pipeline.handle(webMessage(`p${m}`, t));
  await runFor(1500, MEMBERS, async (m, i) => void (await engine.pipeline.handle(message(m, i))));

  const inspector = new Session();
  inspector.connect();
  const cpuOut = process.env.PROF_OUT;
  const heapOut = process.env.HEAP_OUT;
  if (cpuOut) {
    await inspector.post('Profiler.enable');
    await inspector.post('Profiler.setSamplingInterval', { interval: 200 });
    await inspector.post('Profiler.start');
  }
  if (heapOut) {
    await inspector.post('HeapProfiler.enable');
    // Everything allocated, including what the collector already freed (the short-lived garbage is the point).
    const everything = { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true };
    await inspector.post('HeapProfiler.startSampling', everything as { samplingInterval: number });
  }
  const cpu0 = process.cpuUsage();
  const redis0 = await redisCpuSeconds();
  const r = await runFor(seconds * 1000, MEMBERS, async (m, i) => {
    const out = await engine.pipeline.handle(message(m, i));
    if (out.dropped) throw new Error(`profile message dropped: ${out.dropped}`);
  });
  const cpu = process.cpuUsage(cpu0);
  const redis = (await redisCpuSeconds()) - redis0;
  const n = r.rate * seconds;
  if (heapOut) writeFileSync(heapOut, JSON.stringify((await inspector.post('HeapProfiler.stopSampling')).profile));
  if (cpuOut) writeFileSync(cpuOut, JSON.stringify((await inspector.post('Profiler.stop')).profile));
  const turns = (await registry.getSingleMetric('ua_turns_total')?.get())?.values.map((v) => `${String(v.labels['path'])} ${v.value}`).join(', ');
  console.log(`${kind}: node ${((cpu.user + cpu.system) / n).toFixed(0)} µs/msg (user ${(cpu.user / n).toFixed(0)}), redis ${((redis * 1e6) / n).toFixed(0)} µs/msg; ${r.rate.toFixed(0)} msg/s; turns since start: ${turns}`);
} finally {
  await engine.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
