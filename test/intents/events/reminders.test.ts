import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../../helpers/redis.ts';
import { eventService } from '../../../intents/events/service.ts';
import { startEventWorkers, type EventWorkers } from '../../../intents/events/reminders.ts';
import { DEFAULT_FIELDS, type Registration } from '../../../intents/events/model.ts';
import { makeDeps, outboxItems, type TestDeps } from './deps.ts';

type Server = Awaited<ReturnType<typeof startRedis>>;
let server: Server;
const opened: TestDeps[] = [];
const workers: EventWorkers[] = [];
const T0 = Date.UTC(2025, 4, 1, 2, 0);
const MIN = 60_000;

beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  for (const d of opened) d.redis.disconnect();
  await server?.stop();
});

/** A "bot process": its own connection and clock, sharing the key prefix. */
function proc(prefix: string): TestDeps {
  const d = makeDeps(server.url, { prefix, env: { EVENT_REMINDER_MINUTES: '60' }, clockMs: T0 });
  opened.push(d);
  return d;
}
async function worker(d: TestDeps, leaseMs = 60_000): Promise<EventWorkers> {
  const w = await startEventWorkers(d, { pollMs: 15, leaseMs });
  workers.push(w);
  return w;
}
const reg = (member: string, now: number): Registration => ({
  member: `telegram:${member}`,
  values: { name: member, phone: '13800000000', unit: '厂' },
  displayName: member,
  address: { platform: 'telegram', chatId: member, chatType: 'private' },
  at: now,
});
async function eventWith(d: TestDeps, members: string[], startInMin = 120) {
  const svc = eventService(d);
  const now = d.clock.ms;
  const startAt = now + startInMin * MIN;
  const ev = await svc.store.create(
    { title: '安全培训', description: '', place: '三楼会议室', startAt, endAt: startAt + 60 * MIN, capacity: 10, deadline: startAt, groups: [], fields: DEFAULT_FIELDS, createdBy: 'telegram:staff1' },
    now,
    svc.remindAt(startAt, now),
  );
  for (const m of members) await svc.store.register(ev.id, reg(m, now), now, true);
  return ev;
}
const reminders = async (d: TestDeps) => (await outboxItems(d)).filter((i) => i.replies.some((r) => r.text?.includes('活动提醒')));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(cond: () => Promise<boolean>, ms = 3000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await cond()) return;
    await sleep(20);
  }
  throw new Error('timed out');
}
const setClock = (ds: TestDeps[], ms: number) => ds.forEach((d) => (d.clock.ms = ms));

describe('event reminders', () => {
  it('fire once per registrant with two workers, EVENT_REMINDER_MINUTES before the start', async () => {
    const a = proc('r1:');
    const b = proc('r1:');
    const ev = await eventWith(a, ['m1', 'm2', 'm3']);
    expect(await eventService(a).store.scheduledAt(ev.id)).toBe(ev.startAt - 60 * MIN);
    await worker(a);
    await worker(b);
    setClock([a, b], ev.startAt - 61 * MIN);
    await sleep(100);
    expect(await reminders(a)).toHaveLength(0);
    setClock([a, b], ev.startAt - 60 * MIN);
    await waitFor(async () => (await reminders(a)).length >= 3);
    await sleep(150);
    const sent = await reminders(a);
    expect(sent.map((i) => i.to.chatId).sort()).toEqual(['m1', 'm2', 'm3']);
    expect(sent[0]?.replies[0]?.text).toContain('「安全培训」将于');
    expect(await a.redis.zcard(eventService(a).store.processingKey)).toBe(0);
  });

  it('survives a worker restart and a Redis crash: the schedule lives in Redis', async () => {
    const a = proc('r2:');
    const ev = await eventWith(a, ['n1', 'n2']);
    const w1 = await worker(a);
    await sleep(50);
    await w1.stop();
    await server.kill9();
    await server.restart();
    const b = proc('r2:');
    await worker(b);
    setClock([a, b], ev.startAt - 30 * MIN);
    await waitFor(async () => (await reminders(b)).length >= 2);
    await sleep(100);
    expect((await reminders(b)).map((i) => i.to.chatId).sort()).toEqual(['n1', 'n2']);
  });

  it('editing the start reschedules; cancelling unschedules', async () => {
    const a = proc('r3:');
    const svc = eventService(a);
    const ev = await eventWith(a, ['p1']);
    const later = ev.startAt + 24 * 60 * MIN;
    await svc.store.update(ev.id, { startAt: later, endAt: later + 60 * MIN }, svc.remindAt(later, a.clock.ms));
    expect(await svc.store.scheduledAt(ev.id)).toBe(later - 60 * MIN);
    await worker(a);
    setClock([a], ev.startAt - 30 * MIN); // the old reminder time: nothing
    await sleep(100);
    expect(await reminders(a)).toHaveLength(0);
    setClock([a], later - 59 * MIN);
    await waitFor(async () => (await reminders(a)).length >= 1);

    const ev2 = await eventWith(a, ['p2']);
    await svc.store.cancelEvent(ev2.id, '取消');
    expect(await svc.store.scheduledAt(ev2.id)).toBeNull();
  });

  it('a worker that dies mid-way: another picks the item up after the lease, nobody is reminded twice', async () => {
    const a = proc('r4:');
    const svc = eventService(a);
    const ev = await eventWith(a, ['q1', 'q2', 'q3']);
    const due = ev.startAt - 60 * MIN;
    // The dead worker claimed the item and reminded q1, then crashed.
    expect(await svc.store.claimDue(due, 5 * MIN, 10)).toEqual([`${ev.id}|reminder`]);
    expect(await svc.store.markReminded(ev.id, ev.startAt, 'telegram:q1')).toBe(true);
    await a.notifier.notify({ platform: 'telegram', chatId: 'q1', chatType: 'private' }, [{ text: '活动提醒：（崩溃前发出）' }]);
    const b = proc('r4:');
    await worker(b, 5 * MIN);
    setClock([a, b], due + 2 * MIN); // lease not expired yet
    await sleep(100);
    expect(await reminders(b)).toHaveLength(1);
    setClock([a, b], due + 6 * MIN);
    await waitFor(async () => (await reminders(b)).length >= 3);
    await sleep(100);
    expect((await reminders(b)).map((i) => i.to.chatId).sort()).toEqual(['q1', 'q2', 'q3']);
  });
});
