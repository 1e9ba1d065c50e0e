/**
 * Changing DATA_ENCRYPTION_KEY: claims submitted under key A stay readable once the bot restarts with key B and
 * DATA_ENCRYPTION_OLD_KEYS=A; `rekey` (interrupted half-way, then run again through the real CLI) moves every
 * claim and document to B and re-indexes the person fingerprints, after which A can be dropped; start-up in
 * production refuses stored data no configured key decrypts, naming the missing key id.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClaimsService } from '../../intents/claims/service.ts';
import { claimSchema } from '../../intents/claims/store.ts';
import { broadcastService } from '../../intents/broadcasts/service.ts';
import { AccountStore } from '../../src/channels/console/accounts.ts';
import { FieldCipher, keyId, loadEncryptionKey } from '../../src/core/crypto.ts';
import { createLogger } from '../../src/core/logger.ts';
import type { RedisProcess } from '../../src/core/redis-server.ts';
import { Harness } from '../helpers/harness.ts';
import { startRedis } from '../helpers/redis.ts';
import { play, textOf } from '../helpers/transcript.ts';
import { ADMIN, claimNoIn, CLAIMS_NOW, ROOT } from '../intents/claims/data.ts';
import { actorOf, claimsService } from '../intents/claims/setup.ts';
import { applicationUntilSummary, CARD, ID, MOBILE, SUBMIT } from '../intents/claims/transcripts.ts';

const KEY_A = 'a1'.repeat(32);
const KEY_B = Buffer.alloc(32, 0xb2).toString('base64');
const ID_A = keyId(Buffer.from(KEY_A, 'hex'));
const ID_B = keyId(Buffer.from(KEY_B, 'base64'));
/** 20000 yuan a year per person for the hospital plan, at most 10000 per claim. */
const MAX_PER_CLAIM_CENTS = 1_000_000;

const DRAFT = [...applicationUntilSummary('hospital'), SUBMIT];
const docs = mkdtempSync(join(tmpdir(), 'ua-keys-docs-'));
let redis: RedisProcess;
let h: Harness | undefined;
const nos: string[] = [];
/** Kept sealed for good beside the claims: a console account's TOTP secret and a weekly broadcast's attachment. */
const TOTP_SECRET = 'JBSWY3DPEHPK3PXP';
const ATTACHMENT = Buffer.from('%PDF-1.4 值班表');
let broadcastId = 0;
const accounts = () => {
  const { redis: r, keys, config, logger } = running().engine.deps;
  return new AccountStore(r, keys, new FieldCipher(loadEncryptionKey(config)), logger);
};
const attachmentAtRest = async () => (await running().engine.deps.redis.getBuffer(broadcastService(running().engine.deps).store.fileKey(broadcastId))) ?? Buffer.alloc(0);

/** The bot (re)started on the same Redis and documents with these keys. */
async function boot(env: Record<string, string>): Promise<Harness> {
  await h?.stop();
  h = undefined;
  h = await Harness.start({ env: { BOT_ADMINS: `telegram:${ADMIN}`, DOCUMENTS_DIR: docs, ...env }, now: CLAIMS_NOW, redisUrl: redis.url });
  return h;
}
const running = (): Harness => {
  if (!h) throw new Error('no bot running');
  return h;
};

async function submit(who: string): Promise<string> {
  const out = await play(running(), [...applicationUntilSummary('hospital'), SUBMIT], who);
  return claimNoIn(textOf(out.at(-1) ?? []));
}

/** The admin's /claim: the fields in clear and every document as a file. */
async function adminSees(no: string): Promise<void> {
  const replies = await running().dm(ADMIN).say(`/claim ${no}`);
  expect(textOf(replies)).toContain(ID);
  expect(textOf(replies)).toContain(CARD);
  expect(textOf(replies)).toContain(MOBILE);
  expect(textOf(replies)).not.toContain('系统出了点问题');
  expect(replies.filter((r) => r.file?.data?.length)).toHaveLength(5);
}

