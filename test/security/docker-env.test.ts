/**
 * Attack suite, Docker and the development key (issue item 9): the example env file copied to .env for
 * compose leaves the image's production settings alone (compose also pins them); the development key is
 * random, kept in DATA_DIR with mode 600 and reused, older path-derived data stays readable, and
 * production still refuses to start without a key.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig } from '../../src/core/config.ts';
import { DEV_KEY_FILE, FieldCipher, loadEncryptionKey } from '../../src/core/crypto.ts';

const root = new URL('../../', import.meta.url).pathname;
const read = (file: string) => readFileSync(join(root, file), 'utf8');

/** KEY=value lines of an env file, as compose's env_file reads them (comments and blanks skipped). */
function envFile(text: string): Record<string, string> {
  return Object.fromEntries(
    text.split('\n').flatMap((line) => {
      const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
      return m ? [[m[1] ?? '', m[2] ?? '']] : [];
    }),
  );
}

/** The `environment:` map of the bot service in docker-compose.yml. */
function composeEnvironment(text: string): Record<string, string> {
  const block = /\n  bot:\n[\s\S]*?\n    environment:\n((?: {6}.+\n)+)/.exec(text)?.[1] ?? '';
  return Object.fromEntries(block.split('\n').flatMap((line) => {
    const m = /^ {6}([A-Z_]+):\s*"?([^"]*)"?$/.exec(line);
    return m ? [[m[1] ?? '', m[2] ?? '']] : [];
  }));
}

/** The ENV settings of the Dockerfile's final stage. */
function imageEnvironment(text: string): Record<string, string> {
  const line = text.split('\n').filter((l) => l.startsWith('ENV ')).at(-1) ?? '';
  return Object.fromEntries([...line.slice(4).matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1] ?? '', m[2] ?? '']));
}

describe('docker compose with the copied .env.example', () => {
  const example = envFile(read('.env.example'));
  const compose = composeEnvironment(read('docker-compose.yml'));
  const image = imageEnvironment(read('Dockerfile'));

  it('the example does not set what the image decides', () => {
    for (const name of ['NODE_ENV', 'HOST', 'PORT', 'DATA_DIR', 'KNOWLEDGE_STATUTES_DIR']) expect(example, name).not.toHaveProperty(name);
  });

  it('compose pins production, all interfaces, /data and /laws whatever .env says', () => {
    expect(compose).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0', PORT: '3000', DATA_DIR: '/data', KNOWLEDGE_STATUTES_DIR: '/laws' });
    expect(image).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0', DATA_DIR: '/data' });
  });

  it('the container sees production settings; it refuses to start without a key, and starts with one', () => {
    // Precedence in compose: environment over env_file over the image's ENV.
    const container = { ...image, ...example, ...compose };
    expect(() => loadConfig(container)).toThrow(ConfigError);
    expect(() => loadConfig(container)).toThrow(/DATA_ENCRYPTION_KEY: required/);
    const config = loadConfig({ ...container, DATA_ENCRYPTION_KEY: 'ab'.repeat(32) });
    expect(config).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0', DATA_DIR: '/data', devMode: false });
    // Even an old .env that still sets the development values loses to compose.
    expect(loadConfig({ ...image, ...example, HOST: '127.0.0.1', NODE_ENV: 'development', ...compose, DATA_ENCRYPTION_KEY: 'ab'.repeat(32) }).HOST).toBe('0.0.0.0');
  });
});

describe('development key', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), 'ua-devkey-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const dev = (DATA_DIR: string) => ({ DATA_DIR, devMode: true, DATA_ENCRYPTION_KEY: undefined });
  const derived = (dir: string) => createHash('sha256').update(`union-assistant-dev-key:${dir}`).digest();

  it('is random, stored with mode 600, never derived from the path, and reused on restart', () => {
    const a = fresh();
    const b = fresh();
    const warn = vi.fn();
    const keyA = loadEncryptionKey(dev(a), { warn });
    const keyB = loadEncryptionKey(dev(b), { warn });
    expect(keyA.equals(keyB)).toBe(false);
    expect(keyA.equals(derived(a))).toBe(false);
    const file = join(a, DEV_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadEncryptionKey(dev(a), { warn }).equals(keyA)).toBe(true);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/development mode/);
    // A fresh DATA_DIR has no older data: the derived key is not accepted.
    expect(keyA.readOnly).toBeUndefined();
  });

  it('tightens a key file that became readable by others', async () => {
    const dir = fresh();
    const key = loadEncryptionKey(dev(dir));
    const { chmodSync } = await import('node:fs');
    chmodSync(join(dir, DEV_KEY_FILE), 0o644);
    expect(loadEncryptionKey(dev(dir)).equals(key)).toBe(true);
    expect(statSync(join(dir, DEV_KEY_FILE)).mode & 0o777).toBe(0o600);
  });

  it('keeps data sealed with the old path-derived key readable (read-only) in a DATA_DIR that already held data', () => {
    const dir = fresh();
    mkdirSync(join(dir, 'documents'));
    const old = new FieldCipher(derived(dir)).encrypt('110105194912310021', 'claim:idNumber');
    const warn = vi.fn();
    for (let restart = 0; restart < 2; restart++) {
      const cipher = new FieldCipher(loadEncryptionKey(dev(dir), { warn }));
      expect(cipher.decrypt(old, 'claim:idNumber')).toBe('110105194912310021');
      // New data is sealed with the new key only.
      const sealed = cipher.encrypt('x', 'p');
      expect(() => new FieldCipher(derived(dir)).decrypt(sealed, 'p')).toThrow();
    }
    expect(warn.mock.calls.some(([m]) => /DATA_ENCRYPTION_KEY/.test(String(m)) && /old key/.test(String(m)))).toBe(true);
  });

  it('refuses a damaged key file instead of silently making a new key', () => {
    const dir = fresh();
    writeFileSync(join(dir, DEV_KEY_FILE), 'not a key\n', { mode: 0o600 });
    expect(() => loadEncryptionKey(dev(dir))).toThrow(/not a key file/);
    expect(existsSync(join(dir, DEV_KEY_FILE))).toBe(true);
  });

  it('production still refuses to start without a key', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/DATA_ENCRYPTION_KEY: required/);
    expect(() => loadEncryptionKey({ DATA_DIR: fresh(), devMode: false, DATA_ENCRYPTION_KEY: undefined })).toThrow(/DATA_ENCRYPTION_KEY is missing/);
  });
});
