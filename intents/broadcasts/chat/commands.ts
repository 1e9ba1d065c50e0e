/**
 * The broadcast chat: staff commands (/broadcast and its shortcut, /broadcasts, approve, pause, resume,
 * cancel, the per-target report) and the members' 订阅通知 / 退订. Commands parse, call an operation and
 * render texts; the operations are in service.ts.
 */
import { actorOf } from '../../../src/core/actor.ts';
import { CORE_TEXT } from '../../../src/core/texts.ts';
import type { CommandSpec, CoreDeps, IntentDefinition, TurnContext, TurnResult } from '../../../src/core/service.ts';
import { broadcastService, progressText, stateText, statusText, targetLabel, type ControlResult } from '../service.ts';
import { COMMAND_SUMMARIES as S, MEMBER, STAFF, scheduleText } from '../texts.ts';
import { NOTICE_INTENT, composeForm } from './form.ts';

const say = (text: string): TurnResult => ({ replies: [{ text }] });
/** How many targets a report lists in chat (the rest are counted). */
const REPORT_LINES = 50;
const SUBSCRIBE = /^(?:[/／]?subscribe|订阅(?:工会)?通知|我要订阅(?:工会)?通知|订阅)[。!！]*$/i;
const UNSUBSCRIBE = /^(?:[/／]?unsubscribe|退订(?:通知)?|取消订阅(?:通知)?|不再接收通知|不要再发通知了?)[。!！]*$/i;
/** "群发通知：…" with a colon or glued text: the command word is not a word of its own there. */
const BROADCAST_WORD = /^[/／]?(?:群发通知|群发)[:：]\s*([\s\S]*)$/;

function parseId(args: string): number | null {
  const m = /^#?(\d{1,9})$/.exec(args.trim());
  return m ? Number(m[1]) : null;
}

