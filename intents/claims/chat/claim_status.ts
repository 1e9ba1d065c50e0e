/** 互助进度查询 for members (own claims only) and the admin review commands. */
import type { IntentDefinition } from '../../../src/core/service.ts';
import { CLAIM_NO_RE } from '../store.ts';
import { adminCommands, memberStatus, type ClaimsChat } from './commands.ts';

export function claimStatus(chat: ClaimsChat): IntentDefinition {
  return {
    id: 'claim_status',
    readsOnly: ['handle'],
    commands: adminCommands(chat),
    // A member's own claims are never discussed in a group: the answer goes to their private chat.
    personal: true,
    // A claim number in a message is always a status question.
    matches: (ctx) => CLAIM_NO_RE.test(ctx.text),
    handle: (ctx) => memberStatus(chat, ctx),
  };
}
