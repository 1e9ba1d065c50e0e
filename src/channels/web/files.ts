/** Files the bot returns to web users (rosters, claim documents for admins): short-lived, unguessable URLs. */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Keys } from '../../core/keys.ts';
import type { OutboundFile, Reply } from '../../core/message.ts';
import type { WebReply } from './schema.ts';

const FILE_TTL_SECONDS = 3600;
const storedSchema = z.object({ name: z.string(), mimeType: z.string(), dataBase64: z.string() });

export class WebFiles {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async put(file: OutboundFile): Promise<string> {
    const id = randomBytes(18).toString('base64url');
    const value = JSON.stringify({ name: file.name, mimeType: file.mimeType, dataBase64: file.data.toString('base64') });
    await this.redis.set(this.keys.k('webfile', id), value, 'EX', FILE_TTL_SECONDS);
    return `/api/web/files/${id}`;
  }

  async get(id: string): Promise<OutboundFile | null> {
    if (!/^[\w-]{10,64}$/.test(id)) return null;
    const raw = await this.redis.get(this.keys.k('webfile', id));
    if (!raw) return null;
    const f = storedSchema.parse(JSON.parse(raw));
    return { name: f.name, mimeType: f.mimeType, data: Buffer.from(f.dataBase64, 'base64') };
  }

  async toWire(replies: Reply[]): Promise<WebReply[]> {
    return Promise.all(
      replies.map(async (r) => ({
        ...(r.text !== undefined ? { text: r.text } : {}),
        ...(r.choices ? { choices: r.choices } : {}),
        ...(r.file ? { file: { name: r.file.name, mimeType: r.file.mimeType, url: await this.put(r.file) } } : {}),
      })),
    );
  }
}
