/** Shared bench helpers: closed-loop timing for a fixed duration, percentiles, messages. */
import { randomUUID } from 'node:crypto';
import type { InboundMessage } from '../src/core/message.ts';

export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
export const fmtMs = (ms: number) => `${ms.toFixed(2)} ms`;

export interface Timed {
  /** Operations per second over the run. */
  rate: number;
  latencies: number[];
}

/** `concurrency` loops each calling `fn` back to back for `ms` milliseconds (closed loop). */
export async function runFor(ms: number, concurrency: number, fn: (worker: number, i: number) => Promise<void>): Promise<Timed> {
  const latencies: number[] = [];
  const started = performance.now();
  const until = started + ms;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = 0; performance.now() < until; i++) {
        const t = performance.now();
        await fn(w, i);
        latencies.push(performance.now() - t);
        done++;
      }
    }),
  );
  return { rate: done / ((performance.now() - started) / 1000), latencies: latencies.sort((a, b) => a - b) };
}

export function webMessage(userId: string, text: string): InboundMessage {
  return {
    platform: 'web', chatId: userId, chatType: 'private', senderId: userId, senderName: userId, text,
    mentionsBot: false, repliesToBot: false, attachments: [], messageId: randomUUID(), sentAt: Date.now(), fromSelf: false,
  };
}

/** min / median / max of a list of figures. */
export function spread(values: number[], digits = 3): string {
  const s = [...values].sort((a, b) => a - b);
  return `min ${(s[0] ?? 0).toFixed(digits)}  median ${percentile(s, 50).toFixed(digits)}  max ${(s.at(-1) ?? 0).toFixed(digits)}`;
}
