/** `npm run cli -- <command> [args]`: the engine's commands (nlu) and those the services offer (ask, eval-law, laws). */
import { existsSync } from 'node:fs';
import type { CliCommands } from '../core/service.ts';
import { SERVICES } from './services.ts';

const COMMANDS: CliCommands = {
  nlu: () => import('./cli-nlu.ts'),
  'console-user': () => import('../channels/console/cli.ts'),
  'migrate-keys': () => import('./cli-migrate-keys.ts'),
  rekey: () => import('./cli-rekey.ts'),
  ...Object.assign({}, ...SERVICES.map((s) => s.cli ?? {})),
};

// The same settings as `npm start` (DATA_DIR above all, where `laws install` writes): .env, variables already set win.
if (existsSync('.env')) process.loadEnvFile('.env');

const [name, ...rest] = process.argv.slice(2);
const load = name ? COMMANDS[name] : undefined;
if (!load) {
  console.error(`usage: npm run cli -- <${Object.keys(COMMANDS).join('|')}> [args]`);
  process.exitCode = 2;
} else {
  process.exitCode = await (await load()).run(rest);
}
