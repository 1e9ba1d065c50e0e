import { describe, expect, it } from 'vitest';
import type { AuditLog } from '../../src/core/audit.ts';
import type { IntentDefinition, Role, TurnContext } from '../../src/core/service.ts';
import { createLogger } from '../../src/core/logger.ts';
import { Router } from '../../src/core/router.ts';
import { emptySession } from '../../src/core/session.ts';
import { CORE_TEXT } from '../../src/core/texts.ts';
import { inbound } from '../helpers/engine.ts';

const ran: string[] = [];
const admin: IntentDefinition = {
  id: 'claim_status',
  handle: async () => ({ replies: [{ text: 'member view' }] }),
  commands: [{ names: ['approve', '批准'], role: 'admin', summary: 'admin', run: async (_ctx, args) => (ran.push(args), { replies: [{ text: `approved ${args}` }] }) }],
};
const fallback: IntentDefinition = { id: 'unknown', handle: async () => ({ replies: [{ text: 'fallback' }] }) };

function setup() {
  const audited: unknown[] = [];
  const audit = { record: async (e: unknown) => void audited.push(e) } as unknown as AuditLog;
  const router = new Router([admin, fallback], { classify: async () => ({ intent: 'unknown', confidence: 1 }) }, audit, 'unknown');
  const turn = (text: string, roles: Role[] = []) => {
    const ctx: TurnContext = { msg: inbound({ text }), member: 'web:u1', roles: new Set(roles), session: emptySession(Date.now()), history: async () => [], text, now: new Date(), log: createLogger('silent'), beforeWrite: () => undefined };
    return router.route(ctx);
  };
  return { turn, audited };
}

describe('router: command spellings', () => {
  it.each(['／approve HZ-20260101-0001 100', '/APPROVE HZ-20260101-0001 100', '/approve@union_bot HZ-20260101-0001 100', '  /approve HZ-20260101-0001 100'])(
    'refuses and audits %j from a member',
    async (text) => {
      const { turn, audited } = setup();
      expect(await turn(text)).toEqual([{ text: CORE_TEXT.notAllowed }]);
      expect(audited).toHaveLength(1);
    },
  );

  it('tells staff that an admin command needs the admin role (not the staff role they already have), and audits it', async () => {
    const { turn, audited } = setup();
    const [reply] = await turn('/approve HZ-20260101-0001 100', ['staff']);
    expect(reply?.text).toBe(CORE_TEXT.adminOnly);
    expect(reply?.text).not.toContain('需要工会工作人员权限');
    expect(audited).toHaveLength(1);
  });

  it('runs the full-width-slash spelling for an admin', async () => {
    const { turn } = setup();
    expect(await turn('／批准 HZ-20260101-0001 100', ['admin', 'staff'])).toEqual([{ text: 'approved HZ-20260101-0001 100' }]);
  });
});

describe('router: group triggers', () => {
  const signUp: IntentDefinition = {
    id: 'event_register',
    handle: async () => ({ replies: [] }),
    commands: [{ names: ['报名'], groupTrigger: true, summary: 'sign up', run: async () => ({ replies: [] }) }],
  };
  const router = new Router([signUp, fallback], { classify: async () => ({ intent: 'unknown', confidence: 1 }) }, { record: async () => undefined } as unknown as AuditLog, 'unknown');

  it('takes the word with a name or a listed number glued on, but not chatter about signing up', () => {
    for (const text of ['报名 运动会', '报名篮球赛', '报名1', '报名12']) expect(router.isGroupTrigger(text), text).toBe(true);
    for (const text of ['报名截止了吗', '报名了', '报名的人好多', '报名费多少钱']) expect(router.isGroupTrigger(text), text).toBe(false);
  });
});
