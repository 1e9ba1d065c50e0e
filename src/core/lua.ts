/** The one way to run Lua: by SHA, loading the source on NOSCRIPT (e.g. after a Redis restart). */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** ioredis has a …Buffer twin of every command (replies left as Buffers); its types omit EVALSHA's. */
interface BufferScripting {
  evalshaBuffer(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  evalBuffer(source: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

/** A script run by EVALSHA, loaded on first NOSCRIPT (e.g. after a Redis restart). */
export class LuaScript {
  readonly sha: string;
  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }
  async run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (err instanceof Error && err.message.includes('NOSCRIPT')) return redis.eval(this.source, keys.length, ...keys, ...args);
      throw err;
    }
  }
  /** The same, with bulk strings in the reply left as Buffers (decoded only where read). */
  runBuffer(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    const scripting = redis as unknown as BufferScripting;
    return scripting.evalshaBuffer(this.sha, keys.length, ...keys, ...args).catch((err: unknown) => {
      if (err instanceof Error && err.message.includes('NOSCRIPT')) return scripting.evalBuffer(this.source, keys.length, ...keys, ...args);
      throw err;
    });
  }
}
