import { m } from '$lib/paraglide/messages';
import { ROLES, type Role } from '$lib/admin/roles';

/** A role's name in the page's language. */
export function roleLabel(role: Role): string {
  switch (role) {
    case 'owner':
      return m.mem_role_owner();
    case 'admin':
      return m.mem_role_admin();
    case 'agent':
      return m.mem_role_agent();
    case 'member':
      return m.mem_role_member();
  }
}

/**
 * The roles a console user may hand out, strongest first: owners give any
 * role, admins every role but owner (the API refuses it anyway).
 */
export function grantableRoles(viewer: Role): Role[] {
  return [...ROLES].reverse().filter((role) => role !== 'owner' || viewer === 'owner');
}
