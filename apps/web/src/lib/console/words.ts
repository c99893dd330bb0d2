import { m } from '$lib/paraglide/messages';
import { getLocale } from '$lib/paraglide/runtime';

/** Who may see a campaign, in words. */
export function audienceWord(type: string): string {
  if (type === 'members') return m.con_audience_members();
  if (type === 'email-domain') return m.con_audience_domains();
  return m.con_audience_public();
}

/** A day (ISO instant, UTC) as the page's language writes it, or '' for none. */
export function dayText(iso: string | null | undefined): string {
  if (!iso) return '';
  return new Intl.DateTimeFormat(getLocale(), { dateStyle: 'medium', timeZone: 'UTC' }).format(
    new Date(iso),
  );
}