/** The key id of every sealed claim field and every document file at rest, with how many name it. */
async function keyIdsAtRest(): Promise<Map<string, number>> {
  const { redis: r, keys } = running().engine.deps;
  const ids = new Map<string, number>();
  const count = (id: string) => ids.set(id, (ids.get(id) ?? 0) + 1);
  for (const key of await r.keys(keys.tagged('claims', 'c', '*'))) {
    const c = claimSchema.parse(JSON.parse((await r.get(key)) ?? ''));
    const fields = [c.applicant.idNumber, c.applicant.mobile, c.event.diagnosis, c.bank.card].map((v) => /^v2:([0-9a-f]{8}):/.exec(v)?.[1] ?? v.slice(0, 3));
    expect(new Set(fields).size).toBe(1);
    count(fields[0] ?? '');
  }
  for (const f of await claimsService(running()).documents.list()) count(readFileSync(f.file).subarray(4, 8).toString('hex'));
  return ids;
}

function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', new URL('../../src/app/run-typescript.mjs', import.meta.url).href, join(ROOT, 'src/app/cli.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((res) => child.on('exit', (code) => res({ code, out })));
}

beforeAll(async () => {
  redis = await startRedis();
  await boot({ DATA_ENCRYPTION_KEY: KEY_A });
  nos.push(await submit('rot1'), await submit('rot2'));
  // A form half filled in: its ID and mobile number are sealed in the session under key A.
  await play(running(), DRAFT.slice(0, 6), 'draft1');
  // The same person's yearly limit is counted through the fingerprint index: half of it is used under key A.
  await claimsService(running()).approve(actorOf(running(), ADMIN), nos[0] ?? '', MAX_PER_CLAIM_CENTS, '');
  await accounts().add('rotor', 'admin', 'a-long-password-1234', false, new Date());
  await accounts().setTotp('rotor', TOTP_SECRET);
  const weekly = await broadcastService(running().engine.deps).compose(actorOf(running(), ADMIN), { name: '管理员', chat: { platform: 'telegram', chatId: ADMIN, chatType: 'private' } }, {
    audience: { kind: 'staff' }, text: '本周值班表', file: { name: '值班表.pdf', mimeType: 'application/pdf', data: ATTACHMENT }, schedule: { kind: 'weekly', at: CLAIMS_NOW.getTime() + 7 * 86400_000 },
  });
  if (weekly.outcome === 'no-audience') throw new Error('no audience');
  broadcastId = weekly.broadcast.id;
}, 60_000);
afterAll(async () => {
  await h?.stop();
  await redis?.stop();
  rmSync(docs, { recursive: true, force: true });
});

