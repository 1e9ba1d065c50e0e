/** `npm run cli -- <command> [args]`: ask, eval-law, nlu. */
const COMMANDS: Record<string, () => Promise<{ run(args: string[]): Promise<number> }>> = {
  ask: () => import('./ask.ts'),
  'eval-law': () => import('./eval-law.ts'),
  nlu: () => import('./nlu.ts'),
};

const [name, ...rest] = process.argv.slice(2);
const load = name ? COMMANDS[name] : undefined;
if (!load) {
  console.error(`usage: npm run cli -- <${Object.keys(COMMANDS).join('|')}> [args]`);
  process.exitCode = 2;
} else {
  process.exitCode = await (await load()).run(rest);
}

export {};
