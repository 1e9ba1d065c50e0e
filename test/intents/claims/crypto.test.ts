import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { DecryptionError, EncryptionKeyError, FieldCipher, loadEncryptionKey } from '../../../src/core/crypto.ts';

const hexKey = '0f'.repeat(32);

describe('field encryption (AES-256-GCM)', () => {
  const cipher = new FieldCipher(Buffer.from(hexKey, 'hex'));

  it('round-trips and never repeats a ciphertext', () => {
    const a = cipher.encrypt('11010519491231002X', 'claim:idNumber');
    const b = cipher.encrypt('11010519491231002X', 'claim:idNumber');
    expect(a).not.toBe(b);
    expect(a).not.toContain('1101051949');
    expect(cipher.decrypt(a, 'claim:idNumber')).toBe('11010519491231002X');
    expect(cipher.decrypt(cipher.encrypt('急性阑尾炎', 'claim:diagnosis'), 'claim:diagnosis')).toBe('急性阑尾炎');
  });

  it('detects tampering, a wrong purpose and a wrong key', () => {
    const sealed = cipher.encrypt('6222021234567890128', 'claim:bankCard');
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;
    expect(() => cipher.decrypt(`v1:${raw.toString('base64')}`, 'claim:bankCard')).toThrow(DecryptionError);
    expect(() => cipher.decrypt(sealed, 'claim:mobile')).toThrow(DecryptionError);
    expect(() => new FieldCipher(Buffer.alloc(32, 7)).decrypt(sealed, 'claim:bankCard')).toThrow(DecryptionError);
    expect(() => cipher.decrypt('plaintext', 'claim:bankCard')).toThrow(DecryptionError);
  });

  it('fingerprints are stable per key and purpose', () => {
    expect(cipher.fingerprint('x', 'id')).toBe(cipher.fingerprint('x', 'id'));
    expect(cipher.fingerprint('x', 'id')).not.toBe(cipher.fingerprint('x', 'other'));
  });
});

describe('loadEncryptionKey', () => {
  const base = { DATA_DIR: './data', devMode: false };
  it('accepts 64 hex chars or base64 of 32 bytes', () => {
    expect(loadEncryptionKey({ ...base, DATA_ENCRYPTION_KEY: hexKey }).toString('hex')).toBe(hexKey);
    const b64 = Buffer.from(hexKey, 'hex').toString('base64');
    expect(loadEncryptionKey({ ...base, DATA_ENCRYPTION_KEY: b64 }).toString('hex')).toBe(hexKey);
  });
  it('throws a clear error when missing or malformed outside dev mode', () => {
    expect(() => loadEncryptionKey({ ...base, DATA_ENCRYPTION_KEY: undefined })).toThrow(/DATA_ENCRYPTION_KEY is missing/);
    expect(() => loadEncryptionKey({ ...base, DATA_ENCRYPTION_KEY: 'abc123' })).toThrow(EncryptionKeyError);
    expect(() => loadEncryptionKey({ ...base, DATA_ENCRYPTION_KEY: Buffer.alloc(16).toString('base64') })).toThrow(/malformed/);
  });
  it('dev mode keeps one key file under DATA_DIR across starts, and warns', () => {
    const warn = vi.fn();
    const dev = { ...base, devMode: true, DATA_ENCRYPTION_KEY: undefined, DATA_DIR: mkdtempSync(join(tmpdir(), 'ua-devkey-')) };
    const a = loadEncryptionKey(dev, { warn });
    const b = loadEncryptionKey(dev, { warn });
    expect(a).toHaveLength(32);
    expect(a.equals(b)).toBe(true);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/development mode/);
  });
});
