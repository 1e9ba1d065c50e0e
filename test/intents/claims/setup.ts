/** The claims tests' engine: the one Harness with an admin and a staff member, and the operations on it. */
import { ClaimsService } from '../../../intents/claims/service.ts';
import type { MemberActor } from '../../../src/core/actor.ts';
import type { MemberKey } from '../../../src/core/message.ts';
import { rolesOf } from '../../../src/core/roles.ts';
import { Harness } from '../../helpers/harness.ts';
import { ADMIN, CLAIMS_NOW, STAFF } from './data.ts';

/** The real engine with one admin and one staff member, at CLAIMS_NOW. */
export function startClaimsHarness(opts: { redisUrl?: string } = {}): Promise<Harness> {
  return Harness.start({ env: { BOT_ADMINS: `telegram:${ADMIN}`, BOT_STAFF: `telegram:${STAFF}` }, now: CLAIMS_NOW, ...opts });
}

/** The operations as the web console will call them: on the running engine's deps, without a chat turn. */
export const claimsService = (h: Harness): ClaimsService => new ClaimsService(h.engine.deps);

/** Who acts in a direct call, with the roles the engine gives them (core/roles.ts: admins hold staff powers too). */
export function actorOf(h: Harness, who: string): MemberActor {
  const key = h.identity(who) as MemberKey;
  return { key, roles: rolesOf(key, h.engine.config) };
}

