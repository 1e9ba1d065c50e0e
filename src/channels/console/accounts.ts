/**
 * Console accounts in Redis: a name, a role, an argon2id password hash, an optional TOTP secret (sealed with
 * the data key) and the chat identities (`platform:userId`) the person also uses, so one list says who holds
 * which role in chat and in the console (src/core/roles.ts reads the links).
 */
import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { FieldCipher } from '../../core/crypto.ts';
import type { Keys } from '../../core/keys.ts';
import { PLATFORMS, type MemberKey } from '../../core/message.ts';
import { readRecord, type RecordLogger } from '../../core/records.ts';
import { linkedRolesKey } from '../../core/roles.ts';
import type { Role } from '../../core/service.ts';
import { matchTotp, newTotpSecret } from './totp.ts';

export const ACCOUNT_NAME = /^[A-Za-z0-9_.-]{2,32}$/;
export const IDENTITY = new RegExp(`^(${PLATFORMS.join('|')}):.+$`);
/** How long a new TOTP secret waits for its first code. */
const PENDING_TOTP_SECONDS = 600;
/** What a TOTP secret is sealed for: one account's, so a sealed secret moved to another account does not open. */
const totpPurpose = (name: string) => `console:totp:${name}`;
/** Shortest password accepted. */
export const MIN_PASSWORD = 10;

const accountSchema = z.object({
  name: z.string().regex(ACCOUNT_NAME),
  role: z.enum(['admin', 'staff']),
  passwordHash: z.string().startsWith('$argon2id$'),
  /** Set for a generated (one-time) password: the first sign-in asks for a new one. */
  mustChangePassword: z.boolean().default(false),
  /** Base32 secret, sealed with the data key. */
  totp: z.string().optional(),
  links: z.array(z.string().regex(IDENTITY)).default([]),
  disabled: z.boolean().default(false),
  createdAt: z.string(),
});
export type Account = z.infer<typeof accountSchema>;

export class AccountError extends Error {}

/** Hashing parameters (argon2id, OWASP's 19 MiB / 2 passes); tests may lower the memory cost. */
const HASH_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };
/** Verified against when the name is unknown, so a wrong name takes as long as a wrong password. */
let dummyHash: Promise<string> | undefined;

export const hashPassword = (password: string): Promise<string> => hash(password, HASH_OPTIONS);

/** A generated password: 16 characters from an alphabet without look-alikes. */
export function generatePassword(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789';
  return Array.from(randomBytes(16), (b) => alphabet[b % alphabet.length]).join('');
}

