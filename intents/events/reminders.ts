/**
 * Event reminders: a Redis ZSET schedule (one item per event and kind, so rescheduling overwrites)
 * drained by a polling worker. Claiming moves items to a leased processing set in one Lua call, so
 * with several bot processes each reminder is handled by one of them; a per-recipient marker keeps
 * a re-claimed item (worker died mid-way) from reminding anyone twice. Survives restarts: it is all in Redis.
 */
import type { CoreDeps } from '../../src/core/service.ts';
import { eventService } from './service.ts';
import { notices } from './texts.ts';
import { formatDateTime } from '../../src/kit/time.ts';

export interface EventWorkerOptions {
  /** How often to look for due reminders. */
  pollMs?: number;
  /** How long a claimed item stays with one worker before another may retry it. */
  leaseMs?: number;
  batch?: number;
}

export interface EventWorkers {
  stop(): Promise<void>;
}

/** Handles one claimed schedule item; returns how many reminders were queued. */
async function processScheduleItem(deps: CoreDeps, item: string, now: number): Promise<number> {
  const svc = eventService(deps);
  const { store } = svc;
  const [eventId, kind] = item.split('|');
  if (!eventId || kind !== 'reminder') {
    deps.logger.warn({ item }, 'unknown event schedule item');
    return 0;
  }
  const ev = await store.get(eventId);
  if (!ev || ev.status === 'cancelled') return 0;
  const due = svc.remindAt(ev.startAt, now);
  if (due === null) {
    deps.logger.info({ eventId }, 'event reminder skipped: event already started');
    return 0;
  }
  if (due > now) {
    // The start moved later after this item was claimed: keep (or restore) the new schedule.
    await store.redis.zadd(store.dueKey, 'NX', due, item);
    return 0;
  }
  let sent = 0;
  for (const member of await store.registeredMembers(eventId)) {
    const reg = await store.registration(eventId, member);
    if (!reg) continue;
    if (!(await store.markReminded(eventId, ev.startAt, member))) continue;
    // Named per event start and member: a reminder queued again after a crash is still delivered once.
    // Also a notice (event_reminder): a platform whose reply window has closed may send it as a template message.
    const notice = { kind: 'event_reminder', fields: { title: ev.title, time: formatDateTime(ev.startAt, now), place: ev.place } };
    await deps.notifier.notify(reg.address, [{ text: notices.reminder(ev, now), notice }], { id: `event:${eventId}:reminder:${ev.startAt}:${member}` });
    sent++;
  }
  deps.logger.info({ eventId, sent }, 'event reminders queued');
  return sent;
}

/** Starts the reminder worker; call `stop()` on shutdown (waits for the current batch). */
export async function startEventWorkers(deps: CoreDeps, opts: EventWorkerOptions = {}): Promise<EventWorkers> {
  const svc = eventService(deps);
  const pollMs = opts.pollMs ?? 5_000;
  const leaseMs = opts.leaseMs ?? 5 * 60_000;
  const batch = opts.batch ?? 20;
  let stopped = false;
  const waker: { wake: () => void } = { wake: () => undefined };

  const loop = (async () => {
    while (!stopped) {
      try {
        const now = deps.now().getTime();
        const items = await svc.store.claimDue(now, leaseMs, batch);
        for (const item of items) {
          try {
            await processScheduleItem(deps, item, now);
            await svc.store.completeDue(item);
          } catch (err) {
            // Left in the processing set: retried by some worker once the lease expires.
            deps.logger.error({ err, item }, 'event reminder failed');
          }
        }
        if (items.length === batch) continue;
      } catch (err) {
        if (stopped) break;
        deps.logger.error({ err }, 'event reminder poll failed');
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        waker.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();

  return {
    async stop() {
      stopped = true;
      waker.wake();
      await loop;
    },
  };
}
