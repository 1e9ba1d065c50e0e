/**
 * Routing: an active dialog first, then explicit commands, then the intent classifier, then a fallback.
 * Roles for commands are checked here and only here.
 */
import type { AuditLog } from './audit.ts';
import type { Notifier } from './delivery/index.ts';
import type { CommandSpec, IntentDefinition, IntentId, TurnContext, TurnResult } from './service.ts';
import type { Reply } from './message.ts';
import type { Session } from './session.ts';
import { CORE_TEXT } from './texts.ts';

export interface IntentClassifier {
  classify(text: string): Promise<{ intent: IntentId; confidence: number }>;
  /** The classifier without any LLM: used inside forms, whose answers are personal data. */
  local?: { classify(text: string): { intent: IntentId; confidence: number } };
}

const ROUTER_MEMORY = '_router';

/**
 * What may follow a group-trigger word without a space: a short name or a listed event's number ("报名1"),
 * no question, not a particle or a word about the sign-up itself.
 */
const GLUED_NAME = /^(?:\d{1,2}|(?![了的费时截表人情况没成完过中啦哦就都也还和吧])[^\s?？!！。，,吗呢么吧啊呀嘛]{2,15})$/u;

/**
 * A turn's classifications by text, kept across its runs: a speculative run refused before a write runs again
 * the locked way (see speculation.ts) without asking the classifier, or the model, a second time.
 */
export type Classifications = Map<string, { intent: IntentId; confidence: number }>;

const remembered = (known: Classifications, key: string, classify: () => { intent: IntentId; confidence: number }) => {
  let classified = known.get(key);
  if (!classified) known.set(key, (classified = classify()));
  return classified;
};

/** Below this confidence the router does not trust the classifier and offers the menu or a person. */
export const MIN_CONFIDENCE = 0.35;

/** Before what runs next: unless it is declared read-only, `beforeWrite` (which refuses it in a speculative turn). */
function unlessReadsOnly(ctx: TurnContext, readsOnly: boolean | undefined): void {
  if (!readsOnly) ctx.beforeWrite();
}

export class Router {
  private readonly intents = new Map<IntentId, IntentDefinition>();
  private readonly commands = new Map<string, { intent: IntentDefinition; spec: CommandSpec }>();
  /** The intents with a deterministic trigger, in registration order. */
  private readonly triggered: IntentDefinition[];

  constructor(
    definitions: IntentDefinition[],
    private readonly classifier: IntentClassifier,
    private readonly audit: AuditLog,
    /** The intent for messages nothing else fits (the services declare which). */
    private readonly fallback: IntentId,
    /** Intents that are small talk or the menu rather than a service (see TurnContext.classified). */
    private readonly casual: ReadonlySet<IntentId> = new Set([fallback]),
    /** Delivers the answer to a personal question asked in a group to the member's private chat. */
    private readonly notifier?: Notifier,
  ) {
    for (const def of definitions) {
      if (this.intents.has(def.id)) throw new Error(`intent ${def.id} registered twice`);
      this.intents.set(def.id, def);
      for (const spec of def.commands ?? []) {
        for (const name of spec.names) {
          const key = name.toLowerCase();
          if (this.commands.has(key)) throw new Error(`command ${name} registered twice`);
          this.commands.set(key, { intent: def, spec });
        }
      }
    }
    this.triggered = definitions.filter((def) => def.matches);
  }

  /** Commands visible to someone holding these roles (for the help menu). */
  commandsFor(roles: ReadonlySet<string>): CommandSpec[] {
    if (roles.size === 0) return []; // Most messages: a member without roles sees no role command.
    const seen = new Set<CommandSpec>();
    for (const { spec } of this.commands.values()) if (spec.role && roles.has(spec.role)) seen.add(spec);
    return [...seen];
  }

