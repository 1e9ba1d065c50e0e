/** Configuration from the environment, parsed once with zod. A bad value stops start-up with a clear message. */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseKey } from './crypto.ts';
import { PLATFORMS, type MemberKey } from './message.ts';

const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const list = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

const identityList = list.pipe(
  z.array(
    z
      .string()
      .regex(new RegExp(`^(${PLATFORMS.join('|')}):.+$`), `each entry must look like platform:userId, platform one of ${PLATFORMS.join(', ')}`)
      .transform((s) => s as MemberKey),
  ),
);

/** A variable holding JSON: parsed, or refused with what it must look like. */
const jsonText = (mustBe: string) =>
  z.string().transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: `must be ${mustBe}` });
      return z.NEVER;
    }
  });

const port = z.number().int().min(1).max(65535);
/**
 * The ioredis options a deployment may set through REDIS_OPTIONS: Sentinel, authentication, TLS, the
 * database. Anything else is refused by name rather than passed on unread.
 */
const redisOptions = jsonText('a JSON object, e.g. {"sentinels":[{"host":"10.0.0.5","port":26379}],"name":"mymaster"}').pipe(
    z
      .strictObject({
        sentinels: z.array(z.strictObject({ host: z.string().min(1), port })).min(1).optional(),
        name: z.string().min(1).optional(),
        role: z.enum(['master', 'slave']).optional(),
        username: z.string().optional(),
        password: z.string().optional(),
        sentinelUsername: z.string().optional(),
        sentinelPassword: z.string().optional(),
        db: z.number().int().min(0).max(15).optional(),
        tls: z.strictObject({ ca: z.string().optional(), cert: z.string().optional(), key: z.string().optional(), servername: z.string().optional(), rejectUnauthorized: z.boolean().optional() }).optional(),
        enableTLSForSentinelMode: z.boolean().optional(),
        connectTimeout: z.number().int().min(100).max(120_000).optional(),
      })
      .refine((o) => !o.sentinels || o.name, { message: 'name (the monitored master\'s name) is required with sentinels' }),
  );

/** A callback Token as the admin consoles allow it: 3–32 letters and digits. */
const callbackToken = z.string().regex(/^[A-Za-z0-9]{3,32}$/, '3-32 letters and digits, as set in the admin console');
/** An EncodingAESKey: 43 characters of base64 (a 32-byte key without its trailing =). */
const aesKey = z.string().regex(/^[A-Za-z0-9+/]{43}$/, '43 letters and digits, as generated in the admin console');

