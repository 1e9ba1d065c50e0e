/**
 * Replies as they sit in the delivery ledger (JSON, sealed as a whole by Delivery.seal): a file inline (small
 * notifications) or as a blob key (a broadcast's one image, stored once, sealed by Delivery.sealFile).
 */
import { z } from 'zod';
import { addressSchema, type Address, type Reply } from '../message.ts';

export const wireReplySchema = z.object({
  text: z.string().optional(),
  namesMember: z.boolean().optional(),
  choices: z.array(z.string()).optional(),
  notice: z.object({ kind: z.string().max(40), fields: z.record(z.string(), z.string().max(500)) }).optional(),
  file: z
    .object({ name: z.string(), mimeType: z.string(), dataBase64: z.string().optional(), blob: z.string().optional() })
    .optional(),
});
export type WireReply = z.infer<typeof wireReplySchema>;

export const payloadSchema = z.object({
  to: addressSchema,
  replies: z.array(wireReplySchema),
  queuedAt: z.number(),
});
export type Payload = z.infer<typeof payloadSchema>;

export function toWire(replies: Reply[]): WireReply[] {
  return replies.map((r) => ({
    ...(r.text !== undefined ? { text: r.text } : {}),
    ...(r.namesMember ? { namesMember: true } : {}),
    ...(r.choices ? { choices: r.choices } : {}),
    ...(r.notice ? { notice: r.notice } : {}),
    ...(r.file ? { file: { name: r.file.name, mimeType: r.file.mimeType, dataBase64: r.file.data.toString('base64') } } : {}),
  }));
}

/**
 * Back to replies; a blob file comes from `openBlob` (read from Redis and opened; a missing or unreadable one
 * fails the send with a clear reason: PermanentDeliveryError).
 */
export async function fromWire(replies: WireReply[], openBlob: (key: string) => Promise<Buffer>): Promise<Reply[]> {
  const out: Reply[] = [];
  for (const r of replies) {
    let file: Reply['file'];
    if (r.file) {
      const data = r.file.blob ? await openBlob(r.file.blob) : Buffer.from(r.file.dataBase64 ?? '', 'base64');
      file = { name: r.file.name, mimeType: r.file.mimeType, data };
    }
    out.push({
      ...(r.text !== undefined ? { text: r.text } : {}),
      ...(r.namesMember ? { namesMember: true } : {}),
      ...(r.choices ? { choices: r.choices } : {}),
      ...(r.notice ? { notice: r.notice } : {}),
      ...(file ? { file } : {}),
    });
  }
  return out;
}

/** A send that can never succeed (no retry). */
export class PermanentDeliveryError extends Error {}

export type { Address };
