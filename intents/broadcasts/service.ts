/**
 * Broadcast operations — role check → state change → audit → notify, in one place — called by the chat
 * commands and by the web console (console.ts). Every operation takes an Actor and checks its role itself.
 *
 *   audienceOptions(actor)               groups (by name) and other audiences to choose from
 *   preview(actor, draft)                the message as members will see it, with the audience and the time
 *   compose(actor, author, draft)        saves it; approval asked, scheduled, or sending at once
 *   approve(actor, id)                   a second staff member or admin lets it go
 *   pause / resume / cancel(actor, id)   the current run; cancel also stops later runs
 *   list(actor)                          recent broadcasts with progress ("12/40 已发送，2 失败")
 *   report(actor, id)                    the latest run per target
 *   interrupted / resendInterrupted      targets cut off mid-send by a crash, sent again once staff confirm
 *   subscribe / unsubscribe(member, …)   members opt in to notices in private chat; an opt-out always wins
 *
 * Sends go through the delivery path (src/core/delivery): one ledger item per target, paced per platform.
 */
import { ForbiddenError, requireRole, type Actor } from '../../src/core/actor.ts';
import type { BatchCounts, ItemReport, Recipient, WireReply } from '../../src/core/delivery/index.ts';
import { GroupDirectory, MAX_GROUPS, type KnownGroup } from '../../src/core/groups.ts';
import type { Address, MemberKey, Reply } from '../../src/core/message.ts';
import type { CoreDeps } from '../../src/core/service.ts';
import { BroadcastStore, type Audience, type BroadcastRecord, type BroadcastStatus, type Schedule } from './store.ts';
import { AUDIENCE_WORDS, PREVIEW, STAFF, STATE_WORDS, STATUS_WORDS, scheduleText } from './texts.ts';

export interface DraftFile {
  name: string;
  mimeType: string;
  data: Buffer;
}

export interface Draft {
  audience: Audience;
  text: string;
  file?: DraftFile;
  schedule: Schedule;
}

export interface Author {
  name: string;
  /** The author's private chat (told when a run finishes). */
  chat: Address;
}

export type ComposeResult =
  | { outcome: 'pending'; broadcast: BroadcastRecord }
  | { outcome: 'scheduled'; broadcast: BroadcastRecord }
  | { outcome: 'started'; broadcast: BroadcastRecord; total: number }
  | { outcome: 'no-audience' };

export type ControlResult =
  | { outcome: 'missing' }
  | { outcome: 'not-allowed'; broadcast: BroadcastRecord }
  | { outcome: 'self-approval' }
  | { outcome: 'nothing-to-resend'; broadcast: BroadcastRecord }
  | { outcome: 'done'; broadcast: BroadcastRecord; skipped?: number; resent?: number };

export interface Progress {
  broadcast: BroadcastRecord;
  counts: BatchCounts | null;
}

const DAY_MS = 24 * 3600_000;
const groupOfRun = (id: number, run: number) => `bc:${id}#${run}`;
/** "12/40 已发送，2 失败". */
export const progressText = (c: BatchCounts | null): string => (c ? STAFF.progress(c.sent, c.total, c.failed, c.skipped) : STAFF.reportNoRun);
export const statusText = (s: BroadcastStatus): string => STATUS_WORDS[s] ?? s;

/** The next time a repeating broadcast runs after run `run` (run 1 is at `at`); China has no daylight saving, so a day is 24 h. */
export function runAt(schedule: Schedule, run: number): number | undefined {
  if (schedule.at === undefined) return undefined;
  if (schedule.kind === 'daily') return schedule.at + (run - 1) * DAY_MS;
  if (schedule.kind === 'weekly') return schedule.at + (run - 1) * 7 * DAY_MS;
  return run === 1 ? schedule.at : undefined;
}

/** Schedules runs for later (BullMQ in production, see scheduler.ts). */
export interface RunScheduler {
  schedule(id: number, run: number, at: number): Promise<void>;
}

export class BroadcastService {
  readonly store: BroadcastStore;
  private scheduler?: RunScheduler;

  constructor(private readonly deps: CoreDeps) {
    this.store = new BroadcastStore(deps.redis, deps.keys, deps.logger);
    deps.delivery.onFinished((group) => this.onBatchFinished(group));
  }