/** {"kind": {"id": "template id", "data": {"keyword": "text with {field}"}, "url"?: "…"}} */
const templateMap = jsonText('JSON, e.g. {"claim_decision":{"id":"<模板ID>","data":{"thing1":"{plan}"}}}').pipe(
    z.record(
      z.string().regex(/^[a-z_]{1,40}$/, 'a notice kind such as claim_decision'),
      z.object({
        id: z.string().min(1).max(128),
        data: z.record(z.string().regex(/^[A-Za-z0-9_]{1,40}$/), z.string().max(200)),
        url: z.string().url().optional(),
      }),
    ),
  );

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().default('127.0.0.1'),
  PORT: int(0, 65535).default(3000),
  /** Names/keywords that address the bot in a group when a message starts with them. */
  BOT_NAMES: list.default(['小助手', '工会小助手']),
  BOT_ADMINS: identityList.default([]),
  BOT_STAFF: identityList.default([]),

  REDIS_URL: z.string().url().optional(),
  /** ioredis options as JSON: Sentinel ({"sentinels":[{"host":…,"port":…}],"name":"mymaster"}), auth, TLS, db. */
  REDIS_OPTIONS: redisOptions.optional(),
  /** Redis Cluster seed nodes, host:port,host:port (any of the cluster's nodes; the rest are discovered). */
  REDIS_CLUSTER_NODES: list.pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'each entry must look like host:port'))).default([]),
  /** Replicas an acknowledged claim or registration write waits for (WAIT), when the master has any; 0 = none. */
  REDIS_WAIT_REPLICAS: int(0, 10).default(1),
  /** … for at most this long (then it goes on and logs a warning). */
  REDIS_WAIT_TIMEOUT_MS: int(10, 60_000).default(1000),
  REDIS_KEY_PREFIX: z.string().default('ua:'),
  DATA_DIR: z.string().default('./data'),

  STALE_MESSAGE_SECONDS: int(1, 86400).default(300),
  RATE_LIMIT_PER_MINUTE: int(1, 10000).default(20),
  SESSION_IDLE_HOURS: int(1, 24 * 90).default(72),
  FORM_RESUME_HOURS: int(1, 24 * 30).default(48),
  LOCK_TIMEOUT_MS: int(100, 120000).default(15000),
  /** How many times the services' example phrasings are rehearsed before the process serves (Pipeline.rehearse); 0: none. */
  WARM_UP_PASSES: int(0, 50).default(3),
  MAX_TEXT_CHARS: int(50, 20000).default(2000),

  WEB_API_TOKEN: z.string().min(8).optional(),
  WEB_ENABLED: bool.default(true),
  /** Longest time one HTTP request (headers and body) may take to arrive; slower ones are cut off. */
  HTTP_REQUEST_TIMEOUT_MS: int(1000, 600_000).default(20_000),
  /** Open connections allowed per client IP (behind a reverse proxy every client shares its IP: raise it). */
  HTTP_MAX_CONNECTIONS_PER_IP: int(1, 100_000).default(64),
  /** Web chat messages accepted per client IP and minute, whatever user ids it claims (raise it behind a proxy). */
  WEB_RATE_LIMIT_PER_MINUTE_PER_IP: int(1, 100_000).default(120),
  /** How long a web download link (claim document, roster) works; each link works once. */
  WEB_FILE_LINK_SECONDS: int(10, 86_400).default(300),

  /** A Redis command that gets no answer within this time fails (the member gets the apology). */
  REDIS_COMMAND_TIMEOUT_MS: int(100, 60_000).default(2000),
  /** Connections a process spreads its conversations' turn scripts over (see src/core/redis.ts). */
  REDIS_TURN_CONNECTIONS: int(1, 16).default(4),
  /** The audit stream keeps about this many entries … */
  AUDIT_MAX_ENTRIES: int(1000, 100_000_000).default(100_000),
  /** … and none older than this. */
  AUDIT_MAX_AGE_DAYS: int(1, 36_500).default(365),
  /** Refused attempts recorded per actor and hour; later ones are only counted. */
  AUDIT_REFUSALS_PER_HOUR: int(1, 100_000).default(20),

  TELEGRAM_BOT_TOKEN: z.string().regex(/^\d+:[\w-]+$/, 'looks like 123456:ABC-DEF...').optional(),
  TELEGRAM_API_ROOT: z.string().url().default('https://api.telegram.org'),
  TELEGRAM_MODE: z.enum(['polling', 'webhook']).default('polling'),
  TELEGRAM_WEBHOOK_URL: z.string().url().optional(),
  TELEGRAM_WEBHOOK_SECRET: z.string().regex(/^[A-Za-z0-9_-]{8,256}$/, '8-256 characters A-Z a-z 0-9 _ -').optional(),

  WECHATY_PUPPET: z.string().optional(),
  WECHATY_PUPPET_SERVICE_TOKEN: z.string().optional(),
  /** Minimum gap between two WeChat sends of this process; WeChat bans accounts that send fast. */
  WECHATY_SEND_INTERVAL_MS: int(200, 60000).default(1000),
  /** Sending to many on personal WeChat (notifications, broadcasts), all processes together: at least this gap … */
  WECHATY_DELIVERY_GAP_MS: int(200, 600_000).default(20_000),
  /** … plus up to this much at random … */
  WECHATY_DELIVERY_JITTER_MS: int(0, 600_000).default(10_000),
  /** … and at most this many sends in any 24 hours. */
  WECHATY_DAILY_CAP: int(1, 100_000).default(300),
  /** A process that stops renewing its claim on a send (it crashed) loses it after this long; another process then takes it. */
  DELIVERY_LEASE_SECONDS: int(2, 3600).default(60),
  /** Who must approve a broadcast before it goes out: nobody, a second staff member for one to every group (default), or always. */
  BROADCAST_APPROVAL: z.enum(['none', 'all-groups', 'always']).default('all-groups'),
  /** Friend requests the WeChat account accepts: all, those whose hello carries WECHATY_FRIEND_KEYWORD, or none. */
  WECHATY_ACCEPT_FRIENDS: z.enum(['all', 'keyword', 'none']).default('all'),
  WECHATY_FRIEND_KEYWORD: z.string().optional(),

  /** WeCom (企业微信) self-built app: the corp id (我的企业 → 企业ID) and the app's AgentId and Secret. */
  WECOM_CORP_ID: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'the corp id from 我的企业 → 企业信息, e.g. ww1234567890abcdef').optional(),
  WECOM_AGENT_ID: int(1, 2 ** 31 - 1).optional(),
  WECOM_SECRET: z.string().min(1).optional(),
  /** The app's 接收消息 settings: Token and EncodingAESKey (43 characters). */
  WECOM_TOKEN: callbackToken.optional(),
  WECOM_ENCODING_AES_KEY: aesKey.optional(),
  /** WeCom API host (also used by 微信客服); tests point it at a local server. */
  WECOM_API_ROOT: z.string().url().default('https://qyapi.weixin.qq.com'),
  /**
   * WeCom group robots (群机器人, 消息推送) as broadcast targets for internal groups: `群名=webhook key` pairs,
   * comma-separated (the key is the `key=` part of the robot's webhook URL).
   */
  WECOM_ROBOTS: list.pipe(
    z.array(
      z
        .string()
        .regex(/^[^=]{1,40}=(?:https?:\/\/[^?]+\?key=)?[A-Za-z0-9-]{8,64}$/, 'each entry must look like 群名=<webhook key>')
        .transform((entry) => {
          const [name, value] = [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)];
          return { name: name.trim(), key: value.replace(/^.*\?key=/, '') };
        }),
    ),
  ).default([]),
  /** Members may be written to this often by the WeCom app (WeCom drops what exceeds 30/min, 1000/h per member). */
  WECOM_PER_MEMBER_PER_MINUTE: int(1, 30).default(30),
  WECOM_PER_MEMBER_PER_HOUR: int(1, 1000).default(1000),

  /** 微信客服: the corp id that owns it (default WECOM_CORP_ID), the Secret from 微信客服 → API, and its callback Token and key. */
  WXKF_CORP_ID: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'the corp id, e.g. ww1234567890abcdef').optional(),
  WXKF_SECRET: z.string().min(1).optional(),
  WXKF_TOKEN: callbackToken.optional(),
  WXKF_ENCODING_AES_KEY: aesKey.optional(),

  /** Official Account (公众号): 设置与开发 → 基本配置: AppID, AppSecret, and the 服务器配置 (安全模式) Token and key. */
  WXOA_APP_ID: z.string().regex(/^wx[0-9a-f]{16}$/i, 'the AppID, e.g. wx1234567890abcdef').optional(),
  WXOA_APP_SECRET: z.string().min(1).optional(),
  WXOA_TOKEN: callbackToken.optional(),
  WXOA_ENCODING_AES_KEY: aesKey.optional(),
  WXOA_API_ROOT: z.string().url().default('https://api.weixin.qq.com'),
  /**
   * Template messages (模板消息) for notices the 48-hour window no longer allows as 客服消息, per notice kind
   * (claim_decision, event_reminder): the union's template id and how its keywords are filled from the notice.
   */
  WXOA_TEMPLATES: templateMap.default({}),

  OPENAI_API_KEY: z.string().optional(),
  OPENAI_BASE_URL: z.string().url().optional(),
  OPENAI_MODEL: z.string().default('gpt-4o-mini'),
  OPENAI_TIMEOUT_MS: int(500, 120000).default(8000),

  KNOWLEDGE_DIR: z.string().default('./knowledge'),
  /** Statute texts. In the loaded Config: the folder findStatutesDir found (absolute), absent when none holds them. */
  KNOWLEDGE_STATUTES_DIR: z.string().optional(),

  /** 32 bytes as 64 hex chars or base64; required outside development. */
  DATA_ENCRYPTION_KEY: z.string().optional(),
  /** Earlier keys, comma-separated, same formats: they only decrypt (data not yet moved by `npm run cli -- rekey`). */
  DATA_ENCRYPTION_OLD_KEYS: list.default([]),
  DOCUMENTS_DIR: z.string().optional(),
  /** Files one claim form (application or supplement) accepts … */
  CLAIM_MAX_FILES: int(1, 1000).default(30),
  /** … and their total size in MB. */
  CLAIM_MAX_MB: int(1, 10_000).default(60),
  /** Upload volume one member may send per day (China time), in MB. */
  CLAIM_MEMBER_MB_PER_DAY: int(1, 100_000).default(100),
  /** Days after the decision (approved, rejected) when a claim's documents and personal fields are deleted; 0 = kept. */
  CLAIM_RETENTION_DAYS: int(0, 36_500).default(730),
  /** Minutes between sweeps of abandoned uploads, unreferenced files and claims past retention. */
  CLAIM_SWEEP_MINUTES: int(1, 24 * 60).default(60),
  EVENT_REMINDER_MINUTES: int(1, 60 * 24 * 14).default(24 * 60),
  /** Admins get at most one chat summary of claims waiting for review per this many minutes. */
  CLAIM_ALERT_MINUTES: int(1, 24 * 60).default(15),

  /** The web console at /console/ (accounts: `npm run cli -- console-user add`). */
  CONSOLE_ENABLED: bool.default(true),
  /** A console session unused this long is signed out … */
  CONSOLE_SESSION_IDLE_MINUTES: int(1, 24 * 60).default(30),
  /** … and any session ends after this many hours. */
  CONSOLE_SESSION_MAX_HOURS: int(1, 24 * 30).default(12),
  /** Failed sign-ins allowed per account, and per client IP, within CONSOLE_LOGIN_LOCK_MINUTES before sign-in is refused. */
  CONSOLE_LOGIN_FAILURES_PER_ACCOUNT: int(1, 1000).default(5),
  CONSOLE_LOGIN_FAILURES_PER_IP: int(1, 100_000).default(20),
  CONSOLE_LOGIN_LOCK_MINUTES: int(1, 24 * 60).default(15),
  /** Session cookie only over HTTPS (default: on in production; turn off only behind no TLS at all). */
  CONSOLE_COOKIE_SECURE: bool.optional(),

  /**
   * Work that must run in exactly one process (Telegram long polling, the WeChat account, schedulers) is held
   * under a Redis lease this long; when its holder dies another process takes over within about this time.
   */
  SINGLETON_LEASE_MS: int(1000, 600_000).default(15_000),
});

