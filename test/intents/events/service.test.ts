/** The event operations called directly with an Actor, as the web console will call them: roles, audit, notices. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForbiddenError, type Actor } from '../../../src/core/actor.ts';
import { memberKey } from '../../../src/core/message.ts';
import type { Role } from '../../../src/core/service.ts';
import { DEFAULT_FIELDS, type NewEvent } from '../../../intents/events/model.ts';
import { eventService, LISTING_REUSE_MS, type EventService } from '../../../intents/events/service.ts';
import { countCommands, countRoundTrips } from '../../helpers/command-count.ts';
import { Harness } from '../../helpers/harness.ts';

const DAY = 86400_000;
const GROUP = '-100777';

let h: Harness;
let svc: EventService;
beforeAll(async () => {
  h = await Harness.start({ env: { BOT_STAFF: 'telegram:staff1', EVENT_REMINDER_MINUTES: '60' }, now: new Date('2025-05-01T02:00:00Z') });
  svc = eventService(h.engine.deps);
});
afterAll(() => h.stop());

const actor = (who: string, ...roles: Role[]): Actor => ({ key: memberKey(h.platform, who), roles: new Set(roles) });
const staff = () => actor('staff1', 'staff');
const member = (who = 'mallory') => actor(who);
const address = (who: string) => ({ platform: 'telegram' as const, chatId: who, chatType: 'private' as const });

function draft(over: Partial<Omit<NewEvent, 'createdBy'>> = {}): Omit<NewEvent, 'createdBy'> {
  const now = h.clock.now.getTime();
  return { title: '职工运动会', description: '', place: '体育馆', startAt: now + 10 * DAY, endAt: now + 10 * DAY + 3 * 3600_000, capacity: 2, deadline: now + 9 * DAY, groups: [], fields: DEFAULT_FIELDS, ...over };
}

async function created(over: Partial<Omit<NewEvent, 'createdBy'>> = {}) {
  const r = await svc.createEvent(staff(), draft(over));
  if (r.outcome !== 'created') throw new Error(`not created: ${JSON.stringify(r)}`);
  return r.event;
}

const signUp = (who: string, eventId: string, allowWaitlist = true) =>
  svc.register(member(who), { eventId, values: { name: `会员${who}`, phone: '13800000000', unit: '一厂' }, displayName: who, address: address(who) }, allowWaitlist);

const auditOf = async (eventId: string) => (await h.audit()).filter((e) => e.target === `event:${eventId}`).reverse();

describe('staff operations', () => {
  it('refuse a member with ForbiddenError and change nothing', async () => {
    const ev = await created();
    const auditBefore = (await h.audit()).length;
    const outboxBefore = (await h.outbox()).length;
    const m = member();
    await expect(svc.createEvent(m, draft({ title: '冒名活动' }))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(svc.editEvent(m, ev.id, 'title', '改掉的标题')).rejects.toBeInstanceOf(ForbiddenError);
    await expect(svc.editEvent(m, ev.id, 'capacity', '1000')).rejects.toBeInstanceOf(ForbiddenError);
    await expect(svc.closeEvent(m, ev.id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(svc.reopenEvent(m, ev.id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(svc.cancelEvent(m, ev.id, '捣乱')).rejects.toBeInstanceOf(ForbiddenError);
    await expect(svc.roster(m, ev.id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(svc.checkIn(m, ev.id, '1')).rejects.toBeInstanceOf(ForbiddenError);
    await expect(svc.allEvents(m)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(svc.knownGroups(m)).rejects.toBeInstanceOf(ForbiddenError);
    expect(await svc.findEvent(ev.id)).toEqual(ev);
    expect((await svc.store.recent(50)).map((e) => e.title)).not.toContain('冒名活动');
    expect(await h.audit()).toHaveLength(auditBefore);
    expect(await h.outbox()).toHaveLength(outboxBefore);
  });

  it('an admin holds staff powers', async () => {
    const admin = actor('admin1', 'admin', 'staff');
    const r = await svc.createEvent(admin, draft({ title: '管理员活动' }));
    expect(r.outcome).toBe('created');
  });

  it('create: audited with the event, announced to its groups, reminder scheduled; a start already past is refused and nothing is stored', async () => {
    const ev = await created({ title: '亲子运动日', groups: [{ platform: 'telegram', chatId: GROUP, chatType: 'group' }] });
    expect(ev).toMatchObject({ status: 'open', createdBy: h.identity('staff1') });
    const [entry] = await auditOf(ev.id);
    expect(entry).toMatchObject({ action: 'event.create', actor: h.identity('staff1'), after: { title: '亲子运动日', capacity: 2 } });
    expect(await h.groupNotification(GROUP, '报名 亲子运动日')).toContain('📢 新活动报名');
    expect(await svc.store.scheduledAt(ev.id)).toBe(ev.startAt - 60 * 60_000);

    const before = (await svc.store.recent(100)).length;
    const now = h.clock.now.getTime();
    expect(await svc.createEvent(staff(), draft({ title: '过去的活动', startAt: now - DAY, endAt: now - DAY + 3600_000, deadline: now - 2 * DAY }))).toEqual({
      outcome: 'invalid',
      field: 'startAt',
      error: 'past',
    });
    expect(await svc.store.recent(100)).toHaveLength(before);
  });

  it('edit: one field from typed text with the wizard rules, audited with before and after', async () => {
    const ev = await created();
    expect(await svc.editEvent(staff(), ev.id, 'capacity', '两百')).toEqual({ outcome: 'invalid', field: 'capacity', error: 'capacity' });
    expect(await svc.editEvent(staff(), ev.id, 'deadline', '2025年4月30日')).toEqual({ outcome: 'invalid', field: 'deadline', error: 'deadline' });
    expect(await svc.editEvent(staff(), '999', 'title', '新标题')).toEqual({ outcome: 'missing' });
    const r = await svc.editEvent(staff(), `#${ev.id}`, 'title', '职工趣味运动会');
    expect(r).toMatchObject({ outcome: 'edited', field: 'title', notified: 0, promoted: 0, overCapacity: null, event: { title: '职工趣味运动会' } });
    const edits = (await auditOf(ev.id)).filter((e) => e.action === 'event.edit');
    expect(edits).toEqual([expect.objectContaining({ actor: h.identity('staff1'), before: { title: '职工运动会' }, after: { title: '职工趣味运动会' } })]);
  });

  it('edit of the start keeps the duration, pulls the deadline forward, reschedules the reminder and tells registrants', async () => {
    const ev = await created();
    await signUp('s1', ev.id);
    const r = await svc.editEvent(staff(), ev.id, 'startAt', '2025年5月5日 上午9点');
    if (r.outcome !== 'edited') throw new Error(r.outcome);
    expect(r.event.endAt - r.event.startAt).toBe(ev.endAt - ev.startAt);
    expect(r.event.deadline).toBe(r.event.startAt);
    expect(r.notified).toBe(1);
    expect(await svc.store.scheduledAt(ev.id)).toBe(r.event.startAt - 60 * 60_000);
    expect(await h.notification('s1', '活动变更')).toContain('开始时间');
  });

  it('edit of the capacity promotes the waitlist (each told) and reports seats held beyond a lower capacity', async () => {
    const ev = await created({ capacity: 1 });
    for (const who of ['c1', 'c2', 'c3']) await signUp(who, ev.id);
    expect(await svc.editEvent(staff(), ev.id, 'capacity', '2人')).toMatchObject({ outcome: 'edited', promoted: 1, overCapacity: null });
    expect(await h.notification('c2', '候补转正')).toContain('职工运动会');
    expect(await svc.editEvent(staff(), ev.id, 'capacity', '1')).toMatchObject({ outcome: 'edited', promoted: 0, overCapacity: 2 });
  });

  it('close, reopen and cancel change the status once each, audited; cancelling tells registrants and groups', async () => {
    const ev = await created({ groups: [{ platform: 'telegram', chatId: GROUP, chatType: 'group' }] });
    await h.groupNotification(GROUP, '新活动报名');
    await signUp('k1', ev.id);
    expect((await svc.closeEvent(staff(), ev.id)).outcome).toBe('closed');
    expect((await svc.closeEvent(staff(), ev.id)).outcome).toBe('not-open');
    expect((await signUp('k2', ev.id)).outcome).toBe('closed');
    expect((await svc.reopenEvent(staff(), ev.id)).outcome).toBe('reopened');
    expect((await svc.reopenEvent(staff(), ev.id)).outcome).toBe('not-closed');
    expect(await svc.cancelEvent(staff(), ev.id, '场地维修')).toMatchObject({ outcome: 'cancelled', notified: 1, event: { status: 'cancelled', cancelReason: '场地维修' } });
    expect((await svc.cancelEvent(staff(), ev.id, '场地维修')).outcome).toBe('already-cancelled');
    expect(await svc.editEvent(staff(), ev.id, 'title', '复活')).toMatchObject({ outcome: 'cancelled' });
    expect(await h.notification('k1', '活动取消')).toContain('场地维修');
    expect(await h.groupNotification(GROUP, '活动取消')).toContain('场地维修');
    expect(await svc.store.scheduledAt(ev.id)).toBeNull();
    const entries = (await auditOf(ev.id)).map((e) => [e.action, e.note ?? '']);
    expect(entries).toEqual([['event.create', ''], ['event.close', ''], ['event.reopen', ''], ['event.cancel', '场地维修']]);
  });

  it('roster rows and check-in by seat or name, audited; a shared name asks for the seat', async () => {
    const ev = await created({ capacity: 3 });
    for (const who of ['r1', 'r2', 'r3', 'r4']) await signUp(who, ev.id);
    await svc.store.register(ev.id, { member: h.identity('twin'), values: { name: '会员r1', phone: '13900000000', unit: '二厂' }, displayName: 'twin', address: address('twin'), at: 0 }, 0, true);
    const roster = await svc.roster(staff(), ev.id);
    if (roster.outcome !== 'ok') throw new Error(roster.outcome);
    expect(roster.rows.map((r) => r.slice(0, 3))).toEqual([
      ['序号', '状态', '姓名'],
      ['1', '已报名', '会员r1'],
      ['2', '已报名', '会员r2'],
      ['3', '已报名', '会员r3'],
      ['候补1', '候补', '会员r4'],
      ['候补2', '候补', '会员r1'],
    ]);
    expect(roster.counts).toEqual({ registered: 3, waitlisted: 2, checkedIn: 0 });
    expect(await svc.checkIn(staff(), ev.id, '2')).toMatchObject({ outcome: 'checked-in', name: '会员r2', checkedIn: 1, registered: 3 });
    expect(await svc.checkIn(staff(), ev.id, '会员r2')).toMatchObject({ outcome: 'already', name: '会员r2' });
    expect(await svc.checkIn(staff(), ev.id, '会员r4')).toEqual({ outcome: 'waitlisted', name: '会员r4', position: 1 });
    expect(await svc.checkIn(staff(), ev.id, '会员r9')).toEqual({ outcome: 'not-found', query: '会员r9' });
    // The waitlisted twin shares r1's name but only registered members are candidates.
    expect(await svc.checkIn(staff(), ev.id, '会员r1')).toMatchObject({ outcome: 'checked-in', name: '会员r1' });
    expect((await auditOf(ev.id)).map((e) => e.action)).toEqual(['event.create', 'event.roster_export', 'event.checkin', 'event.checkin']);
    // Several at once, by name or seat, each reported; the counts are after all of them.
    const sent = countCommands(h.engine.deps.redis);
    expect(await svc.checkInAll(staff(), ev.id, '会员r3、会员r4, 2  会员r9')).toEqual({
      outcome: 'done',
      results: [
        { outcome: 'checked-in', name: '会员r3', checkedIn: 3, registered: 3 },
        { outcome: 'waitlisted', name: '会员r4', position: 1 },
        { outcome: 'already', name: '会员r2', at: expect.any(Number) },
        { outcome: 'not-found', query: '会员r9' },
      ],
      checkedIn: 3,
      registered: 3,
    });
    // The roster (its registrations and check-ins, each read by HSCAN) is read once for the four, not once each.
    expect(sent()['hscan']).toBe(2);
  });

  it('the console reads the roster a page at a time: seats, then the waitlist, each numbered as in the export; a view is audited as one, not as an export', async () => {
    const ev = await created({ capacity: 4 });
    for (const who of ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7']) await signUp(who, ev.id);
    await svc.checkIn(staff(), ev.id, '3');
    const page = async (n: number, query = '') => {
      const r = await svc.rosterPage(staff(), ev.id, { page: n, size: 3, query });
      if (r.outcome !== 'ok') throw new Error(r.outcome);
      return { rows: r.rows.map((row) => row.slice(0, 3)), total: r.total, checkedIn: r.rows.filter((row) => row.at(-2)).map((row) => row[0]) };
    };
    const sent = countCommands(h.engine.deps.redis);
    expect(await page(1)).toEqual({ rows: [['1', '已报名', '会员p1'], ['2', '已报名', '会员p2'], ['3', '已报名', '会员p3']], total: 7, checkedIn: ['3'] });
    // Only the page's people: no scan of the registrations or check-ins, no read of a whole list.
    const read = sent();
    expect([read['hscan'], read['zrangebyscore']]).toEqual([undefined, undefined]);
    expect(read['hmget']).toBe(2);
    expect(await page(2)).toEqual({ rows: [['4', '已报名', '会员p4'], ['候补1', '候补', '会员p5'], ['候补2', '候补', '会员p6']], total: 7, checkedIn: [] });
    expect(await page(3)).toEqual({ rows: [['候补3', '候补', '会员p7']], total: 7, checkedIn: [] });
    expect(await page(4)).toEqual({ rows: [], total: 7, checkedIn: [] });
    // The same rows as the export's.
    const exported = await svc.roster(staff(), ev.id);
    if (exported.outcome !== 'ok') throw new Error(exported.outcome);
    const all = [...(await svc.rosterPage(staff(), ev.id, { page: 1, size: 10, query: '' }).then((r) => (r.outcome === 'ok' ? r.rows : [])))];
    expect(all).toEqual(exported.rows.slice(1));
    // A search finds by any column, paged in turn.
    expect(await page(1, '会员p6')).toEqual({ rows: [['候补2', '候补', '会员p6']], total: 1, checkedIn: [] });
    const audited = (await auditOf(ev.id)).filter((e) => e.action.startsWith('event.roster'));
    expect(audited.map((e) => [e.action, e.note])).toEqual([
      ['event.roster_view', 'page 1: 3 rows'],
      ['event.roster_view', 'page 2: 3 rows'],
      ['event.roster_view', 'page 3: 1 rows'],
      ['event.roster_view', 'page 4: 0 rows'],
      ['event.roster_export', '7 rows'],
      ['event.roster_view', 'page 1: 7 rows'],
      // The words searched for are not kept.
      ['event.roster_view', 'search: 1 found'],
    ]);
    await expect(svc.rosterPage(member(), ev.id, { page: 1, size: 3, query: '' })).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('cancelling an event of 1,200 tells everyone with a few scripts, not a round trip per member', async () => {
    const ev = await created({ title: '全市职工健步走', capacity: 1200 });
    const people = Array.from({ length: 1200 }, (_, i) => `walker${i}`);
    for (let i = 0; i < people.length; i += 100) await Promise.all(people.slice(i, i + 100).map((who) => signUp(who, ev.id)));
    const sent = countCommands(h.engine.deps.redis);
    expect(await svc.cancelEvent(staff(), ev.id, '天气原因')).toMatchObject({ outcome: 'cancelled', notified: 1200 });
    expect(sent()['evalsha'] ?? 0).toBeLessThan(20);
    const told = (await h.outbox()).filter((i) => i.id.startsWith(`k:event:${ev.id}:cancelled:`));
    expect(new Set(told.map((i) => i.to.chatId))).toEqual(new Set(people));
  });

  it('a check-in by seat number reads that seat, not the roster; by name it looks in the roster', async () => {
    const ev = await created({ capacity: 3 });
    for (const who of ['seat1', 'seat2', 'seat3']) await signUp(who, ev.id);
    const sent = countCommands(h.engine.deps.redis);
    expect(await svc.checkIn(staff(), ev.id, '2')).toMatchObject({ outcome: 'checked-in', name: '会员seat2', checkedIn: 1, registered: 3 });
    const bySeat = sent();
    expect([bySeat['hscan'], bySeat['zrangebyscore']]).toEqual([undefined, undefined]);
    expect(await svc.checkIn(staff(), ev.id, '2')).toMatchObject({ outcome: 'already', name: '会员seat2' });
    expect(await svc.checkIn(staff(), ev.id, '会员seat3')).toMatchObject({ outcome: 'checked-in', name: '会员seat3', checkedIn: 2 });
    expect(await svc.checkIn(staff(), ev.id, '9')).toMatchObject({ outcome: 'not-found' });
  });

  it('check-in keeps a roster name with a space whole; cancelling is previewed with how many will be told', async () => {
    const ev = await created({ capacity: 1, groups: [{ platform: 'telegram', chatId: GROUP, chatType: 'group' }] });
    await svc.register(member('en'), { eventId: ev.id, values: { name: 'Li Ming', phone: '13800000000', unit: '一厂' }, displayName: 'en', address: address('en') }, true);
    await signUp('w1', ev.id);
    expect(await svc.checkInAll(staff(), ev.id, 'Li Ming')).toMatchObject({ outcome: 'done', results: [{ outcome: 'checked-in', name: 'Li Ming' }] });
    await expect(svc.cancelPreview(member(), ev.id)).rejects.toBeInstanceOf(ForbiddenError);
    const sent = countCommands(h.engine.deps.redis);
    expect(await svc.cancelPreview(staff(), ev.id)).toMatchObject({ outcome: 'ready', people: 2, groups: 1 });
    // Counted, not read: the roster of a big event is thousands of registrations.
    expect(sent()).toEqual({ hgetall: 1, zcard: 2, hlen: 1 });
    expect(await svc.cancelPreview(staff(), '999')).toEqual({ outcome: 'missing' });
  });

  it('check-in with two registrants of the same name lists both with masked phones for the caller to choose', async () => {
    const ev = await created({ capacity: 5 });
    for (const who of ['t1', 't2']) {
      await svc.register(member(who), { eventId: ev.id, values: { name: '王芳', phone: `1370000000${who.slice(1)}`, unit: '厂' }, displayName: who, address: address(who) }, true);
    }
    expect(await svc.checkIn(staff(), ev.id, '王芳')).toEqual({
      outcome: 'ambiguous',
      query: '王芳',
      candidates: [
        { seat: 1, name: '王芳', phone: '13700000001' },
        { seat: 2, name: '王芳', phone: '13700000002' },
      ],
    });
  });
});

describe('member operations', () => {
  it('my registrations are read in three round trips however many events the member is on', async () => {
    const events = await Promise.all(Array.from({ length: 6 }, (_, i) => created({ title: `讲座${i}`, capacity: 1 })));
    for (const ev of events.slice(0, 5)) expect((await signUp('busy', ev.id)).outcome).toBe('registered');
    expect((await signUp('other', events[0]!.id)).outcome).toBe('waitlisted');
    expect((await signUp('busy', events[0]!.id)).outcome).toBe('already-registered');
    await svc.cancelRegistration(member('busy'), events[4]!.id);
    const rounds = countRoundTrips(h.engine.deps.redis);
    const mine = await svc.myRegistrations(member('busy'));
    expect(mine.map((r) => [r.event.title, r.state, r.position, r.registration?.values['name']])).toEqual(
      events.slice(0, 4).map((ev) => [ev.title, 'registered', 1, '会员busy']),
    );
    expect(rounds()).toBeLessThanOrEqual(3);
  });

  it('register, waitlist, my registrations, and cancelling promotes the head of the waitlist (notified); nothing is audited', async () => {
    const ev = await created({ capacity: 1 });
    expect((await signUp('m1', ev.id, false)).outcome).toBe('registered');
    expect((await signUp('m2', ev.id, false)).outcome).toBe('full');
    expect((await signUp('m2', ev.id, true)).outcome).toBe('waitlisted');
    expect((await svc.myRegistrations(member('m2'))).map((r) => [r.event.id, r.state, r.position])).toEqual([[ev.id, 'waitlisted', 1]]);

    const r = await svc.cancelRegistration(member('m1'), ev.id);
    expect(r).toMatchObject({ outcome: 'cancelled', promoted: 1, registration: { member: h.identity('m1'), values: { name: '会员m1' } } });
    expect(await h.notification('m2', '候补转正')).toContain('职工运动会');
    expect((await svc.myRegistrations(member('m2')))[0]).toMatchObject({ state: 'registered', position: 1 });
    expect(await svc.myRegistrations(member('m1'))).toEqual([]);
    expect((await svc.cancelRegistration(member('m1'), ev.id)).outcome).toBe('none');
    expect(await svc.cancelRegistration(member('m1'), '999')).toEqual({ outcome: 'missing' });
    expect((await auditOf(ev.id)).map((e) => e.action)).toEqual(['event.create']);
  });

  it('a sign-up finished in private clears the pending group sign-up', async () => {
    const ev = await created();
    await svc.store.setPending(h.identity('p1'), { eventId: ev.id, fromChatId: GROUP, at: 0 }, 3600);
    await signUp('p1', ev.id);
    expect(await svc.store.pending(h.identity('p1'))).toBeNull();
  });
});

describe('the event list, when members ask together', () => {
  const listText = async (who: string) => (await h.dm(who).say('活动')).map((r) => r.text ?? '').join('\n');
  /** The seats left the list shows for the event of this title (its item's third line). */
  const seatsLeft = async (who: string, title: string) => new RegExp(`${title}[^\\n]*\\n[^\\n]*\\n[^\\n]*剩余 (\\d+)/`).exec(await listText(who))?.[1];

  it('a process reads the open events once for many askers; a sign-up through it shows at once', async () => {
    const ev = await created({ title: '一起问的活动', capacity: 3 });
    const sent = countCommands(h.engine.deps.redis);
    const lists = await Promise.all(Array.from({ length: 10 }, (_, i) => listText(`asker${i}`)));
    for (const list of lists) expect(list).toContain('一起问的活动');
    // Ten askers, one read (a slow machine may take two or three, as a read is reused for a second).
    expect(sent()['zrangebyscore']).toBeLessThanOrEqual(3);
    expect(await seatsLeft('asker0', '一起问的活动')).toBe('3');
    await signUp('joiner', ev.id);
    expect(await seatsLeft('asker1', '一起问的活动')).toBe('2');
  });

  it('a sign-up through another process shows within LISTING_REUSE_MS', async () => {
    const ev = await created({ title: '另一个进程的活动', capacity: 3 });
    const other = await Harness.start({ redisUrl: h.redisUrl, env: { BOT_STAFF: 'telegram:staff1' }, now: h.clock.now });
    try {
      expect(await seatsLeft('watcher', '另一个进程的活动')).toBe('3');
      const r = await eventService(other.engine.deps).register(member('elsewhere'), { eventId: ev.id, values: { name: '会员', phone: '13800000000', unit: '一厂' }, displayName: 'elsewhere', address: address('elsewhere') }, true);
      expect(r.outcome).toBe('registered');
      await new Promise((resolve) => setTimeout(resolve, LISTING_REUSE_MS + 100));
      expect(await seatsLeft('watcher', '另一个进程的活动')).toBe('2');
    } finally {
      await other.stop();
    }
  });
});