export class AccountStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly cipher: FieldCipher,
    private readonly logger: RecordLogger,
  ) {}

  private get key() {
    return this.keys.tagged('console', 'accounts');
  }

  /** `log`, here and in `list` and `verify`: where a corrupt account is reported (a request's log carries its id). */
  async get(name: string, log: RecordLogger = this.logger): Promise<Account | null> {
    if (!ACCOUNT_NAME.test(name)) return null;
    const raw = await this.redis.hget(this.key, name.toLowerCase());
    return raw ? readRecord(accountSchema, raw, log, `console account ${name}`) : null;
  }

  async list(log: RecordLogger = this.logger): Promise<Account[]> {
    const all = await this.redis.hgetall(this.key);
    return Object.entries(all)
      .flatMap(([name, raw]) => readRecord(accountSchema, raw, log, `console account ${name}`) ?? [])
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Creates an account; refuses an existing name. `generated`: the password must be changed at the first sign-in. */
  async add(name: string, role: Role, password: string, generated: boolean, now: Date): Promise<Account> {
    if (!ACCOUNT_NAME.test(name)) throw new AccountError('account names are 2-32 letters, digits, _ . -');
    checkPassword(password);
    const account: Account = { name: name.toLowerCase(), role, passwordHash: await hashPassword(password), mustChangePassword: generated, links: [], disabled: false, createdAt: now.toISOString() };
    if ((await this.redis.hsetnx(this.key, account.name, JSON.stringify(account))) !== 1) throw new AccountError(`account ${account.name} exists`);
    return account;
  }

  private async save(account: Account): Promise<void> {
    const links = linkedRolesKey(this.keys);
    const batch = this.redis.multi().hset(this.key, account.name, JSON.stringify(account));
    for (const identity of account.links) {
      if (account.disabled) batch.hdel(links, identity);
      else batch.hset(links, identity, JSON.stringify({ role: account.role, account: account.name }));
    }
    await batch.exec();
  }

  async update(name: string, change: (a: Account) => Account | Promise<Account>): Promise<Account> {
    const cur = await this.get(name);
    if (!cur) throw new AccountError(`no account ${name}`);
    const next = await change(cur);
    // Identities no longer linked lose the account's role.
    const dropped = cur.links.filter((l) => !next.links.includes(l));
    if (dropped.length) await this.redis.hdel(linkedRolesKey(this.keys), ...dropped);
    await this.save(next);
    return next;
  }

  setPassword(name: string, password: string, generated = false): Promise<Account> {
    checkPassword(password);
    return this.update(name, async (a) => ({ ...a, passwordHash: await hashPassword(password), mustChangePassword: generated }));
  }

  setRole(name: string, role: Role): Promise<Account> {
    return this.update(name, (a) => ({ ...a, role }));
  }

  setDisabled(name: string, disabled: boolean): Promise<Account> {
    return this.update(name, (a) => ({ ...a, disabled }));
  }

  link(name: string, identity: string): Promise<Account> {
    if (!IDENTITY.test(identity)) throw new AccountError(`identities look like platform:userId (platform one of ${PLATFORMS.join(', ')})`);
    return this.update(name, (a) => ({ ...a, links: [...new Set([...a.links, identity])] }));
  }

  unlink(name: string, identity: string): Promise<Account> {
    return this.update(name, (a) => ({ ...a, links: a.links.filter((l) => l !== identity) }));
  }

  /** Every account's TOTP secret sealed again under the current key (`npm run cli -- rekey`). */
  async resealTotp(): Promise<{ rekeyed: number; current: number }> {
    const counts = { rekeyed: 0, current: 0 };
    for (const account of await this.list()) {
      if (!account.totp) continue;
      if (this.cipher.isCurrent(account.totp)) {
        counts.current++;
        continue;
      }
      await this.update(account.name, (a) => (a.totp ? { ...a, totp: this.cipher.reseal(a.totp, totpPurpose(a.name)) } : a));
      counts.rekeyed++;
    }
    return counts;
  }

  /** Turns TOTP on with a new secret (returned once, to show), or off. */
  async setTotp(name: string, secret: string | null): Promise<Account> {
    return this.update(name, (a) => {
      const { totp: _old, ...rest } = a;
      return secret ? { ...rest, totp: this.cipher.encrypt(secret, totpPurpose(a.name)) } : rest;
    });
  }

  /**
   * Self-service TOTP, step one: a new secret, kept sealed for ten minutes until the holder proves their
   * authenticator shows the right code (`confirmTotp`); returned once, to show.
   */
  async startTotp(name: string): Promise<string> {
    const secret = newTotpSecret();
    await this.redis.set(this.pendingTotpKey(name), this.cipher.encrypt(secret, `console:totp-pending:${name}`), 'EX', PENDING_TOTP_SECONDS);
    return secret;
  }

  /** Step two: turns TOTP on when `code` matches the pending secret; false for a wrong code or none pending. */
  async confirmTotp(name: string, code: string, atMs: number): Promise<boolean> {
    const sealed = await this.redis.get(this.pendingTotpKey(name));
    if (!sealed) return false;
    const secret = this.cipher.decrypt(sealed, `console:totp-pending:${name}`);
    if (matchTotp(secret, code, atMs) === null) return false;
    await this.setTotp(name, secret);
    await this.redis.del(this.pendingTotpKey(name));
    return true;
  }

  private pendingTotpKey(name: string) {
    return this.keys.tagged('console', 'totp-pending', name);
  }

  totpSecret(account: Account): string | null {
    return account.totp ? this.cipher.decrypt(account.totp, totpPurpose(account.name)) : null;
  }

  async remove(name: string): Promise<boolean> {
    const cur = await this.get(name);
    if (!cur) return false;
    if (cur.links.length) await this.redis.hdel(linkedRolesKey(this.keys), ...cur.links);
    return (await this.redis.hdel(this.key, cur.name)) === 1;
  }

  /** The account when the password is right and it is enabled; null otherwise (an unknown name costs the same time). */
  async verify(name: string, password: string, log?: RecordLogger): Promise<Account | null> {
    const account = await this.get(name, log);
    if (!account) {
      dummyHash ??= hashPassword(generatePassword());
      await verify(await dummyHash, password).catch(() => false);
      return null;
    }
    const ok = await verify(account.passwordHash, password).catch(() => false);
    return ok && !account.disabled ? account : null;
  }

  /** The chat identities linked to any enabled account, with the account's role. */
  async linkedIdentities(): Promise<Map<MemberKey, Role>> {
    const out = new Map<MemberKey, Role>();
    for (const a of await this.list()) if (!a.disabled) for (const l of a.links) out.set(l as MemberKey, a.role);
    return out;
  }
}

export function checkPassword(password: string): void {
  if (Array.from(password).length < MIN_PASSWORD) throw new AccountError(`passwords have at least ${MIN_PASSWORD} characters`);
  if (password.length > 512) throw new AccountError('password too long');
}
