/**
 * `npm run cli -- rekey`: re-encrypts under DATA_ENCRYPTION_KEY everything kept sealed for good that an older key
 * (DATA_ENCRYPTION_OLD_KEYS) still holds: claims and claim documents (printing n/total), console accounts' TOTP
 * secrets, and broadcasts' stored attachments. Safe to stop and start again: a rerun skips what is done. With the
 * embedded Redis, stop the bot first (it holds DATA_DIR/redis). What lives for a while only (unfinished forms,
 * queued notifications) is not moved: it is read with the old key until it is gone.
 */
import { AccountStore } from '../channels/console/accounts.ts';
import { buildDeps } from '../core/deps.ts';
import { ClaimsService } from '../../intents/claims/service.ts';
import { BroadcastStore } from '../../intents/broadcasts/store.ts';
import { runOnRedis } from './cli-redis.ts';

const ACTOR = 'cli:rekey';

export function run(args: string[]): Promise<number> {
  return runOnRedis('rekey', args, async ({ config, redis, logger }) => {
    const { deps } = buildDeps(config, redis, logger);
    const claims = new ClaimsService(deps);
    const { cipher } = claims;
    process.stdout.write(`re-encrypting claims and documents under key ${cipher.keyId} (readable: ${cipher.keyIds.join(', ')})\n`);
    const counts = await claims.rekey(ACTOR, ({ done, total, kind, id }) => process.stdout.write(`${done}/${total} ${kind} ${id}\n`));
    if (counts.resumed) process.stdout.write(`finished the run started ${counts.resumed.startedAt} (it had gone through ${counts.resumed.done} items)\n`);
    process.stdout.write(`done: ${counts.claims} claims and ${counts.documents} documents re-encrypted, ${counts.current} already under the current key, ${counts.failed} failed\n`);
    if (counts.failed) {
      process.stdout.write('some items need a key that is not configured (see the log): add it to DATA_ENCRYPTION_OLD_KEYS and run rekey again\n');
      return 1;
    }
    const totp = await new AccountStore(deps.redis, deps.keys, cipher, logger).resealTotp();
    const files = await new BroadcastStore(deps.redis, deps.keys, logger).resealFiles((stored) => deps.delivery.resealFile(stored));
    const note = `${totp.rekeyed} console TOTP secrets and ${files.rekeyed} broadcast attachments re-encrypted, ${totp.current + files.current} already under the current key`;
    process.stdout.write(`${note}\n`);
    await deps.audit.record({ actor: ACTOR, action: 'keys.rekey', target: 'console-totp,broadcast-files', note, at: deps.now() });
    process.stdout.write(
      'the old keys are no longer needed for what is kept: remove them from DATA_ENCRYPTION_OLD_KEYS once unfinished forms have expired (FORM_RESUME_HOURS) and the queued notifications are sent\n',
    );
    return 0;
  });
}
