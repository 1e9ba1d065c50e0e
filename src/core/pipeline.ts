/**
 * The one message pipeline every channel goes through:
 * drop own/stale ▸ group policy ▸ dedup ▸ rate limit ▸ lock conversation ▸ load session ▸ route ▸ save.
 * It returns replies; the adapter that called it sends them. A message redelivered after its turn was
 * saved (the bot died before sending, a client retried) gets the same replies again, kept with its dedup
 * marker.
 */
import type { CoreDeps, Role, TurnContext } from './service.ts';
import { recordMessage, recordRedisError } from './metrics.ts';
import { RefusedDuringSpeculation, runSpeculatively } from './speculation.ts';
import { newRequestId } from './logger.ts';
import { z } from 'zod';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { memberKey, renderText, type InboundMessage, type MemberKey, type Reply } from './message.ts';
import { ConversationLock, HANDLED, LeaseLostError, LockTimeoutError, type Loaded, type LockedTurn, type TurnOutcome } from './lock.ts';
import { GroupDirectory } from './groups.ts';
import { emptySession, HISTORY_LIMIT, historyTurns, parseHistory, parseSession, sessionToSave, storedSession, type Turn } from './session.ts';
import { maskPersonalNumbers, sanitizeText, startsWithBotName, stripAddress } from './text.ts';
import { isDone } from '../kit/words.ts';
import type { Classifications, Router } from './router.ts';
import { CORE_TEXT } from './texts.ts';

export type DropReason = 'own' | 'stale' | 'not-addressed' | 'duplicate' | 'rate-limited' | 'empty';

/** What a message's handling notes as it goes: the intent that answered (for /metrics), and its log. */
interface Trace {
  intent: string | undefined;
  log: Logger;
}

/** A message as a turn routes it: the message, its cleaned text, and what the pipeline found out about its sender. */
interface TurnInput {
  msg: InboundMessage;
  /** The text sanitized (the history keeps it); `text` is it without the bot's name. */
  cleaned: string;
  text: string;
  member: MemberKey;
  roles: ReadonlySet<Role>;
  now: Date;
  sessionKey: string;
  trace: Trace;
  /** A warm-up run (see rehearse): no model is asked. */
  rehearsal: true | undefined;
  /** Kept across the turn's runs (see Router.route). */
  classifications: Classifications;
}

/** The member a rehearsal's messages come from: a web chat id no browser can hold (web ids are the client's, and never start with '#'). */
const REHEARSAL_MEMBER = '#rehearsal';

export interface PipelineOutcome {
  replies: Reply[];
  dropped?: DropReason;
}

const RATE_WINDOW_SECONDS = 60;
/** Admins and staff get this many times the members' rate limit. */
const ROLE_RATE_FACTOR = 10;
/**
 * A short group message ("是", "2", "M") from someone the bot asked a question in that group within this
 * window answers it without an @mention (e.g. the waitlist offer after a bare "报名 运动会").
 */
const GROUP_ANSWER_WINDOW_MS = 10 * 60_000;
const GROUP_ANSWER_MAX_CHARS = 10;
/** How long a member who was told not to post personal numbers in a group is not told again. */
const NUMBER_WARNING_SECONDS = 30 * 86400;
const maskReply = (r: Reply): Reply => ({ ...r, ...(r.text !== undefined ? { text: maskPersonalNumbers(r.text) } : {}), ...(r.choices ? { choices: r.choices.map(maskPersonalNumbers) } : {}) });
/** The replies kept for a redelivery are cut to this size (files are never kept: they live elsewhere). */
const MAX_REPLAY_CHARS = 16 * 1024;
const replaySchema = z.array(z.object({ text: z.string().optional(), choices: z.array(z.string()).optional() }));

/** One error for every refusal: a stack trace per refused turn would cost more than the turn. */
const REFUSED = new RefusedDuringSpeculation('refused: it may write, and the turn runs speculatively');
const refuseInSpeculation = (): never => {
  throw REFUSED;
};
const allowWrite = (): void => undefined;

