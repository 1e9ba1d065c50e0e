/** Reads an intent folder's examples.json (a JSON array of member phrasings). */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

const examplesSchema = z.array(z.string().min(1));

/**
 * `folderUrl` is the intent module's `import.meta.url` (or the folder's URL ending in "/").
 * A missing file means no examples, unless `required`; a malformed one is always an error.
 */
export async function readExamples(folderUrl: string | URL, opts: { required?: boolean } = {}): Promise<string[]> {
  const file = new URL('./examples.json', folderUrl);
  try {
    return examplesSchema.parse(JSON.parse(await readFile(file, 'utf8')));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !opts.required) return [];
    throw new Error(`bad or missing ${file.pathname}: ${(err as Error).message}`);
  }
}
