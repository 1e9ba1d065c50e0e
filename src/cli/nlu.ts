/**
 * `npm run cli -- nlu FILE.jsonl [--intents DIR]`: classify every `{"text","intent"}` line, print one
 * `{"text","intent","confidence"}` line per input (the prediction) and a last line `accuracy=0.xxx n=N`.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { createClassifier, loadExamples } from '../nlu/classifier.ts';

const DEFAULT_INTENTS_DIR = fileURLToPath(new URL('../../intents', import.meta.url));
const lineSchema = z.object({ text: z.string(), intent: z.string().optional() });

export async function run(args: string[]): Promise<number> {
  let intentsDir = DEFAULT_INTENTS_DIR;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--intents') intentsDir = args[++i] ?? intentsDir;
    else files.push(a);
  }
  const file = files[0];
  if (!file) {
    console.error('usage: npm run cli -- nlu FILE.jsonl [--intents DIR]');
    return 2;
  }
  const classifier = createClassifier(await loadExamples(intentsDir));
  const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l.trim());
  let correct = 0;
  let labelled = 0;
  for (const [i, line] of lines.entries()) {
    let item: z.infer<typeof lineSchema>;
    try {
      item = lineSchema.parse(JSON.parse(line));
    } catch (err) {
      console.error(`${file}:${i + 1}: not a {"text","intent"} JSON line (${err instanceof Error ? err.message : String(err)})`);
      return 1;
    }
    const r = classifier.classify(item.text);
    if (item.intent !== undefined) {
      labelled++;
      if (r.intent === item.intent) correct++;
    }
    console.log(JSON.stringify({ text: item.text, intent: r.intent, confidence: r.confidence }));
  }
  console.log(`accuracy=${(labelled ? correct / labelled : 0).toFixed(3)} n=${lines.length}`);
  return 0;
}
