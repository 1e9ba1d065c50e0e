/**
 * Field-level encryption at rest: AES-256-GCM with a random 96-bit IV per value and the field's
 * purpose as associated data, so a ciphertext copied into another field fails to decrypt.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from './config.ts';

export class EncryptionKeyError extends Error {}
export class DecryptionError extends Error {}

const PREFIX = 'v1:';

/**
 * The 32-byte data key from DATA_ENCRYPTION_KEY (64 hex chars or base64 of 32 bytes).
 * Missing or malformed → EncryptionKeyError, unless devMode: then a fixed key derived from DATA_DIR
 * is used (so dev data stays readable across restarts) and a warning is logged.
 */
export function loadEncryptionKey(
  config: Pick<Config, 'DATA_ENCRYPTION_KEY' | 'DATA_DIR' | 'devMode'>,
  logger?: Pick<Logger, 'warn'>,
): Buffer {
  const raw = config.DATA_ENCRYPTION_KEY?.trim();
  const parsed = raw ? parseKey(raw) : null;
  if (parsed) return parsed;
  const problem = raw
    ? 'DATA_ENCRYPTION_KEY is malformed: expected 32 bytes as 64 hex characters or base64 (e.g. `openssl rand -hex 32`)'
    : 'DATA_ENCRYPTION_KEY is missing: set 32 bytes as 64 hex characters or base64 (e.g. `openssl rand -hex 32`)';
  if (!config.devMode) throw new EncryptionKeyError(problem);
  logger?.warn(`${problem}; development mode: using a key derived from DATA_DIR — never do this in production`);
  return createHash('sha256').update(`union-assistant-dev-key:${config.DATA_DIR}`).digest();
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

/** Encrypts/decrypts short strings; the output is `v1:` + base64(iv | tag | ciphertext). */
export class FieldCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new EncryptionKeyError('FieldCipher needs a 32-byte key');
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
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, buf.subarray(0, 12));
      decipher.setAAD(Buffer.from(purpose, 'utf8'));
      decipher.setAuthTag(buf.subarray(12, 28));
      return Buffer.concat([decipher.update(buf.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      throw new DecryptionError(`cannot decrypt ${purpose}: wrong key or tampered data`);
    }
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
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.subarray(0, 12));
      decipher.setAAD(Buffer.from(purpose, 'utf8'));
      decipher.setAuthTag(sealed.subarray(12, 28));
      return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
    } catch {
      throw new DecryptionError(`cannot decrypt ${purpose}: wrong key or tampered data`);
    }
  }

  /** A keyed, non-reversible fingerprint (e.g. to index claims by ID number without storing it in clear). */
  fingerprint(value: string, purpose: string): string {
    return createHmac('sha256', this.key).update(`${purpose}\u0000${value}`).digest('hex').slice(0, 32);
  }
}
