/**
 * A plain clone: the repository's files in a folder with no ../shared/laws beside it, no KNOWLEDGE_STATUTES_DIR.
 * `npm start`'s entry starts, warns once how to add the statute texts, and answers a labor-law question from its
 * card with the article numbers.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { BotProcess, startBotProcess as StartBotProcess } from '../helpers/bot-process.ts';

const checkout = fileURLToPath(new URL('../..', import.meta.url));
const parent = mkdtempSync(join(tmpdir(), 'ua-first-run-'));
const clone = join(parent, 'union-assistant');
let bot: BotProcess | undefined;
afterAll(async () => {
  await bot?.stop();
  rmSync(parent, { recursive: true, force: true });
});

/** The files a clone holds: what git tracks. */
function copyRepository(): void {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: checkout, encoding: 'utf8' }).split('\0');
  for (const file of files.filter(Boolean)) {
    if (!existsSync(join(checkout, file))) continue; // deleted in the working tree
    mkdirSync(dirname(join(clone, file)), { recursive: true });
    cpSync(join(checkout, file), join(clone, file));
  }
  symlinkSync(join(checkout, 'node_modules'), join(clone, 'node_modules'), 'dir');
}

describe('first run of a plain clone', () => {
  it('starts without statute texts, warns how to add them, and answers with article numbers', async () => {
    copyRepository();
    expect(existsSync(join(parent, 'shared'))).toBe(false);
    // The clone's own helper, so the entry started is the clone's src/app/main.ts.
    const { startBotProcess } = (await import(join(clone, 'test/helpers/bot-process.ts'))) as { startBotProcess: typeof StartBotProcess };
    bot = await startBotProcess({ DATA_DIR: join(clone, 'data'), REDIS_URL: '', KNOWLEDGE_STATUTES_DIR: '' }, { cwd: clone });

    const res = await fetch(`${bot.url}/api/web/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'newcomer', chatType: 'private', text: '公司一直不跟我签劳动合同，我该怎么办？' }),
    });
    expect(res.status).toBe(200);
    const text = ((await res.json()) as { replies: { text?: string }[] }).replies.map((r) => r.text ?? '').join('\n');
    expect(text).toContain('依据：《劳动合同法》第八十二条');

    const status = (await (await fetch(`${bot.url}/api/status`)).json()) as Record<string, unknown>;
    expect(status.statutes).toEqual({ installed: false, installCommand: 'npm run laws -- install <folder|URL>' });

    const warnings = bot.output().split('\n').filter((l) => l.includes('statute texts not installed'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('npm run laws -- install <folder|URL>');
  }, 90_000);
});