  useScheduler(s: RunScheduler): void {
    this.scheduler = s;
  }

  private now(): number {
    return this.deps.now().getTime();
  }

  private async audit(actor: Actor | 'system', action: string, rec: BroadcastRecord, extra: { before?: unknown; after?: unknown; note?: string } = {}): Promise<void> {
    await this.deps.audit.record({ actor: actor === 'system' ? 'system' : actor.key, action, target: `broadcast:${rec.id}`, ...extra });
  }

  /** Whether a broadcast to this audience waits for a second staff member (BROADCAST_APPROVAL). */
  needsApproval(audience: Audience): boolean {
    const mode = this.deps.config.BROADCAST_APPROVAL;
    return mode === 'always' || (mode === 'all-groups' && audience.kind === 'all-groups');
  }

  // ---- composing ----

  /** What a broadcast can go to: the groups the bot serves (by name), and the audiences other services offer. */
  async audienceOptions(actor: Actor): Promise<{ groups: KnownGroup[]; sources: { kind: string; title: string; choices: { key: string; label: string }[] }[] }> {
    requireRole(actor, 'staff');
    const groups = await this.deps.groups.list(MAX_GROUPS, actor.log);
    const sources = await Promise.all(this.deps.audiences.list().map(async (s) => ({ kind: s.kind, title: s.title, choices: await s.choices() })));
    return { groups, sources };
  }

  audienceLabel(a: Audience, groups?: KnownGroup[]): string {
    switch (a.kind) {
      case 'all-groups':
        return groups ? AUDIENCE_WORDS.allGroups(groups.length) + PREVIEW.groupNames(groups.map(groupName)) : '全部群';
      case 'groups':
        return a.groups.map((g) => g.name || g.address.chatId).join('、');
      case 'source':
        return a.label;
      case 'subscribers':
        return AUDIENCE_WORDS.subscribers;
      case 'staff':
        return AUDIENCE_WORDS.staff;
    }
  }

  /** The message as members will see it, then what it goes to and when. */
  async preview(actor: Actor, draft: Draft): Promise<Reply[]> {
    requireRole(actor, 'staff');
    const groups = draft.audience.kind === 'all-groups' ? await this.deps.groups.list(MAX_GROUPS, actor.log) : undefined;
    const targets = await this.targets(draft.audience);
    const lines = [
      PREVIEW.heading,
      PREVIEW.line,
      draft.text,
      PREVIEW.line,
      ...(draft.file ? [PREVIEW.file(draft.file.name)] : []),
      PREVIEW.audience(this.audienceLabel(draft.audience, groups), targets.length),
      PREVIEW.when(scheduleText(draft.schedule.kind, draft.schedule.at, this.now())),
      ...(this.needsApproval(draft.audience) ? [PREVIEW.needsApproval] : []),
    ];
    return [{ text: lines.join('\n'), choices: PREVIEW.choices }];
  }

  /** Saves a broadcast; it waits for approval, waits for its time, or starts sending now. */
  async compose(actor: Actor, author: Author, draft: Draft): Promise<ComposeResult> {
    requireRole(actor, 'staff');
    const now = this.now();
    if ((await this.targets(draft.audience)).length === 0) return { outcome: 'no-audience' };
    const pending = this.needsApproval(draft.audience);
    const rec = await this.store.create(
      {
        author: actor.key,
        authorName: author.name,
        authorChat: author.chat,
        audience: draft.audience,
        text: draft.text,
        ...(draft.file ? { file: { name: draft.file.name, mimeType: draft.file.mimeType } } : {}),
        schedule: draft.schedule,
        status: pending ? 'pending' : 'scheduled',
        createdAt: now,
        ...(draft.schedule.kind !== 'now' && draft.schedule.at !== undefined ? { nextRunAt: draft.schedule.at } : {}),
      },
      draft.file ? this.deps.delivery.sealFile(draft.file.data) : undefined,
    );
    await this.audit(actor, 'broadcast.create', rec, { after: { audience: this.audienceLabel(rec.audience), schedule: rec.schedule, status: rec.status, file: rec.file?.name } });
    if (pending) {
      await this.askApproval(actor, rec);
      return { outcome: 'pending', broadcast: rec };
    }
    return this.go(rec);
  }

