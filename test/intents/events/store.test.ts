import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../../helpers/redis.ts';
import { Redis } from 'ioredis';
import { eventService } from '../../../intents/events/service.ts';
import { EventStore, type RegisterResult } from '../../../intents/events/store.ts';
import { DEFAULT_FIELDS, type NewEvent, type Registration } from '../../../intents/events/model.ts';
import { makeDeps, type TestDeps } from './deps.ts';
import { countCommands } from '../../helpers/command-count.ts';

type Server = Awaited<ReturnType<typeof startRedis>>;
let server: Server;
let deps: TestDeps;
let store: EventStore;
const HOUR = 3600_000;

beforeAll(async () => {
  server = await startRedis();
  deps = makeDeps(server.url);
  store = eventService(deps).store;
});
afterAll(async () => {
  deps?.redis.disconnect();
  await server?.stop();
});

function newEvent(over: Partial<NewEvent> = {}): NewEvent {
  const now = deps.clock.ms;
  return {
    title: '职工运动会',
    description: '',
    place: '体育馆',
    startAt: now + 10 * 24 * HOUR,
    endAt: now + 10 * 24 * HOUR + 3 * HOUR,
    capacity: 100,
    deadline: now + 9 * 24 * HOUR,
    groups: [],
    fields: DEFAULT_FIELDS,
    createdBy: 'telegram:staff1',
    ...over,
  };
}

const reg = (member: string): Registration => ({
  member,
  values: { name: `会员${member}`, phone: '13800000000', unit: '一厂' },
  displayName: member,
  address: { platform: 'telegram', chatId: member, chatType: 'private' },
  at: deps.clock.ms,
});

