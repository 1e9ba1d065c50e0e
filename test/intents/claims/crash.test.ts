/** Durability: kill -9 of redis-server (restarted from its AOF) and a process restart, through the real engine. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisProcess } from '../../../src/core/redis-server.ts';
import type { Harness } from '../../helpers/harness.ts';
import { startRedis } from '../../helpers/redis.ts';
import { play, textOf } from '../../helpers/transcript.ts';
import { ADMIN, claimNoIn } from './data.ts';
import { actorOf, claimsService, startClaimsHarness } from './setup.ts';
import { applicationUntilSummary, CARD, ID, MOBILE, SUBMIT } from './transcripts.ts';

let redis: RedisProcess;
let h: Harness;

beforeAll(async () => {
  redis = await startRedis();
  h = await startClaimsHarness({ redisUrl: redis.url });
});
afterAll(async () => {
  await h?.stop();
  await redis?.stop();
});

async function crash(): Promise<void> {
  await redis.kill9();
  await redis.restart();
  await h.restart();
}

describe('kill -9 of redis right after 已提交', () => {
  let no = '';

  it('the claim, its queue entry and its encrypted fields come back from the AOF', async () => {
    const out = await play(h, [...applicationUntilSummary('hospital'), SUBMIT], 'crash1');
    no = claimNoIn(textOf(out.at(-1) ?? []));
    expect(no).toBe('HZ-20261122-0001');
    await crash();
    const svc = claimsService(h);
    const [claim] = await svc.myClaims(actorOf(h, 'crash1'));
    expect(claim).toMatchObject({ no, status: 'pending' });
    expect(claim?.documents).toHaveLength(5);
    const admin = actorOf(h, ADMIN);
    expect((await svc.listPending(admin)).map((c) => c.no)).toEqual([no]);
    expect((await svc.review(admin, no))?.secrets).toEqual({ idNumber: ID, bankCard: CARD, mobile: MOBILE, diagnosis: '急性阑尾炎' });
  });

  it('the documents are on disk by content hash and still verify', async () => {
    const svc = claimsService(h);
    const [claim] = await svc.myClaims(actorOf(h, 'crash1'));
    for (const d of claim?.documents ?? []) expect((await svc.documents.read(d)).length).toBe(d.size);
  });

  it('the session survived with the form ended: a new message is not an answer to the old form', async () => {
    await play(h, [{ say: '查询互助进度', expect: [no, '待审核'] }], 'crash1');
  });

  it('the day counter survived: the next claim gets the next number', async () => {
    await play(h, [...applicationUntilSummary('accident'), { say: '确认提交', expect: 'HZ-20261122-0002' }], 'crash2');
  });
});

describe('kill -9 in the middle of a form', () => {
  it('the draft resumes after the restart', async () => {
    const steps = applicationUntilSummary('accident');
    await play(h, steps.slice(0, 8), 'crash3');
    await crash();
    h.advance(3600_000);
    await play(h, [{ say: '你好', expect: '您上次的互助申请还没填完' }, ...steps.slice(8), { say: '确认提交', expect: '已提交' }], 'crash3');
  });
});