  /**
   * In a speculative turn (see speculation.ts) anything not declared `readsOnly` is refused before it runs
   * (`ctx.beforeWrite` throws), and the turn runs again the locked way.
   */
  async route(ctx: TurnContext, known: Classifications = new Map()): Promise<Reply[]> {
    const { session } = ctx;
    ctx.commands = this.commandsFor(ctx.roles);
    const dialog = session.dialog;
    if (dialog && dialog.expiresAt <= ctx.now.getTime()) session.dialog = null;

    const active = session.dialog;
    if (active) {
      const owner = this.intents.get(active.intent as IntentId);
      if (owner?.continueDialog) {
        // Another service's command word ("我的报名", "转人工") or trigger ("第八十二条原文") is never an answer to this form.
        const claimedBy = this.matchCommand(ctx.text)?.intent ?? (await this.matchTrigger(ctx));
        if (!claimedBy || claimedBy.id === owner.id) {
          // Forms use the local classification to tell a question from an answer; no LLM sees form answers.
          // Computed when first read: an answer a form takes at sight (digits, a date, a choice) needs none.
          const local = this.classifier.local;
          const answer = ctx.text;
          if (answer && local) this.classifyWhenRead(ctx, () => remembered(known, `local:${answer}`, () => local.classify(answer)));
          unlessReadsOnly(ctx, owner.readsOnly?.includes('dialog'));
          const result = await owner.continueDialog(ctx, active);
          if (!result.passThrough) return this.apply(ctx, owner.id, result);
        }
        // Not an answer to the form (e.g. a labor-law question): answer it, keep the form, re-ask.
        const answer = await this.routeFresh(ctx, known, owner.id);
        const resumed = session.dialog?.intent === active.intent && owner.repromptDialog ? owner.repromptDialog(ctx, session.dialog) : [];
        return [...answer, ...resumed];
      }
      session.dialog = null; // The owner no longer exists (removed intent): drop the orphan form.
    }
    // A bare number answers the numbered choices of the previous reply ("1" → its first choice).
    const offered = session.memory[ROUTER_MEMORY]?.choices;
    const picked = /^\d{1,2}$/.test(ctx.text) && Array.isArray(offered) ? offered[Number(ctx.text) - 1] : undefined;
    if (typeof picked === 'string') ctx.text = picked;
    const replies = await this.routeFresh(ctx, known);
    const choices = session.dialog ? undefined : replies.findLast((r) => r.choices)?.choices;
    if (choices) session.memory[ROUTER_MEMORY] = { choices };
    else delete session.memory[ROUTER_MEMORY];
    return replies;
  }

  private async routeFresh(ctx: TurnContext, known: Classifications, interruptedBy?: IntentId): Promise<Reply[]> {
    const command = this.matchCommand(ctx.text);
    if (command) {
      const { spec, intent, args } = command;
      // Refusing a command writes too (the audit log).
      unlessReadsOnly(ctx, spec.readsOnly && (!spec.role || ctx.roles.has(spec.role)));
      if (spec.role && !ctx.roles.has(spec.role)) {
        ctx.log.warn({ member: ctx.member, command: spec.names[0], platform: ctx.msg.platform }, 'refused: missing role');
        await this.audit.record({ actor: ctx.member, action: 'refused', target: spec.names[0] ?? '?', note: `requires ${spec.role}` });
        return [{ text: spec.role === 'admin' && ctx.roles.has('staff') ? CORE_TEXT.adminOnly : CORE_TEXT.notAllowed }];
      }
      if (spec.role && ctx.msg.chatType === 'group') return [{ text: CORE_TEXT.commandPrivateOnly }];
      return this.apply(ctx, intent.id, await spec.run(ctx, args), interruptedBy);
    }

    const matched = await this.matchTrigger(ctx);
    // A rehearsal asks no model: the local classifier alone.
    const local = ctx.rehearsal ? this.classifier.local : undefined;
    let classified = matched ? { intent: matched.id, confidence: 1 } : (ctx.classified ?? known.get(ctx.text));
    if (!classified) known.set(ctx.text, (classified = local ? local.classify(ctx.text) : await this.classifier.classify(ctx.text)));
    ctx.classified = classified;
    const intent = classified.confidence >= MIN_CONFIDENCE ? this.intents.get(classified.intent) : undefined;
    const target = intent ?? this.intents.get(this.fallback);
    if (!target) return [{ text: CORE_TEXT.fallback }];
    if (interruptedBy && target.id === interruptedBy) return [];
    if (target.privateOnly && ctx.msg.chatType === 'group') return [{ text: CORE_TEXT.inviteToPrivate }];
    // Said in a group, a personal answer is sent privately: a write.
    unlessReadsOnly(ctx, target.readsOnly?.includes('handle') && !(target.personal && ctx.msg.chatType === 'group'));
    if (target.personal && ctx.msg.chatType === 'group') return this.answerPrivately(ctx, target);
    return this.apply(ctx, target.id, await target.handle(ctx), interruptedBy);
  }

