import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals, url }) => ({
  me: locals.me
    ? {
        displayName: locals.me.displayName ?? null,
        email: locals.me.email ?? null,
        // Agents and up of some organization see the console's link.
        console: locals.me.memberships.some((membership) => membership.role !== 'member'),
      }
    : null,
  path: url.pathname + url.search,
});
