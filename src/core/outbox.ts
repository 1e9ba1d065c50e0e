/**
 * The former outbox is the delivery path now (src/core/delivery/): notifications go into the same per-recipient
 * ledger as broadcasts. This module keeps the names other modules import.
 */
export type { Notification, Notifier, NotifyOptions } from './delivery/index.ts';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
