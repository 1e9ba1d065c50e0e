/**
 * The contract between the engine and a service folder in `intents/`: a service declares its intents
 * (statically, so the classifier can be trained without Redis) and creates their handlers and workers.
 */
import type { KeyRename } from './key-migration.ts';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { Address, InboundMessage, MemberKey, Reply } from './message.ts';
import type { Dialog, Session, Turn } from './session.ts';
import type { Delivery, Notifier } from './delivery/index.ts';
import type { Keys } from './keys.ts';
import type { AuditLog } from './audit.ts';
import type { FileResolvers } from './files.ts';
import type { GroupDirectory } from './groups.ts';
import type { ConsoleSection } from './console.ts';
import type { RoleDirectory } from './roles.ts';
import type { Audiences } from './audiences.ts';

/** An intent id, declared by the service that owns it (e.g. a service's `IntentManifest.id`). */
export type IntentId = string;

export type Role = 'admin' | 'staff';

/** Shared services every intent factory receives. Capabilities build their own stores on top. */
export interface CoreDeps {
  config: Config;
  redis: Redis;
  keys: Keys;
  logger: Logger;
  notifier: Notifier;
  /** The delivery path behind `notifier`: sends to many (broadcasts) with per-recipient reports. */
  delivery: Delivery;
  audit: AuditLog;
  /** Who holds which role: BOT_ADMINS / BOT_STAFF and chat identities linked to console accounts. */
  roles: RoleDirectory;
  /** Group chats the bot serves, with their names. */
  groups: GroupDirectory;
  /** Files produced on demand (a claim document, a roster), never stored decrypted: services register their kinds. */
  files: FileResolvers;
  /** Audiences services offer for sends to many (an event's registrants …): services register their kinds. */
  audiences: Audiences;
  /** Injected clock so tests can move time. */
  now: () => Date;
}

export interface TurnContext {
  msg: InboundMessage;
  member: MemberKey;
  roles: ReadonlySet<Role>;
  session: Session;
  /** The conversation's recent turns before this one, oldest first: read from Redis on the first call (few turns need them). */
  history(): Promise<Turn[]>;
  /** Text with the bot's name / @mention stripped and whitespace trimmed. */
  text: string;
  now: Date;
  /**
   * Classifier result for this turn, when the router classified it. `casual`: the intent is small talk or
   * the menu (a greeting typed into a form is not a question for another service).
   */
  classified?: { intent: IntentId; confidence: number; casual?: boolean };
  /** The intent whose handler or command answered (set by the router; counted in /metrics). */
  handledBy?: IntentId;
  /** The member's private chat with the bot, when they have written there (so the bot may write to them). */
  privateChat?: Address;
  /** Role-restricted commands this member may use (for menus); set by the router. */
  commands?: readonly CommandSpec[];
  /** The turn's log: its lines carry the message's request id. */
  log: Logger;
  /**
   * Called before anything changes in Redis by a part declared `readsOnly` that writes after all (a form's last
   * step): in a speculative turn it throws RefusedDuringSpeculation, and the turn runs again the locked way.
   */
  beforeWrite(): void;
  /** A warm-up run before the process serves (Pipeline.rehearse): nothing outside the process is asked, no model above all. */
  rehearsal?: true;
}

/**
 * What a handler returns. `dialog` is the next dialog state: omitted = unchanged, null = ended.
 * `passThrough` (only from `continueDialog`) means "this message is not an answer to my form":
 * the router handles it as a fresh message, keeps the dialog and then re-asks the form's question.
 * `session` lets a handler store small per-member context (e.g. the last labor-law topic).
 */
export interface TurnResult {
  replies: Reply[];
  dialog?: Dialog | null;
  passThrough?: boolean;
  memory?: Record<string, unknown>;
}

