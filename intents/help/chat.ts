/** `help`: the menu of what the bot does; staff and admins also see their commands. */
import type { IntentDefinition, IntentFactory, TurnContext } from '../../src/core/service.ts';
import { HELP_TEXT } from './texts.ts';

export function menuText(ctx: TurnContext): string {
  const own = (ctx.commands ?? []).map((c) => `/${c.names[0]} — ${c.summary}`);
  return own.length ? `${HELP_TEXT.menu}\n\n${HELP_TEXT.roleHeader}\n${own.join('\n')}` : HELP_TEXT.menu;
}

const createHelp: IntentFactory = async (): Promise<IntentDefinition> => ({
  id: 'help',
  commands: [{ names: ['help', 'start', '帮助', '菜单'], summary: HELP_TEXT.summary, run: async (ctx) => ({ replies: [{ text: menuText(ctx) }] }) }],
  handle: async (ctx) => ({ replies: [{ text: menuText(ctx) }] }),
});
export default createHelp;
