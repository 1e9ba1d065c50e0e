/** The shared parts every service receives, on one Redis connection (the engine, a CLI command and tests build them alike). */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AuditLog, auditRetention } from './audit.ts';
import type { Config } from './config.ts';
import { FileResolvers } from './files.ts';
import { Audiences } from './audiences.ts';
import { GroupDirectory } from './groups.ts';
import { Keys } from './keys.ts';
import { RoleDirectory } from './roles.ts';
import { Delivery } from './delivery/index.ts';
import { FieldCipher, loadEncryptionKey } from './crypto.ts';
import type { CoreDeps } from './service.ts';

export function buildDeps(config: Config, redis: Redis, logger: Logger, now: () => Date = () => new Date()): { deps: CoreDeps; outbox: Delivery } {
  const keys = new Keys(config.REDIS_KEY_PREFIX);
  // Real time, not the injected clock: queue times and leases are compared with the senders' clock.
  const outbox = new Delivery(redis, keys, logger, () => new FieldCipher(loadEncryptionKey(config, logger)));
  const deps: CoreDeps = { config, redis, keys, logger, notifier: outbox, delivery: outbox, audit: new AuditLog(redis, keys, auditRetention(config)), groups: new GroupDirectory(redis, keys, logger), roles: new RoleDirectory(config, redis, keys), files: new FileResolvers(), audiences: new Audiences(), now };
  return { deps, outbox };
}