export type Env = z.infer<typeof envSchema>;

/** The settings an official WeChat channel needs together: all of them, or none (the channel is off). */
const OFFICIAL_CHANNEL_SETTINGS = {
  'WeCom app': ['WECOM_CORP_ID', 'WECOM_AGENT_ID', 'WECOM_SECRET', 'WECOM_TOKEN', 'WECOM_ENCODING_AES_KEY'],
  微信客服: ['WXKF_SECRET', 'WXKF_TOKEN', 'WXKF_ENCODING_AES_KEY'],
  'Official Account': ['WXOA_APP_ID', 'WXOA_APP_SECRET', 'WXOA_TOKEN', 'WXOA_ENCODING_AES_KEY'],
} as const satisfies Record<string, readonly (keyof Env)[]>;

export interface Config extends Env {
  /** Development mode: a throwaway encryption key is allowed. */
  devMode: boolean;
}

export class ConfigError extends Error {}

/** The checkout's root: relative knowledge paths resolve against it, wherever the process starts. */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Where statute texts are looked up, in order: KNOWLEDGE_STATUTES_DIR (relative to the checkout), DATA_DIR/laws
 * (where `npm run laws -- install` puts them; DATA_DIR relative to the working folder, as everywhere), then
 * ../shared/laws beside the checkout.
 */
