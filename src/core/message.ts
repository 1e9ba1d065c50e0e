/** Normalized messages: the only shape that travels past an adapter. No SDK types here. */
import { z } from 'zod';

/**
 * Every platform a member can write from. `wechat` is personal WeChat through wechaty; `wecom` the WeCom
 * (企业微信) self-built app, `wxkf` 微信客服 and `wxoa` the Official Account (公众号) are Tencent's official APIs;
 * `wecomrobot` is WeCom's group robots (消息推送), which only receive (group notices and broadcasts).
 */
export const PLATFORMS = ['web', 'telegram', 'wechat', 'wecom', 'wxkf', 'wxoa', 'wecomrobot'] as const;
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

/**
 * Where a file's bytes come from again, for the one viewer it was made for: a service resolves it on demand
 * (decrypting a claim document, regenerating a roster) after checking that viewer's role again, and audits it.
 * Channels that hand out links (web) keep only this, never the bytes.
 */
export interface FileRef {
  /** The resolver's name, registered by the service (src/core/files.ts). */
  kind: string;
  ref: string;
  viewer: MemberKey;
}

export interface OutboundFile {
  name: string;
  mimeType: string;
  data: Buffer;
  /** Personal data (documents, rosters): how to produce the bytes again instead of storing them. */
  ref?: FileRef;
}

/**
 * What an important notice is about, for platforms that can still deliver it as a template message when their
 * reply window has closed (the Official Account after 48 hours): a kind the union maps to a template
 * (WXOA_TEMPLATES), and the values that fill it in.
 */
export interface Notice {
  kind: string;
  fields: Record<string, string>;
}

/** One reply. Adapters render choices as a numbered list (or buttons where the platform has them). */
export interface Reply {
  /** The reply is an important notice (claim decision, event reminder): see Notice. */
  notice?: Notice;
  text?: string;
  /** The text names the member already (masked, in a group): channels add no @mention with their full nickname. */
  namesMember?: boolean;
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
/** A stored `platform:userId`, on any platform. */
export const memberKeySchema = z
  .string()
  .regex(new RegExp(`^(${PLATFORMS.join('|')}):.+$`))
  .transform((s) => s as MemberKey);
export const addressSchema = z.object({
  platform: platformSchema,
  chatId: z.string().min(1),
  chatType: z.enum(['private', 'group']),
  mentionUserId: z.string().optional(),
  mentionName: z.string().optional(),
});

// Characters a name must never carry: controls (newlines, ESC), zero-width and bidi controls, line separators.
const NAME_UNSAFE = /[\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u2028-\u202E\u2060-\u206F\uFEFF\uFFF9-\uFFFB]/g;
/** How many characters of a sender's or group's name are kept. */
export const MAX_NAME_CHARS = 40;
/** How many characters of an attachment's name are kept (its extension included). */
export const MAX_FILE_NAME_CHARS = 80;

/** Cuts to `max` characters (code points, so no half emoji) with an ellipsis. */
function bound(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : text;
}

/**
 * A member-chosen name (sender, group title) as one line of plain text: no controls, no bidi overrides,
 * no markup, bounded. Names are echoed into group replies and staff alerts, where a newline or an RTL
 * override would let a member forge a line of the bot's own text.
 */
export function cleanName(raw: string, max = MAX_NAME_CHARS): string {
  const plain = raw
    .normalize('NFC')
    .replace(NAME_UNSAFE, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/[<>]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return bound(plain, max);
}

/** A file name a member sent, made safe to store and show: one line, no path, no bidi tricks, bounded. */
export function cleanFileName(raw: string): string {
  const base = cleanName(raw.split(/[\\/]/).pop() ?? '', Number.MAX_SAFE_INTEGER).replace(/^\.+/, '');
  const dot = base.lastIndexOf('.');
  const ext = dot > 0 && base.length - dot <= 10 ? base.slice(dot) : '';
  const stem = bound(ext ? base.slice(0, dot) : base, MAX_FILE_NAME_CHARS - ext.length);
  return stem ? `${stem}${ext}` : 'file';
}

/** The names a member controls in a message, cleaned in place: every channel calls this when it normalizes. */
export function cleanInboundNames(msg: InboundMessage): void {
  msg.senderName = cleanName(msg.senderName) || msg.senderId.slice(0, MAX_NAME_CHARS);
  if (msg.chatName !== undefined) msg.chatName = cleanName(msg.chatName);
  for (const a of msg.attachments) a.name = cleanFileName(a.name);
}

/** Plain-text rendering of a reply, used by the web REPL, WeChat and logs. */
export function renderText(reply: Reply): string {
  const lines: string[] = [];
  if (reply.text) lines.push(reply.text);
  reply.choices?.forEach((choice, i) => lines.push(`${i + 1}. ${choice}`));
  return lines.join('\n');
}