  /** Every other staff member and admin is asked in private chat, those whose role comes from a linked console account too. */
  private async askApproval(actor: Actor, rec: BroadcastRecord): Promise<void> {
    const author = await this.deps.roles.personOf(actor.key);
    const approvers: MemberKey[] = [];
    for (const k of await this.deps.roles.holders('staff')) if ((await this.deps.roles.personOf(k)) !== author) approvers.push(k);
    const preview = [PREVIEW.line, rec.text, PREVIEW.line, PREVIEW.audience(this.audienceLabel(rec.audience), null), PREVIEW.when(scheduleText(rec.schedule.kind, rec.schedule.at, this.now()))].join('\n');
    for (const key of approvers) {
      await this.deps.notifier.notify(await this.privateChatOf(key), [{ text: STAFF.approvalRequest(rec.id, rec.authorName, preview) }], { id: `bc:${rec.id}:approve:${key}` });
    }
  }

  /** Starts now or schedules the first run. */
  private async go(rec: BroadcastRecord): Promise<ComposeResult> {
    const first = runAt(rec.schedule, 1);
    if (rec.schedule.kind === 'now' || first === undefined || first <= this.now()) {
      const started = await this.startRun(rec.id, 1);
      const after = (await this.store.get(rec.id)) ?? rec;
      return { outcome: 'started', broadcast: after, total: started?.total ?? 0 };
    }
    await this.scheduleRun(rec.id, 1, first);
    return { outcome: 'scheduled', broadcast: rec };
  }

  private async scheduleRun(id: number, run: number, at: number): Promise<void> {
    if (!this.scheduler) throw new Error('no scheduler for later broadcasts');
    await this.scheduler.schedule(id, run, at);
  }

  async approve(actor: Actor, id: number): Promise<ControlResult> {
    requireRole(actor, 'staff');
    const rec = await this.store.get(id, actor.log);
    if (!rec) return { outcome: 'missing' };
    // The same person from the other side (the author's linked chat identity or console account) is no second person.
    if ((await this.deps.roles.personOf(rec.author)) === (await this.deps.roles.personOf(actor.key))) {
      await this.audit(actor, 'broadcast.approve_refused', rec, { note: 'self-approval' });
      return { outcome: 'self-approval' };
    }
    const changed = await this.store.update(id, (r) => (r.status === 'pending' ? { ...r, status: 'scheduled', approvedBy: actor.key } : null), actor.log);
    if (!changed) return { outcome: 'not-allowed', broadcast: rec };
    await this.audit(actor, 'broadcast.approve', changed.after, { before: { status: 'pending' }, after: { status: 'scheduled' } });
    await this.deps.notifier.notify(rec.authorChat, [{ text: STAFF.approvedToAuthor(id, actor.key) }], { id: `bc:${id}:approved` });
    const r = await this.go(changed.after);
    return { outcome: 'done', broadcast: r.outcome === 'no-audience' ? changed.after : r.broadcast };
  }

  // ---- running ----

  /** Who a broadcast goes to right now (groups as they are listed, members' private chats), opt-outs marked. */
  private async targets(audience: Audience): Promise<Recipient[]> {
    // The opt-outs (a whole membership's, in a big union) are read only for an audience of members.
    const members = async (list: { member: MemberKey; address: Address }[]): Promise<Recipient[]> => {
      const optedOut = await this.store.optedOut();
      const seen = new Set<string>();
      return list.flatMap(({ member, address }) => {
        if (seen.has(member)) return [];
        seen.add(member);
        return [{ id: `m:${member}`, to: address, replies: [], ...(optedOut.has(member) ? { skip: 'opted-out' } : {}) }];
      });
    };
    const groups = (list: Pick<KnownGroup, 'platform' | 'chatId'>[]): Recipient[] => list.map((g) => ({ id: `g:${g.platform}:${g.chatId}`, to: GroupDirectory.address(g), replies: [] }));
    switch (audience.kind) {
      case 'all-groups':
        return groups(await this.deps.groups.list(MAX_GROUPS));
      case 'groups':
        return groups(audience.groups.map((g) => ({ platform: g.address.platform, chatId: g.address.chatId })));
      case 'source': {
        const source = this.deps.audiences.get(audience.source);
        return source ? members(await source.members(audience.key)) : [];
      }
      case 'subscribers':
        return members(await this.store.subscribers());
      case 'staff': {
        const keys = await this.deps.roles.holders('staff');
        // Staff are told whatever they opted out of: they asked for it by being staff.
        return (await Promise.all(keys.map(async (k) => ({ id: `m:${k}`, to: await this.privateChatOf(k), replies: [] as WireReply[] })))).flat();
      }
    }
  }

