/**
 * `npm run cli -- rekey`: re-encrypts every claim and claim document not yet under DATA_ENCRYPTION_KEY
 * (read with DATA_ENCRYPTION_OLD_KEYS), printing n/total. Safe to stop and start again: a rerun skips what is done.
 * With the embedded Redis, stop the bot first (it holds DATA_DIR/redis).
 */
import { buildDeps } from '../../src/core/deps.ts';
import { loadConfigForCli } from '../../src/core/config.ts';
import { createLogger } from '../../src/core/logger.ts';
import { connectRedis } from '../../src/core/redis.ts';
import { ClaimsService } from './service.ts';

export async function run(args: string[]): Promise<number> {
  if (args.length) {
    process.stderr.write('usage: npm run cli -- rekey\n');
    return 2;
  }
  const config = loadConfigForCli();
  if (!config) return 2;
  const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const redis = await connectRedis(config, logger);
  try {
    const service = new ClaimsService(buildDeps(config, redis.redis, logger).deps);
    process.stdout.write(`re-encrypting claims and documents under key ${service.cipher.keyId} (readable: ${service.cipher.keyIds.join(', ')})\n`);
    const counts = await service.rekey('cli:rekey', ({ done, total, kind, id }) => process.stdout.write(`${done}/${total} ${kind} ${id}\n`));
    if (counts.resumed) process.stdout.write(`finished the run started ${counts.resumed.startedAt} (it had gone through ${counts.resumed.done} items)\n`);
    process.stdout.write(`done: ${counts.claims} claims and ${counts.documents} documents re-encrypted, ${counts.current} already under the current key, ${counts.failed} failed\n`);
    if (counts.failed) {
      process.stdout.write('some items need a key that is not configured (see the log): add it to DATA_ENCRYPTION_OLD_KEYS and run rekey again\n');
      return 1;
    }
    process.stdout.write('the old keys are no longer needed for claims: remove them from DATA_ENCRYPTION_OLD_KEYS once unfinished forms have expired (FORM_RESUME_HOURS)\n');
    return 0;
  } finally {
    await redis.close();
  }
}
