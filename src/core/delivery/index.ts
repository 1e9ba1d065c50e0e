/**
 * The one way to send to people who did not just write to the bot: notifications (claim decisions, waitlist
 * promotions, ticket answers, event notices and reminders) and broadcasts. Everything goes into the ledger
 * (ledger.ts), is paced in Redis (pacing.ts) and is sent by each channel's DeliverySender (sender.ts).
 *
 * What is sent (texts that may name a member, their phone number, a decision, a file's bytes) is never written
 * to Redis in clear: each item's payload is sealed with the data key (AES-256-GCM, src/core/crypto.ts), and so is
 * a file stored once for many sends (a broadcast's attachment). Only the ledger's bookkeeping is plain.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { FieldCipher, SEALED_VALUE } from '../crypto.ts';
import type { Keys } from '../keys.ts';
import { PLATFORMS, type Address, type Platform, type Reply } from '../message.ts';
import { Ledger, NOTIFY_GROUP, batchId, groupOf, platformOf, type BatchCounts, type BatchId, type ItemState } from './ledger.ts';
import { Pacer } from './pacing.ts';
import { OpenedFiles } from './opened-files.ts';
import { payloadSchema, toWire, type Payload, type WireReply } from './wire.ts';

/** What the data key is bound to (a payload sealed for one purpose never opens as another). */
const PAYLOAD_PURPOSE = 'delivery-payload';
const FILE_PURPOSE = 'delivery-file';

export interface NotifyOptions {
  /** Names this notification: the same id notified twice (a retried operation) is delivered once. */
  id?: string;
}

export interface Notifier {
  /** Queues replies for an address; resolves once durably written to the ledger. */
  notify(to: Address, replies: Reply[], opts?: NotifyOptions): Promise<void>;
  /** `notify` for many at once: a script per platform and 500 of them, not a round trip each. */
  notifyMany(messages: Notification[]): Promise<void>;
}

/** One notification of `notifyMany`; `id` as in NotifyOptions. */
export interface Notification {
  to: Address;
  replies: Reply[];
  id?: string;
}

/** One recipient of a send to many. `skip`: recorded as skipped with this reason, never sent (e.g. opted out). */
export interface Recipient {
  id: string;
  to: Address;
  replies: WireReply[];
  skip?: string;
}

export interface QueuedItem {
  id: string;
  to: Address;
  replies: WireReply[];
  queuedAt: number;
}

/** An item of a send to many and its state; its id names the target (see Recipient). */
export interface ItemReport {
  id: string;
  state: ItemState;
}

let counter = 0;
/** Ids sort in the order they were made (same-time items stay in order in the queue). */
function newId(now: number): string {
  counter = (counter + 1) % 1_000_000;
  return `${now.toString(36).padStart(9, '0')}-${counter.toString(36).padStart(4, '0')}-${randomBytes(4).toString('hex')}`;
}

export class Delivery implements Notifier {
  readonly ledger: Ledger;
  readonly pacer: Pacer;
  private readonly wakers = new Map<Platform, Set<() => void>>();
  private readonly finishListeners = new Set<(group: string, batch: BatchId) => Promise<void>>();
  private cipherMade?: FieldCipher;
  private readonly openedFiles = new OpenedFiles(
    (key) => this.redis.getBuffer(key),
    (stored) => this.openFile(stored),
  );

  /** `cipher`: the data key's cipher, or how to make it (loaded on first use: a process that never sends needs no key). */
  constructor(
    readonly redis: Redis,
    readonly keys: Keys,
    private readonly logger: Logger,
    private readonly cipherOf: FieldCipher | (() => FieldCipher),
    private readonly now: () => number = Date.now,
  ) {
    this.ledger = new Ledger(redis, keys);
    this.pacer = new Pacer(redis, keys);
  }

  private get cipher(): FieldCipher {
    this.cipherMade ??= typeof this.cipherOf === 'function' ? this.cipherOf() : this.cipherOf;
    return this.cipherMade;
  }

  /** An item's payload as it is stored: sealed JSON. */
  seal(payload: Payload): string {
    return this.cipher.encrypt(JSON.stringify(payload), PAYLOAD_PURPOSE);
  }

