/**
 * Claim documents on disk, named by the SHA-256 of their content (identical uploads are stored once)
 * and encrypted with AES-256-GCM (ID cards and bank cards are sensitive personal information).
 * Only JPEG, PNG and PDF up to 10 MB, recognized by their first bytes; files are never sent to groups.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
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

/** A file being written; left over only by a crash mid-write (the sweep removes old ones). */
export const TMP_SUFFIX = '.tmp';

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

  /**
   * Checks and stores one attachment; resolves after the bytes are fsynced. `hold` runs before the file is
   * written (so the sweep never takes a file being uploaded for unreferenced). A failed write (disk full,
   * read-only) leaves no partial file behind and throws.
   */
  async save(att: InboundAttachment, hold: (sha256: string) => Promise<void> = async () => undefined): Promise<SaveResult> {
    if (att.data.length === 0) return { ok: false, error: 'doc_empty' };
    if (att.data.length > MAX_DOCUMENT_BYTES) return { ok: false, error: 'doc_size' };
    const mimeType = sniffDocumentType(att.data);
    if (!mimeType) return { ok: false, error: 'doc_type' };
    const sha256 = createHash('sha256').update(att.data).digest('hex');
    await hold(sha256);
    const target = this.pathFor(sha256);
    const exists = await stat(target).then((s) => s.size > 0, () => false);
    if (!exists) {
      await mkdir(path.dirname(target), { recursive: true });
      const tmp = `${target}.${randomBytes(6).toString('hex')}${TMP_SUFFIX}`;
      const fh = await open(tmp, 'w', 0o600);
      try {
        try {
          await fh.writeFile(this.cipher.encryptBytes(att.data, `document:${sha256}`));
          await fh.sync();
        } finally {
          await fh.close();
        }
        await rename(tmp, target);
      } catch (err) {
        await unlink(tmp).catch(() => undefined);
        throw err;
      }
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

  /** Deletes a stored document (already gone counts as deleted). */
  async remove(sha256: string): Promise<void> {
    await unlink(this.pathFor(sha256)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  /** Every file in the store: documents by hash, and partial writes (`tmp`) by path; with their age. */
  async list(): Promise<Array<{ sha256?: string; file: string; mtimeMs: number }>> {
    const subdirs = await readdir(this.dir, { withFileTypes: true }).catch(() => []);
    const found: Array<{ sha256?: string; file: string; mtimeMs: number }> = [];
    for (const sub of subdirs.filter((d) => d.isDirectory() && /^[0-9a-f]{2}$/.test(d.name))) {
      for (const name of await readdir(path.join(this.dir, sub.name))) {
        const file = path.join(this.dir, sub.name, name);
        const info = await stat(file).catch(() => null);
        if (!info?.isFile()) continue;
        if (/^[0-9a-f]{64}$/.test(name)) found.push({ sha256: name, file, mtimeMs: info.mtimeMs });
        else if (name.endsWith(TMP_SUFFIX)) found.push({ file, mtimeMs: info.mtimeMs });
      }
    }
    return found;
  }

  /** Removes a partial write found by `list`. */
  async removeTmp(file: string): Promise<void> {
    if (!file.endsWith(TMP_SUFFIX) || path.dirname(path.dirname(file)) !== this.dir) throw new Error(`not a partial document: ${file}`);
    await unlink(file).catch(() => undefined);
  }
}
