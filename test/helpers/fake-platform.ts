/** A delivery platform in process for tests of src/core/delivery: records what arrived, optionally slow or failing. */
import type { DeliveryPort, SendFailure } from '../../src/core/delivery/index.ts';
import type { Address, Reply } from '../../src/core/message.ts';

export class FakePlatform {
  readonly got: { chatId: string; text: string; at: number; to: Address; reply: Reply }[] = [];
  delayMs = 0;
  failWith?: (to: Address, reply: Reply, n: number) => unknown;
  private calls = 0;
  port(opts: Partial<DeliveryPort> = {}): DeliveryPort {
    return {
      platform: 'telegram',
      pacing: {},
      concurrency: 4,
      ready: () => true,
      deliver: async (to, reply) => {
        const n = this.calls++;
        if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
        const err = this.failWith?.(to, reply, n);
        if (err) throw err;
        this.got.push({ chatId: to.chatId, text: reply.text ?? '', at: Date.now(), to, reply });
      },
      classify: (err) => err as SendFailure,
      ...opts,
    };
  }
}
