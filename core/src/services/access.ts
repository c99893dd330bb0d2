import { TandemError } from '../errors.js';
import type { Audience, Role, Viewer } from './context.js';

const RANK: Record<Role, number> = { owner: 4, admin: 3, agent: 2, member: 1 };

/** The viewer's role in an organization; a platform admin acts as an owner everywhere. */
export function roleIn(viewer: Viewer, organizationId: string): Role | null {
  if (viewer.kind === 'admin') return 'owner';
  if (viewer.kind !== 'participant') return null;
  return viewer.roles.get(organizationId) ?? null;
}

/** Whether the viewer holds at least `minimum` in the organization. */
export function hasRole(viewer: Viewer, organizationId: string, minimum: Role): boolean {
  const role = roleIn(viewer, organizationId);
  return role !== null && RANK[role] >= RANK[minimum];
}

/** 401 for anonymous callers, 403 for those signed in without the role. */
export function requireRole(viewer: Viewer, organizationId: string, minimum: Role): void {
  if (hasRole(viewer, organizationId, minimum)) return;
  if (viewer.kind === 'anonymous') {
    throw new TandemError('TANDEM_AUTH_REQUIRED', 'Sign in to do this.');
  }
  throw new TandemError(
    'TANDEM_AUTH_FORBIDDEN',
    `This needs the ${minimum} role (or higher) in the organization.`,
  );
}

export function requirePlatformAdmin(viewer: Viewer): void {
  if (viewer.kind === 'admin') return;
  if (viewer.kind === 'anonymous') {
    throw new TandemError('TANDEM_AUTH_REQUIRED', 'This needs the platform admin token.');
  }
  throw new TandemError('TANDEM_AUTH_FORBIDDEN', 'Only a platform admin may do this.');
}

export function requireParticipant(viewer: Viewer): Extract<Viewer, { kind: 'participant' }> {
  if (viewer.kind === 'participant') return viewer;
  if (viewer.kind === 'admin') {
    throw new TandemError(
      'TANDEM_AUTH_FORBIDDEN',
      'The platform admin token acts for no participant; sign in as a participant.',
    );
  }
  throw new TandemError('TANDEM_AUTH_REQUIRED', 'Sign in to do this.');
}

export type { Audience } from './context.js';

/**
 * Whether the viewer may see a campaign and what is in it: members-only
 * campaigns answer 401 to anonymous callers and 403 to outsiders.
 */
export function assertCanSee(viewer: Viewer, organizationId: string, audience: Audience): void {
  if (audience.type !== 'members') return;
  if (hasRole(viewer, organizationId, 'member')) return;
  if (viewer.kind === 'anonymous') {
    throw new TandemError('TANDEM_AUTH_REQUIRED', 'This campaign is for members; sign in.');
  }
  throw new TandemError(
    'TANDEM_AUTH_FORBIDDEN',
    'This campaign is for members of the organization.',
  );
}

export function canSee(viewer: Viewer, organizationId: string, audience: Audience): boolean {
  return audience.type !== 'members' || hasRole(viewer, organizationId, 'member');
}
