/** Optional OpenAI-compatible model (DeepSeek, Qwen, GLM, OpenAI …). Absent unless OPENAI_API_KEY is set. */
import OpenAI from 'openai';
import type { Config } from '../core/config.ts';
import { maskPersonalNumbers } from '../core/text.ts';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface Llm {
  /** One chat completion (personal numbers masked first); rejects on timeout or error so callers fall back to the non-LLM path. */
  complete(messages: ChatMessage[], opts?: { maxTokens?: number; json?: boolean }): Promise<string>;
}

export function createLlm(config: Pick<Config, 'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'OPENAI_MODEL' | 'OPENAI_TIMEOUT_MS'>): Llm | null {
  if (!config.OPENAI_API_KEY) return null;
  const client = new OpenAI({
    apiKey: config.OPENAI_API_KEY,
    baseURL: config.OPENAI_BASE_URL,
    timeout: config.OPENAI_TIMEOUT_MS,
    maxRetries: 0,
  });
  return {
    async complete(messages, opts) {
      const res = await client.chat.completions.create({
        model: config.OPENAI_MODEL,
        // Personal numbers never leave for a third-party model, whichever caller built the messages.
        messages: messages.map((m) => ({ ...m, content: maskPersonalNumbers(m.content) })),
        temperature: 0.2,
        max_tokens: opts?.maxTokens ?? 600,
        ...(opts?.json ? { response_format: { type: 'json_object' as const } } : {}),
      });
      const text = res.choices[0]?.message?.content;
      if (!text) throw new Error('empty completion');
      return text;
    },
  };
}
