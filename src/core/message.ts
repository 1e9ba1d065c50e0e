/** Normalized messages: the only shape that travels past an adapter. No SDK types here. */
import { z } from 'zod';

export const PLATFORMS = ['web', 'telegram', 'wechat'] as const;
export type Platform = (typeof PLATFORMS)[number];
export type ChatType = 'private' | 'group';

/** A file a member sent. Adapters download the bytes before the pipeline sees it. */
export interface InboundAttachment {
  name: string;
  mimeType: string;
  data: Buffer;
}

export interface InboundMessage {
  platform: Platform;
  chatId: string;
  chatType: ChatType;
  senderId: string;
  senderName: string;
  /** A group's title as the platform gives it (for the group directory); absent in private chats. */
  chatName?: string;
  text: string;
  /** The bot was @mentioned in the message. */
  mentionsBot: boolean;
  /** The message replies to (quotes) one of the bot's messages. */
  repliesToBot: boolean;
  attachments: InboundAttachment[];
  /** Platform message id, unique per platform; used for dedup. */
  messageId: string;
  /** When the platform says the message was sent (ms since epoch). */
  sentAt: number;
  /** The bot's own message echoed back by the platform. */
  fromSelf: boolean;
}

export interface OutboundFile {
  name: string;
  mimeType: string;
  data: Buffer;
}

/** One reply. Adapters render choices as a numbered list (or buttons where the platform has them). */
export interface Reply {
  text?: string;
  choices?: string[];
  file?: OutboundFile;
}

/** Where a message goes when it is not a direct reply (notifications, reminders, broadcasts). */
export interface Address {
  platform: Platform;
  chatId: string;
  chatType: ChatType;
  /** In a group: whom to @mention. */
  mentionUserId?: string;
  mentionName?: string;
}

/** A member identity that is stable across chats of one platform: `platform:userId`. */
export type MemberKey = `${Platform}:${string}`;
export const memberKey = (platform: Platform, userId: string): MemberKey => `${platform}:${userId}`;

export const platformSchema = z.enum(PLATFORMS);
export const addressSchema = z.object({
  platform: platformSchema,
  chatId: z.string().min(1),
  chatType: z.enum(['private', 'group']),
  mentionUserId: z.string().optional(),
  mentionName: z.string().optional(),
});

/** Plain-text rendering of a reply, used by the web REPL, WeChat and logs. */
export function renderText(reply: Reply): string {
  const lines: string[] = [];
  if (reply.text) lines.push(reply.text);
  reply.choices?.forEach((choice, i) => lines.push(`${i + 1}. ${choice}`));
  return lines.join('\n');
}
