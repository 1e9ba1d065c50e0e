/**
 * The callback security shared by WeCom, 微信客服 and the Official Account (安全模式): a SHA-1 signature over
 * the sorted token, timestamp, nonce and ciphertext, and AES-256-CBC with the EncodingAESKey, whose plaintext
 * names the receiver (corp id or AppID) — checked here, since @wecom/crypto leaves that to the caller.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { decrypt, encrypt, getSignature } from '@wecom/crypto';

export class CallbackRefused extends Error {}

export class CallbackCrypto {
  constructor(
    private readonly token: string,
    private readonly aesKey: string,
    /** The corp id (WeCom, 微信客服) or AppID (Official Account) every message must be addressed to. */
    private readonly receiveId: string,
  ) {}

  /** Throws CallbackRefused unless `signature` signs `encrypted` with our token. */
  verify(signature: string, timestamp: string, nonce: string, encrypted: string): void {
    const expected = Buffer.from(getSignature(this.token, timestamp, nonce, encrypted));
    const given = Buffer.from(signature.toLowerCase());
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new CallbackRefused('bad signature');
  }

  /** The plaintext of a verified ciphertext; throws CallbackRefused when it does not decrypt or names another receiver. */
  open(encrypted: string): string {
    let opened: { message: string; id: string };
    try {
      const raw = Buffer.from(encrypted, 'base64');
      if (raw.length === 0 || raw.length % 16 !== 0) throw new Error('not whole AES blocks');
      opened = decrypt(this.aesKey, encrypted);
    } catch (err) {
      throw new CallbackRefused(`does not decrypt: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (opened.id !== this.receiveId) throw new CallbackRefused('addressed to another receiver');
    return opened.message;
  }

  /** Encrypts and signs a passive reply (Official Account): the fields of the reply envelope. */
  seal(plaintext: string, timestamp: string, nonce: string): { encrypted: string; signature: string } {
    const encrypted = encrypt(this.aesKey, plaintext, this.receiveId);
    return { encrypted, signature: getSignature(this.token, timestamp, nonce, encrypted) };
  }

  /** The plain-mode signature of a URL check (Official Account GET: sha1 of sorted token, timestamp, nonce). */
  verifyPlain(signature: string, timestamp: string, nonce: string): void {
    const expected = Buffer.from(createHash('sha1').update([this.token, timestamp, nonce].sort().join('')).digest('hex'));
    const given = Buffer.from(signature.toLowerCase());
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new CallbackRefused('bad signature');
  }
}
