import { m } from '$lib/paraglide/messages';
import { hasRole, type Role, type Section } from './roles';

/**
 * The console's sections, in the order of its navigation. A section is
 * listed only to roles that may use it; its pages check again on the server.
 */
export const SECTIONS: readonly Section[] = [
  { path: '', least: 'agent', label: m.adm_section_overview },
  { path: '/campaigns', least: 'admin', label: m.adm_section_campaigns, also: ['/challenges'] },
  { path: '/beneficiaries', least: 'admin', label: m.con_section_beneficiaries },
  { path: '/members', least: 'admin', label: m.adm_section_members },
  { path: '/branding', least: 'admin', label: m.adm_section_branding },
  { path: '/sponsorships', least: 'admin', label: m.adm_section_sponsorships },
  { path: '/partners', least: 'admin', label: m.fed_section_partners },
  { path: '/ledger', least: 'admin', label: m.adm_section_ledger },
  { path: '/integrity', least: 'admin', label: m.adm_section_integrity },
  { path: '/integrations', least: 'admin', label: m.adm_section_integrations },
  { path: '/sso', least: 'admin', label: m.sso_section },
];

/** The sections a role sees. */
export function sectionsFor(role: Role): Section[] {
  return SECTIONS.filter((section) => hasRole(role, section.least));
}