export function statuteCandidates(env: { KNOWLEDGE_STATUTES_DIR?: string | undefined; DATA_DIR?: string | undefined }): string[] {
  return [
    ...(env.KNOWLEDGE_STATUTES_DIR ? [resolve(REPO_ROOT, env.KNOWLEDGE_STATUTES_DIR)] : []),
    resolve(env.DATA_DIR || './data', 'laws'),
    resolve(REPO_ROOT, '../shared/laws'),
  ];
}

/** Adds the statute texts (under DATA_DIR/laws); named in the start-up warning and on /api/status. */
export const STATUTES_INSTALL_COMMAND = 'npm run laws -- install <folder|URL>';

/** The first candidate folder holding statute files (*.md), as an absolute path; undefined when none does. */
export function findStatutesDir(env: Parameters<typeof statuteCandidates>[0]): string | undefined {
  return statuteCandidates(env).find((dir) => existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.md')));
}

/** Parses the environment; throws ConfigError naming each bad variable and what it allows. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const cfg = parsed.data;
  if (cfg.TELEGRAM_MODE === 'webhook' && cfg.TELEGRAM_BOT_TOKEN && !cfg.TELEGRAM_WEBHOOK_URL) {
    throw new ConfigError('Invalid configuration:\n  TELEGRAM_WEBHOOK_URL: required when TELEGRAM_MODE=webhook');
  }
  // Checked here, before anything starts, so a bad key is a clear configuration error.
  if (cfg.DATA_ENCRYPTION_KEY && !parseKey(cfg.DATA_ENCRYPTION_KEY.trim())) {
    throw new ConfigError('Invalid configuration:\n  DATA_ENCRYPTION_KEY: must be 32 bytes as 64 hex characters or base64 (openssl rand -hex 32)');
  }
  if (cfg.DATA_ENCRYPTION_OLD_KEYS.some((k) => !parseKey(k))) {
    throw new ConfigError('Invalid configuration:\n  DATA_ENCRYPTION_OLD_KEYS: each key (comma-separated) must be 32 bytes as 64 hex characters or base64');
  }
  if (cfg.NODE_ENV === 'production' && !cfg.DATA_ENCRYPTION_KEY) {
    throw new ConfigError('Invalid configuration:\n  DATA_ENCRYPTION_KEY: required when NODE_ENV=production (openssl rand -hex 32)');
  }
  const webRoles = [...cfg.BOT_ADMINS, ...cfg.BOT_STAFF].some((id) => id.startsWith('web:'));
  const loopback = ['127.0.0.1', 'localhost', '::1'].includes(cfg.HOST);
  if (webRoles && !cfg.WEB_API_TOKEN && !loopback) {
    // Web user ids are self-declared: without a token anyone could claim an admin's id.
    throw new ConfigError('Invalid configuration:\n  WEB_API_TOKEN: required when web: identities hold roles and HOST is not loopback');
  }
  if (cfg.WECHATY_ACCEPT_FRIENDS === 'keyword' && !cfg.WECHATY_FRIEND_KEYWORD) {
    throw new ConfigError('Invalid configuration:\n  WECHATY_FRIEND_KEYWORD: required when WECHATY_ACCEPT_FRIENDS=keyword');
  }
  for (const [channel, names] of Object.entries(OFFICIAL_CHANNEL_SETTINGS)) {
    const set = names.filter((n) => cfg[n] !== undefined);
    if (set.length > 0 && set.length < names.length) {
      const missing = names.filter((n) => cfg[n] === undefined);
      throw new ConfigError(`Invalid configuration:\n  ${missing.join(', ')}: required with ${set.join(', ')} (${channel})`);
    }
  }
  if (cfg.WXKF_SECRET && !cfg.WXKF_CORP_ID && !cfg.WECOM_CORP_ID) {
    throw new ConfigError('Invalid configuration:\n  WXKF_CORP_ID: required for 微信客服 (or set WECOM_CORP_ID)');
  }
  // Without statute texts the bot still starts: KNOWLEDGE_STATUTES_DIR is then absent and answers cite numbers only.
  const { KNOWLEDGE_STATUTES_DIR: _asked, ...rest } = cfg;
  const statutesDir = findStatutesDir(cfg);
  return { ...rest, ...(statutesDir ? { KNOWLEDGE_STATUTES_DIR: statutesDir } : {}), devMode: cfg.NODE_ENV !== 'production' };
}

/** For command-line tools: the settings, or null after writing what is wrong with them (exit code 2 follows). */
export function loadConfigForCli(write: (line: string) => void = (line) => process.stderr.write(line)): Config | null {
  try {
    return loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    write(`${err.message}\n`);
    return null;
  }
}
