/** Articles replaced by later law (knowledge/labor-law-superseded.json): never shown as the rule, always quoted with a note. */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { citationKey as key, citationSchema, type Citation } from './card.ts';

const entrySchema = z.object({
  law: z.string().min(2),
  article: z.number().int().positive(),
  /** Only this paragraph is replaced; the article as a whole stays citable. */
  paragraph: z.number().int().positive().optional(),
  by: z.array(citationSchema).min(1),
  note: z.string().min(10),
});
const fileSchema = z.object({ superseded: z.array(entrySchema) });
export type SupersededEntry = z.infer<typeof entrySchema>;


export class SupersededList {
  private readonly byKey: Map<string, SupersededEntry>;

  constructor(readonly entries: SupersededEntry[] = []) {
    this.byKey = new Map(entries.map((e) => [key(e.law, e.article), e]));
  }

  /** The entry for an article, whole or in part. */
  entry(law: string, article: number): SupersededEntry | undefined {
    return this.byKey.get(key(law, article));
  }

  /** The whole article is replaced: it must not be shown as the rule. */
  isReplaced(c: Citation): boolean {
    return this.isReplacedKey(key(c.law, c.article));
  }

  /** `isReplaced` by the article's `citationKey`. */
  isReplacedKey(citation: string): boolean {
    const e = this.byKey.get(citation);
    return e !== undefined && e.paragraph === undefined;
  }
}

/** Reads the list; a missing file is an empty list, a malformed one throws with the file name. */
export function loadSuperseded(path: string): SupersededList {
  if (!existsSync(path)) return new SupersededList();
  const res = fileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!res.success) throw new Error(`${path}: ${res.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return new SupersededList(res.data.superseded);
}
