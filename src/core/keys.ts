/** Every Redis key is built here, under one configurable prefix. */
import type { MemberKey, Platform } from './message.ts';

export class Keys {
  constructor(readonly prefix: string) {}

  /** Any capability key: `prefix + parts.join(':')`. Capabilities namespace their own parts. */
  k(...parts: (string | number)[]): string {
    return this.prefix + parts.join(':');
  }
  session(platform: Platform, chatId: string, senderId: string): string {
    return this.k('session', platform, chatId, senderId);
  }
  lock(conversation: string): string {
    return this.k('lock', conversation);
  }
  /** Per sender: a client-chosen message id (web) must not let one member drop another's message. */
  dedup(platform: Platform, senderId: string, messageId: string): string {
    return this.k('dedup', platform, senderId, messageId);
  }
  /** Hash of group chats the bot has been addressed in (`platform:chatId` → name and last seen ms). */
  groups(): string {
    return this.k('groups');
  }
  /** Sorted set of the same groups by last seen ms: the oldest are dropped when the directory is full. */
  groupsSeen(): string {
    return this.k('groups', 'seen');
  }
  /** Hash member → the chat id of their private chat with the bot (they wrote there, so the bot may write back). */
  privateChats(): string {
    return this.k('privatechats');
  }
  /** Set once the bot has told a member not to post personal numbers in a group. */
  numberWarning(platform: Platform, chatId: string, senderId: string): string {
    return this.k('numberwarn', platform, chatId, senderId);
  }
  rate(member: MemberKey): string {
    return this.k('rate', member);
  }
}
