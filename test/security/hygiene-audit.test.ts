/**
 * Attack suite, audit flooding (issue item 7): a member hammering staff commands leaves at most
 * N "refused" entries per hour (then one "capped" entry; the rest are counted). The stream's length and
 * age caps are tested with the audit log itself (test/core/audit.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AUDIT_RETENTION } from '../../src/core/audit.ts';
import { Harness } from '../helpers/harness.ts';

describe('refused attempts through the real router', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start({ env: { BOT_STAFF: 'telegram:staff1' }, now: new Date('2026-11-22T02:00:00Z') });
  });
  afterAll(async () => h?.stop());

  it('records at most the hourly cap per actor, then one capped entry, and counts the rest', async () => {
    const cap = DEFAULT_AUDIT_RETENTION.refusalsPerHour;
    const attempts = cap * 3;
    for (let i = 0; i < attempts; i++) expect(await h.dm('flooder').say('/tickets')).not.toHaveLength(0);
    const mine = (await h.audit()).filter((e) => e.actor === h.identity('flooder'));
    expect(mine.filter((e) => e.action === 'refused')).toHaveLength(cap);
    expect(mine.filter((e) => e.action === 'refused.capped')).toHaveLength(1);
    // The router stamps refusals with the real time.
    expect(await h.engine.deps.audit.refusals(h.identity('flooder'))).toBe(attempts);
    // Another actor is recorded as usual.
    await h.dm('other').say('/tickets');
    expect((await h.audit()).some((e) => e.actor === h.identity('other') && e.action === 'refused')).toBe(true);
  });
});
