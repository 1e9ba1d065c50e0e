/**
 * Who may do what: the one place roles are decided. Admins also hold staff powers. Roles come from
 * BOT_ADMINS / BOT_STAFF and from chat identities linked to web console accounts (`npm run cli --
 * console-user link`), so one list says who is admin or staff in chat and in the console.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Config } from './config.ts';
import { CONSOLE_ACTOR_PREFIX, consoleActorKey } from './console.ts';
import type { Keys } from './keys.ts';
import type { Role } from './service.ts';
import { PLATFORMS, type MemberKey } from './message.ts';

export function rolesOf(member: MemberKey, config: Pick<Config, 'BOT_ADMINS' | 'BOT_STAFF'>): Set<Role> {
  const roles = new Set<Role>();
  if (config.BOT_ADMINS.includes(member)) roles.add('admin').add('staff');
  if (config.BOT_STAFF.includes(member)) roles.add('staff');
  return roles;
}

/** Hash: chat identity → {role, account} for identities linked to enabled console accounts (the console writes it with the accounts, in one MULTI: same hash tag). */
export const linkedRolesKey = (keys: Keys): string => keys.tagged('console', 'roles', 'linked');
const linkSchema = z.object({ role: z.enum(['admin', 'staff']), account: z.string() });

/** One entry of the linked-identities hash; null when unreadable. */
function readLink(raw: string): z.infer<typeof linkSchema> | null {
  try {
    return linkSchema.safeParse(JSON.parse(raw)).data ?? null;
  } catch {
    return null;
  }
}

const IDENTITY = new RegExp(`^(${PLATFORMS.join('|')}):.+$`);

/** How often a process re-reads the linked identities (a change made elsewhere applies within this time). */
const REFRESH_MS = 5000;

/** Web ids are self-declared: like BOT_ADMINS, a linked web: identity counts only behind WEB_API_TOKEN or on loopback. */
export function webRolesAllowed(config: Pick<Config, 'WEB_API_TOKEN' | 'HOST'>): boolean {
  return Boolean(config.WEB_API_TOKEN) || ['127.0.0.1', 'localhost', '::1'].includes(config.HOST);
}

export class RoleDirectory {
  private linked = new Map<MemberKey, Role>();
  private readAt = 0;
  private reading: Promise<void> | undefined;

  constructor(
    private readonly config: Pick<Config, 'BOT_ADMINS' | 'BOT_STAFF' | 'WEB_API_TOKEN' | 'HOST'>,
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly now: () => number = Date.now,
  ) {}

  /** Re-reads the linked identities now (after a change in this process, and at start-up). */
  async refresh(): Promise<void> {
    const raw = await this.redis.hgetall(linkedRolesKey(this.keys));
    const next = new Map<MemberKey, Role>();
    for (const [identity, value] of Object.entries(raw)) {
      const link = readLink(value);
      if (!link || !IDENTITY.test(identity)) continue;
      if (identity.startsWith('web:') && !webRolesAllowed(this.config)) continue;
      next.set(identity as MemberKey, link.role);
    }
    this.linked = next;
    this.readAt = this.now();
  }

  /**
   * The person behind an actor key, read fresh: a chat identity linked to a console account is that account
   * (`console:<name>`), so one person's identities count as one where a second person must act; any other key
   * is itself.
   */
  async personOf(key: string): Promise<string> {
    if (key.startsWith(CONSOLE_ACTOR_PREFIX)) return key;
    const raw = await this.redis.hget(linkedRolesKey(this.keys), key);
    const link = raw ? readLink(raw) : null;
    return link ? consoleActorKey(link.account) : key;
  }

  /** The member's roles, from the configuration and the last read of the links (re-read in the background when stale). */
  of(member: MemberKey): Set<Role> {
    if (this.now() - this.readAt > REFRESH_MS && !this.reading) {
      this.reading = this.refresh()
        .catch(() => undefined)
        .finally(() => {
          this.reading = undefined;
        });
    }
    const roles = rolesOf(member, this.config);
    const linked = this.linked.get(member);
    if (linked === 'admin') roles.add('admin').add('staff');
    if (linked === 'staff') roles.add('staff');
    return roles;
  }

  /** Everyone holding the role (admins count as staff), for alerts sent to their private chats. */
  async holders(role: Role): Promise<MemberKey[]> {
    await this.refresh().catch(() => undefined);
    const all = new Set<MemberKey>([...this.config.BOT_ADMINS, ...this.config.BOT_STAFF, ...this.linked.keys()]);
    return [...all].filter((m) => this.of(m).has(role));
  }
}
