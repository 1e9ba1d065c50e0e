/**
 * Claim documents on disk, named by the SHA-256 of their content (identical uploads are stored once)
 * and encrypted with AES-256-GCM (ID cards and bank cards are sensitive personal information).
 * Only JPEG, PNG and PDF up to 10 MB, recognized by their first bytes; files are never sent to groups.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { FieldCipher } from '../../src/core/crypto.ts';
import type { InboundAttachment } from '../../src/core/message.ts';
import { MAX_DOCUMENT_BYTES, sniffDocumentType, type DocumentMime } from '../../src/kit/fields.ts';

export const storedFileSchema = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  name: z.string().max(200),
  mimeType: z.enum(['image/jpeg', 'image/png', 'application/pdf']),
  size: z.number().int().positive(),
});
export type StoredFile = z.infer<typeof storedFileSchema>;

export type SaveResult = { ok: true; file: StoredFile } | { ok: false; error: 'doc_type' | 'doc_size' | 'doc_empty' };

const EXT: Record<DocumentMime, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'application/pdf': 'pdf' };

/** Where documents live: DOCUMENTS_DIR, or `${DATA_DIR}/documents`. */
export function documentsDir(config: { DOCUMENTS_DIR?: string | undefined; DATA_DIR: string }): string {
  return path.resolve(config.DOCUMENTS_DIR ?? path.join(config.DATA_DIR, 'documents'));
}

export class DocumentStore {
  constructor(
    readonly dir: string,
    private readonly cipher: FieldCipher,
  ) {}

  private pathFor(sha256: string): string {
    return path.join(this.dir, sha256.slice(0, 2), sha256);
  }

  /** Checks and stores one attachment; resolves after the bytes are fsynced. */
  async save(att: InboundAttachment): Promise<SaveResult> {
    if (att.data.length === 0) return { ok: false, error: 'doc_empty' };
    if (att.data.length > MAX_DOCUMENT_BYTES) return { ok: false, error: 'doc_size' };
    const mimeType = sniffDocumentType(att.data);
    if (!mimeType) return { ok: false, error: 'doc_type' };
    const sha256 = createHash('sha256').update(att.data).digest('hex');
    const target = this.pathFor(sha256);
    const exists = await stat(target).then((s) => s.size > 0, () => false);
    if (!exists) {
      await mkdir(path.dirname(target), { recursive: true });
      const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
      const fh = await open(tmp, 'w', 0o600);
      try {
        await fh.writeFile(this.cipher.encryptBytes(att.data, `document:${sha256}`));
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, target).catch(async (err: unknown) => {
        await unlink(tmp).catch(() => undefined);
        throw err;
      });
    }
    const base = path.basename(att.name || 'file').replace(/[\u0000-\u001f/\\]/g, '_').slice(0, 120) || 'file';
    const name = /\.[A-Za-z0-9]{2,4}$/.test(base) ? base : `${base}.${EXT[mimeType]}`;
    return { ok: true, file: { sha256, name, mimeType, size: att.data.length } };
  }

  /** Reads a stored file back and verifies its hash (a changed file on disk is an error, not data). */
  async read(file: StoredFile): Promise<Buffer> {
    const data = this.cipher.decryptBytes(await readFile(this.pathFor(file.sha256)), `document:${file.sha256}`);
    const actual = createHash('sha256').update(data).digest('hex');
    if (actual !== file.sha256) throw new Error(`document ${file.sha256} is corrupt on disk`);
    return data;
  }
}
