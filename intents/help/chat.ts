/** `help`: the menu of what the bot does; staff and admins also see their commands, grouped by topic. */
import type { CommandSpec, IntentDefinition, IntentFactory, TurnContext } from '../../src/core/service.ts';
import { HELP_TEXT } from './texts.ts';

const CHINESE = /\p{Script=Han}/u;

/** The word staff type for a command: its first Chinese name (or its first name). */
const wordOf = (spec: CommandSpec): string => spec.names.find((n) => CHINESE.test(n)) ?? spec.names[0] ?? '';

/** One line per topic with the viewer's commands in it; commands of no topic go last, so none is ever hidden. */
function roleLines(commands: readonly CommandSpec[]): string[] {
  if (commands.length === 0) return [];
  const byName = new Map(commands.flatMap((spec) => spec.names.map((n) => [n, spec] as const)));
  const shown = new Set<CommandSpec>();
  const lines: string[] = [];
  for (const group of HELP_TEXT.staffGroups) {
    const words = group.words.filter((w) => byName.has(w));
    for (const w of words) shown.add(byName.get(w)!);
    if (words.length) lines.push(HELP_TEXT.groupLine(group.title, words));
  }
  const rest = commands.filter((c) => !shown.has(c)).map(wordOf);
  if (rest.length) lines.push(HELP_TEXT.groupLine(HELP_TEXT.otherGroup, rest));
  return lines;
}

export function menuText(ctx: TurnContext): string {
  const lines = roleLines(ctx.commands ?? []);
  return lines.length ? [HELP_TEXT.menu, HELP_TEXT.roleHeader, ...lines, HELP_TEXT.roleFooter].join('\n') : HELP_TEXT.menu;
}

const createHelp: IntentFactory = async (): Promise<IntentDefinition> => ({
  id: 'help',
  readsOnly: ['handle'],
  commands: [
    { names: ['help', 'start', '帮助', '菜单'], summary: HELP_TEXT.summary, readsOnly: true, run: async (ctx) => ({ replies: [{ text: menuText(ctx) }] }) },
    {
      // The identity an administrator puts in BOT_ADMINS / BOT_STAFF; said only in private chat.
      names: ['whoami', '我的ID'],
      summary: HELP_TEXT.whoamiSummary,
      readsOnly: true,
      run: async (ctx) => ({ replies: [{ text: ctx.msg.chatType === 'private' ? HELP_TEXT.whoami(ctx.member) : HELP_TEXT.whoamiPrivately }] }),
    },
  ],
  handle: async (ctx) => ({ replies: [{ text: menuText(ctx) }] }),
});
export default createHelp;
