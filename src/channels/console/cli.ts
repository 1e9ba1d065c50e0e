/**
 * `npm run cli -- console-user …`: web console accounts.
 *   add <name> --role admin|staff [--password-stdin]   prints a one-time password (changed at first sign-in)
 *   passwd <name> [--password-stdin]                   new one-time password (or the one read); signs out everywhere
 *   role <name> admin|staff · disable <name> · enable <name> · revoke <name> (sign out everywhere) · remove <name>
 *   link <name> <platform:userId> · unlink <name> <platform:userId>   chat identities that share the account's role
 *   totp <name> on|off                                 prints the secret and otpauth:// URI for an authenticator app
 *   list
 * With the embedded Redis, stop the bot first (it holds DATA_DIR/redis).
 */
import { buildDeps } from '../../core/deps.ts';
import { ConfigError, loadConfig } from '../../core/config.ts';
import { consoleActorKey } from '../../core/console.ts';
import { createLogger } from '../../core/logger.ts';
import { connectRedis } from '../../core/redis.ts';
import type { Role } from '../../core/service.ts';
import { AccountError, generatePassword } from './accounts.ts';
import { accountStore } from './index.ts';
import { SessionStore } from './sessions.ts';
import { newTotpSecret, otpauthUri } from './totp.ts';

const USAGE = `usage: npm run cli -- console-user <add NAME --role admin|staff [--password-stdin] | passwd NAME [--password-stdin] | role NAME admin|staff | link NAME platform:userId | unlink NAME platform:userId | totp NAME on|off | disable NAME | enable NAME | revoke NAME | remove NAME | list>\n`;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  readStdin(): Promise<string>;
}

const defaultIo: CliIo = {
  out: (l) => process.stdout.write(l),
  err: (l) => process.stderr.write(l),
  async readStdin() {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

export async function run(args: string[], io: CliIo = defaultIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [cmd, name = '', ...rest] = args;
  const flag = (f: string) => rest.includes(f);
  const option = (f: string) => rest[rest.indexOf(f) + 1];
  if (!cmd || (cmd !== 'list' && !name)) {
    io.err(USAGE);
    return 2;
  }
  let config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(`${err.message}\n`);
    return 2;
  }
  const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const redis = await connectRedis(config, logger);
  try {
    const { deps } = buildDeps(config, redis.redis, logger);
    const store = accountStore({ deps });
    const sessions = new SessionStore(redis.redis, deps.keys, logger, 60, 3600_000);
    const audited = (action: string, note?: string) => deps.audit.record({ actor: 'cli:console-user', action, target: consoleActorKey(name), ...(note ? { note } : {}) });
    const password = async (): Promise<{ value: string; generated: boolean }> =>
      flag('--password-stdin') ? { value: (await io.readStdin()).replace(/\r?\n$/, ''), generated: false } : { value: generatePassword(), generated: true };
    const role = (v: string | undefined): Role | null => (v === 'admin' || v === 'staff' ? v : null);
    switch (cmd) {
      case 'add': {
        const r = role(option('--role'));
        if (!r) {
          io.err(USAGE);
          return 2;
        }
        const pw = await password();
        const a = await store.add(name, r, pw.value, pw.generated, new Date());
        await audited('console.account_add', r);
        io.out(`account ${a.name} (${a.role}) created\n`);
        if (pw.generated) io.out(`one-time password: ${pw.value}\n(it must be changed at the first sign-in at /console/login)\n`);
        return 0;
      }
      case 'passwd': {
        const pw = await password();
        await store.setPassword(name, pw.value, pw.generated);
        await sessions.revokeAll(name.toLowerCase());
        await audited('console.account_password');
        io.out(pw.generated ? `one-time password for ${name}: ${pw.value}\n` : `password of ${name} changed\n`);
        return 0;
      }
      case 'role': {
        const r = role(rest[0]);
        if (!r) {
          io.err(USAGE);
          return 2;
        }
        await store.setRole(name, r);
        await audited('console.account_role', r);
        io.out(`${name} is now ${r}\n`);
        return 0;
      }
      case 'link':
      case 'unlink': {
        const identity = rest[0] ?? '';
        const a = cmd === 'link' ? await store.link(name, identity) : await store.unlink(name, identity);
        await audited(`console.account_${cmd}`, identity);
        io.out(`${a.name} linked identities: ${a.links.join(', ') || '(none)'}\n`);
        return 0;
      }
      case 'totp': {
        const on = rest[0] === 'on';
        if (!on && rest[0] !== 'off') {
          io.err(USAGE);
          return 2;
        }
        const secret = on ? newTotpSecret() : null;
        await store.setTotp(name, secret);
        await audited(`console.totp_${on ? 'on' : 'off'}`);
        if (secret) io.out(`TOTP on for ${name}. Add it to an authenticator app:\nsecret: ${secret}\n${otpauthUri('工会管理后台', name, secret)}\n`);
        else io.out(`TOTP off for ${name}\n`);
        return 0;
      }
      case 'disable':
      case 'enable': {
        await store.setDisabled(name, cmd === 'disable');
        if (cmd === 'disable') await sessions.revokeAll(name.toLowerCase());
        await audited(`console.account_${cmd}`);
        io.out(`${name} ${cmd}d\n`);
        return 0;
      }
      case 'revoke': {
        const n = await sessions.revokeAll(name.toLowerCase());
        await audited('console.sessions_revoked', `${n}`);
        io.out(`${n} sessions of ${name} ended\n`);
        return 0;
      }
      case 'remove': {
        await sessions.revokeAll(name.toLowerCase());
        const removed = await store.remove(name);
        if (removed) await audited('console.account_remove');
        io.out(removed ? `${name} removed\n` : `no account ${name}\n`);
        return removed ? 0 : 1;
      }
      case 'list': {
        for (const a of await store.list()) io.out(`${a.name}\t${a.role}${a.disabled ? '\tdisabled' : ''}${a.totp ? '\ttotp' : ''}\t${a.links.join(',')}\n`);
        return 0;
      }
      default:
        io.err(USAGE);
        return 2;
    }
  } catch (err) {
    if (err instanceof AccountError) {
      io.err(`${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await redis.close();
  }
}
