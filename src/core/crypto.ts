/**
 * Field-level encryption at rest: AES-256-GCM with a random 96-bit IV per value and the field's
 * purpose as associated data, so a ciphertext copied into another field fails to decrypt. Every
 * ciphertext names its key (a key id), so data stays readable across a key change while the old key is
 * still configured (DATA_ENCRYPTION_OLD_KEYS), and `npm run cli -- rekey` can move it to the current key.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config.ts';

export class EncryptionKeyError extends Error {}
export class DecryptionError extends Error {}
/** The data was sealed with a key that is not configured (neither DATA_ENCRYPTION_KEY nor DATA_ENCRYPTION_OLD_KEYS). */
export class MissingKeyError extends DecryptionError {
  constructor(
    readonly keyId: string,
    purpose: string,
  ) {
    super(`cannot decrypt ${purpose}: sealed with key ${keyId}, which is not configured (add it to DATA_ENCRYPTION_OLD_KEYS)`);
  }
}
/** Stored data no available key decrypts: start-up refuses (production) or warns loudly (development). */
export class UnreadableDataError extends Error {}

/** Values before key ids: `v1:` + base64, tried with every available key. */
const V1 = 'v1:';
/** `v2:<keyId>:` + base64. */
const V2 = /^v2:([0-9a-f]{8}):/;
/** What a sealed value looks like (for schemas of stored records). */
export const SEALED_VALUE = /^v(?:1|2:[0-9a-f]{8}):/;
/** Files start with this magic and the key id (4 bytes); older files are iv | tag | ciphertext only. */
const FILE_MAGIC = Buffer.from('UAK2');
const FILE_HEADER = FILE_MAGIC.length + 4;
/** How many first bytes of a file `FieldCipher.keyIdOf` needs with `headerOnly`. */
export const FILE_HEADER_BYTES = FILE_HEADER;
/** iv (12) | tag (16). */
const GCM_OVERHEAD = 28;

/** A key's id, stored with every ciphertext: the first 8 hex characters of the SHA-256 of its 32 bytes (not secret). */
export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** The data key, with keys that may still decrypt older data but never encrypt (see loadEncryptionKey). */
export type DataKey = Buffer & { readonly readOnly?: readonly Buffer[] };

/** Where development mode keeps its random key. */
export const DEV_KEY_FILE = 'encryption.key';

/**
 * The 32-byte data key from DATA_ENCRYPTION_KEY (64 hex chars or base64 of 32 bytes), with the keys of
 * DATA_ENCRYPTION_OLD_KEYS as read-only (they decrypt older data, never encrypt).
 * Missing or malformed → EncryptionKeyError, unless devMode: then a random key kept in
 * DATA_DIR/encryption.key (mode 600, created on first use, reused after) and a warning is logged.
 * Development data written before that file existed was sealed with a key derived from DATA_DIR's path:
 * when the file is created in a DATA_DIR that already holds data, that old key is kept in the file as
 * read-only, so the old data stays readable. Once DATA_ENCRYPTION_KEY is set, the keys of a development key
 * file left in DATA_DIR are read-only too: the data sealed with them stays readable until `rekey` moves it.
 */
