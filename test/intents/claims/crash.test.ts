import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimsServices } from '../../../intents/claims/context.ts';
import type { MemberKey } from '../../../src/core/message.ts';
import { startRedis } from '../../helpers/redis.ts';
import { ADMIN, ClaimsHarness, play, textOf } from './harness.ts';
import { applicationUntilSummary, CARD, ID } from './transcripts.ts';

let redis: Awaited<ReturnType<typeof startRedis>>;
let h: ClaimsHarness;

beforeAll(async () => {
  redis = await startRedis();
  h = await ClaimsHarness.create(redis.url);
});
afterAll(async () => {
  await h?.close();
  await redis?.stop();
});

describe('durability', () => {
  it('kill -9 of redis right after "已提交": the claim, queue entry and index come back from the AOF', async () => {
    await play(h.member('crash1'), applicationUntilSummary('hospital'));
    const reply = textOf(await h.member('crash1').say('确认提交'));
    const no = /已提交，编号 (HZ-\d{8}-\d{4})/.exec(reply)?.[1];
    expect(no).toBe('HZ-20261122-0001');

    await redis.kill9();
    await redis.restart();
    await h.restart();

    const s = claimsServices(h.deps);
    const member = { key: 'telegram:crash1' as MemberKey, roles: new Set<never>() };
    const [claim] = await s.store.listForMember(member);
    expect(claim?.no).toBe(no);
    expect(claim?.status).toBe('pending');
    expect(claim?.documents).toHaveLength(5);
    expect(claim && s.store.decrypt(claim)).toMatchObject({ idNumber: ID, bankCard: CARD, mobile: '13812345678', diagnosis: '急性阑尾炎' });
    const admin = { key: `${ADMIN.platform}:${ADMIN.userId}` as MemberKey, roles: new Set(['admin'] as const) };
    expect((await s.store.listPending(admin)).map((c) => c.no)).toEqual([no]);
    // Documents are on disk by content hash and still verify.
    for (const d of claim?.documents ?? []) expect((await s.documents.read(d)).length).toBe(d.size);
    // The session (form ended) also survived: a new message is not an answer to the old form.
    await play(h.member('crash1'), [{ say: '查询互助进度', expect: [no ?? '', '待审核'] }]);
    // The day counter survived too: the next claim gets the next number.
    await play(h.member('crash2'), applicationUntilSummary('accident'));
    expect(textOf(await h.member('crash2').say('确认提交'))).toContain('HZ-20261122-0002');
  });

  it('kill -9 in the middle of a form: the draft resumes after restart', async () => {
    const steps = applicationUntilSummary('accident');
    await play(h.member('crash3'), steps.slice(0, 8));
    await redis.kill9();
    await redis.restart();
    await h.restart();
    h.advance(3600_000);
    const text = textOf(await h.member('crash3').say('你好'));
    expect(text).toContain('您上次的互助申请还没填完');
    await play(h.member('crash3'), [...steps.slice(8), { say: '确认提交', expect: '已提交' }]);
  });
});
