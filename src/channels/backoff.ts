/**
 * Reconnect and pacing helpers for chat channels. No SDK imports here (Telegram uses them too).
 */

export interface BackoffOptions {
  /** First delay (default 1 s). */
  baseMs?: number;
  /** Upper bound (default 5 min). */
  maxMs?: number;
  /** Injected for tests; default Math.random. */
  random?: () => number;
}

/**
 * Delay before reconnect attempt `attempt` (0-based): base·2^attempt, capped at max, with ±20 % jitter
 * so that several bot processes do not reconnect in lockstep. Never exceeds max.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}): number {
  const base = opts.baseMs ?? 1000;
  const max = opts.maxMs ?? 5 * 60_000;
  const random = opts.random ?? Math.random;
  const exp = Math.min(max, base * 2 ** Math.min(attempt, 30));
  return Math.round(Math.min(max, exp * (0.8 + 0.4 * random())));
}

/**
 * Runs `connect` again after failures with exponential backoff. `schedule()` is idempotent while a retry
 * is pending; `succeeded()` resets the schedule (call it when the channel is healthy again).
 */
export class Reconnector {
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** How many reconnects were started (for status and tests). */
  restarts = 0;

  constructor(
    private readonly connect: () => Promise<void>,
    private readonly onError: (err: unknown, attempt: number) => void,
    private readonly opts: BackoffOptions = {},
  ) {}

  get pending(): boolean {
    return this.timer !== undefined;
  }

  /** Schedules a reconnect unless one is already pending; returns the delay used. */
  schedule(): number | undefined {
    if (this.stopped || this.timer) return undefined;
    const delay = backoffDelay(this.attempt, this.opts);
    this.attempt++;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.stopped) return;
      this.restarts++;
      this.connect().catch((err: unknown) => {
        this.onError(err, this.attempt);
        this.schedule();
      });
    }, delay);
    this.timer.unref();
    return delay;
  }

  succeeded(): void {
    this.attempt = 0;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * A per-process send queue: tasks run one at a time, and consecutive tasks start at least
 * `minIntervalMs` apart (WeChat restricts accounts that send in bursts).
 */
export class SendQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private lastStart = 0;

  constructor(private readonly minIntervalMs: number) {}

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(async () => {
      const wait = this.lastStart + this.minIntervalMs - Date.now();
      if (wait > 0) await sleepMs(wait);
      this.lastStart = Date.now();
      return task();
    });
    // The queue goes on after a failed task; the caller still sees the failure.
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** Keeps at least `intervalMs` between sends to the same chat (Telegram: ≤ 20 messages/min in a group). */
export class ChatPacer {
  private readonly last = new Map<string, number>();

  /** Waits until the chat may receive again and marks it as sent now. */
  async wait(chatId: string, intervalMs: number): Promise<void> {
    const wait = (this.last.get(chatId) ?? 0) + intervalMs - Date.now();
    if (wait > 0) await sleepMs(wait);
    this.mark(chatId);
  }

  mark(chatId: string): void {
    this.last.set(chatId, Date.now());
    if (this.last.size > 10_000) {
      // Forget the oldest entries; a bounded map is enough for pacing.
      const cutoff = Date.now() - 60_000;
      for (const [id, at] of this.last) if (at < cutoff) this.last.delete(id);
    }
  }
}

export const sleepMs = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
