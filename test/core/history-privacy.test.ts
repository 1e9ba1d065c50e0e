import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inbound, startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { validId } from '../intents/claims/data.ts';

let te: TestEngine;
beforeAll(async () => {
  te = await startTestEngine();
});
afterAll(async () => {
  await te.stop();
});

const ID = validId();
const PHONE_DIGITS = '13812345678';

/** Every stored value under the prefix (sessions, tickets, …) as one string. */
async function everythingStored(): Promise<string> {
  const { redis } = te.engine.deps;
  const keys = await redis.keys(`${te.engine.config.REDIS_KEY_PREFIX}*`);
  const values = await Promise.all(
    keys.map(async (k) => {
      const type = await redis.type(k);
      // Strings (tickets, sessions) and lists (the conversation history).
      return type === 'string' ? ((await redis.get(k)) ?? '') : type === 'list' ? (await redis.lrange(k, 0, -1)).join('\n') : '';
    }),
  );
  return values.join('\n');
}

describe('conversation history kept in Redis', () => {
  it('masks ID and phone numbers in session history and in the handoff ticket copied from it', async () => {
    const say = (text: string) => te.engine.pipeline.handle(inbound({ senderId: 'hist1', text }));
    await say(`公司拖欠工资怎么办，我身份证 ${ID}，电话 138 1234 5678`);
    await say(`转人工，电话 ${PHONE_DIGITS}`);
    const stored = await everythingStored();
    expect(stored).toContain('RG-'); // the ticket is there
    expect(stored).not.toContain(ID);
    expect(stored).not.toContain(PHONE_DIGITS);
    expect(stored).not.toContain('138 1234 5678');
    expect(stored).toContain('138****5678');
  });
});
