/**
 * Broadcast attachments opened once per process, not once per target: a run sends the same stored file
 * (`WireReply.blob`) to every target, and reading a file of megabytes from Redis for each would hold the
 * shared server while it writes every copy. A blob key's content never changes (a rekey seals the same bytes
 * again), so the opened bytes stay valid; the least recently used go first past `maxBytes`.
 */
import { PermanentDeliveryError } from './wire.ts';

export class OpenedFiles {
  private readonly files = new Map<string, Promise<Buffer>>();
  private readonly sizes = new Map<string, number>();
  private bytes = 0;

  constructor(
    private readonly read: (key: string) => Promise<Buffer | null>,
    private readonly open: (stored: Buffer) => Buffer,
    private readonly maxBytes = 64 << 20,
  ) {}

  get(key: string): Promise<Buffer> {
    const known = this.files.get(key);
    if (known) {
      // Most recently used last.
      this.files.delete(key);
      this.files.set(key, known);
      return known;
    }
    const opened = this.load(key);
    this.files.set(key, opened);
    // A load is never evicted before it is counted (see account), so it is the one kept for the key when it ends.
    opened.then(
      (data) => this.account(key, data.length),
      // A failure is not kept: a Redis error now must not fail the next target's send.
      () => this.forget(key),
    );
    return opened;
  }

  private async load(key: string): Promise<Buffer> {
    const stored = await this.read(key);
    if (!stored) throw new PermanentDeliveryError('file missing');
    try {
      return this.open(stored);
    } catch {
      throw new PermanentDeliveryError('file unreadable');
    }
  }

  private account(key: string, size: number): void {
    this.sizes.set(key, size);
    this.bytes += size;
    for (const oldest of this.files.keys()) {
      if (this.bytes <= this.maxBytes || oldest === key) break;
      // Still loading: counted when it arrives, if kept.
      if (this.sizes.has(oldest)) this.forget(oldest);
    }
  }

  private forget(key: string): void {
    this.files.delete(key);
    this.bytes -= this.sizes.get(key) ?? 0;
    this.sizes.delete(key);
  }
}
