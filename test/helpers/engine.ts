/** A real engine (real Redis, real intents, real classifier) for integration tests. */
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/core/config.ts';
import type { Logger } from 'pino';
import { createLogger } from '../../src/core/logger.ts';
import type { InboundMessage } from '../../src/core/message.ts';
import { createEngine, type Engine } from '../../src/app/engine.ts';
import { startRedis } from './redis.ts';

export interface TestEngine {
  engine: Engine;
  redisUrl: string;
  stop(): Promise<void>;
}

/** `logger`: where the engine logs (default: nowhere). */
export async function startTestEngine(env: Record<string, string> = {}, opts: { now?: () => Date; logger?: Logger } = {}): Promise<TestEngine> {
  const redis = await startRedis();
  // Tests that are not about the per-IP web limit send many requests from one address.
  const config = loadConfig({ LOG_LEVEL: 'silent', PORT: '0', REDIS_URL: redis.url, WEB_RATE_LIMIT_PER_MINUTE_PER_IP: '100000', WARM_UP_PASSES: '0', ...env });
  const engine = await createEngine(config, opts.logger ?? createLogger('silent'), opts.now ? { now: opts.now } : {});
  return {
    engine,
    redisUrl: redis.url,
    async stop() {
      await engine.close();
      await redis.stop();
    },
  };
}

/** A private or group message as a platform adapter would produce it. */
export function inbound(over: Partial<InboundMessage> & { text: string }): InboundMessage {
  return {
    platform: 'web', chatId: over.senderId ?? 'u1', chatType: 'private', senderId: 'u1', senderName: '测试用户',
    mentionsBot: false, repliesToBot: false, attachments: [], messageId: randomUUID(), sentAt: Date.now(), fromSelf: false,
    ...over,
  };
}
