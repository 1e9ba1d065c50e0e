/**
 * Drives the event intents like the router does (active dialog ▸ commands with role check ▸ intent),
 * so transcripts written as (who says, expect reply contains) can later be replayed through the real pipeline.
 */
import type { CoreDeps, IntentDefinition, IntentId, Role, TurnContext, TurnResult } from '../../../src/core/service.ts';
import { memberKey, renderText, type InboundMessage, type Reply } from '../../../src/core/message.ts';
import { emptySession, type Session } from '../../../src/core/session.ts';
import eventList from '../../../intents/events/chat/event_list.ts';
import eventRegister from '../../../intents/events/chat/event_register.ts';
import eventCancel from '../../../intents/events/chat/event_cancel.ts';

export interface Person {
  id: string;
  name: string;
}
export interface Step {
  who: string;
  say: string;
  /** Default: private chat. */
  in?: 'private' | { group: string };
  /** Every string must appear in the bot's replies. */
  expect: string | string[];
  /** None of these may appear. */
  reject?: string[];
  /** For free text that the classifier would route (commands are found by the harness). */
  intent?: IntentId;
}
export interface TurnOutput {
  text: string;
  replies: Reply[];
  refused: boolean;
}

export async function eventIntents(deps: CoreDeps): Promise<IntentDefinition[]> {
  return Promise.all([eventList(deps), eventRegister(deps), eventCancel(deps)]);
}

export class Harness {
  private sessions = new Map<string, Session>();
  private seq = 0;
  readonly refusals: string[] = [];

  constructor(
    private readonly deps: CoreDeps,
    private readonly intents: IntentDefinition[],
    private readonly people: Record<string, Person>,
  ) {}

  private roles(member: string): Set<Role> {
    const roles = new Set<Role>();
    if (this.deps.config.BOT_ADMINS.some((m) => m === member)) roles.add('admin').add('staff');
    if (this.deps.config.BOT_STAFF.some((m) => m === member)) roles.add('staff');
    return roles;
  }

  private byId(id: string): IntentDefinition {
    const found = this.intents.find((i) => i.id === id);
    if (!found) throw new Error(`no intent ${id}`);
    return found;
  }

  /** Keyword stand-in for the classifier (transcripts may name the intent instead). */
  private classify(text: string): IntentId {
    if (/我的(报名|活动)/.test(text)) return 'event_list';
    if (/取消|退出|不去/.test(text)) return 'event_cancel';
    if (/报名|参加/.test(text)) return 'event_register';
    return 'event_list';
  }

  async turn(who: string, text: string, where: Step['in'] = 'private', intent?: IntentId): Promise<TurnOutput> {
    const person = this.people[who];
    if (!person) throw new Error(`unknown person ${who}`);
    const group = where !== 'private' && where !== undefined ? where.group : null;
    const msg: InboundMessage = {
      platform: 'telegram',
      chatId: group ?? person.id,
      chatType: group ? 'group' : 'private',
      senderId: person.id,
      senderName: person.name,
      text,
      mentionsBot: Boolean(group),
      repliesToBot: false,
      attachments: [],
      messageId: String(++this.seq),
      sentAt: this.deps.now().getTime(),
      fromSelf: false,
    };
    const member = memberKey('telegram', person.id);
    const key = `${msg.chatId}:${person.id}`;
    const session = this.sessions.get(key) ?? emptySession(msg.sentAt);
    const ctx: TurnContext = { msg, member, roles: this.roles(member), session, text: text.trim(), now: this.deps.now() };
    let refused = false;
    const apply = (owner: string, r: TurnResult) => {
      if (r.dialog !== undefined) session.dialog = r.dialog;
      if (r.memory) session.memory[owner] = r.memory;
    };
    const fresh = async (): Promise<Reply[]> => {
      const [first = '', ...rest] = ctx.text.split(/\s+/);
      const word = first.replace(/^\//, '');
      for (const intentDef of this.intents) {
        const cmd = intentDef.commands?.find((c) => c.names.includes(word));
        if (!cmd) continue;
        if (cmd.role && !ctx.roles.has(cmd.role)) {
          refused = true;
          this.refusals.push(`${member} ${word}`);
          return [{ text: '抱歉，这个命令仅限工作人员使用。' }];
        }
        const r = await cmd.run(ctx, rest.join(' '));
        apply(intentDef.id, r);
        return r.replies;
      }
      const def = this.byId(intent ?? this.classify(ctx.text));
      const r = await def.handle(ctx);
      apply(def.id, r);
      return r.replies;
    };
    let replies: Reply[];
    const active = session.dialog;
    if (active && active.expiresAt > msg.sentAt) {
      const owner = this.byId(active.intent);
      const r = await owner.continueDialog!(ctx, active);
      if (r.passThrough) {
        replies = [...(await fresh()), ...(session.dialog === active ? owner.repromptDialog!(ctx, active) : [])];
      } else {
        apply(owner.id, r);
        replies = r.replies;
      }
    } else {
      session.dialog = null;
      replies = await fresh();
    }
    this.sessions.set(key, session);
    return { text: replies.map(renderText).join('\n'), replies, refused };
  }

  /** Plays steps in order; fails with the whole exchange so far when an expectation is not met. */
  async play(steps: Step[]): Promise<TurnOutput[]> {
    const outputs: TurnOutput[] = [];
    const log: string[] = [];
    for (const step of steps) {
      const out = await this.turn(step.who, step.say, step.in, step.intent);
      outputs.push(out);
      log.push(`${step.who}${step.in && step.in !== 'private' ? `@${step.in.group}` : ''}: ${step.say}\nbot: ${out.text}`);
      const want = Array.isArray(step.expect) ? step.expect : [step.expect];
      const missing = want.filter((w) => !out.text.includes(w));
      const present = (step.reject ?? []).filter((r) => out.text.includes(r));
      if (missing.length || present.length) {
        throw new Error(`transcript step failed (missing ${JSON.stringify(missing)}, unwanted ${JSON.stringify(present)}):\n${log.join('\n---\n')}`);
      }
    }
    return outputs;
  }
}