export function loadEncryptionKey(
  config: Pick<Config, 'DATA_ENCRYPTION_KEY' | 'DATA_DIR' | 'devMode'> & { DATA_ENCRYPTION_OLD_KEYS?: readonly string[] },
  logger?: Pick<Logger, 'warn'>,
): DataKey {
  const old = (config.DATA_ENCRYPTION_OLD_KEYS ?? []).map((raw) => {
    const key = parseKey(raw.trim());
    if (!key) throw new EncryptionKeyError('DATA_ENCRYPTION_OLD_KEYS: each key must be 32 bytes as 64 hex characters or base64');
    return key;
  });
  const file = join(config.DATA_DIR, DEV_KEY_FILE);
  const raw = config.DATA_ENCRYPTION_KEY?.trim();
  const parsed = raw ? parseKey(raw) : null;
  if (parsed) {
    const left = existsSync(file) ? leftoverKeys(file, logger) : null;
    return withReadOnly(parsed, [...old, ...(left ? [left.key, ...left.readOnly] : [])]);
  }
  const problem = raw
    ? 'DATA_ENCRYPTION_KEY is malformed: expected 32 bytes as 64 hex characters or base64 (e.g. `openssl rand -hex 32`)'
    : 'DATA_ENCRYPTION_KEY is missing: set 32 bytes as 64 hex characters or base64 (e.g. `openssl rand -hex 32`)';
  if (!config.devMode) throw new EncryptionKeyError(problem);
  const { key, readOnly } = devKey(file, () => createHash('sha256').update(`union-assistant-dev-key:${config.DATA_DIR}`).digest());
  logger?.warn(`${problem}; development mode: using the random key in ${file} — never do this in production`);
  if (readOnly.length) logger?.warn(`development mode: data sealed with the old key derived from DATA_DIR's path (anyone can compute it) is still read; set DATA_ENCRYPTION_KEY and run \`npm run cli -- rekey\``);
  return withReadOnly(key, [...readOnly, ...old]);
}

/** The keys of a development key file once DATA_ENCRYPTION_KEY is set: read-only, and a warning to move the data. */
function leftoverKeys(file: string, logger?: Pick<Logger, 'warn'>): { key: Buffer; readOnly: Buffer[] } | null {
  try {
    const keys = readKeyFile(file);
    logger?.warn(`${file} is still there: its development keys now only decrypt; run \`npm run cli -- rekey\`, then delete the file`);
    return keys;
  } catch (err) {
    if (!(err instanceof EncryptionKeyError)) throw err;
    logger?.warn(`${file} is not a key file and is ignored (DATA_ENCRYPTION_KEY is set)`);
    return null;
  }
}

/** The key with its read-only keys (none: the plain key), each key once. */
function withReadOnly(key: Buffer, readOnly: Buffer[]): DataKey {
  const unique = readOnly.filter((k, i) => !k.equals(key) && readOnly.findIndex((o) => o.equals(k)) === i);
  return unique.length ? Object.assign(key, { readOnly: unique }) : key;
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
  return readKeyFile(file);
}

