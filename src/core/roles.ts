/** Who may do what: the one place roles are decided. Admins also hold staff powers. */
import type { Config } from './config.ts';
import type { Role } from './service.ts';
import type { MemberKey } from './message.ts';

export function rolesOf(member: MemberKey, config: Pick<Config, 'BOT_ADMINS' | 'BOT_STAFF'>): Set<Role> {
  const roles = new Set<Role>();
  if (config.BOT_ADMINS.includes(member)) roles.add('admin').add('staff');
  if (config.BOT_STAFF.includes(member)) roles.add('staff');
  return roles;
}
