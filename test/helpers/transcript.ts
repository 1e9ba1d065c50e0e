/**
 * The one transcript format: steps of (who says what, where; the reply must / must not contain …),
 * replayed through any `ChatPaths` — the in-process engine (harness.ts) or a real channel (chat-paths.ts).
 */
import { expect } from 'vitest';
import { renderText, type InboundAttachment, type Platform, type Reply } from '../../src/core/message.ts';

/** One person in one chat. */
export interface ChatPath {
  say(text: string, files?: InboundAttachment[]): Promise<Reply[]>;
}

/** Ways of talking to one running bot on one platform. */
export interface ChatPaths {
  platform: Platform;
  dm(who: string): ChatPath;
  group(who: string, group: string, opts?: { mention?: boolean }): ChatPath;
  /** "platform:userId" for BOT_ADMINS / BOT_STAFF. */
  identity(who: string): string;
  /** "platform:chatId" of a group, as staff type it. */
  groupAddress(group: string): string;
  /** A later message (outbox) in who's private chat matching `match`. */
  notification(who: string, match: string | RegExp, timeoutMs?: number): Promise<string>;
  groupNotification(group: string, match: string | RegExp, timeoutMs?: number): Promise<string>;
}

export type Expect = string | RegExp;

export interface Step {
  /** Who speaks; default: the `who` passed to `play`. */
  who?: string;
  say: string;
  files?: InboundAttachment[];
  /** Default: the speaker's private chat. In a group the bot is not @mentioned unless `mention: true`. */
  in?: 'private' | { group: string; mention?: boolean };
  /** Every entry must appear in the replies. */
  expect?: Expect | Expect[];
  /** No entry may appear. */
  not?: Expect | Expect[];
}

export const textOf = (replies: Reply[]): string => replies.map(renderText).join('\n');
const hit = (text: string, e: Expect) => (typeof e === 'string' ? text.includes(e) : e.test(text));

/** Replays steps in order; a failed expectation shows the whole exchange so far. Returns each step's replies. */
export async function play(ch: ChatPaths, steps: Step[], who = 'member'): Promise<Reply[][]> {
  const out: Reply[][] = [];
  const log: string[] = [];
  for (const step of steps) {
    const speaker = step.who ?? who;
    const where = step.in && step.in !== 'private' ? step.in : undefined;
    const path = where ? ch.group(speaker, where.group, { mention: where.mention ?? false }) : ch.dm(speaker);
    const replies = await path.say(step.say, step.files);
    out.push(replies);
    const text = textOf(replies);
    log.push(`${speaker}${where ? `@${where.group}` : ''}: ${step.say}${step.files ? ` + ${step.files.length} file(s)` : ''}\nbot: ${text}`);
    const missing = [step.expect ?? []].flat().filter((e) => !hit(text, e));
    const unwanted = [step.not ?? []].flat().filter((e) => hit(text, e));
    expect({ missing, unwanted }, `[${ch.platform}] transcript step ${out.length} failed:\n${log.join('\n---\n')}`).toEqual({ missing: [], unwanted: [] });
  }
  return out;
}