/** A key file: the key's hex, then `old <hex>` lines; a file not readable by others. */
function readKeyFile(file: string): { key: Buffer; readOnly: Buffer[] } {
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

/**
 * Encrypts/decrypts short strings (`v2:<keyId>:` + base64(iv | tag | ciphertext)) and files (`UAK2` | key id |
 * iv | tag | ciphertext) with the current key; decrypts with the key the data names, or for data from before
 * key ids (`v1:`, headerless files) with every available key.
 */
export class FieldCipher {
  /** The id of the key that encrypts. */
  readonly keyId: string;
  /** Every available key by id, the current one first. */
  private readonly keys: ReadonlyMap<string, Buffer>;

  constructor(private readonly key: DataKey) {
    if (key.length !== 32) throw new EncryptionKeyError('FieldCipher needs a 32-byte key');
    this.keyId = keyId(key);
    this.keys = new Map([key, ...(key.readOnly ?? [])].map((k) => [keyId(k), k]));
  }

  /** The ids of the keys that decrypt, the current one first. */
  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  encrypt(plain: string, purpose: string): string {
    return `v2:${this.keyId}:${this.seal(Buffer.from(plain, 'utf8'), purpose).toString('base64')}`;
  }

  /** Throws DecryptionError when the value was tampered with, encrypted for another purpose or with another key (MissingKeyError: a key not configured). */
  decrypt(sealed: string, purpose: string): string {
    const v2 = V2.exec(sealed);
    if (!v2 && !sealed.startsWith(V1)) throw new DecryptionError(`not an encrypted value (${purpose})`);
    const buf = Buffer.from(sealed.slice(v2 ? v2[0].length : V1.length), 'base64');
    if (buf.length < GCM_OVERHEAD) throw new DecryptionError(`encrypted value too short (${purpose})`);
    return this.open(buf, purpose, v2?.[1]).toString('utf8');
  }

  /** Encrypts a file's bytes with the current key, bound to `purpose`. */
  encryptBytes(plain: Buffer, purpose: string): Buffer {
    return Buffer.concat([FILE_MAGIC, Buffer.from(this.keyId, 'hex'), this.seal(plain, purpose)]);
  }

  decryptBytes(sealed: Buffer, purpose: string): Buffer {
    const id = FieldCipher.keyIdOf(sealed);
    if (id === null) {
      if (sealed.length < GCM_OVERHEAD) throw new DecryptionError(`encrypted file too short (${purpose})`);
      return this.open(sealed, purpose);
    }
    try {
      return this.open(sealed.subarray(FILE_HEADER), purpose, id);
    } catch (err) {
      // An older headerless file whose random iv happens to start with the magic.
      try {
        return this.open(sealed, purpose);
      } catch {
        throw err;
      }
    }
  }

  /** The id of the key a value or file was sealed with; null for data from before key ids, which does not say. */
  static keyIdOf(sealed: string | Buffer, opts: { headerOnly?: boolean } = {}): string | null {
    if (typeof sealed === 'string') return V2.exec(sealed)?.[1] ?? null;
    const least = opts.headerOnly ? FILE_HEADER : FILE_HEADER + GCM_OVERHEAD;
    if (sealed.length < least || !sealed.subarray(0, FILE_MAGIC.length).equals(FILE_MAGIC)) return null;
    return sealed.subarray(FILE_MAGIC.length, FILE_HEADER).toString('hex');
  }

  /** Whether data is sealed with the current key (else `rekey` re-encrypts it). */
  isCurrent(sealed: string | Buffer): boolean {
    return FieldCipher.keyIdOf(sealed) === this.keyId;
  }

  /** A sealed value under the current key: itself when it already is, else opened and sealed again (`rekey`). */
  reseal(sealed: string, purpose: string): string {
    return this.isCurrent(sealed) ? sealed : this.encrypt(this.decrypt(sealed, purpose), purpose);
  }

  /** iv (12) | tag (16) | ciphertext. */
  private seal(plain: Buffer, purpose: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(purpose, 'utf8'));
    const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), ct]);
  }

  /** iv (12) | tag (16) | ciphertext, opened with the named key or, when none is named, with each available key. */
  private open(sealed: Buffer, purpose: string, id?: string): Buffer {
    const named = id === undefined ? undefined : this.keys.get(id);
    if (id !== undefined && !named) throw new MissingKeyError(id, purpose);
    for (const key of named ? [named] : this.keys.values()) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
        decipher.setAAD(Buffer.from(purpose, 'utf8'));
        decipher.setAuthTag(sealed.subarray(12, GCM_OVERHEAD));
        return Buffer.concat([decipher.update(sealed.subarray(GCM_OVERHEAD)), decipher.final()]);
      } catch {
        // the next key, if any
      }
    }
    throw new DecryptionError(`cannot decrypt ${purpose}: wrong key or tampered data`);
  }

  /** A keyed, non-reversible fingerprint with the current key (e.g. to index claims by ID number without storing it in clear). */
  fingerprint(value: string, purpose: string): string {
    return fingerprintWith(this.key, value, purpose);
  }

  /** The fingerprints under every available key, current first: lookups still find entries indexed before a key change. */
  fingerprints(value: string, purpose: string): string[] {
    return [...this.keys.values()].map((k) => fingerprintWith(k, value, purpose));
  }
}

function fingerprintWith(key: Buffer, value: string, purpose: string): string {
  return createHmac('sha256', key).update(`${purpose}\u0000${value}`).digest('hex').slice(0, 32);
}