  private async privateChatOf(key: MemberKey): Promise<Address> {
    const [platform, ...rest] = key.split(':') as [Address['platform'], ...string[]];
    const userId = rest.join(':');
    const { keys, redis } = this.deps;
    // Where they wrote to the bot privately (on Telegram and WeChat that chat's id is their user id anyway).
    const chatId = (await redis.get(keys.privateChat(platform, userId))) ?? (await redis.hget(keys.legacyPrivateChats(), key)) ?? userId;
    return { platform, chatId, chatType: 'private' };
  }

  /** The replies every target gets: the text, then the file (stored once, read by each send). */
  private content(rec: BroadcastRecord): WireReply[] {
    return [{ text: rec.text }, ...(rec.file ? [{ file: { name: rec.file.name, mimeType: rec.file.mimeType, blob: this.store.fileKey(rec.id) } }] : [])];
  }

  /**
   * Starts run `run`: the targets are resolved now (a group added since is included) and queued in the ledger.
   * Idempotent: a scheduler job run twice (BullMQ: a stalled job runs again) queues nothing twice.
   */
  async startRun(id: number, run: number): Promise<{ total: number } | null> {
    const rec = await this.store.get(id);
    if (!rec || rec.status === 'cancelled' || rec.status === 'pending') return null;
    if (!(await this.store.claimRun(id, run))) return null;
    // The run before finished, and its end was recorded (its counts read for the audit): superseded now.
    const previousEnded = run > 1 && rec.runs === run - 1 && rec.status === 'scheduled';
    const targets = await this.targets(rec.audience);
    const content = this.content(rec);
    const next = rec.schedule.kind === 'daily' || rec.schedule.kind === 'weekly' ? runAt(rec.schedule, run + 1) : undefined;
    const changed = await this.store.update(id, (r) => (r.status === 'cancelled' ? null : { ...r, status: r.status === 'paused' ? 'paused' : 'sending', runs: Math.max(r.runs, run), nextRunAt: next }));
    if (!changed) return null;
    if (changed.after.status === 'paused') await this.deps.delivery.pause(groupOfRun(id, run));
    await this.deps.delivery.sendToMany(groupOfRun(id, run), targets.map((t) => ({ ...t, replies: content })));
    await this.audit('system', 'broadcast.run', changed.after, { note: `run ${run}: ${targets.length} targets` });
    // The run before, paused: its notice was for its own day or week, and a resume reaches the latest run only, so
    // what it had not sent is cancelled (its end is audited and told to the author with the counts, as any run's).
    if (run > 1 && changed.before.status === 'paused') {
      await this.deps.delivery.cancel(groupOfRun(id, run - 1));
      // Again once the cancel is through: it marks every platform's batch, also after its end deleted the run.
      await this.forgetSuperseded(id, run - 1);
    }
    if (next !== undefined) await this.scheduleRun(id, run + 1, next);
    if (previousEnded) await this.forgetSuperseded(id, run - 1);
    return { total: targets.length };
  }

  /** A run's batch finished on one platform: when every platform is done, the author is told the counts. */
  private async onBatchFinished(group: string): Promise<void> {
    const m = /^bc:(\d+)#(\d+)$/.exec(group);
    if (!m) return;
    const id = Number(m[1]);
    const run = Number(m[2]);
    if (!(await this.deps.delivery.isFinished(group))) return;
    const counts = await this.deps.delivery.counts(group);
    // Already deleted (superseded, see forgetSuperseded): its counts were audited when it ended.
    if (counts.total === 0) return;
    const repeats = (rec: BroadcastRecord) => rec.nextRunAt !== undefined && (rec.schedule.kind === 'daily' || rec.schedule.kind === 'weekly');
    const changed = await this.store.update(id, (r) => (r.runs === run && (r.status === 'sending' || r.status === 'paused') ? { ...r, status: repeats(r) ? 'scheduled' : 'done' } : null));
    const rec = changed?.after ?? (await this.store.get(id));
    if (!rec) return;
    await this.audit('system', 'broadcast.finish', rec, { ...(changed ? { before: { status: changed.before.status } } : {}), after: { status: rec.status, ...counts }, note: `run ${run}` });
    // A resend of interrupted targets finishes the run again: the author is told again.
    await this.deps.notifier.notify(rec.authorChat, [{ text: STAFF.finished(id, progressText(counts)) }], { id: `bc:${id}:finished:${run}${rec.resends ? `:r${rec.resends}` : ''}` });
    if (run < rec.runs) await this.forgetSuperseded(id, run);
  }