  /** A personal question asked in a group: answered as if asked in private, delivered there; the group hears only that. */
  private async answerPrivately(ctx: TurnContext, target: IntentDefinition): Promise<Reply[]> {
    const to = ctx.privateChat;
    if (!to || !this.notifier) return [{ text: CORE_TEXT.askPrivately }];
    const privately: TurnContext = { ...ctx, msg: { ...ctx.msg, chatId: to.chatId, chatType: 'private', mentionsBot: false, repliesToBot: false } };
    const result = await target.handle(privately);
    await this.notifier.notify(to, result.replies);
    return [{ text: CORE_TEXT.sentPrivately }];
  }

  /** Sets `ctx.classified` to what `classify` says, computed on first read (a plain value once written). */
  private classifyWhenRead(ctx: TurnContext, classify: () => { intent: IntentId; confidence: number }): void {
    let value: TurnContext['classified'];
    let known = false;
    Object.defineProperty(ctx, 'classified', {
      configurable: true,
      enumerable: true,
      get: () => {
        if (!known) {
          const c = classify();
          value = { ...c, casual: this.casual.has(c.intent) };
          known = true;
        }
        return value;
      },
      set: (v: TurnContext['classified']) => {
        value = v;
        known = true;
      },
    });
  }

  /** The intent whose deterministic trigger claims this message, if any; a promise only once a trigger has to read something. */
  private matchTrigger(ctx: TurnContext, from = 0): IntentDefinition | undefined | Promise<IntentDefinition | undefined> {
    for (let i = from; i < this.triggered.length; i++) {
      const intent = this.triggered[i]!;
      const claimed = intent.matches?.(ctx);
      if (claimed === true) return intent;
      // Most messages meet only synchronous checks: no promise, no tick.
      if (claimed instanceof Promise) return claimed.then((yes) => (yes ? intent : this.matchTrigger(ctx, i + 1)));
    }
    return undefined;
  }

  /** A group message that starts with a group-trigger command is meant for the bot even without an @mention. */
  isGroupTrigger(text: string): boolean {
    const t = text.trim();
    if (this.matchCommand(t)?.spec.groupTrigger === true) return true;
    // "报名篮球赛": Chinese rarely puts a space after the verb, so the word glued to a short name counts too —
    // but not chatter about it ("报名截止了吗", "报名的人好多", "报名成功了").
    const lower = t.toLowerCase();
    for (const [name, { spec }] of this.commands) {
      if (spec.groupTrigger && lower.startsWith(name) && GLUED_NAME.test(t.slice(name.length))) return true;
    }
    return false;
  }

  private matchCommand(text: string): { spec: CommandSpec; intent: IntentDefinition; args: string } | null {
    // A full-width slash (Chinese keyboards: ／审核列表) is a slash: the command is recognized, so its role is checked and a refusal logged.
    const match = /^[/／]?(\S+)\s*([\s\S]*)$/.exec(text.trimStart());
    if (!match) return null;
    const word = (match[1] ?? '').toLowerCase().replace(/@\S+$/, ''); // Telegram: /cmd@botname
    const found = this.commands.get(word);
    return found ? { ...found, args: (match[2] ?? '').trim() } : null;
  }

  /** Applies a handler's result to the session. While another form is interrupted, a new form may not replace it. */
  private apply(ctx: TurnContext, intentId: IntentId, result: TurnResult, interruptedBy?: IntentId): Reply[] {
    const session: Session = ctx.session;
    ctx.handledBy = intentId;
    if (result.memory) session.memory[intentId] = { ...(session.memory[intentId] ?? {}), ...result.memory };
    if (interruptedBy && result.dialog) return [{ text: CORE_TEXT.finishFormFirst }];
    if (result.dialog !== undefined && !interruptedBy) session.dialog = result.dialog;
    return result.replies;
  }
}
