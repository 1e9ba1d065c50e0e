/**
 * Claim documents on disk, named by the SHA-256 of their content (identical uploads are stored once)
 * and encrypted with AES-256-GCM (ID cards and bank cards are sensitive personal information); each file
 * names the key it is sealed with, so `rekey` finds the ones still under an old key.
 * Only JPEG, PNG and PDF up to 10 MB, recognized by their first bytes; files are never sent to groups.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { FieldCipher, FILE_HEADER_BYTES } from '../../src/core/crypto.ts';
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

const purposeOf = (sha256: string) => `document:${sha256}`;

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
    if (!exists) await this.write(target, this.cipher.encryptBytes(att.data, purposeOf(sha256)));
    const base = path.basename(att.name || 'file').replace(/[\u0000-\u001f/\\]/g, '_').slice(0, 120) || 'file';
    const name = /\.[A-Za-z0-9]{2,4}$/.test(base) ? base : `${base}.${EXT[mimeType]}`;
    return { ok: true, file: { sha256, name, mimeType, size: att.data.length } };
  }

  /** Writes through a temporary file, fsynced, then renamed over `target`: a crash leaves the old file or the new one, never a part. */
  private async write(target: string, sealed: Buffer): Promise<void> {
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.${randomBytes(6).toString('hex')}${TMP_SUFFIX}`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      try {
        await fh.writeFile(sealed);
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

  /** Reads a stored file back and verifies its hash (a changed file on disk is an error, not data). */
  async read(file: Pick<StoredFile, 'sha256'>): Promise<Buffer> {
    return this.open(file.sha256, await readFile(this.pathFor(file.sha256)));
  }

  private open(sha256: string, sealed: Buffer): Buffer {
    const data = this.cipher.decryptBytes(sealed, purposeOf(sha256));
    const actual = createHash('sha256').update(data).digest('hex');
    if (actual !== sha256) throw new Error(`document ${sha256} is corrupt on disk`);
    return data;
  }

  /**
   * Re-encrypts a stored document under the current key (atomically: the old file stays until the new one is on
   * disk). `current`: already under it; `gone`: deleted meanwhile.
   */
  async rekey(sha256: string): Promise<'rekeyed' | 'current' | 'gone'> {
    const target = this.pathFor(sha256);
    const gone = (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    };
    // The header says the key: a file already under the current key is not read in full.
    const header = await open(target, 'r').then(async (fh) => {
      try {
        return (await fh.read(Buffer.alloc(FILE_HEADER_BYTES), 0, FILE_HEADER_BYTES, 0)).buffer;
      } finally {
        await fh.close();
      }
    }, gone);
    if (!header) return 'gone';
    if (FieldCipher.keyIdOf(header, { headerOnly: true }) === this.cipher.keyId) return 'current';
    const sealed = await readFile(target).catch(gone);
    if (!sealed) return 'gone';
    await this.write(target, this.cipher.encryptBytes(this.open(sha256, sealed), purposeOf(sha256)));
    return 'rekeyed';
  }

  /** Deletes a stored document (already gone counts as deleted). */
  async remove(sha256: string): Promise<void> {
    await unlink(this.pathFor(sha256)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  /** Every file in the store (or the first `limit`): documents by hash, and partial writes (`tmp`) by path; with their age. */
  async list(limit = Infinity): Promise<Array<{ sha256?: string; file: string; mtimeMs: number }>> {
    const subdirs = await readdir(this.dir, { withFileTypes: true }).catch(() => []);
    const found: Array<{ sha256?: string; file: string; mtimeMs: number }> = [];
    for (const sub of subdirs.filter((d) => d.isDirectory() && /^[0-9a-f]{2}$/.test(d.name))) {
      for (const name of await readdir(path.join(this.dir, sub.name))) {
        if (found.length >= limit) return found;
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
