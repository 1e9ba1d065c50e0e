/**
 * Test harness for the claim intents: real Redis, real CoreDeps, the three claim IntentDefinitions, and a
 * minimal router (active dialog ▸ commands ▸ keyword classifier) so a transcript — a list of
 * (member says, reply contains) steps — can be replayed here and, later, through the web API or the
 * Telegram/WeChat doubles by swapping the `ChatPath`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { expect } from 'vitest';
import type { AuditEntry } from '../../../src/core/audit.ts';
import { loadConfig, type Config } from '../../../src/core/config.ts';
import type { CoreDeps, IntentDefinition, IntentId, Role, TurnContext } from '../../../src/core/service.ts';
import { buildDeps } from '../../../src/app/engine.ts';
import { memberKey, renderText, type ChatType, type InboundAttachment, type MemberKey, type Platform, type Reply } from '../../../src/core/message.ts';
import { RedisOutbox } from '../../../src/core/outbox.ts';
import { parseSession } from '../../../src/core/session.ts';
import claimInfo from '../../../intents/claims/chat/claim_info.ts';
import claimStatus from '../../../intents/claims/chat/claim_status.ts';
import claimSubmit from '../../../intents/claims/chat/claim_submit.ts';
import { idCheckChar } from '../../../src/kit/fields.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const TEST_KEY_HEX = 'a1'.repeat(32);
export const ADMIN = { platform: 'telegram' as Platform, userId: 'admin1' };

/** One way of talking to the bot: intent-level here; web API / platform doubles later. */
export interface ChatPath {
  say(text: string, files?: InboundAttachment[]): Promise<Reply[]>;
}

export type Expect = string | RegExp;
export interface Step {
  say: string;
  files?: InboundAttachment[];
  expect?: Expect | Expect[];
  not?: Expect | Expect[];
}

export const textOf = (replies: Reply[]) => replies.map(renderText).join('\n');

/** Replays steps, asserting each reply; returns all replies' text. */
export async function play(pathway: ChatPath, steps: Step[]): Promise<string[]> {
  const out: string[] = [];
  for (const [i, step] of steps.entries()) {
    const text = textOf(await pathway.say(step.say, step.files));
    out.push(text);
    const where = `step ${i + 1} (said "${step.say}"${step.files ? ` + ${step.files.length} file(s)` : ''}) replied:\n${text}`;
    for (const e of [step.expect ?? []].flat()) {
      if (typeof e === 'string') expect(text, where).toContain(e);
      else expect(text, where).toMatch(e);
    }
    for (const e of [step.not ?? []].flat()) {
      if (typeof e === 'string') expect(text, where).not.toContain(e);
      else expect(text, where).not.toMatch(e);
    }
  }
  return out;
}

// ---------- test data ----------
export function validId(prefix17 = '11010519900307123'): string {
  return prefix17 + idCheckChar(prefix17);
}
/** An ID whose check character is X, for the 110***********123X style. */
export function idEndingInX(): string {
  for (let n = 0; n < 1000; n++) {
    const p = `1101051990030${String(n).padStart(3, '0')}1`.slice(0, 17);
    if (idCheckChar(p) === 'X') return p + 'X';
  }
  throw new Error('no X id found');
}
export function luhnCard(prefix: string): string {
  for (let d = 0; d <= 9; d++) {
    const c = prefix + d;
    let sum = 0;
    let dbl = false;
    for (let i = c.length - 1; i >= 0; i--) {
      let n = Number(c[i]);
      if (dbl) n = n * 2 > 9 ? n * 2 - 9 : n * 2;
      sum += n;
      dbl = !dbl;
    }
    if (sum % 10 === 0) return c;
  }
  throw new Error('unreachable');
}
export const jpg = (name = 'photo.jpg'): InboundAttachment => ({
  name,
  mimeType: 'image/jpeg',
  data: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(64)]),
});
export const png = (name = 'scan.png'): InboundAttachment => ({
  name,
  mimeType: 'image/png',
  data: Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(64)]),
});
export const pdf = (name = 'report.pdf'): InboundAttachment => ({
  name,
  mimeType: 'application/pdf',
  data: Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(64)]),
});

// ---------- harness ----------
interface Member {
  platform: Platform;
  userId: string;
  chatId?: string;
  chatType?: ChatType;
}

/** A marker for "the router answered this with another intent" in passThrough tests. */
export const OTHER_INTENT_REPLY = '【其他意图的回答】';

export class ClaimsHarness {
  deps!: CoreDeps;
  redis!: Redis;
  config!: Config;
  outbox!: RedisOutbox;
  intents = new Map<IntentId, IntentDefinition>();
  clock: { now: Date };
  readonly dataDir: string;

  private constructor(
    readonly redisUrl: string,
    now: Date,
  ) {
    this.clock = { now };
    this.dataDir = mkdtempSync(path.join(tmpdir(), 'ua-claims-'));
  }

  static async create(redisUrl: string, now = new Date('2026-11-22T02:00:00Z')): Promise<ClaimsHarness> {
    const h = new ClaimsHarness(redisUrl, now);
    await h.boot();
    return h;
  }