export interface CommandSpec {
  /** Words that trigger the command, matched against the first word, with or without a leading "/". */
  names: string[];
  /** Only members holding this role may run it; others are refused and the attempt is logged. */
  role?: Role;
  /** Also answered in a group without an @mention (e.g. "报名 运动会", replacing 接龙 chains). */
  groupTrigger?: boolean;
  /** One line for the help menu shown to people holding the role. */
  summary: string;
  /** `run` changes nothing in Redis, or only idempotently (see IntentDefinition.readsOnly). */
  readsOnly?: boolean;
  run(ctx: TurnContext, args: string): Promise<TurnResult>;
}

export interface IntentDefinition {
  id: IntentId;
  /** Personal data is collected: in a group the router invites the member to a private chat. */
  privateOnly?: boolean;
  /**
   * Answers about the member's own matters (their claims): asked in a group, the answer goes to the member's
   * private chat and the group hears only "已私信您" (or an invitation when the bot cannot write to them yet).
   */
  personal?: boolean;
  commands?: CommandSpec[];
  /**
   * Deterministic trigger checked before the classifier (e.g. "第八十二条原文" always goes to labor_law); a promise
   * only when it must read something. It only reads: it runs in speculative turns too.
   */
  matches?(ctx: TurnContext): boolean | Promise<boolean>;
  /**
   * The parts of it that change nothing in Redis (they read, and return replies and the next state): `handle`,
   * and `dialog` (continueDialog). A member's turn that runs only such parts may run speculatively, in one round
   * trip (see speculation.ts). Such a part may still write what is keyed by the message (`idempotentWrite`: run
   * again for the same message, it changes nothing more), or call `beforeWrite` first. The test suite checks
   * every declaration (UA_SPECULATION_CHECK=1).
   */
  readsOnly?: ReadonlyArray<'handle' | 'dialog'>;
  /** Handle a fresh message routed to this intent. */
  handle(ctx: TurnContext): Promise<TurnResult>;
  /** Handle a message while this intent's dialog is active. */
  continueDialog?(ctx: TurnContext, dialog: Dialog): Promise<TurnResult>;
  /** The question to re-ask after an interruption or when the member comes back. */
  repromptDialog?(ctx: TurnContext, dialog: Dialog): Reply[];
}

export type IntentFactory = (deps: CoreDeps) => IntentDefinition | Promise<IntentDefinition>;

/** What the classifier knows of an intent; its example phrasings are in `examples/<id>.json` of the service folder. */
export interface IntentManifest {
  id: IntentId;
  /** One line for the optional LLM classifier (Chinese, from the service's texts). */
  description: string;
  /** The intent for messages nothing else fits (at most one across services). */
  fallback?: boolean;
  /** The intent for a bare @mention with no text (the menu). */
  onBareMention?: boolean;
  /** Cue words (see src/nlu/cues.ts) strong enough on their own to add this much to the intent's score. */
  cueBoost?: Record<string, number>;
}

/** Background work a service runs in every process (e.g. event reminders); `stop` waits for it to finish. */
export interface Worker {
  stop(): Promise<void>;
}

export interface ServiceRuntime {
  /** Handlers for every intent in the manifest, in the same order. */
  intents: IntentDefinition[];
  /** Started after the router is built, stopped before Redis closes. */
  startWorkers?(): Promise<Worker[]>;
  /** Pages the service adds to the web console (its `console.ts`), on the same operations its chat commands call. */
  console?: ConsoleSection;
}

/** `npm run cli -- <name>` commands a service offers (loaded lazily: they may be heavy). */
export type CliCommands = Record<string, () => Promise<{ run(args: string[]): Promise<number> }>>;

export interface ServiceDefinition {
  id: string;
  /** The service folder (`new URL('./', import.meta.url)` in its index.ts): examples live under `examples/`. */
  folder: URL;
  intents: IntentManifest[];
  create(deps: CoreDeps): Promise<ServiceRuntime>;
  cli?: CliCommands;
  /** How keys stored by an earlier version are renamed (`npm run cli -- migrate-keys`). */
  keyRenames?: readonly KeyRename[];
}
