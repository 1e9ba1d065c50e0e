/**
 * `npm run cli -- nlu FILE.jsonl`: classify every `{"text","intent"}` line with the classifier trained on
 * the services' examples, print one `{"text","intent","confidence"}` line per input (the prediction) and
 * a last line `accuracy=0.xxx n=N`.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { readTraining } from '../core/examples.ts';
import { createClassifier } from '../nlu/classifier.ts';
import { SERVICES } from './services.ts';

const lineSchema = z.object({ text: z.string(), intent: z.string().optional() });

export async function run(args: string[]): Promise<number> {
  const file = args[0];
  if (!file) {
    console.error('usage: npm run cli -- nlu FILE.jsonl');
    return 2;
  }
  const classifier = createClassifier(await readTraining(SERVICES));
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
