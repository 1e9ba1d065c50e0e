/** Optional LLM second opinion for messages the local classifier is unsure about. */
import { z } from 'zod';
import type { IntentManifest } from '../core/service.ts';
import type { Llm, ChatMessage } from '../llm/client.ts';
import type { Classification, Classifier } from './classifier.ts';

/** What the pipeline needs: an async `classify`. `classifyAsync` is the same function. */
export interface AsyncClassifier {
  classify(text: string): Promise<Classification>;
  classifyAsync(text: string): Promise<Classification>;
  /** The local classifier, for callers that must not wait on a network call. */
  local: Classifier;
}

/** The subset of a pino logger used here. */
export interface FallbackLogger {
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface FallbackOptions {
  /** Give up on the model after this long and keep the local result (default 4000 ms). */
  timeoutMs?: number;
  /** Confidence reported for an answer taken from the model (default 0.8). */
  llmConfidence?: number;
}

/** The system prompt (Chinese, since members write Chinese), listing every intent with its description. */
export function classifySystemPrompt(intents: readonly IntentManifest[]): string {
  return [
    '你是工会小助手的意图分类器。把会员的一句话归入下列意图之一：',
    ...intents.map((i) => `- ${i.id}: ${i.description}`),
    '只输出 JSON，例如 {"intent":"labor_law"}，不要输出其他内容。',
  ].join('\n');
}

const answerSchema = z.object({ intent: z.string() });

/**
 * How long the model's answer for a text is reused, and for how many texts: a turn refused while it ran
 * speculatively runs again at once (see src/core/speculation.ts), and a text many members send together (the
 * same reply to a broadcast) is worth one request, not one each.
 */
const REUSE_MS = 60_000;
const REUSE_MAX = 256;

/** Parse the model's answer: a JSON object (possibly in a code fence) or a bare id, one of `ids`. Null if invalid. */
export function parseLlmIntent(raw: string, ids: readonly string[]): string | null {
  const text = raw.trim().replace(/^```(?:json)?\s*/u, '').replace(/\s*```$/u, '').trim();
  const bare = text.replace(/^["']|["']$/gu, '');
  if (ids.includes(bare)) return bare;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = answerSchema.safeParse(json);
  return parsed.success && ids.includes(parsed.data.intent) ? parsed.data.intent : null;
}

/**
 * Wrap a local classifier: when its confidence is below `threshold` and an LLM is configured,
 * ask the model; an invalid answer, an error or a timeout keeps the local result.
 */
export function withLlmFallback(
  classifier: Classifier,
  intents: readonly IntentManifest[],
  llm: Llm | null,
  threshold = 0.5,
  logger?: FallbackLogger,
  opts: FallbackOptions = {},
): AsyncClassifier {
  const timeoutMs = opts.timeoutMs ?? 4000;
  const llmConfidence = opts.llmConfidence ?? 0.8;
  const ids = intents.map((i) => i.id);
  const systemPrompt = classifySystemPrompt(intents);

  /** The model's answers (kept only when it gave a valid one), by text, oldest first. */
  const recent = new Map<string, { at: number; answer: Promise<Classification | null> }>();

  const classifyAsync = async (text: string): Promise<Classification> => {
    const local = classifier.classify(text);
    if (!llm || local.confidence >= threshold || !text.trim()) return local;
    const now = Date.now();
    let asked = recent.get(text);
    if (!asked || now - asked.at > REUSE_MS) {
      recent.delete(text);
      const entry = { at: now, answer: askModel(llm, text, local) };
      recent.set(text, (asked = entry));
      if (recent.size > REUSE_MAX) recent.delete(recent.keys().next().value!);
      void entry.answer.then((answer) => {
        // A failed or invalid answer is not reused: the next message asks again.
        if (!answer && recent.get(text) === entry) recent.delete(text);
      });
    }
    return (await asked.answer) ?? local;
  };

  /** The model's classification of `text`; null when it gave none (an invalid answer, an error, a timeout). */
  const askModel = async (model: Llm, text: string, local: Classification): Promise<Classification | null> => {
    const messages: ChatMessage[] = [
      { role: 'system', content: systemPrompt },
      // The client masks personal numbers in everything it sends (src/llm/client.ts).
      { role: 'user', content: text.slice(0, 500) },
    ];
    let timer: NodeJS.Timeout | undefined;
    try {
      const raw = await Promise.race([
        model.complete(messages, { maxTokens: 30, json: true }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`LLM intent classification timed out after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      const intent = parseLlmIntent(raw, ids);
      if (!intent) {
        logger?.warn({ answer: raw.slice(0, 200), local }, 'LLM gave no valid intent; keeping the local result');
        return null;
      }
      logger?.debug({ local, llm: intent }, 'intent from LLM fallback');
      return { intent, confidence: Math.max(llmConfidence, intent === local.intent ? local.confidence : 0) };
    } catch (err) {
      logger?.warn({ err, local }, 'LLM intent classification failed; keeping the local result');
      return null;
    } finally {
      if (timer) clearTimeout(timer);
    }
  };

  return { classify: classifyAsync, classifyAsync, local: classifier };
}
