/** The one way to run Lua: by SHA, loading the source on NOSCRIPT (e.g. after a Redis restart). */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A script run by EVALSHA, loaded on first NOSCRIPT (e.g. after a Redis restart). */
export class LuaScript {
  readonly sha: string;
  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }
  run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    return redis.evalsha(this.sha, keys.length, ...keys, ...args).catch((err: unknown) => {
      if (err instanceof Error && err.message.includes('NOSCRIPT')) return redis.eval(this.source, keys.length, ...keys, ...args);
      throw err;
    });
  }
}
