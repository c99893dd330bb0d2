import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals, url }) => ({
  me: locals.me
    ? { displayName: locals.me.displayName ?? null, email: locals.me.email ?? null }
    : null,
  path: url.pathname + url.search,
});
