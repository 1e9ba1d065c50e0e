/**
 * Telegram updates are hostile input: only the fields the adapter uses are validated here (zod), and
 * everything past this file works on the parsed shapes, never on telegraf's types.
 */
import { z } from 'zod';

const userSchema = z.object({
  id: z.number().int(),
  is_bot: z.boolean().optional(),
  first_name: z.string().max(256).optional(),
  last_name: z.string().max(256).optional(),
  username: z.string().max(64).optional(),
});
export type TgUser = z.infer<typeof userSchema>;

const chatSchema = z.object({
  id: z.number().int(),
  type: z.enum(['private', 'group', 'supergroup', 'channel']),
  title: z.string().optional(),
});

const entitySchema = z.object({
  type: z.string().max(64),
  offset: z.number().int().min(0),
  length: z.number().int().min(0),
  user: userSchema.optional(),
});
export type TgEntity = z.infer<typeof entitySchema>;

const photoSizeSchema = z.object({
  file_id: z.string().min(1).max(512),
  file_unique_id: z.string().max(512).optional(),
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  file_size: z.number().int().optional(),
});

const documentSchema = z.object({
  file_id: z.string().min(1).max(512),
  file_unique_id: z.string().max(512).optional(),
  file_name: z.string().max(512).optional(),
  mime_type: z.string().max(256).optional(),
  file_size: z.number().int().optional(),
});

export const messageSchema = z.object({
  message_id: z.number().int(),
  date: z.number().int(),
  chat: chatSchema,
  from: userSchema.optional(),
  text: z.string().max(65536).optional(),
  caption: z.string().max(65536).optional(),
  entities: z.array(entitySchema).max(1000).optional(),
  caption_entities: z.array(entitySchema).max(1000).optional(),
  photo: z.array(photoSizeSchema).max(50).optional(),
  document: documentSchema.optional(),
  reply_to_message: z.object({ message_id: z.number().int(), from: userSchema.optional() }).optional(),
});
export type TgMessage = z.infer<typeof messageSchema>;

const callbackQuerySchema = z.object({
  id: z.string().min(1).max(256),
  from: userSchema,
  data: z.string().max(64).optional(),
  message: z
    .object({ message_id: z.number().int(), chat: chatSchema, from: userSchema.optional() })
    .optional(),
});
export type TgCallbackQuery = z.infer<typeof callbackQuerySchema>;

/** The update kinds the bot handles; anything else is ignored quietly. */
export const updateSchema = z.object({
  update_id: z.number().int(),
  message: messageSchema.optional(),
  callback_query: callbackQuerySchema.optional(),
});
export type TgUpdate = z.infer<typeof updateSchema>;

/** getFile's answer. */
export const fileSchema = z.object({
  file_id: z.string(),
  file_size: z.number().int().optional(),
  file_path: z.string().min(1).optional(),
});

/** getMe's answer: what the adapter needs to recognise mentions and its own messages. */
export const botInfoSchema = z.object({ id: z.number().int(), username: z.string().min(1) });
export type BotInfo = z.infer<typeof botInfoSchema>;
