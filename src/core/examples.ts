/** Reads a service's example phrasings: `examples/<intent>.json` in its folder, a JSON array of strings. */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { IntentManifest, ServiceDefinition } from './service.ts';

const examplesSchema = z.array(z.string().min(1));

export async function readExamples(serviceFolder: URL, intentId: string): Promise<string[]> {
  const file = new URL(`./examples/${intentId}.json`, serviceFolder);
  try {
    return examplesSchema.parse(JSON.parse(await readFile(file, 'utf8')));
  } catch (err) {
    throw new Error(`bad or missing ${file.pathname}: ${(err as Error).message}`);
  }
}

export interface TrainingIntent extends IntentManifest {
  examples: string[];
}

/** Every intent of the services with its examples, in the services' order (the classifier's class order). */
export async function readTraining(services: readonly ServiceDefinition[]): Promise<TrainingIntent[]> {
  const out: TrainingIntent[] = [];
  for (const s of services) for (const i of s.intents) out.push({ ...i, examples: await readExamples(s.folder, i.id) });
  const ids = out.map((i) => i.id);
  const dup = ids.find((id, n) => ids.indexOf(id) !== n);
  if (dup) throw new Error(`intent ${dup} declared twice`);
  if (out.filter((i) => i.fallback).length !== 1) throw new Error('exactly one intent must be the fallback');
  return out;
}
