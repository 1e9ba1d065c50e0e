/**
 * What the official channels park in Redis (inbound messages waiting in the inbox, replies waiting in the
 * per-recipient queues, a passive reply, a nickname) is personal data: a member may send an ID number or a
 * bank card in a private chat. It is sealed with the project's data key (src/core/crypto.ts: AES-256-GCM,
 * the key id in every value, so DATA_ENCRYPTION_OLD_KEYS keeps older values readable after a key change)
 * and opened only in memory, when it is handled or sent.
 */
import type { Logger } from 'pino';
import type { Config } from '../../core/config.ts';
import { FieldCipher, loadEncryptionKey, type MissingKeyError } from '../../core/crypto.ts';

/** How often an entry waiting for a key that is not configured is logged again (it is looked at every poll). */
const WAITING_LOG_MS = 3600_000;

/** Seals and opens the values of one kind (`purpose`: a value sealed for one purpose does not open as another). */
export class SealedValues {
  constructor(
    private readonly cipher: FieldCipher,
    readonly purpose: string,
  ) {}

  seal(plain: string): string {
    return this.cipher.encrypt(plain, this.purpose);
  }

  /**
   * The plaintext of a stored value. A value written before values were sealed (a JSON object, left by an older
   * version at the upgrade) is read as it is, once, so nothing acknowledged then is lost.
   * Throws DecryptionError (MissingKeyError: sealed with a key that is not configured).
   */
  open(stored: string): string {
    if (stored.startsWith('{')) return stored;
    return this.cipher.decrypt(stored, this.purpose);
  }

  private readonly waitingLogged = new Map<string, number>();

  /** Logs that entries wait for a key that is not configured: once per key, then hourly, not on every poll. */
  logWaiting(log: Pick<Logger, 'error'>, err: MissingKeyError, fields: Record<string, unknown>, message: string): void {
    const now = Date.now();
    const last = this.waitingLogged.get(err.keyId);
    if (last !== undefined && now - last < WAITING_LOG_MS) return;
    this.waitingLogged.set(err.keyId, now);
    log.error({ ...fields, err: err.message }, message);
  }
}

/** The data key's cipher for the official channels of one engine (read once per channel start). */
export function channelCipher(config: Config, logger: Pick<Logger, 'warn'>): FieldCipher {
  return new FieldCipher(loadEncryptionKey(config, logger));
}
