/** Who performs a service operation, from a chat turn or (later) a console session. Operations check roles themselves. */
import type { Logger } from 'pino';
import type { MemberKey } from './message.ts';
import type { ConsoleActorKey } from './console.ts';
import type { Role } from './service.ts';

/** What an operation logs through. */
export type ActorLog = Pick<Logger, 'info' | 'warn' | 'error'>;

export interface Actor {
  /** A chat member, or a web console account (`console:<name>`, see console.ts). */
  key: MemberKey | ConsoleActorKey;
  roles: ReadonlySet<Role>;
  /**
   * Where an operation logs what the actor did (and a store what it found unreadable): a chat turn's or a console
   * request's log, which carries its request id. Absent: the service's own.
   */
  log?: ActorLog;
}

/** A chat member acting for themselves (submitting a claim, opening a ticket): never a console account. */
export interface MemberActor extends Actor {
  key: MemberKey;
}

export class ForbiddenError extends Error {
  constructor(readonly actor: MemberKey | ConsoleActorKey, readonly needed: Role | 'owner') {
    super(`${actor} lacks ${needed}`);
  }
}

/** Throws unless the actor holds the role (admins hold staff powers too, see roles.ts). */
export function requireRole(actor: Actor, role: Role): void {
  if (!actor.roles.has(role)) throw new ForbiddenError(actor.key, role);
}

/** The actor of a chat turn: the member and the roles the router found. */
export function actorOf(turn: { member: MemberKey; roles: ReadonlySet<Role>; log?: Logger }): MemberActor {
  return { key: turn.member, roles: turn.roles, ...(turn.log ? { log: turn.log } : {}) };
}
