/**
 * Field-level encryption at rest: AES-256-GCM with a random 96-bit IV per value and the field's
 * purpose as associated data, so a ciphertext copied into another field fails to decrypt.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config.ts';

export class EncryptionKeyError extends Error {}
export class DecryptionError extends Error {}

const PREFIX = 'v1:';

/** The data key, with keys that may still decrypt older data but never encrypt (see loadEncryptionKey). */
export type DataKey = Buffer & { readonly readOnly?: readonly Buffer[] };

/** Where development mode keeps its random key. */
export const DEV_KEY_FILE = 'encryption.key';

/**
 * The 32-byte data key from DATA_ENCRYPTION_KEY (64 hex chars or base64 of 32 bytes).
 * Missing or malformed → EncryptionKeyError, unless devMode: then a random key kept in
 * DATA_DIR/encryption.key (mode 600, created on first use, reused after) and a warning is logged.
 * Development data written before that file existed was sealed with a key derived from DATA_DIR's path:
 * when the file is created in a DATA_DIR that already holds data, that old key is kept in the file as
 * read-only, so the old data stays readable.
 */
export function loadEncryptionKey(
  config: Pick<Config, 'DATA_ENCRYPTION_KEY' | 'DATA_DIR' | 'devMode'>,
  logger?: Pick<Logger, 'warn'>,
): DataKey {
  const raw = config.DATA_ENCRYPTION_KEY?.trim();
  const parsed = raw ? parseKey(raw) : null;
  if (parsed) return parsed;
  const problem = raw
    ? 'DATA_ENCRYPTION_KEY is malformed: expected 32 bytes as 64 hex characters or base64 (e.g. `openssl rand -hex 32`)'
    : 'DATA_ENCRYPTION_KEY is missing: set 32 bytes as 64 hex characters or base64 (e.g. `openssl rand -hex 32`)';
  if (!config.devMode) throw new EncryptionKeyError(problem);
  const file = join(config.DATA_DIR, DEV_KEY_FILE);
  const { key, readOnly } = devKey(file, () => createHash('sha256').update(`union-assistant-dev-key:${config.DATA_DIR}`).digest());
  logger?.warn(`${problem}; development mode: using the random key in ${file} — never do this in production`);
  if (!readOnly.length) return key;
  logger?.warn(`development mode: data sealed with the old key derived from DATA_DIR's path (anyone can compute it) is still read; set DATA_ENCRYPTION_KEY and re-enter that data`);
  return Object.assign(key, { readOnly });
}

/**
 * The development key file: the key's hex on the first line, then `old <hex>` lines for read-only keys.
 * Created (random key, mode 600) when missing; `legacy` becomes a read-only key if DATA_DIR already held data.
 */
function devKey(file: string, legacy: () => Buffer): { key: Buffer; readOnly: Buffer[] } {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true });
  const existingData = readdirSync(dir).some((name) => name !== DEV_KEY_FILE);
  try {
    const fd = openSync(file, 'wx', 0o600);
    const key = randomBytes(32);
    const readOnly = existingData ? [legacy()] : [];
    const lines = [key.toString('hex'), ...readOnly.map((k) => `old ${k.toString('hex')}`)];
    writeSync(fd, `${lines.join('\n')}\n`);
    closeSync(fd);
    return { key, readOnly };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const [first = '', ...rest] = readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  const key = parseKey(first);
  const readOnly = rest.map((l) => parseKey(l.replace(/^old /, '')));
  if (!key || readOnly.some((k) => !k)) throw new EncryptionKeyError(`${file} is not a key file: restore it or set DATA_ENCRYPTION_KEY (data sealed with its key cannot be read otherwise)`);
  return { key, readOnly: readOnly.filter((k): k is Buffer => k !== null) };
}

/** 32 key bytes from 64 hex characters or base64; null when malformed. */
export function parseKey(raw: string): Buffer | null {
  if (/^[0-9a-fA-F]{64}$/.test(raw)) return Buffer.from(raw, 'hex');
  if (/^[A-Za-z0-9+/_-]{42,44}={0,2}$/.test(raw)) {
    const buf = Buffer.from(raw.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (buf.length === 32) return buf;
  }
  return null;
}

/** A key for another purpose (e.g. signing download links), derived from the data key: never stored, changes with it. */
export function deriveKey(key: DataKey, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `union-assistant:${purpose}`, 32));
}

/** Encrypts/decrypts short strings; the output is `v1:` + base64(iv | tag | ciphertext). */
export class FieldCipher {
  /** The key, then keys that only decrypt (older data). */
  private readonly decryptKeys: readonly Buffer[];

  constructor(private readonly key: DataKey) {
    if (key.length !== 32) throw new EncryptionKeyError('FieldCipher needs a 32-byte key');
    this.decryptKeys = [key, ...(key.readOnly ?? [])];
  }

  encrypt(plain: string, purpose: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(purpose, 'utf8'));
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64');
  }

  /** Throws DecryptionError when the value was tampered with, encrypted for another purpose or with another key. */
  decrypt(sealed: string, purpose: string): string {
    if (!sealed.startsWith(PREFIX)) throw new DecryptionError(`not an encrypted value (${purpose})`);
    const buf = Buffer.from(sealed.slice(PREFIX.length), 'base64');
    if (buf.length < 28) throw new DecryptionError(`encrypted value too short (${purpose})`);
    return this.open(buf, purpose).toString('utf8');
  }

  /** Encrypts a file's bytes: iv (12) | tag (16) | ciphertext, bound to `purpose`. */
  encryptBytes(plain: Buffer, purpose: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(purpose, 'utf8'));
    const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), ct]);
  }

  decryptBytes(sealed: Buffer, purpose: string): Buffer {
    if (sealed.length < 28) throw new DecryptionError(`encrypted file too short (${purpose})`);
    return this.open(sealed, purpose);
  }

  /** iv (12) | tag (16) | ciphertext, opened with the key or, for older data, a read-only key. */
  private open(sealed: Buffer, purpose: string): Buffer {
    for (const key of this.decryptKeys) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
        decipher.setAAD(Buffer.from(purpose, 'utf8'));
        decipher.setAuthTag(sealed.subarray(12, 28));
        return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
      } catch {
        // the next key, if any
      }
    }
    throw new DecryptionError(`cannot decrypt ${purpose}: wrong key or tampered data`);
  }

  /** A keyed, non-reversible fingerprint (e.g. to index claims by ID number without storing it in clear). */
  fingerprint(value: string, purpose: string): string {
    return createHmac('sha256', this.key).update(`${purpose}\u0000${value}`).digest('hex').slice(0, 32);
  }
}
