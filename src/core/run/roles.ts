import type { Plan } from '../plan/plan.js';
import { TminusError } from '../tminus-error.js';

/** The role whose members control the run as a whole (pause, abort, rollback, rebaseline, pull). */
export const RUN_CONTROL_ROLE = 'lead';

/** Members of a role, or an empty list for an unknown role. */
export const membersOf = (plan: Plan, role: string): readonly string[] => plan.roles[role]?.members ?? [];

/** Every person named in some role. */
export const everyone = (plan: Plan): string[] => [
  ...new Set(Object.values(plan.roles).flatMap((r) => r.members)),
];

/**
 * Refuses unless `person` is a member of one of `roles`; the message names the person, the roles needed and
 * who holds them, because that is what a person at 3 a.m. needs to know next.
 */
export function requireRole(plan: Plan, person: string, roles: readonly string[], what: string): void {
  if (roles.some((r) => membersOf(plan, r).includes(person))) return;
  const holders = roles.map((r) => `${r}: ${membersOf(plan, r).join(', ') || 'nobody'}`).join('; ');
  const known = everyone(plan).includes(person) ? '' : ` ('${person}' is not in any role of this plan)`;
  throw new TminusError(
    'NOT_ALLOWED',
    `${person} may not ${what}: it needs a member of role ${roles.map((r) => `'${r}'`).join(' or ')} (${holders})${known}`,
    { hint: 'act as a member of that role with --as PERSON (or TMINUS_AS)' },
  );
}

/**
 * Who may control the whole run: members of the `lead` role when the plan has one, otherwise anyone named
 * in a role (a plan without a lead trusts its whole team).
 */
export function runControlRoles(plan: Plan): string[] {
  return plan.roles[RUN_CONTROL_ROLE] ? [RUN_CONTROL_ROLE] : Object.keys(plan.roles);
}