describe('registration store', () => {
  it('rush: 1,000 concurrent registrations for 100 seats', async () => {
    const ev = await store.create(newEvent({ capacity: 100 }), deps.clock.ms, null);
    const members = Array.from({ length: 1000 }, (_, i) => `telegram:u${i}`);
    // Several connections, like several bot processes.
    const clients = Array.from({ length: 8 }, () => {
      const c = new Redis(server.url);
      c.on('error', () => undefined);
      return c;
    });
    const stores = clients.map((c) => new EventStore(c, deps.keys));
    await Promise.all(clients.map((c) => c.ping()));
    const started = performance.now();
    const results: RegisterResult[] = await Promise.all(
      members.map((m, i) => (stores[i % stores.length] as EventStore).register(ev.id, reg(m), deps.clock.ms, true)),
    );
    const settledMs = performance.now() - started;
    const registered = results.filter((r) => r.outcome === 'registered');
    const waitlisted = results.map((r, i) => ({ r, m: members[i] })).filter((x) => x.r.outcome === 'waitlisted');
    console.log(`[rush] 1000 registrations / 100 seats settled in ${settledMs.toFixed(1)} ms: ${registered.length} registered, ${waitlisted.length} waitlisted`);
    expect(registered).toHaveLength(100);
    expect(waitlisted).toHaveLength(900);

    // Arrival order = the order the scripts ran (their sequence numbers); every number is unique.
    const seqs = results.map((r) => r.seq);
    expect(new Set(seqs).size).toBe(1000);
    expect(Math.max(...seqs)).toBe(1000);
    // The first 100 arrivals got the seats.
    expect(Math.max(...registered.map((r) => r.seq))).toBe(100);
    const expectedWait = [...waitlisted].sort((a, b) => a.r.seq - b.r.seq).map((x) => x.m);
    expect(await store.waitlist(ev.id)).toEqual(expectedWait);
    // Waitlist positions reported to each member match their place in line.
    for (const x of waitlisted) expect(x.r.position).toBe(expectedWait.indexOf(x.m ?? '') + 1);
    const seated = await store.registeredMembers(ev.id);
    expect(new Set(seated).size).toBe(100);
    expect(seated.filter((m) => expectedWait.includes(m))).toEqual([]);

    // Re-registering (concurrently, even) changes nothing.
    const again = await Promise.all(members.slice(0, 200).map((m, i) => (stores[i % stores.length] as EventStore).register(ev.id, reg(m), deps.clock.ms, true)));
    expect(again.every((r) => r.outcome === 'already-registered' || r.outcome === 'already-waitlisted')).toBe(true);
    expect(again.filter((r) => r.outcome === 'already-registered')).toHaveLength(results.slice(0, 200).filter((r) => r.outcome === 'registered').length);
    expect(await store.counts(ev.id)).toMatchObject({ registered: 100, waitlisted: 900 });

    // 30 concurrent cancellations promote exactly the first 30 waitlisted, each once.
    const leaving = seated.slice(0, 30);
    const cancelStarted = performance.now();
    const cancels = await Promise.all(leaving.map((m, i) => (stores[i % stores.length] as EventStore).cancel(ev.id, m)));
    console.log(`[rush] 30 concurrent cancellations settled in ${(performance.now() - cancelStarted).toFixed(1)} ms`);
    expect(cancels.every((c) => c.outcome === 'cancelled' && c.promoted.length === 1)).toBe(true);
    const promoted = cancels.map((c) => c.promoted[0]?.member);
    expect([...promoted].sort()).toEqual(expectedWait.slice(0, 30).sort());
    expect(cancels.every((c) => c.promoted[0]?.registration?.member === c.promoted[0]?.member)).toBe(true);
    expect(await store.waitlist(ev.id)).toEqual(expectedWait.slice(30));
    expect(await store.counts(ev.id)).toMatchObject({ registered: 100, waitlisted: 870 });
    await Promise.all(clients.map((c) => c.quit()));
  }, 60_000);

  it('promotes in waitlist order, one per freed seat; leaving the waitlist frees nothing', async () => {
    const ev = await store.create(newEvent({ capacity: 2 }), deps.clock.ms, null);
    const order = ['a', 'b', 'c', 'd', 'e'].map((x) => `telegram:${x}`);
    for (const m of order) await store.register(ev.id, reg(m), deps.clock.ms, true);
    expect(await store.registeredMembers(ev.id)).toEqual(order.slice(0, 2));
    expect(await store.waitlist(ev.id)).toEqual(order.slice(2));

    expect(await store.cancel(ev.id, 'telegram:d')).toEqual({ outcome: 'left-waitlist', promoted: [] });
    const c1 = await store.cancel(ev.id, 'telegram:a');
    expect(c1.promoted.map((p) => p.member)).toEqual(['telegram:c']);
    const c2 = await store.cancel(ev.id, 'telegram:b');
    expect(c2.promoted.map((p) => p.member)).toEqual(['telegram:e']);
    expect(await store.cancel(ev.id, 'telegram:b')).toEqual({ outcome: 'none', promoted: [] });
    expect(await store.memberState(ev.id, 'telegram:e')).toEqual({ state: 'registered', position: 2 });
    // A cancelled member may register again (at the back of the line).
    const back = await store.register(ev.id, reg('telegram:a'), deps.clock.ms, true);
    expect(back.outcome).toBe('waitlisted');
    expect(back.position).toBe(1);
  });

  it('does not let a newcomer jump the waitlist, and offers the waitlist only when allowed', async () => {
    const ev = await store.create(newEvent({ capacity: 1 }), deps.clock.ms, null);
    expect((await store.register(ev.id, reg('telegram:p1'), deps.clock.ms, false)).outcome).toBe('registered');
    const full = await store.register(ev.id, reg('telegram:p2'), deps.clock.ms, false);
    expect(full.outcome).toBe('full');
    expect(await store.memberState(ev.id, 'telegram:p2')).toEqual({ state: null, position: 0 });
    expect((await store.register(ev.id, reg('telegram:p2'), deps.clock.ms, true)).outcome).toBe('waitlisted');
    // Growing the capacity promotes from the waitlist at once.
    const promoted = await store.setCapacity(ev.id, 3);
    expect(promoted.map((p) => p.member)).toEqual(['telegram:p2']);
    expect((await store.register(ev.id, reg('telegram:p3'), deps.clock.ms, false)).outcome).toBe('registered');
    // Shrinking does not evict anyone; newcomers wait.
    await store.setCapacity(ev.id, 1);
    expect(await store.registeredMembers(ev.id)).toHaveLength(3);
    expect((await store.register(ev.id, reg('telegram:p4'), deps.clock.ms, false)).outcome).toBe('full');
  });

  it('enforces the deadline, closing and cancellation', async () => {
    const ev = await store.create(newEvent({ capacity: 5 }), deps.clock.ms, null);
    expect((await store.register(ev.id, reg('telegram:x1'), ev.deadline, false)).outcome).toBe('registered');
    expect((await store.register(ev.id, reg('telegram:x2'), ev.deadline + 1, true)).outcome).toBe('deadline');
    // Someone already in still hears 'already' after the deadline.
    expect((await store.register(ev.id, reg('telegram:x1'), ev.deadline + 1, false)).outcome).toBe('already-registered');

    expect(await store.close(ev.id)).toBe('open');
    expect((await store.register(ev.id, reg('telegram:x3'), deps.clock.ms, true)).outcome).toBe('closed');
    expect(await store.reopen(ev.id)).toBe('closed');
    expect((await store.register(ev.id, reg('telegram:x3'), deps.clock.ms, true)).outcome).toBe('registered');
    expect(await store.cancelEvent(ev.id, '场地维修')).toBe('open');
    expect(await store.cancelEvent(ev.id, '场地维修')).toBe('cancelled');
    expect((await store.register(ev.id, reg('telegram:x4'), deps.clock.ms, true)).outcome).toBe('cancelled');
    expect((await store.get(ev.id))?.cancelReason).toBe('场地维修');
    expect((await store.register('999', reg('telegram:x4'), deps.clock.ms, true)).outcome).toBe('missing');
  });

  it('the same member registering twice at once gets one seat', async () => {
    const ev = await store.create(newEvent({ capacity: 10 }), deps.clock.ms, null);
    const both = await Promise.all(Array.from({ length: 20 }, () => store.register(ev.id, reg('telegram:twin'), deps.clock.ms, true)));
    expect(both.filter((r) => r.outcome === 'registered')).toHaveLength(1);
    expect(both.filter((r) => r.outcome === 'already-registered')).toHaveLength(19);
    expect(await store.counts(ev.id)).toMatchObject({ registered: 1, waitlisted: 0 });
    expect(await store.memberEvents('telegram:twin')).toContain(ev.id);
  });

  it('checks in registered members once', async () => {
    const ev = await store.create(newEvent({ capacity: 1 }), deps.clock.ms, null);
    await store.register(ev.id, reg('telegram:c1'), deps.clock.ms, true);
    await store.register(ev.id, reg('telegram:c2'), deps.clock.ms, true);
    expect((await store.checkIn(ev.id, 'telegram:c1', 5)).outcome).toBe('ok');
    expect(await store.checkIn(ev.id, 'telegram:c1', 9)).toEqual({ outcome: 'already', at: 5 });
    expect((await store.checkIn(ev.id, 'telegram:c2', 5)).outcome).toBe('not-registered');
    const roster = await store.roster(ev.id);
    expect(roster.map((r) => [r.member, r.state, r.checkedInAt])).toEqual([
      ['telegram:c1', 'registered', 5],
      ['telegram:c2', 'waitlisted', null],
    ]);
  });

  it('reads a big roster a slice at a time (HSCAN, ZRANGEBYSCORE … LIMIT), never in one blocking command', async () => {
    const ev = await store.create(newEvent({ capacity: 1_100 }), deps.clock.ms, null);
    const members = Array.from({ length: 1_200 }, (_, i) => `telegram:r${i}`);
    for (const m of members) await store.register(ev.id, reg(m), deps.clock.ms, true);
    await store.checkIn(ev.id, 'telegram:r7', 70);
    const reader = new Redis(server.url);
    try {
      const sent = countCommands(reader);
      const roster = await new EventStore(reader, deps.keys, { warn: () => undefined }).roster(ev.id);
      expect(roster.map((r) => r.member)).toEqual(members);
      expect(roster.filter((r) => r.state === 'waitlisted')).toHaveLength(100);
      expect(roster.every((r) => r.registration?.values['name'] === `会员${r.member}`)).toBe(true);
      expect(roster.find((r) => r.member === 'telegram:r7')?.checkedInAt).toBe(70);
      const commands = sent();
      expect(commands['hscan']).toBeGreaterThan(2);
      expect(commands['hgetall']).toBeUndefined();
      // Seats by their sequence number, 500 a call (1,000 and 100 here, and the empty end of each).
      expect(commands['zrangebyscore']).toBeGreaterThanOrEqual(3);
      expect(commands['zrange']).toBeUndefined();
      expect(await new EventStore(reader, deps.keys, { warn: () => undefined }).registeredMembers(ev.id)).toEqual(members.slice(0, 1_100));
    } finally {
      reader.disconnect();
    }
  });

  it('treats corrupt records as missing and logs each one', async () => {
    const warnings: string[] = [];
    const logged = new EventStore(deps.redis, deps.keys, { warn: (obj) => warnings.push(JSON.stringify(obj)) });
    const ev = await logged.create(newEvent({ capacity: 5 }), deps.clock.ms, null);
    await logged.register(ev.id, reg('telegram:z1'), deps.clock.ms, true);
    await deps.redis.hset(deps.keys.tagged(`ev:${ev.id}`, 'data'), 'telegram:z1', '{not json');
    await deps.redis.set(deps.keys.k('evmeta', 'profile', 'telegram:z1'), JSON.stringify({ consent: 'yes' }));
    await deps.redis.set(deps.keys.k('evmeta', 'pending', 'telegram:z1'), 'garbage');
    expect(await logged.registration(ev.id, 'telegram:z1')).toBeNull();
    expect((await logged.roster(ev.id)).map((e) => [e.member, e.registration])).toEqual([['telegram:z1', null]]);
    expect(await logged.profile('telegram:z1')).toBeNull();
    expect(await logged.pending('telegram:z1')).toBeNull();

    const broken = await logged.create(newEvent({ title: '坏记录' }), deps.clock.ms, null);
    await deps.redis.hset(deps.keys.tagged(`ev:${broken.id}`), 'status', 'bogus');
    expect(await logged.get(broken.id)).toBeNull();
    expect((await logged.upcoming(deps.clock.ms)).map((e) => e.id)).not.toContain(broken.id);
    expect(warnings.length).toBeGreaterThanOrEqual(5);
    expect(warnings.join('\n')).toContain(`event ${broken.id}`);
  });

  it('survives a Redis crash (AOF): registrations and the Lua scripts come back', async () => {
    const ev = await store.create(newEvent({ capacity: 1 }), deps.clock.ms, null);
    await store.register(ev.id, reg('telegram:k1'), deps.clock.ms, true);
    await store.register(ev.id, reg('telegram:k2'), deps.clock.ms, true);
    await server.kill9();
    await server.restart();
    await deps.redis.ping();
    expect(await store.registeredMembers(ev.id)).toEqual(['telegram:k1']);
    expect(await store.waitlist(ev.id)).toEqual(['telegram:k2']);
    // The script cache is empty after the restart: EVALSHA falls back to EVAL.
    const c = await store.cancel(ev.id, 'telegram:k1');
    expect(c.promoted.map((p) => p.member)).toEqual(['telegram:k2']);
  });
});