export async function noticeIntent(deps: CoreDeps): Promise<IntentDefinition> {
  const svc = broadcastService(deps);
  const { form, start } = composeForm(deps);

  async function broadcast(ctx: TurnContext, args: string): Promise<TurnResult> {
    const a = args.trim();
    if (!a) return start(ctx);
    const id = parseId(a);
    if (id !== null) return report(ctx, id);
    const shortcut = /^(?:全部群|所有群|全部群聊)[\s:：]*([\s\S]*)$/.exec(a);
    if (shortcut) {
      const text = (shortcut[1] ?? '').trim();
      if (!text) return say(STAFF.emptyShortcut);
      // Everything is known: the form goes straight to the preview.
      return start(ctx, { audience: 'all-groups', text, attachment: 'none', when: 'now' });
    }
    if (/^(help|帮助|\?|？)$/i.test(a)) return say(STAFF.usage);
    // Text after the command is the notice: the form asks whom to send it to.
    return start(ctx, { text: a });
  }

  async function list(ctx: TurnContext): Promise<TurnResult> {
    const rows = await svc.list(actorOf(ctx));
    if (!rows.length) return say(STAFF.none);
    const lines = rows.map(({ broadcast: b, counts }) => STAFF.listLine(b.id, statusText(b.status), snippet(b.text), progressText(counts)));
    return say(`${STAFF.listHeading}\n${lines.join('\n')}`);
  }

  async function report(ctx: TurnContext, id: number): Promise<TurnResult> {
    const r = await svc.report(actorOf(ctx), id);
    if (!r) return say(STAFF.missing(String(id)));
    const b = r.broadcast;
    const names = await svc.targetNames();
    const head = STAFF.reportHeading(b.id, statusText(b.status), svc.audienceLabel(b.audience), scheduleLine(b.schedule.kind, b.schedule.at, ctx.now.getTime()));
    if (!r.counts) return say(`${head}\n${STAFF.reportNoRun}`);
    const lines = r.items.slice(0, REPORT_LINES).map((item, i) => STAFF.reportLine(i + 1, names.get(item.id) ?? targetLabel(item.id), stateText(item.state)));
    const more = r.items.length > REPORT_LINES ? [STAFF.reportMore(r.items.length - REPORT_LINES)] : [];
    return say([head, STAFF.reportRun(b.runs, progressText(r.counts)), ...lines, ...more].join('\n'));
  }

  const controlled = (what: (id: number) => string, cmd: string, op: (ctx: TurnContext, id: number) => Promise<ControlResult>) =>
    async (ctx: TurnContext, args: string): Promise<TurnResult> => {
      const id = parseId(args);
      if (id === null) return say(STAFF.needId(cmd));
      const r = await op(ctx, id);
      if (r.outcome === 'missing') return say(STAFF.missing(String(id)));
      if (r.outcome === 'self-approval') return say(STAFF.selfApproval);
      if (r.outcome === 'not-allowed') return say(cmd === '/bcapprove' ? STAFF.notPending(id) : STAFF.cannot(id, statusText(r.broadcast.status)));
      if (r.outcome === 'nothing-to-resend') return say(STAFF.resendNone(id));
      return say(cmd === '/bccancel' ? STAFF.cancelled(id, r.skipped ?? 0) : what(id));
    };

  /**
   * `/bcresend 12`: lists the targets cut off mid-send and asks to confirm (they may get it twice);
   * `/bcresend 12 确认`: sends them again.
   */
  async function resend(ctx: TurnContext, args: string): Promise<TurnResult> {
    const m = /^#?(\d{1,9})\s*(确认|确认重发|确定)?$/.exec(args.trim());
    if (!m) return say(STAFF.needId('/bcresend'));
    const id = Number(m[1]);
    if (m[2]) {
      const r = await svc.resendInterrupted(actorOf(ctx), id);
      if (r.outcome === 'missing') return say(STAFF.missing(String(id)));
      if (r.outcome === 'nothing-to-resend') return say(STAFF.resendNone(id));
      if (r.outcome !== 'done') return say(STAFF.cannot(id, 'broadcast' in r ? statusText(r.broadcast.status) : ''));
      return say(STAFF.resent(id, r.resent ?? 0));
    }
    const found = await svc.interrupted(actorOf(ctx), id);
    if (!found) return say(STAFF.missing(String(id)));
    if (!found.items.length) return say(STAFF.resendNone(id));
    const names = await svc.targetNames();
    const lines = found.items.slice(0, REPORT_LINES).map((item, i) => STAFF.reportLine(i + 1, names.get(item.id) ?? targetLabel(item.id), stateText(item.state)));
    const more = found.items.length > REPORT_LINES ? [STAFF.reportMore(found.items.length - REPORT_LINES)] : [];
    return { replies: [{ text: STAFF.resendAsk(id, found.items.length, [...lines, ...more].join('\n')), choices: [`/bcresend ${id} 确认`] }] };
  }

  async function subscribe(ctx: TurnContext): Promise<TurnResult> {
    // Notices go to the member's private chat (in a group they subscribe for their private chat).
    const to = { platform: ctx.msg.platform, chatId: ctx.msg.chatType === 'private' ? ctx.msg.chatId : ctx.msg.senderId, chatType: 'private' as const };
    return say((await svc.subscribe(ctx.member, to)) ? MEMBER.subscribed : MEMBER.alreadySubscribed);
  }
  async function unsubscribe(ctx: TurnContext): Promise<TurnResult> {
    return say((await svc.unsubscribe(ctx.member)) ? MEMBER.unsubscribed : MEMBER.notSubscribed);
  }

  const commands: CommandSpec[] = [
    { names: ['broadcast', '群发通知', '群发'], role: 'staff', summary: S.broadcast, run: broadcast },
    { names: ['broadcasts', '群发记录'], role: 'staff', summary: S.broadcasts, run: (ctx) => list(ctx) },
    { names: ['bcapprove', '通过群发'], role: 'staff', summary: S.approve, run: controlled(STAFF.approved, '/bcapprove', (ctx, id) => svc.approve(actorOf(ctx), id)) },
    { names: ['bcpause', '暂停群发'], role: 'staff', summary: S.pause, run: controlled(STAFF.paused, '/bcpause', (ctx, id) => svc.pause(actorOf(ctx), id)) },
    { names: ['bcresume', '恢复群发'], role: 'staff', summary: S.pause, run: controlled(STAFF.resumed, '/bcresume', (ctx, id) => svc.resume(actorOf(ctx), id)) },
    { names: ['bccancel', '取消群发'], role: 'staff', summary: S.cancel, run: controlled((id) => STAFF.cancelled(id, 0), '/bccancel', (ctx, id) => svc.cancel(actorOf(ctx), id)) },
    { names: ['bcresend', '重发群发'], role: 'staff', summary: S.resend, run: resend },
    { names: ['订阅通知', 'subscribe'], summary: S.subscribe, run: (ctx) => subscribe(ctx) },
    { names: ['退订', '退订通知', '取消订阅', 'unsubscribe'], summary: S.unsubscribe, run: (ctx) => unsubscribe(ctx) },
  ];

  return {
    id: NOTICE_INTENT,
    commands,
    // "群发通知：本周五开会" (the command word glued to the text) is still the command, never the fallback or a ticket.
    matches: (ctx) => BROADCAST_WORD.test(ctx.text) || SUBSCRIBE.test(ctx.text) || UNSUBSCRIBE.test(ctx.text),
    async handle(ctx) {
      const glued = BROADCAST_WORD.exec(ctx.text);
      if (glued) {
        if (!ctx.roles.has('staff')) {
          await deps.audit.record({ actor: ctx.member, action: 'refused', target: 'broadcast', note: 'requires staff' });
          return say(CORE_TEXT.notAllowed);
        }
        if (ctx.msg.chatType === 'group') return say(CORE_TEXT.commandPrivateOnly);
        return broadcast(ctx, glued[1] ?? '');
      }
      if (UNSUBSCRIBE.test(ctx.text) || /退订|取消订阅|不(想|要)(再)?(收|接收)/.test(ctx.text)) return unsubscribe(ctx);
      if (SUBSCRIBE.test(ctx.text) || /订阅/.test(ctx.text)) return subscribe(ctx);
      return say(MEMBER.unclear);
    },
    continueDialog: (ctx, dialog) => form.continue(ctx, dialog),
    repromptDialog: (ctx, dialog) => form.reprompt(ctx, dialog),
  };
}

function snippet(text: string): string {
  const one = text.replace(/\s+/g, ' ');
  return one.length > 20 ? `${one.slice(0, 20)}…` : one;
}

function scheduleLine(kind: 'now' | 'at' | 'daily' | 'weekly', at: number | undefined, now: number): string {
  return kind === 'now' ? STAFF.immediately : scheduleText(kind, at, now);
}
