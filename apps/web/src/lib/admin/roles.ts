/** The roles an organization gives, weakest first (the engine's order). */
export const ROLES = ['member', 'agent', 'admin', 'owner'] as const;
export type Role = (typeof ROLES)[number];

/** A role as the API writes it, or null for a word this site does not know. */
export function roleOf(value: string): Role | null {
  return (ROLES as readonly string[]).includes(value) ? (value as Role) : null;
}

/** One organization the visitor belongs to, as `GET /api/me` lists it. */
export interface Membership {
  organization: string;
  name: string;
  role: Role;
}

/**
 * Whether `role` is `least` or stronger.
 *
 * @example hasRole('admin', 'agent') // true; hasRole('agent', 'admin') // false
 */
export function hasRole(role: Role, least: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(least);
}

/** A console section: where it is, the least role that sees it, and its name. */
export interface Section {
  /** The path under `/admin/{slug}`, '' for the overview. */
  path: string;
  least: Role;
  label: () => string;
  /** Other paths whose pages belong to this section (a challenge's page to its campaigns). */
  also?: readonly string[];
}
