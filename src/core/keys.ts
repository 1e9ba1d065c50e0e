/**
 * Every Redis key is built here, under one configurable prefix.
 *
 * Redis Cluster: keys that one Lua script or MULTI touches together share a hash tag (`{…}`), so they live
 * in one slot. A member's conversation keys (session, history, lease, dedup, rate) are tagged by the member;
 * a capability tags its own groups of keys with `tagged()` (one event, the claims, the tickets, a broadcast).
 */
import type { MemberKey, Platform } from './message.ts';

export class Keys {
  constructor(readonly prefix: string) {}

  /** Any capability key: `prefix + parts.join(':')`. Capabilities namespace their own parts. */
  k(...parts: (string | number)[]): string {
    return this.prefix + parts.join(':');
  }
  /** A key in the hash slot of `tag`: `prefix{tag}:parts…`. Keys sharing a tag may be used in one script or MULTI. */
  tagged(tag: string | number, ...parts: (string | number)[]): string {
    let key = `${this.prefix}{${tag}}`;
    for (const part of parts) key += `:${part}`;
    return key;
  }
  /** The hash tag of everything a member's messages touch in one turn. */
  private member(platform: Platform, senderId: string): string {
    return `${platform}:${senderId}`;
  }
  session(platform: Platform, chatId: string, senderId: string): string {
    return this.tagged(this.member(platform, senderId), 'session', chatId);
  }
  /** The conversation's recent turns (a capped list, appended to): kept apart so a turn never rewrites them. */
  history(session: string): string {
    return `${session}:history`;
  }
  lock(conversation: string): string {
    return `${conversation}:lock`;
  }
  /** Per sender: a client-chosen message id (web) must not let one member drop another's message. */
  dedup(platform: Platform, senderId: string, messageId: string): string {
    return this.tagged(this.member(platform, senderId), 'dedup', messageId);
  }
  /** A handled message's replies, kept a while to answer a redelivery again. */
  replay(platform: Platform, senderId: string, messageId: string): string {
    return this.tagged(this.member(platform, senderId), 'replay', messageId);
  }
  /** Hash of group chats the bot has been addressed in (`platform:chatId` → name and last seen ms). */
  groups(): string {
    return this.tagged('groups');
  }
  /** Sorted set of the same groups by last seen ms: the oldest are dropped when the directory is full. */
  groupsSeen(): string {
    return this.tagged('groups', 'seen');
  }
  /** The chat id of a member's private chat with the bot (they wrote there, so the bot may write back). */
  privateChat(platform: Platform, senderId: string): string {
    return this.tagged(this.member(platform, senderId), 'privatechat');
  }
  /** Versions before the hash tags kept every member's private chat in one hash (member → chat id); read as a fallback. */
  legacyPrivateChats(): string {
    return this.k('privatechats');
  }
  /** Set once the bot has told a member not to post personal numbers in a group. */
  numberWarning(platform: Platform, chatId: string, senderId: string): string {
    return this.k('numberwarn', platform, chatId, senderId);
  }
  rate(member: MemberKey): string {
    return this.tagged(member, 'rate');
  }
  /** A singleton's lease and its fencing counter (src/core/leader.ts). */
  leader(name: string, part: 'holder' | 'fence'): string {
    return this.tagged(`leader:${name}`, part);
  }
  /**
   * The prefix of every BullMQ queue (`new Queue(name, { prefix: keys.queuePrefix() })`): hash-tagged, because
   * BullMQ's scripts touch several keys of one queue together, which Redis Cluster allows only within one slot.
   */
  queuePrefix(): string {
    return this.tagged('queues');
  }
}