/**
 * The dedup value of a handled message: the marker, then its replies (text and choices) for a redelivery,
 * masked by the caller — it sits in Redis and the AOF for an hour (an admin's claim detail must not).
 */
function handledMarker(masked: Reply[]): string {
  const kept = masked.filter((r) => r.text !== undefined || r.choices).map((r) => ({ text: r.text, choices: r.choices }));
  let json = JSON.stringify(kept);
  while (kept.length && json.length > MAX_REPLAY_CHARS) {
    kept.pop();
    json = JSON.stringify(kept);
  }
  return HANDLED + json;
}

/** The replies a handled message got ([] for markers written before replies were kept, or unreadable ones). */
function repliesOf(marker: string): Reply[] {
  try {
    const parsed = replaySchema.safeParse(JSON.parse(marker.slice(HANDLED.length)));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

export class Pipeline {
  private readonly lock: ConversationLock;
  /**
   * Whether the one hash of private chats of versions before the hash tags exists: asked once (nothing writes it
   * any more), so a group turn of a member never seen in private does not look there every time.
   */
  private legacyPrivateChats?: Promise<boolean>;

  constructor(
    private readonly deps: CoreDeps,
    private readonly router: Router,
    /** Connections for the turn scripts (RedisHandle.turns); deps.redis alone by default. */
    turnConnections: readonly Redis[] = [deps.redis],
  ) {
    this.lock = new ConversationLock(turnConnections, deps.config.LOCK_TIMEOUT_MS, deps.config.SESSION_IDLE_HOURS * 3600, HISTORY_LIMIT, true);
  }

  private hasLegacyPrivateChats(): Promise<boolean> {
    return (this.legacyPrivateChats ??= this.deps.redis.exists(this.deps.keys.legacyPrivateChats()).then(
      (n) => n === 1,
      (err: unknown) => {
        this.legacyPrivateChats = undefined;
        throw err;
      },
    ));
  }

  /** Whether a group message is meant for the bot. Private messages always are. */
  isAddressed(msg: InboundMessage): boolean {
    if (msg.chatType === 'private') return true;
    const text = msg.text.trim();
    return msg.mentionsBot || msg.repliesToBot || startsWithBotName(text, this.deps.config.BOT_NAMES) || this.router.isGroupTrigger(text);
  }

  /** Whether an unaddressed group message is a short answer to the question the bot just asked its sender there. */
  private async answersPendingQuestion(msg: InboundMessage, now: number): Promise<boolean> {
    const text = msg.text.trim();
    if (msg.chatType !== 'group' || !text || /[?？]/.test(text) || Array.from(text).length > GROUP_ANSWER_MAX_CHARS) return false;
    const { session } = parseSession(await this.deps.redis.get(this.deps.keys.session(msg.platform, msg.chatId, msg.senderId)), now);
    // Only the form in progress and the time of the last turn matter here: the history is not read.
    return session.dialog !== null && session.dialog.expiresAt > now && now - session.updatedAt <= GROUP_ANSWER_WINDOW_MS;
  }

  /**
   * Handles one message, counted in /metrics; every line logged about it carries `reqId` (the channel's, or a
   * new one). The hot path chains promises rather than awaiting them: every promise costs.
   */
  handle(msg: InboundMessage, reqId = newRequestId()): Promise<PipelineOutcome> {
    const started = performance.now();
    const trace: Trace = { intent: undefined, log: this.deps.logger.child({ reqId }) };
    return this.handleMessage(msg, trace, started).then(
      (outcome) => {
        const apology = outcome.replies.length === 1 && outcome.replies[0]?.text === CORE_TEXT.apology;
        recordMessage(msg.platform, trace.intent ?? 'none', outcome.dropped ?? (apology ? 'apology' : 'answered'), (performance.now() - started) / 1000);
        return outcome;
      },
      (err: unknown) => {
        // What reaches here failed outside a handler: Redis, mostly (the channel apologises).
        recordRedisError('command');
        recordMessage(msg.platform, trace.intent ?? 'none', 'failed', (performance.now() - started) / 1000);
        throw err;
      },
    );
  }

  private handleMessage(msg: InboundMessage, trace: Trace, receivedAt: number): Promise<PipelineOutcome> {
    const now = this.deps.now();
    if (msg.fromSelf) return Promise.resolve({ replies: [], dropped: 'own' });
    if (now.getTime() - msg.sentAt > this.deps.config.STALE_MESSAGE_SECONDS * 1000) return Promise.resolve({ replies: [], dropped: 'stale' });
    return msg.chatType === 'group' ? this.handleGroupMessage(msg, now, trace, receivedAt) : this.turn(msg, now, trace, receivedAt);
  }

  private async handleGroupMessage(msg: InboundMessage, now: Date, trace: Trace, receivedAt: number): Promise<PipelineOutcome> {
    const warning = await this.warnAboutNumbers(msg);
    if (!this.isAddressed(msg) && !(await this.answersPendingQuestion(msg, now.getTime()))) return { replies: warning, dropped: 'not-addressed' };
    const outcome = await this.turn(msg, now, trace, receivedAt);
    // Whatever a handler says in a group, a personal number never appears in it.
    return { ...outcome, replies: [...warning, ...outcome.replies.map(maskReply)] };
  }

  /** Once per member and group: a reminder not to post ID, phone or bank-card numbers there. */
  private async warnAboutNumbers(msg: InboundMessage): Promise<Reply[]> {
    if (msg.chatType !== 'group' || msg.fromSelf || maskPersonalNumbers(msg.text) === msg.text) return [];
    const first = await this.deps.redis.set(this.deps.keys.numberWarning(msg.platform, msg.chatId, msg.senderId), '1', 'EX', NUMBER_WARNING_SECONDS, 'NX');
    return first ? [{ text: CORE_TEXT.numberInGroup }] : [];
  }

  private async turn(msg: InboundMessage, now: Date, trace: Trace, receivedAt: number): Promise<PipelineOutcome> {
    const { config, keys } = this.deps;
    const { log } = trace;

    const member = memberKey(msg.platform, msg.senderId);
    const dedupKey = keys.dedup(msg.platform, msg.senderId, msg.messageId);
    const sessionKey = keys.session(msg.platform, msg.chatId, msg.senderId);
    const roles = this.deps.roles.of(member);
    // Staff checking people in at the door type fast; their limit only guards against a runaway client.
    const limit = roles.size > 0 ? config.RATE_LIMIT_PER_MINUTE * ROLE_RATE_FACTOR : config.RATE_LIMIT_PER_MINUTE;

    const cleaned = sanitizeText(msg.text);
    const text = stripAddress(cleaned, config.BOT_NAMES);
    // Answered without a turn (no lease, no session), once past dedup and the rate limit.
    const early: Reply[] | 'empty' | null =
      cleaned.length > config.MAX_TEXT_CHARS ? [{ text: CORE_TEXT.tooLong(config.MAX_TEXT_CHARS) }]
      : text || msg.attachments.length ? null
      : msg.chatType === 'group' ? [{ text: CORE_TEXT.greetingInGroup }]
      : 'empty';

    // The group directory (groups the bot serves, so staff can pick where to announce) lives in another
    // hash slot: written beside the turn, not in its scripts, and at most once a minute per group and process.
    const directory = GroupDirectory.listable(msg, Boolean(config.WEB_API_TOKEN)) && this.deps.groups.due(msg, now.getTime()) ? this.recordGroup(msg, now, log) : null;
    const classifications: Classifications = new Map();
    let outcome: TurnOutcome<Reply[]>;
    try {
      outcome = await this.lock.run<Reply[]>(
        { lease: keys.lock(sessionKey), session: sessionKey, history: keys.history(sessionKey), dedup: dedupKey, replay: keys.replay(msg.platform, msg.senderId, msg.messageId), rate: keys.rate(member), privateChat: keys.privateChat(msg.platform, msg.senderId) },
        {
          rateWindowSeconds: RATE_WINDOW_SECONDS,
          rateLimit: limit,
          early: early ? handledMarker(early === 'empty' ? [] : early.map(maskReply)) : undefined,
          // Where the bot may write to this member privately: the private chat they last wrote in.
          privateChat: msg.chatType === 'private' ? msg.chatId : null,
          receivedAt,
          // A member's text: staff commands and files (fetched from the platform, kept on disk) take the locked way.
          speculate: roles.size === 0 && msg.attachments.length === 0,
        },
        (loaded) => this.routeTurn({ msg, cleaned, text, member, roles, now, sessionKey, trace, rehearsal: undefined, classifications }, loaded),
      );
    } catch (err) {
      // A turn that waited too long for its conversation, or outlived its lease (a slow model), was not
      // saved: the member is told so, like any failed turn, and may send it again.
      if (!(err instanceof LockTimeoutError || err instanceof LeaseLostError)) throw err;
      log.warn({ err: err.message, member, messageId: msg.messageId }, 'turn not saved');
      outcome = { kind: 'done', result: [{ text: CORE_TEXT.apology }] };
    }
    if (directory) await directory; // never rejects (a failure only costs the directory an update)
    // A speculative run may have routed the message before Redis said it was a redelivery or over the limit.
    if (outcome.kind !== 'done') trace.intent = undefined;
    switch (outcome.kind) {
      case 'replay':
        return { replies: repliesOf(outcome.marker), dropped: 'duplicate' };
      case 'duplicate':
        return { replies: [], dropped: 'duplicate' };
      case 'rate-limited': {
        // One polite notice per window, then silence until the window ends — except for a file or a 完成,
        // which the member would otherwise believe was received.
        const replies = outcome.count === limit + 1 || msg.attachments.length > 0 || isDone(msg.text) ? [{ text: CORE_TEXT.rateLimited }] : [];
        log.warn({ member, count: outcome.count }, 'rate limited');
        return { replies, dropped: 'rate-limited' };
      }
      case 'early':
        return early === 'empty' || early === null ? { replies: [], dropped: 'empty' } : { replies: early };
      case 'done':
        return { replies: outcome.result };
    }
  }

  /**
   * Warm-up before the process serves: each text routed speculatively (whatever may write is refused before it
   * runs) and never saved, with no model asked, as a member's private message. `fresh`: each as a member's first
   * message, on a new session. `conversation`: the texts in turn as one member's conversation, each on the session
   * the one before left, as a process continues the conversations it knows (most messages: see ConversationLock);
   * a refused text starts the conversation again. The code every message runs is compiled, on objects of the
   * shapes members' messages bring, before the first member waits on it: a new process would otherwise answer its
   * first seconds of traffic several times slower, and a queue would build.
   * Returns how many texts were answered, and how many refused (they would write).
   */
  async rehearse(texts: readonly string[], mode: 'fresh' | 'conversation' = 'fresh'): Promise<{ answered: number; refused: number }> {
    const { keys, logger } = this.deps;
    const trace: Trace = { intent: undefined, log: logger.child({ reqId: 'rehearsal' }) };
    const counts = { answered: 0, refused: 0 };
    let carried = '';
    for (const [i, text] of texts.entries()) {
      const msg: InboundMessage = {
        platform: 'web', chatId: REHEARSAL_MEMBER, chatType: 'private', senderId: REHEARSAL_MEMBER, senderName: REHEARSAL_MEMBER, text,
        mentionsBot: false, repliesToBot: false, attachments: [], messageId: `rehearsal-${i}`, sentAt: 0, fromSelf: false,
      };
      const cleaned = sanitizeText(text);
      const turn: TurnInput = {
        msg, cleaned, text: stripAddress(cleaned, this.deps.config.BOT_NAMES), member: memberKey('web', REHEARSAL_MEMBER), roles: new Set(),
        now: this.deps.now(), sessionKey: keys.session('web', REHEARSAL_MEMBER, REHEARSAL_MEMBER), trace, rehearsal: true, classifications: new Map(),
      };
      const loaded: Loaded =
        mode === 'fresh' ? { session: '', privateChat: null, known: false, speculative: true } : { session: carried, privateChat: REHEARSAL_MEMBER, known: carried !== '', speculative: true };
      try {
        const routed = await runSpeculatively(() => this.routeTurn(turn, loaded));
        if (mode === 'conversation') carried = routed.save || carried;
        counts.answered++;
      } catch (err) {
        if (!(err instanceof RefusedDuringSpeculation)) throw err;
        carried = '';
        counts.refused++;
      }
    }
    return counts;
  }

  /** Routes one message on its loaded session and returns what to save (the turn scripts' callback). */
  private async routeTurn(turn: TurnInput, loaded: Loaded): Promise<LockedTurn<Reply[]>> {
    const { msg, cleaned, text, member, roles, now, sessionKey, trace } = turn;
    const { redis, keys } = this.deps;
    const { log } = trace;
    const { session, discarded, legacyHistory } = parseSession(loaded.session || null, now.getTime(), loaded.known);
    if (discarded) log.warn({ sessionKey }, 'unreadable session discarded');
    const privateChat = loaded.privateChat ?? (msg.chatType === 'group' && (await this.hasLegacyPrivateChats()) ? await redis.hget(keys.legacyPrivateChats(), member) : null);
    let history: Promise<Turn[]> | undefined;
    const ctx: TurnContext = {
      msg: { ...msg, text: cleaned },
      member,
      roles,
      session,
      // Read once, when a handler asks: under the lease, or in a speculative run as a plain read (COMMIT checks the session).
      // A rehearsal's conversation was never saved: it has no history to read.
      history: () => (history ??= legacyHistory ? Promise.resolve(legacyHistory) : turn.rehearsal ? Promise.resolve([]) : redis.lrange(keys.history(sessionKey), 0, -1).then(parseHistory)),
      text,
      now,
      log,
      beforeWrite: loaded.speculative ? refuseInSpeculation : allowWrite,
      // Both always present, so every turn's context has one shape: code compiled on the rehearsal's stays valid.
      rehearsal: turn.rehearsal,
      privateChat: privateChat ? { platform: msg.platform, chatId: privateChat, chatType: 'private' as const } : undefined,
    };
    let replies: Reply[];
    try {
      replies = await this.router.route(ctx, turn.classifications);
      trace.intent = ctx.handledBy ?? ctx.classified?.intent;
    } catch (err) {
      if (err instanceof RefusedDuringSpeculation) throw err; // not a failure: the turn runs again, locked
      trace.intent = ctx.handledBy ?? ctx.classified?.intent;
      log.error({ err, platform: msg.platform, chatId: msg.chatId, member, messageId: msg.messageId, dialog: session.dialog?.intent }, 'turn failed');
      const apology: Reply[] = [{ text: CORE_TEXT.apology }];
      // An unreadable document is replaced even so: the process trusts what it last saved (see parseSession).
      const save = discarded ? storedSession(emptySession(now.getTime())) : '';
      // Not marked handled: a retry of the same message (a client, a platform redelivering) runs it again.
      return { save, history: [], result: apology, handled: '' };
    }
    // Masked once, for the history and for the replies kept for a redelivery.
    const masked = replies.map(maskReply);
    const added = [
      ...historyTurns([{ at: now.getTime(), from: 'member', text }]),
      ...historyTurns(masked.map((r) => ({ at: now.getTime(), from: 'bot' as const, text: renderText(r) })), true),
    ];
    session.updatedAt = now.getTime();
    return {
      save: sessionToSave(session, loaded.session),
      history: (legacyHistory ? [...legacyHistory, ...added].slice(-HISTORY_LIMIT) : added).map((t) => JSON.stringify(t)),
      replaceHistory: legacyHistory !== null,
      result: replies,
      handled: handledMarker(masked),
    };
  }

  /** Records the group in the directory; a failure only costs the directory an update. */
  private async recordGroup(msg: InboundMessage, now: Date, log: Logger): Promise<void> {
    const batch = this.deps.redis.multi();
    this.deps.groups.record(batch, msg, now.getTime());
    await batch.exec().catch((err: unknown) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'group directory not updated'));
  }
}