  /**
   * A repeating broadcast's run once the next has started: only the latest run is reported, resent or listed, so
   * an earlier one's items (a whole audience each day or week) are deleted once its end has been audited with its
   * counts — when the next run starts, or after that audit if it ends later. A batch sending again by then (a
   * resend) is kept, and deleted when it ends. A failure costs only the space: it is logged, never thrown.
   */
  private async forgetSuperseded(id: number, run: number): Promise<void> {
    try {
      const batches = await this.deps.delivery.forget(groupOfRun(id, run));
      if (batches) this.deps.logger.info({ broadcast: id, run, batches }, 'broadcast: superseded run deleted');
    } catch (err) {
      this.deps.logger.warn({ err, broadcast: id, run }, 'broadcast: superseded run not deleted');
    }
  }

  // ---- control ----

  private async control(actor: Actor, id: number, action: 'pause' | 'resume' | 'cancel'): Promise<ControlResult> {
    requireRole(actor, 'staff');
    const rec = await this.store.get(id, actor.log);
    if (!rec) return { outcome: 'missing' };
    const allowed: Record<typeof action, BroadcastStatus[]> = { pause: ['sending'], resume: ['paused'], cancel: ['pending', 'scheduled', 'sending', 'paused'] };
    const to: Record<typeof action, BroadcastStatus> = { pause: 'paused', resume: 'sending', cancel: 'cancelled' };
    const changed = await this.store.update(id, (r) => (allowed[action].includes(r.status) ? { ...r, status: to[action] } : null), actor.log);
    if (!changed) return { outcome: 'not-allowed', broadcast: rec };
    const group = groupOfRun(id, changed.after.runs);
    let skipped: number | undefined;
    if (changed.after.runs > 0) {
      if (action === 'pause') await this.deps.delivery.pause(group);
      else if (action === 'resume') await this.deps.delivery.resume(group);
      else skipped = await this.deps.delivery.cancel(group);
    }
    await this.audit(actor, `broadcast.${action}`, changed.after, { before: { status: changed.before.status }, after: { status: changed.after.status }, ...(skipped !== undefined ? { note: `${skipped} not sent` } : {}) });
    // A run that finished while it was paused (nothing was left) ends the broadcast on resume.
    if (action === 'resume' && changed.after.runs > 0 && (await this.deps.delivery.isFinished(group))) await this.onBatchFinished(group);
    return { outcome: 'done', broadcast: changed.after, ...(skipped !== undefined ? { skipped } : {}) };
  }

  pause(actor: Actor, id: number) {
    return this.control(actor, id, 'pause');
  }
  resume(actor: Actor, id: number) {
    return this.control(actor, id, 'resume');
  }
  cancel(actor: Actor, id: number) {
    return this.control(actor, id, 'cancel');
  }

  // ---- sends cut off by a crash ----

  /**
   * The latest run's targets whose send was cut off mid-call by a crash: they may or may not have got it, so they
   * were not sent again by themselves. Listed for staff to decide (audited: it names targets).
   */
  async interrupted(actor: Actor, id: number): Promise<{ broadcast: BroadcastRecord; items: ItemReport[] } | null> {
    requireRole(actor, 'staff');
    const rec = await this.store.get(id, actor.log);
    if (!rec) return null;
    await this.audit(actor, 'broadcast.view', rec, { note: 'interrupted targets' });
    if (rec.runs === 0) return { broadcast: rec, items: [] };
    const items = (await this.deps.delivery.report(groupOfRun(id, rec.runs))).filter((i) => i.state === 'failed:interrupted');
    return { broadcast: rec, items };
  }