  /** A stored payload read back (one written in clear before payloads were sealed is still read); null when unreadable. */
  open(raw: string): Payload | null {
    try {
      const json = SEALED_VALUE.test(raw) ? this.cipher.decrypt(raw, PAYLOAD_PURPOSE) : raw;
      const parsed = payloadSchema.safeParse(JSON.parse(json));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  /** A file stored once for many sends (a broadcast's attachment; WireReply `blob`), sealed. */
  sealFile(data: Buffer): Buffer {
    return this.cipher.encryptBytes(data, FILE_PURPOSE);
  }

  /** A stored file's bytes (one stored in clear before files were sealed is still read). */
  openFile(stored: Buffer): Buffer {
    return FieldCipher.keyIdOf(stored) === null ? stored : this.cipher.decryptBytes(stored, FILE_PURPOSE);
  }

  /** A stored file (a blob key) read and opened, once per process while it is in use (see OpenedFiles). */
  openedFile(key: string): Promise<Buffer> {
    return this.openedFiles.get(key);
  }

  /** A stored file sealed again under the current key (`rekey`); null when it already is. */
  resealFile(stored: Buffer): Buffer | null {
    return this.cipher.isCurrent(stored) ? null : this.sealFile(this.openFile(stored));
  }

  notify(to: Address, replies: Reply[], opts: NotifyOptions = {}): Promise<void> {
    return this.notifyMany([{ to, replies, ...(opts.id ? { id: opts.id } : {}) }]);
  }

  async notifyMany(messages: Notification[]): Promise<void> {
    const now = this.now();
    for (const platform of PLATFORMS) {
      const mine = messages.filter((m) => m.to.platform === platform);
      if (!mine.length) continue;
      const items = mine.map((m) => ({ id: m.id ? `k:${m.id}` : newId(now), payload: this.seal({ to: m.to, replies: toWire(m.replies), queuedAt: now }) }));
      await this.ledger.enqueue(batchId(NOTIFY_GROUP, platform), items, now);
      this.queued(platform);
    }
  }

  /**
   * Queues a send to many under `group` (e.g. `bc:12#1`, run 1 of broadcast 12): one batch per platform. Safe
   * to call again with the same ids (nothing is queued twice). Returns the batches.
   */
  async sendToMany(group: string, recipients: Recipient[]): Promise<BatchId[]> {
    const now = this.now();
    const batches: BatchId[] = [];
    for (const platform of PLATFORMS) {
      const mine = recipients.filter((r) => r.to.platform === platform);
      if (!mine.length) continue;
      const batch = batchId(group, platform);
      batches.push(batch);
      const items = mine.map((r) => ({
        id: r.id,
        payload: this.seal({ to: r.to, replies: r.replies, queuedAt: now }),
        ...(r.skip ? { state: `skipped:${r.skip}` as const } : {}),
      }));
      const { finished } = await this.ledger.enqueue(batch, items, now);
      if (finished) await this.finished(batch);
      this.queued(platform);
    }
    return batches;
  }

  async pause(group: string): Promise<boolean> {
    const r = await Promise.all(PLATFORMS.map((p) => this.ledger.control(batchId(group, p), 'pause')));
    return r.some(Boolean);
  }

  async resume(group: string): Promise<boolean> {
    const r = await Promise.all(PLATFORMS.map((p) => this.ledger.control(batchId(group, p), 'resume')));
    for (const p of PLATFORMS) this.queued(p);
    return r.some(Boolean);
  }

  /** Stops every further send of the group: queued items become skipped:cancelled, claimed ones are stopped before the platform call. */
  async cancel(group: string): Promise<number> {
    let skipped = 0;
    for (const p of PLATFORMS) {
      const batch = batchId(group, p);
      const r = await this.ledger.cancel(batch);
      skipped += r.skipped;
      if (r.finished) await this.finished(batch);
    }
    return skipped;
  }

  /**
   * Sends again the group's items cut off mid-send by a crash (failed:interrupted), through the same ledger and
   * pacing: staff confirmed it, knowing a target may get it twice. Returns how many were queued.
   */
  async resendInterrupted(group: string): Promise<number> {
    let n = 0;
    for (const p of PLATFORMS) {
      const batch = batchId(group, p);
      const ids = (await this.ledger.states(batch)).filter((row) => row.state === 'failed:interrupted').map((row) => row.id);
      const queued = await this.ledger.requeueInterrupted(batch, ids, this.now());
      if (queued) this.queued(p);
      n += queued;
    }
    return n;
  }

  /** Counts over the group's platforms. */
  async counts(group: string): Promise<BatchCounts> {
    const all = await Promise.all(PLATFORMS.map((p) => this.ledger.counts(batchId(group, p))));
    return all.reduce((a, c) => ({ total: a.total + c.total, pending: a.pending + c.pending, sent: a.sent + c.sent, failed: a.failed + c.failed, skipped: a.skipped + c.skipped }));
  }

  /** Whether every batch of the group that has items is finished. */
  async isFinished(group: string): Promise<boolean> {
    for (const p of PLATFORMS) {
      const batch = batchId(group, p);
      if ((await this.ledger.counts(batch)).total > 0 && !(await this.ledger.isDone(batch))) return false;
    }
    return true;
  }

  /**
   * Deletes a finished group's batches, their items and report with them (a run no one will look at again).
   * Nothing is deleted while one of them is still sending; a batch sending again by then (a resend) is kept.
   * Returns how many batches were deleted.
   */
  async forget(group: string): Promise<number> {
    if (!(await this.isFinished(group))) return 0;
    let forgotten = 0;
    for (const p of PLATFORMS) if (await this.ledger.forget(batchId(group, p))) forgotten++;
    return forgotten;
  }

  /** Every item of the group with its state. */
  async report(group: string): Promise<ItemReport[]> {
    const out = (await Promise.all(PLATFORMS.map((p) => this.ledger.states(batchId(group, p))))).flat();
    return out.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
  }

  /** How many items wait or are being sent on a platform (notifications and every running broadcast): metrics. */
  async depth(platform: Platform): Promise<number> {
    const batches = new Set<BatchId>([batchId(NOTIFY_GROUP, platform), ...(await this.ledger.active(platform))]);
    let n = 0;
    for (const batch of batches) n += (await this.ledger.counts(batch)).pending;
    return n;
  }

  /** What waits to go out on a platform (every active batch), oldest first. */
  async pending(platform: Platform): Promise<QueuedItem[]> {
    const batches = new Set<BatchId>([batchId(NOTIFY_GROUP, platform), ...(await this.ledger.active(platform))]);
    const out: QueuedItem[] = [];
    for (const batch of batches) {
      for (const row of await this.ledger.queued(batch)) {
        const payload = this.open(row.payload);
        if (payload) out.push({ id: row.id, to: payload.to, replies: payload.replies, queuedAt: payload.queuedAt });
      }
    }
    return out.sort((a, b) => a.queuedAt - b.queuedAt || a.id.localeCompare(b.id));
  }

  /** Called (in the process that recorded it) when a group's batch on one platform has no pending item left. */
  onFinished(listener: (group: string, batch: BatchId) => Promise<void>): () => void {
    this.finishListeners.add(listener);
    return () => this.finishListeners.delete(listener);
  }

  /** @internal the sender reports a finished batch. */
  async finished(batch: BatchId): Promise<void> {
    for (const l of this.finishListeners) {
      await l(groupOf(batch), batch).catch((err: unknown) => this.logger.error({ err, batch }, 'delivery: finish listener failed'));
    }
    await this.ledger.retire(batch).catch(() => undefined);
  }

  /** Senders in this process wake at once for work queued here (other processes' work is found by polling). */
  onQueued(platform: Platform, wake: () => void): () => void {
    const set = this.wakers.get(platform) ?? new Set();
    set.add(wake);
    this.wakers.set(platform, set);
    return () => set.delete(wake);
  }

  private queued(platform: Platform): void {
    for (const wake of this.wakers.get(platform) ?? []) wake();
  }
}

export { platformOf, groupOf, batchId, NOTIFY_GROUP };
export type { BatchCounts, BatchId, ItemState };
export type { DeliveryPort, SendFailure } from './port.ts';
export type { PacingLimits, Rate } from './pacing.ts';
export { DeliverySender, type SenderOptions } from './sender.ts';
export { PermanentDeliveryError, type WireReply } from './wire.ts';
