/**
 * What a channel gives the delivery path (the per-channel contract): its pacing limits as data, one send
 * attempt per reply, and how to read a failed send. Telegram, WeChat, the web inbox, and later WeCom and
 * the Official Account plug in here; the ledger, the pacing and the retries are the same for all of them.
 */
import type { Address, Platform, Reply } from '../message.ts';
import type { PacingLimits } from './pacing.ts';

export type SendFailure =
  /** The platform said when to try again (Telegram 429 retry_after): obeyed, not counted as a failed try. */
  | { kind: 'retry-after'; ms: number; reason: string }
  /** It will never work (bot removed from the group, user blocked the bot, chat gone): failed, no retry. */
  | { kind: 'permanent'; reason: string }
  /** Network or server trouble: retried with exponential backoff, a few times. */
  | { kind: 'transient'; reason: string };

export interface DeliveryPort {
  platform: Platform;
  pacing: PacingLimits;
  /** Items this process sends at the same time (their pacing is still shared). */
  concurrency: number;
  /** False while the platform cannot send (not logged in, not connected): nothing is claimed meanwhile. */
  ready(): boolean;
  /** One attempt to send one reply (no retries inside: the ledger retries, so nothing goes out twice). */
  deliver(to: Address, reply: Reply): Promise<void>;
  classify(err: unknown): SendFailure;
}