  /**
   * Staff confirmed: the latest run's interrupted targets are sent again through the same ledger and pacing (a
   * target that did get it gets it twice — the confirmation says so). The author is told again when it finishes.
   */
  async resendInterrupted(actor: Actor, id: number): Promise<ControlResult> {
    requireRole(actor, 'staff');
    const rec = await this.store.get(id, actor.log);
    if (!rec) return { outcome: 'missing' };
    if (rec.runs === 0 || rec.status === 'cancelled' || rec.status === 'pending') return { outcome: 'not-allowed', broadcast: rec };
    const group = groupOfRun(id, rec.runs);
    const waiting = (await this.deps.delivery.report(group)).filter((i) => i.state === 'failed:interrupted').length;
    if (waiting === 0) return { outcome: 'nothing-to-resend', broadcast: rec };
    const changed = await this.store.update(id, (r) => (r.runs !== rec.runs || r.status === 'cancelled' ? null : { ...r, status: r.status === 'done' ? 'sending' : r.status, resends: (r.resends ?? 0) + 1 }), actor.log);
    if (!changed) return { outcome: 'not-allowed', broadcast: rec };
    const resent = await this.deps.delivery.resendInterrupted(group);
    await this.audit(actor, 'broadcast.resend', changed.after, { before: { status: changed.before.status }, after: { status: changed.after.status }, note: `run ${rec.runs}: ${resent} interrupted targets sent again` });
    return { outcome: 'done', broadcast: changed.after, resent };
  }

  // ---- reports ----

  async list(actor: Actor, limit = 10): Promise<Progress[]> {
    requireRole(actor, 'staff');
    const recs = await this.store.recent(limit, actor.log);
    return Promise.all(recs.map(async (r) => ({ broadcast: r, counts: r.runs > 0 ? await this.deps.delivery.counts(groupOfRun(r.id, r.runs)) : null })));
  }

  /** The latest run, target by target (audited: it lists who was sent what). */
  async report(actor: Actor, id: number): Promise<(Progress & { items: ItemReport[] }) | null> {
    requireRole(actor, 'staff');
    const rec = await this.store.get(id, actor.log);
    if (!rec) return null;
    await this.audit(actor, 'broadcast.view', rec);
    if (rec.runs === 0) return { broadcast: rec, counts: null, items: [] };
    const group = groupOfRun(id, rec.runs);
    const [counts, items] = await Promise.all([this.deps.delivery.counts(group), this.deps.delivery.report(group)]);
    return { broadcast: rec, counts, items };
  }

  /** Known groups' names by target id (the rest are read by `targetLabel`). */
  async targetNames(): Promise<Map<string, string>> {
    const groups = await this.deps.groups.list(MAX_GROUPS);
    return new Map(groups.map((g) => [`g:${g.platform}:${g.chatId}`, groupName(g)]));
  }

  // ---- subscriptions ----

  /** A member (never a console account) asks for notices in their private chat. */
  async subscribe(member: MemberKey, address: Address): Promise<boolean> {
    return this.store.subscribe(member, address);
  }

  async unsubscribe(member: MemberKey): Promise<boolean> {
    return this.store.unsubscribe(member);
  }
}

export function groupName(g: Pick<KnownGroup, 'name' | 'platform' | 'chatId'>): string {
  return g.name || `${g.platform}:${g.chatId}`;
}

export function stateText(state: string): string {
  const [kind, ...rest] = state.split(':');
  const reason = rest.join(':');
  if (kind === 'failed') return STATE_WORDS.failed(reason);
  if (kind === 'skipped') return STATE_WORDS.skipped(reason);
  return STATE_WORDS[kind as 'queued' | 'claimed' | 'sending' | 'sent'] ?? state;
}

const cache = new WeakMap<CoreDeps, BroadcastService>();
/** One BroadcastService per CoreDeps (chat, scheduler and console share it). */
export function broadcastService(deps: CoreDeps): BroadcastService {
  let svc = cache.get(deps);
  if (!svc) {
    svc = new BroadcastService(deps);
    cache.set(deps, svc);
  }
  return svc;
}

export { ForbiddenError };

/** A target as staff read it without a known name: a member by their identity ("telegram:123"), a group by its chat. */
export function targetLabel(itemId: string): string {
  return itemId.replace(/^[mg]:/, '');
}