describe('a key change', () => {
  it('production refuses to start when no configured key decrypts the stored claims, naming the missing key id', async () => {
    await h?.stop();
    h = undefined;
    await expect(boot({ NODE_ENV: 'production', DATA_ENCRYPTION_KEY: KEY_B })).rejects.toThrow(new RegExp(`key id ${ID_A}.*not configured.*Refusing to start`));
  });

  it('development starts anyway, with a loud error naming the missing key id', async () => {
    await boot({ DATA_ENCRYPTION_KEY: KEY_B });
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => lines.push(line) });
    await new ClaimsService({ ...running().engine.deps, logger }).checkKeys();
    expect(lines.join('')).toMatch(new RegExp(`"level":50.*ENCRYPTION KEYS: .*key id ${ID_A}, which is not configured.*available key ids: ${ID_B}`));
    // What the member or admin would meet without the old key: the claim cannot be read.
    expect(textOf(await running().dm(ADMIN).say(`/claim ${nos[0] ?? ''}`))).not.toContain(ID);
  });

  it('with the old key in DATA_ENCRYPTION_OLD_KEYS, the admin sees the fields and documents sealed under it', async () => {
    await boot({ NODE_ENV: 'production', DATA_ENCRYPTION_KEY: KEY_B, DATA_ENCRYPTION_OLD_KEYS: KEY_A });
    for (const no of nos) await adminSees(no);
    // New data is sealed with the new key.
    nos.push(await submit('rot3'));
    // The form sealed under A goes on where it was; its answers reach the claim.
    const session = (await running().engine.deps.redis.get(running().engine.deps.keys.session('telegram', 'draft1', 'draft1'))) ?? '';
    expect(session).toContain(`v2:${ID_A}:`);
    const out = await play(running(), DRAFT.slice(6), 'draft1');
    nos.push(claimNoIn(textOf(out.at(-1) ?? [])));
    await adminSees(nos.at(-1) ?? '');
    expect(await keyIdsAtRest()).toEqual(new Map([[ID_A, 2 + 10], [ID_B, 2 + 10]]));
  });

  it('rekey interrupted half-way leaves everything readable; run again through the CLI it finishes without doing anything twice', async () => {
    const svc = claimsService(running());
    const total = 4 + 20;
    const seen: string[] = [];
    await expect(
      svc.rekey('test', ({ done, total: of }) => {
        seen.push(`${done}/${of}`);
        if (done === 4) throw new Error('killed');
      }),
    ).rejects.toThrow('killed');
    expect(seen).toEqual(['1/24', '2/24', '3/24', '4/24']);
    for (const no of nos) await adminSees(no);
    const left = (await keyIdsAtRest()).get(ID_A) ?? 0;
    // Claims come first: the four done, the documents under A left.
    expect(left).toBe(10);

    const env = { REDIS_URL: redis.url, DATA_DIR: mkdtempSync(join(tmpdir(), 'ua-keys-data-')), DOCUMENTS_DIR: docs, DATA_ENCRYPTION_KEY: KEY_B, DATA_ENCRYPTION_OLD_KEYS: KEY_A };
    const run = await cli(['rekey'], env);
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain(`under key ${ID_B}`);
    expect(run.out).toContain(`1/${total} claim`);
    expect(run.out).toContain(`${total}/${total} document`);
    expect(run.out).toContain('(it had gone through 4 items)');
    // Only what the interrupted run left under A is re-encrypted: nothing twice, nothing missed.
    const [, claims = -1, documents = -1, current = -1] = /done: (\d+) claims and (\d+) documents re-encrypted, (\d+) already under the current key, 0 failed/.exec(run.out)?.map(Number) ?? [];
    expect(claims + documents).toBe(left);
    expect(current).toBe(total - left);
    expect(await keyIdsAtRest()).toEqual(new Map([[ID_B, 24]]));
    // The TOTP secret and the broadcast's attachment, sealed under A, moved too.
    expect(run.out).toContain('1 console TOTP secrets and 1 broadcast attachments re-encrypted');
    expect(FieldCipher.keyIdOf((await accounts().get('rotor'))?.totp ?? '')).toBe(ID_B);
    expect(FieldCipher.keyIdOf(await attachmentAtRest())).toBe(ID_B);
    const audits = (await running().audit()).filter((e) => e.action === 'claims.rekey');
    // One entry per finished run: the interrupted one never finished.
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actor: 'cli:rekey', note: expect.stringContaining('resumed a run started') });
  }, 60_000);

  it('a second rekey finds nothing to do', async () => {
    const counts = await claimsService(running()).rekey('test');
    expect(counts).toMatchObject({ claims: 0, documents: 0, current: 24, failed: 0, resumed: undefined });
  });

  it('after the rekey the old key can be dropped: claims, documents and the yearly limit per person still work', async () => {
    await boot({ NODE_ENV: 'production', DATA_ENCRYPTION_KEY: KEY_B });
    for (const no of nos) await adminSees(no);
    const svc = claimsService(running());
    const admin = actorOf(running(), ADMIN);
    await svc.approve(admin, nos[1] ?? '', MAX_PER_CLAIM_CENTS, '');
    // The first approval (under key A) still counts for the same person: the year's limit is used up.
    await expect(svc.approve(admin, nos[2] ?? '', 100, '')).rejects.toMatchObject({ code: 'over_year_limit' });
    // The console account's TOTP still checks, and the weekly broadcast still has its attachment.
    const rotor = await accounts().get('rotor');
    expect(rotor && accounts().totpSecret(rotor)).toBe(TOTP_SECRET);
    expect(running().engine.deps.delivery.openFile(await attachmentAtRest())).toEqual(ATTACHMENT);
  });
});
