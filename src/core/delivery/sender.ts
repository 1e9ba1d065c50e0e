/**
 * Drains a platform's batches (notifications first, then broadcast runs in turn) in one process. Several
 * processes may drain the same batches: the ledger gives each item to one of them, the shared pacing keeps
 * all of them together under the platform's limits.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Address, Reply } from '../message.ts';
import type { Delivery } from './index.ts';
import { NOTIFY_GROUP, batchId, groupOf, type BatchId, type ClaimedItem, type Outcome } from './ledger.ts';
import type { Booking } from './pacing.ts';
import type { DeliveryPort, SendFailure } from './port.ts';
import { fromWire, PermanentDeliveryError, type WireReply } from './wire.ts';

export interface SenderOptions {
  /** This process's name in the ledger (leases). */
  owner?: string;
  /** A claimed item not renewed for this long is taken back by another process. */
  leaseMs?: number;
  /** How often an idle sender looks for work queued by other processes. */
  pollMs?: number;
  /** Failed tries (network errors) before an item is given up. */
  maxTries?: number;
  /** How long a finished notification is kept (an id queued again within it is not sent twice). */
  keepEndedMs?: number;
  /** How often this sender prunes the notifications kept longer. */
  pruneEveryMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** 30 days: far beyond any retry that queues a notification id again (a crashed worker's, within minutes). */
const DEFAULT_KEEP_ENDED_MS = 30 * 86_400_000;
/** Slices of 500 one pruning round forgets at most (a backlog is worked off round by round). */
const PRUNE_SLICES_PER_ROUND = 20;

const DEFAULT_LEASE_MS = 60_000;
/** How far ahead a sender books a send slot and holds the item (longer waits put the item back in the queue). */
const BOOK_AHEAD_MS = 2_000;
/**
 * A booked slot missed by more than this is given back and another booked (see slot()): sends leave within this
 * of their slot, so their arrivals keep the spacing the windows' guard (TELEGRAM_PACING) allows for.
 */
const LATE_MS = 25;
/** How long before its slot a send wakes to write its ledger mark (so the mark's round trip does not make it late). */
const PREPARE_MS = 10;
/** How many times a late send books again before it goes back to the queue. */
const MAX_REBOOKS = 3;
const BACKOFF_BASE_MS = 2_000;
const BACKOFF_MAX_MS = 5 * 60_000;

export class DeliverySender {
  readonly owner: string;
  /** Slots given back because the send would have left late (the benchmark prints them). */
  readonly stats = { moved: 0, rebooks: 0, lateReleases: 0 };
  private stopped = false;
  /** After abandon(): nothing more is written to the ledger, as if the process had died. */
  private crashed = false;
  private loop?: Promise<void>;
  private readonly inflight = new Set<Promise<void>>();
  /** The last send queued per chat in this process (see inOrder). */
  private readonly chains = new Map<string, Promise<void>>();
  private wakeUp: () => void = () => undefined;
  private nextDue = Infinity;
  private turn = 0;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly maxTries: number;
  private readonly keepEndedMs: number;
  private readonly pruneEveryMs: number;
  private prunedAt = -Infinity;
  private pruning?: Promise<void>;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly delivery: Delivery,
    private readonly port: DeliveryPort,
    private readonly client: Redis,
    private readonly logger: Logger,
    opts: SenderOptions = {},
  ) {
    this.owner = opts.owner ?? randomUUID();
    this.leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    this.pollMs = opts.pollMs ?? 250;
    this.maxTries = opts.maxTries ?? 5;
    this.keepEndedMs = opts.keepEndedMs ?? DEFAULT_KEEP_ENDED_MS;
    this.pruneEveryMs = opts.pruneEveryMs ?? 60_000;
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  start(): void {
    const unsubscribe = this.delivery.onQueued(this.port.platform, () => this.wakeUp());
    this.loop = this.run().finally(unsubscribe);
  }

  /** Stops claiming and waits for the sends in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp();
    await this.loop?.catch(() => undefined);
    await Promise.allSettled([...this.inflight, this.pruning]);
  }

  /**
   * Stops at once without recording anything, as a crash would (tests and the benchmark): the items this
   * sender holds stay leased until their lease runs out.
   */
  abandon(): void {
    this.stopped = true;
    this.crashed = true;
    this.wakeUp();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        this.pruneWhenDue();
        const claimed = await this.claimRound();
        if (claimed) continue;
      } catch (err) {
        if (this.stopped) break;
        this.logger.error({ err, platform: this.port.platform }, 'delivery: claim failed');
      }
      const wait = Math.max(1, Math.min(this.pollMs, this.nextDue - this.now()));
      this.nextDue = Infinity;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /**
   * The platform's notifications are one endless batch: what ended long ago is forgotten, or Redis would keep every
   * one. Beside the sends, never before them: a backlog (the first run after an upgrade) takes several rounds.
   */
  private pruneWhenDue(): void {
    const now = this.now();
    if (this.pruning || now - this.prunedAt < this.pruneEveryMs) return;
    this.prunedAt = now;
    const batch = batchId(NOTIFY_GROUP, this.port.platform);
    this.pruning = this.delivery.ledger
      .prune(batch, this.keepEndedMs, { leaseMs: this.pruneEveryMs, maxSlices: PRUNE_SLICES_PER_ROUND })
      .then((pruned) => {
        if (pruned) this.logger.info({ platform: this.port.platform, pruned }, 'delivery: finished notifications pruned');
      })
      .catch((err: unknown) => this.logger.error({ err, platform: this.port.platform }, 'delivery: pruning notifications failed'))
      .finally(() => (this.pruning = undefined));
  }

  /** Claims what fits into the free slots; true when something was claimed. */
  private async claimRound(): Promise<boolean> {
    if (!this.port.ready()) return false;
    let free = this.port.concurrency - this.inflight.size;
    if (free <= 0) {
      await Promise.race(this.inflight);
      return true;
    }
    const all = await this.delivery.ledger.active(this.port.platform, this.client);
    // Notifications first (a claim decision must not wait behind a broadcast), then broadcast runs in turn.
    const rest = all.filter((b) => groupOf(b) !== NOTIFY_GROUP).sort();
    const start = rest.length ? this.turn++ % rest.length : 0;
    const order = [...all.filter((b) => groupOf(b) === NOTIFY_GROUP), ...rest.slice(start), ...rest.slice(0, start)];
    let any = false;
    for (const batch of order) {
      if (free <= 0 || this.stopped) break;
      const { finished, items } = await this.delivery.ledger.claim(batch, this.owner, this.now(), this.leaseMs, free, this.client);
      if (finished) await this.delivery.finished(batch);
      if (!items.length && groupOf(batch) !== NOTIFY_GROUP && (await this.delivery.ledger.isDone(batch))) await this.delivery.ledger.retire(batch, this.client);
      for (const item of items) {
        const p = this.process(batch, item).catch((err: unknown) => this.logger.error({ err, batch, item: item.id }, 'delivery: item failed unexpectedly'));
        this.inflight.add(p);
        void p.finally(() => this.inflight.delete(p));
        free--;
        any = true;
      }
    }
    return any;
  }

  private async complete(batch: BatchId, id: string, outcome: Outcome): Promise<void> {
    if (this.crashed) return;
    const r = await this.delivery.ledger.complete(batch, id, this.owner, outcome, this.client);
    if (!r.recorded) this.logger.warn({ batch, item: id, outcome: outcome.kind }, 'delivery: lease lost before the outcome was recorded');
    if (r.finished) await this.delivery.finished(batch);
    if ('due' in outcome) this.nextDue = Math.min(this.nextDue, outcome.due);
  }

  private async process(batch: BatchId, item: ClaimedItem): Promise<void> {
    const payload = this.delivery.open(item.payload);
    if (!payload) {
      await this.complete(batch, item.id, { kind: 'failed', reason: 'unreadable' });
      return;
    }
    const { to, replies } = payload;
    // Sends to one chat go one after another, in the order claimed: a late one booking again must not fall behind
    // the next notice to the same chat.
    await this.inOrder(`${to.chatType}:${to.chatId}`, () => this.send(batch, item, to, replies));
  }

  private async send(batch: BatchId, item: ClaimedItem, to: Address, replies: WireReply[]): Promise<void> {
    const { ledger } = this.delivery;
    // Read (and decrypted) before waiting for the slot: nothing between the slot and the platform call but the ledger mark.
    let rest: Reply[];
    try {
      rest = await fromWire(replies.slice(item.partsSent), (key) => this.delivery.openedFile(key));
    } catch (err) {
      await this.failed(batch, item, to, err, item.partsSent);
      return;
    }
    // A slot within BOOK_AHEAD_MS is booked and waited for here (until just before it: the ledger mark is written
    // meanwhile, not after the slot); a later one puts the item back until then.
    const slot = await this.slot(to, PREPARE_MS);
    if ('due' in slot) {
      await this.complete(batch, item.id, { kind: 'release', due: slot.due });
      return;
    }
    if (this.crashed) return;
    const go = await ledger.markSending(batch, item.id, this.owner, this.now(), this.leaseMs, this.client);
    if (go === 'cancelled-finished') await this.delivery.finished(batch);
    if (go !== 'go') {
      await this.unbook(to, slot);
      return;
    }
    // Last look before the call: the mark took too long (a busy process or Redis). Nothing went out yet: the slot
    // moves to now if that breaks no limit, else a new one is booked and waited for.
    let slotNow: Booking = slot;
    for (let attempt = 0; ; attempt++) {
      const early = slotNow.at - this.now();
      if (early > 0) await this.sleep(early);
      if (!this.late(slotNow) || (await this.moveLate(to, slotNow))) break;
      this.stats.rebooks++;
      if (attempt >= MAX_REBOOKS) {
        this.stats.lateReleases++;
        await this.complete(batch, item.id, { kind: 'release', due: this.now() });
        return;
      }
      const again = await this.delivery.pacer.book(this.port.platform, this.port.pacing, to, this.now(), BOOK_AHEAD_MS, this.client);
      if (!again.booked) {
        this.stats.lateReleases++;
        await this.complete(batch, item.id, { kind: 'release', due: again.at });
        return;
      }
      slotNow = again;
    }

    let sentParts = item.partsSent;
    const renewal = setInterval(() => {
      if (this.crashed) return;
      void ledger.renew(batch, item.id, this.owner, this.now(), this.leaseMs, undefined, this.client).catch(() => undefined);
    }, Math.max(50, Math.floor(this.leaseMs / 3)));
    try {
      for (const [i, reply] of rest.entries()) {
        if (i > 0) await this.acquire(to);
        // Only the first reply in a group names (mentions) the member.
        await this.port.deliver(sentParts === 0 ? to : withoutMention(to), reply);
        sentParts++;
        if (this.crashed) return;
        if (i < rest.length - 1) await ledger.renew(batch, item.id, this.owner, this.now(), this.leaseMs, sentParts, this.client);
      }
      clearInterval(renewal);
      await this.complete(batch, item.id, { kind: 'sent' });
    } catch (err) {
      clearInterval(renewal);
      await this.failed(batch, item, to, err, sentParts);
    } finally {
      clearInterval(renewal);
    }
  }

  /** Runs `fn` after every earlier call for the same key has settled. */
  private inOrder(key: string, fn: () => Promise<void>): Promise<void> {
    const run = (this.chains.get(key) ?? Promise.resolve()).then(fn);
    const tail = run.catch(() => undefined);
    this.chains.set(key, tail);
    void tail.then(() => {
      if (this.chains.get(key) === tail) this.chains.delete(key);
    });
    return run;
  }

  /** A send (or reading what to send) failed: wait as told, retry later, or give up, as the failure says. */
  private async failed(batch: BatchId, item: ClaimedItem, to: Address, err: unknown, sentParts: number): Promise<void> {
    const { ledger, pacer } = this.delivery;
    if (sentParts > item.partsSent) await ledger.renew(batch, item.id, this.owner, this.now(), this.leaseMs, sentParts, this.client);
    const failure: SendFailure = err instanceof PermanentDeliveryError ? { kind: 'permanent', reason: err.message } : this.port.classify(err);
    const now = this.now();
    const ctx = { platform: this.port.platform, batch, item: item.id, chatId: to.chatId, failure };
    if (failure.kind === 'retry-after') {
      this.logger.warn(ctx, 'delivery: platform asked to wait');
      await pacer.hold(this.port.platform, to, now + failure.ms, now, this.client);
      await this.complete(batch, item.id, { kind: 'release', due: now + failure.ms });
    } else if (failure.kind === 'transient' && item.tries + 1 < this.maxTries) {
      this.logger.warn(ctx, 'delivery: send failed, will retry');
      const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** item.tries);
      await this.complete(batch, item.id, { kind: 'retry', due: now + backoff });
    } else {
      this.logger.warn(ctx, 'delivery: send failed for good');
      await this.complete(batch, item.id, { kind: 'failed', reason: failure.reason });
    }
  }

  /**
   * Books the next send slot for `to` and waits for it. Woken late (a busy process), sent now the send could
   * arrive bunched with the next slots' sends: its slot moves to now when every window still holds (Pacer.move),
   * else it is given back and a new one booked, a few times. `due`: no slot within
   * BOOK_AHEAD_MS (or late every time): the item goes back to the queue until then.
   */
  private async slot(to: Address, wakeBeforeMs = 0): Promise<Booking | { due: number }> {
    const { pacer } = this.delivery;
    for (let attempt = 0; attempt <= MAX_REBOOKS; attempt++) {
      const slot = await pacer.book(this.port.platform, this.port.pacing, to, this.now(), BOOK_AHEAD_MS, this.client);
      if (!slot.booked) return { due: slot.at };
      const early = slot.at - wakeBeforeMs - this.now();
      if (early > 0) await this.sleep(early);
      if (!this.late(slot) || (await this.moveLate(to, slot))) return slot;
      this.stats.rebooks++;
    }
    return { due: this.now() };
  }

  /** Later replies of one item: waits until the pacing lets one more send to `to` go, on time. */
  private async acquire(to: Address): Promise<void> {
    for (;;) {
      const slot = await this.slot(to);
      if (!('due' in slot)) return;
      const wait = slot.due - this.now();
      if (wait > 0) await this.sleep(wait);
    }
  }

  /** Left this long after its slot, a send could arrive together with the next one (a minimum gap only grows). */
  private late(slot: Booking): boolean {
    return !this.port.pacing.minGapMs && this.now() - slot.at > LATE_MS;
  }

  /** Moves a late send's slot to now if that breaks no limit (else the slot is given back): see Pacer.move. */
  private async moveLate(to: Address, slot: Booking): Promise<boolean> {
    const moved = await this.delivery.pacer.move(this.port.platform, this.port.pacing, to, slot, this.now(), this.client).catch(() => false);
    if (moved) this.stats.moved++;
    return moved;
  }

  private async unbook(to: Address, slot: Booking): Promise<void> {
    await this.delivery.pacer.unbook(this.port.platform, this.port.pacing, to, slot, this.client).catch(() => undefined);
  }
}

function withoutMention(to: Address): Address {
  const { mentionUserId: _id, mentionName: _name, ...rest } = to;
  return rest;
}
