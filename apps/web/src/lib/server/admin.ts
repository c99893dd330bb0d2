import { error, redirect, type RequestEvent } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages';
import { hasRole, roleOf, type Membership, type Role } from '$lib/admin/roles';

/** What a console page may act with: the visitor's session and their role in the organization. */
export interface ConsoleAccess {
  session: string;
  membership: Membership;
}

/**
 * The visitor's session, or a redirect to sign in and come back to this
 * page. Every console page's load and action calls this (or
 * `requireRole`) itself: a layout's guard does not cover form actions.
 */
export function requireSession(event: RequestEvent): string {
  if (!event.locals.me || !event.locals.session) {
    const back = event.url.pathname + event.url.search;
    redirect(303, `/sign-in?next=${encodeURIComponent(back)}`);
  }
  return event.locals.session;
}

/** The visitor's memberships, read once from `GET /api/me` (a role it does not know is left out). */
function membershipsOf(event: RequestEvent): Membership[] {
  const memberships: Membership[] = [];
  for (const { organization, name, role } of event.locals.me?.memberships ?? []) {
    const known = roleOf(role);
    if (known) memberships.push({ organization, name, role: known });
  }
  return memberships;
}

/** The visitor's memberships that open the console (agents and up). */
export function consoleMemberships(event: RequestEvent): Membership[] {
  return membershipsOf(event).filter((membership) => hasRole(membership.role, 'agent'));
}

/**
 * Checks, on the server, that the signed-in visitor holds at least `least`
 * in the organization `slug`. Someone who is not a member gets a 404 (the
 * console does not say which organizations exist); a member with too small
 * a role gets a 403. The API checks again on every call: this guard only
 * keeps pages from showing what their actions would refuse.
 */
export function requireRole(event: RequestEvent, slug: string, least: Role): ConsoleAccess {
  const session = requireSession(event);
  const membership = membershipsOf(event).find((one) => one.organization === slug);
  if (!membership) error(404, { message: m.adm_not_found() });
  if (!hasRole(membership.role, least)) error(403, { message: m.adm_forbidden() });
  return { session, membership };
}
