/** Key ids in every ciphertext, old keys that only decrypt, and data from before key ids. */
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig } from '../../src/core/config.ts';
import { DecryptionError, FieldCipher, keyId, loadEncryptionKey, MissingKeyError } from '../../src/core/crypto.ts';

const A = Buffer.alloc(32, 0xa1);
const B = Buffer.alloc(32, 0xb2);
const withOld = (key: Buffer, ...old: Buffer[]) => Object.assign(Buffer.from(key), { readOnly: old });

/** iv | tag | ciphertext, as values and files were sealed before key ids. */
function legacySeal(key: Buffer, plain: Buffer, purpose: string): Buffer {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(purpose));
  const ct = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), ct]);
}

describe('key ids', () => {
  it('a key id is the first 8 hex characters of the SHA-256 of the key', () => {
    expect(keyId(A)).toBe(createHash('sha256').update(A).digest('hex').slice(0, 8));
    expect(new FieldCipher(A).keyId).toBe(keyId(A));
  });

  it('values and files name the key that sealed them; an old key decrypts but never encrypts', () => {
    const sealedA = new FieldCipher(A).encrypt('13812345678', 'claim:mobile');
    expect(sealedA).toMatch(new RegExp(`^v2:${keyId(A)}:`));
    expect(FieldCipher.keyIdOf(sealedA)).toBe(keyId(A));
    const cipher = new FieldCipher(withOld(B, A));
    expect(cipher.keyIds).toEqual([keyId(B), keyId(A)]);
    expect(cipher.decrypt(sealedA, 'claim:mobile')).toBe('13812345678');
    expect(cipher.isCurrent(sealedA)).toBe(false);
    expect(cipher.isCurrent(cipher.encrypt('x', 'p'))).toBe(true);
    const file = new FieldCipher(A).encryptBytes(Buffer.from('%PDF'), 'document:x');
    expect(FieldCipher.keyIdOf(file)).toBe(keyId(A));
    expect(cipher.decryptBytes(file, 'document:x').toString()).toBe('%PDF');
    expect(FieldCipher.keyIdOf(cipher.encryptBytes(Buffer.from('%PDF'), 'document:x'))).toBe(keyId(B));
  });

  it('data under a key that is not configured fails with the key id it needs', () => {
    const cipher = new FieldCipher(B);
    const value = new FieldCipher(A).encrypt('x', 'p');
    const file = new FieldCipher(A).encryptBytes(Buffer.from('x'), 'p');
    for (const open of [() => cipher.decrypt(value, 'p'), () => cipher.decryptBytes(file, 'p')]) {
      expect(open).toThrow(MissingKeyError);
      expect(open).toThrow(keyId(A));
    }
    // A changed key id is not a way around the check: the named key must open it.
    const forged = value.replace(keyId(A), keyId(B));
    expect(() => cipher.decrypt(forged, 'p')).toThrow(DecryptionError);
  });

  it('values and files from before key ids are tried with every available key', () => {
    const v1 = `v1:${legacySeal(A, Buffer.from('急性阑尾炎'), 'claim:diagnosis').toString('base64')}`;
    const file = legacySeal(A, Buffer.from('%PDF-1.4'), 'document:y');
    const cipher = new FieldCipher(withOld(B, A));
    expect(cipher.decrypt(v1, 'claim:diagnosis')).toBe('急性阑尾炎');
    expect(cipher.decryptBytes(file, 'document:y').toString()).toBe('%PDF-1.4');
    expect(FieldCipher.keyIdOf(v1)).toBeNull();
    expect(FieldCipher.keyIdOf(file)).toBeNull();
    expect(cipher.isCurrent(v1)).toBe(false);
    expect(() => new FieldCipher(B).decrypt(v1, 'claim:diagnosis')).toThrow(DecryptionError);
  });

  it('fingerprints: one per available key, the current one first', () => {
    const cipher = new FieldCipher(withOld(B, A));
    expect(cipher.fingerprints('id', 'idNumber')).toEqual([new FieldCipher(B).fingerprint('id', 'idNumber'), new FieldCipher(A).fingerprint('id', 'idNumber')]);
  });
});

describe('DATA_ENCRYPTION_OLD_KEYS', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), 'ua-oldkeys-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('comma-separated keys in hex or base64 decrypt only; a malformed one stops start-up', () => {
    const config = loadConfig({ DATA_DIR: fresh(), DATA_ENCRYPTION_KEY: B.toString('hex'), DATA_ENCRYPTION_OLD_KEYS: `${A.toString('base64')}, ${Buffer.alloc(32, 3).toString('hex')}` });
    const key = loadEncryptionKey(config);
    expect(key.equals(B)).toBe(true);
    expect(key.readOnly?.map((k) => keyId(k))).toEqual([keyId(A), keyId(Buffer.alloc(32, 3))]);
    expect(() => loadConfig({ DATA_ENCRYPTION_OLD_KEYS: 'abc' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_ENCRYPTION_OLD_KEYS: 'abc' })).toThrow(/DATA_ENCRYPTION_OLD_KEYS/);
  });

  it('once DATA_ENCRYPTION_KEY is set, the development key file left in DATA_DIR only decrypts, with a warning to rekey', () => {
    const dir = fresh();
    const devKey = loadEncryptionKey({ DATA_DIR: dir, devMode: true, DATA_ENCRYPTION_KEY: undefined });
    const sealed = new FieldCipher(devKey).encrypt('x', 'p');
    const warn = vi.fn();
    const key = loadEncryptionKey({ DATA_DIR: dir, devMode: false, DATA_ENCRYPTION_KEY: B.toString('hex') }, { warn });
    const cipher = new FieldCipher(key);
    expect(cipher.keyId).toBe(keyId(B));
    expect(cipher.decrypt(sealed, 'p')).toBe('x');
    expect(warn.mock.calls.some(([m]) => /rekey/.test(String(m)))).toBe(true);
  });
});
