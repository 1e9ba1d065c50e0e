/** Pure mapping from a parsed Telegram update to the normalized inbound message, and reply rendering helpers. */
import type { InboundMessage } from '../../core/message.ts';
import type { BotInfo, TgEntity, TgMessage, TgUpdate, TgUser } from './schema.ts';

/** A file the member sent, still on Telegram's servers. */
export interface FileRef {
  fileId: string;
  name: string;
  mimeType: string;
  /** Size Telegram announced, if any (checked again on download). */
  size?: number;
}

export interface MappedUpdate {
  msg: InboundMessage;
  files: FileRef[];
  /** Telegram message id to quote when answering in a group. */
  quoteMessageId?: number;
  /** Set for button presses: answerCallbackQuery must be called. */
  callbackQueryId?: string;
}

/** Callback data of the inline buttons the adapter attaches to choices: the 1-based choice number. */
export const CHOICE_DATA = /^(\d{1,2})$/;

export function displayName(user: TgUser): string {
  const full = [user.first_name, user.last_name].filter(Boolean).join(' ').trim();
  return full || user.username || String(user.id);
}

const entityText = (text: string, e: TgEntity) => text.slice(e.offset, e.offset + e.length);

/** Entities that address this bot: @username mentions, text mentions of the bot, /command@username. */
function botEntities(text: string, entities: TgEntity[], bot: BotInfo): { mentions: TgEntity[]; command: boolean } {
  const handle = `@${bot.username.toLowerCase()}`;
  const mentions: TgEntity[] = [];
  let command = false;
  for (const e of entities) {
    if (e.offset + e.length > text.length) continue; // hostile or truncated entity
    if (e.type === 'mention' && entityText(text, e).toLowerCase() === handle) mentions.push(e);
    else if (e.type === 'text_mention' && e.user?.id === bot.id) mentions.push(e);
    else if (e.type === 'bot_command' && e.offset === 0) {
      // "/help@thisbot" is for us; a bare "/help" in a group goes to every bot, us included.
      const cmd = entityText(text, e).toLowerCase();
      const at = cmd.indexOf('@');
      if (at < 0 || cmd.slice(at) === handle) command = true;
    }
  }
  return { mentions, command };
}

/** Removes the spans that mention the bot, so intents see the question only. */
function stripSpans(text: string, spans: TgEntity[]): string {
  let out = text;
  for (const e of [...spans].sort((a, b) => b.offset - a.offset)) out = out.slice(0, e.offset) + ' ' + out.slice(e.offset + e.length);
  return out.replace(/[ \t]{2,}/g, ' ').trim();
}

function chatTypeOf(type: TgMessage['chat']['type']): 'private' | 'group' | null {
  if (type === 'private') return 'private';
  if (type === 'group' || type === 'supergroup') return 'group';
  return null; // channels are not conversations with members
}

function filesOf(m: TgMessage): FileRef[] {
  const files: FileRef[] = [];
  if (m.photo?.length) {
    // Telegram lists sizes small to large; pick the largest by bytes, else by pixels.
    const score = (p: NonNullable<TgMessage['photo']>[number]) => p.file_size ?? (p.width ?? 0) * (p.height ?? 0);
    const best = m.photo.reduce((a, b) => (score(b) >= score(a) ? b : a));
    files.push({ fileId: best.file_id, name: `photo-${m.message_id}.jpg`, mimeType: 'image/jpeg', size: best.file_size });
  }
  if (m.document) {
    files.push({
      fileId: m.document.file_id,
      name: m.document.file_name || `file-${m.message_id}`,
      mimeType: m.document.mime_type || 'application/octet-stream',
      size: m.document.file_size,
    });
  }
  return files;
}

/** Maps an update to an inbound message, or null when it is nothing the bot handles. */
export function mapUpdate(update: TgUpdate, bot: BotInfo, now: number): MappedUpdate | null {
  const cq = update.callback_query;
  if (cq) {
    const chat = cq.message?.chat;
    const chatType = chat && chatTypeOf(chat.type);
    if (!chat || !chatType || !cq.data || !CHOICE_DATA.test(cq.data)) return null;
    return {
      callbackQueryId: cq.id,
      quoteMessageId: undefined,
      files: [],
      msg: {
        platform: 'telegram',
        chatId: String(chat.id),
        chatType,
        senderId: String(cq.from.id),
        senderName: displayName(cq.from),
        text: cq.data,
        mentionsBot: false,
        // A press on the bot's own buttons answers the bot, like a reply.
        repliesToBot: true,
        attachments: [],
        messageId: `cb:${cq.id}`,
        sentAt: now,
        fromSelf: cq.from.id === bot.id,
      },
    };
  }

  const m = update.message;
  if (!m || !m.from) return null;
  const chatType = chatTypeOf(m.chat.type);
  if (!chatType) return null;
  const raw = m.text ?? m.caption ?? '';
  const entities = (m.text !== undefined ? m.entities : m.caption_entities) ?? [];
  const { mentions, command } = botEntities(raw, entities, bot);
  return {
    quoteMessageId: chatType === 'group' ? m.message_id : undefined,
    files: filesOf(m),
    msg: {
      platform: 'telegram',
      chatId: String(m.chat.id),
      chatType,
      senderId: String(m.from.id),
      senderName: displayName(m.from),
      ...(chatType === 'group' && m.chat.title ? { chatName: m.chat.title } : {}),
      text: mentions.length ? stripSpans(raw, mentions) : raw,
      mentionsBot: mentions.length > 0 || command,
      repliesToBot: m.reply_to_message?.from?.id === bot.id,
      attachments: [],
      messageId: `${m.chat.id}:${m.message_id}`,
      sentAt: m.date * 1000,
      fromSelf: m.from.id === bot.id,
    },
  };
}

/** Telegram's limit for one text message. */
export const TELEGRAM_TEXT_LIMIT = 4096;

/** Splits text into chunks of at most `limit` UTF-16 units, preferring line breaks, never splitting a surrogate pair. */
export function splitText(text: string, limit = TELEGRAM_TEXT_LIMIT): string[] {
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    let cut = rest.lastIndexOf('\n', limit);
    if (cut < limit / 2) cut = limit;
    const code = rest.charCodeAt(cut - 1);
    if (cut === limit && code >= 0xd800 && code <= 0xdbff) cut--; // keep a surrogate pair together
    chunks.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^\n/, '');
  }
  if (rest.length || chunks.length === 0) chunks.push(rest);
  return chunks;
}

/** Inline buttons for choices (at most 10; each press comes back as callback data "1", "2", …). */
export function choiceKeyboard(choices: string[]): { inline_keyboard: { text: string; callback_data: string }[][] } | undefined {
  if (choices.length === 0 || choices.length > 10) return undefined;
  return {
    inline_keyboard: choices.map((c, i) => {
      const label = `${i + 1}. ${c}`;
      return [{ text: label.length > 60 ? `${label.slice(0, 59)}…` : label, callback_data: String(i + 1) }];
    }),
  };
}
