/** The web chat API's wire format, validated with zod. */
import { z } from 'zod';

const MAX_ATTACHMENT_BASE64 = Math.ceil((10 * 1024 * 1024 * 4) / 3) + 8;

const chatIdSchema = z.string().min(1).max(128).regex(/^[\w.@:-]+$/, 'letters, digits and _ . @ : - only');

export const webMessageSchema = z.object({
  userId: chatIdSchema,
  displayName: z.string().max(64).optional(),
  chatId: chatIdSchema.optional(),
  chatType: z.enum(['private', 'group']),
  /** A group's title, shown to staff choosing where to announce. */
  chatName: z.string().max(100).optional(),
  text: z.string().max(20000),
  mentionsBot: z.boolean().optional(),
  /** Optional client message id: a retried POST with the same id is answered once. */
  messageId: z.string().min(1).max(128).optional(),
  attachments: z
    .array(
      z.object({
        name: z.string().min(1).max(200),
        mimeType: z.string().min(3).max(100),
        dataBase64: z.string().max(MAX_ATTACHMENT_BASE64, 'attachment larger than 10 MB').regex(/^[A-Za-z0-9+/=\s]*$/, 'not base64'),
      }),
    )
    .max(10)
    .optional(),
});
export type WebMessage = z.infer<typeof webMessageSchema>;

export const webReplySchema = z.object({
  text: z.string().optional(),
  choices: z.array(z.string()).optional(),
  file: z.object({ name: z.string(), mimeType: z.string(), url: z.string() }).optional(),
});
export type WebReply = z.infer<typeof webReplySchema>;

export const inboxQuerySchema = z.object({ chatId: chatIdSchema });
/** The inbox items a page has shown: their ids as GET returned them. */
export const inboxAckSchema = z.object({ chatId: chatIdSchema, ids: z.array(z.string().regex(/^\d{1,20}-\d{1,20}$/, 'an item id')).max(100) });