  /** Builds everything from scratch, like a process start: new connection, new deps, new intents. */
  async boot(): Promise<void> {
    this.config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      REDIS_URL: this.redisUrl,
      DATA_DIR: this.dataDir,
      KNOWLEDGE_DIR: path.join(ROOT, 'knowledge'),
      DATA_ENCRYPTION_KEY: TEST_KEY_HEX,
      BOT_ADMINS: `${ADMIN.platform}:${ADMIN.userId}`,
    });
    this.redis = new Redis(this.redisUrl, { maxRetriesPerRequest: 3, lazyConnect: false });
    this.redis.on('error', () => undefined);
    const built = buildDeps(this.config, this.redis, pino({ level: 'silent' }), () => this.clock.now);
    this.outbox = built.outbox;
    this.deps = built.deps;
    this.intents.clear();
    for (const f of [claimInfo, claimSubmit, claimStatus]) {
      const def = await f(this.deps);
      this.intents.set(def.id, def);
    }
  }

  /** Simulates a process restart: drop the connection and rebuild everything. */
  async restart(): Promise<void> {
    this.redis.disconnect();
    await this.boot();
  }

  async close(): Promise<void> {
    this.redis.disconnect();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  advance(ms: number): void {
    this.clock.now = new Date(this.clock.now.getTime() + ms);
  }

  member(userId: string, platform: Platform = 'telegram', chatType: ChatType = 'private', chatId?: string): ChatPath {
    return { say: (text, files) => this.send({ platform, userId, chatType, chatId }, text, files) };
  }
  admin(): ChatPath {
    return this.member(ADMIN.userId, ADMIN.platform);
  }

  private roles(key: MemberKey): Set<Role> {
    return new Set(this.config.BOT_ADMINS.includes(key) ? (['admin', 'staff'] as const) : []);
  }

  /** Router semantics in miniature: active dialog (passThrough → other intent + reprompt) ▸ commands ▸ keywords. */
  async send(m: Member, text: string, files: InboundAttachment[] = []): Promise<Reply[]> {
    const chatType = m.chatType ?? 'private';
    const chatId = m.chatId ?? m.userId;
    const now = this.clock.now;
    const key = this.deps.keys.session(m.platform, chatId, m.userId);
    const { session } = parseSession(await this.redis.get(key), now.getTime());
    const member = memberKey(m.platform, m.userId);
    const ctx: TurnContext = {
      msg: {
        platform: m.platform, chatId, chatType, senderId: m.userId, senderName: m.userId, text, mentionsBot: true,
        repliesToBot: false, attachments: files, messageId: randomUUID(), sentAt: now.getTime(), fromSelf: false,
      },
      member,
      roles: this.roles(member),
      session,
      text: text.trim(),
      now,
    };
    if (session.dialog && session.dialog.expiresAt <= now.getTime()) session.dialog = null;
    let replies: Reply[];
    const active = session.dialog;
    const owner = active ? this.intents.get(active.intent as IntentId) : undefined;
    if (active && owner?.continueDialog) {
      const r = await owner.continueDialog(ctx, active);
      if (r.passThrough) {
        replies = [{ text: OTHER_INTENT_REPLY }, ...(owner.repromptDialog?.(ctx, active) ?? [])];
      } else {
        if (r.dialog !== undefined) session.dialog = r.dialog;
        replies = r.replies;
      }
    } else {
      replies = await this.fresh(ctx);
    }
    session.updatedAt = now.getTime();
    await this.redis.set(key, JSON.stringify(session), 'EX', this.config.SESSION_IDLE_HOURS * 3600);
    return replies;
  }

  private async fresh(ctx: TurnContext): Promise<Reply[]> {
    const m = /^\/?(\S+)\s*([\s\S]*)$/.exec(ctx.text);
    const word = (m?.[1] ?? '').toLowerCase();
    for (const def of this.intents.values()) {
      for (const spec of def.commands ?? []) {
        if (!spec.names.map((n) => n.toLowerCase()).includes(word)) continue;
        if (spec.role && !ctx.roles.has(spec.role)) return [{ text: '【无权限】' }];
        const r = await spec.run(ctx, (m?.[2] ?? '').trim());
        if (r.dialog !== undefined) ctx.session.dialog = r.dialog;
        return r.replies;
      }
    }
    const id: IntentId | null = /进度|查询|状态|我的申请|HZ-/i.test(ctx.text)
      ? 'claim_status'
      : /申请|我要报|报一下/.test(ctx.text) || ctx.msg.attachments.length > 0
        ? 'claim_submit'
        : /互助|材料|额度/.test(ctx.text)
          ? 'claim_info'
          : null;
    const def = id ? this.intents.get(id) : undefined;
    if (!def) return [{ text: OTHER_INTENT_REPLY }];
    if (def.privateOnly && ctx.msg.chatType === 'group') return [{ text: '【请私聊】' }];
    const r = await def.handle(ctx);
    if (r.dialog !== undefined) ctx.session.dialog = r.dialog;
    return r.replies;
  }

  /** Items queued for a platform's outbox (oldest first), parsed. */
  async outboxItems(platform: Platform): Promise<Array<{ to: { chatId: string }; replies: Array<{ text?: string }> }>> {
    const raw = await this.redis.lrange(this.deps.keys.k('outbox', platform), 0, -1);
    return raw.reverse().map((r) => JSON.parse(r) as { to: { chatId: string }; replies: Array<{ text?: string }> });
  }

  async auditEntries(): Promise<AuditEntry[]> {
    return this.deps.audit.recent(500);
  }
}
