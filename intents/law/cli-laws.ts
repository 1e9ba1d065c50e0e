/** `npm run laws -- install <folder|URL>`: checks statute texts and installs them under DATA_DIR/laws. */
import { findStatutesDir, loadConfigForCli, STATUTES_INSTALL_COMMAND } from '../../src/core/config.ts';
import { defaultLawPaths } from './knowledge.ts';
import { installStatutes, InstallRefused } from './laws-install.ts';

export async function run(args: string[]): Promise<number> {
  const [action, source] = args;
  if (action !== 'install' || !source) {
    process.stderr.write(`usage: ${STATUTES_INSTALL_COMMAND}\n  a folder or http(s) folder URL holding MANIFEST.tsv and one .md per law, laid out like ../shared/laws\n`);
    return 2;
  }
  const config = loadConfigForCli();
  if (!config) return 2;
  const knowledgeDir = defaultLawPaths({ KNOWLEDGE_DIR: config.KNOWLEDGE_DIR }).knowledgeDir;
  try {
    const done = await installStatutes(source, config.DATA_DIR, knowledgeDir);
    process.stdout.write(`installed ${done.laws} laws, ${done.articles} articles into ${done.dir}\n`);
    const used = findStatutesDir({ KNOWLEDGE_STATUTES_DIR: process.env.KNOWLEDGE_STATUTES_DIR, DATA_DIR: config.DATA_DIR });
    if (used !== done.dir) process.stdout.write(`note: KNOWLEDGE_STATUTES_DIR points to ${used}, which the bot reads first; unset it to use these\n`);
    process.stdout.write('restart the bot to use them\n');
    return 0;
  } catch (err) {
    if (!(err instanceof InstallRefused)) throw err;
    process.stderr.write(`${err.message}\nnothing was installed\n`);
    return 1;
  }
}
