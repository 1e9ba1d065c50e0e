/** Reads an intent folder's examples.json (a JSON array of member phrasings). */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

const examplesSchema = z.array(z.string().min(1));

/** `folderUrl` is the intent module's `import.meta.url`; a missing file means no examples. */
export async function readExamples(folderUrl: string): Promise<string[]> {
  try {
    const raw = await readFile(new URL('./examples.json', folderUrl), 'utf8');
    return examplesSchema.parse(JSON.parse(raw));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`bad examples.json in ${folderUrl}: ${(err as Error).message}`);
  }
}
