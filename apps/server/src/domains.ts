import { services, TandemError, type Platform } from '@tandem/core';
import type { CommandResult } from './proof.js';

/** `tandem domains`: the e-mail domains the platform admin verifies for an organization (ADR 0044). */

export const DOMAINS_USAGE = `Usage: tandem domains <verify|remove|list> <organization-slug> [domain]

  verify <slug> <domain>   mark the domain as the organization's: an account of its
                           company sign-in with a verified address in it is linked to
                           the existing person with that address
  remove <slug> <domain>   withdraw it (accounts already linked stay linked)
  list <slug>              the verified domains`;

export async function domainsCommand(
  platform: Platform,
  args: readonly string[],
): Promise<CommandResult> {
  const [subcommand, slug, domain, ...extra] = args;
  const usage: CommandResult = { code: 2, out: [], err: [DOMAINS_USAGE] };
  if (!slug || extra.length > 0) return usage;
  try {
    switch (subcommand) {
      case 'verify': {
        if (!domain) return usage;
        const verified = await services.verifyOrganizationDomain(
          platform.ctx,
          services.asAdmin,
          slug,
          domain,
        );
        return { code: 0, out: [`${verified.domain} is verified for ${slug}.`], err: [] };
      }
      case 'remove':
        if (!domain) return usage;
        await services.removeOrganizationDomain(platform.ctx, services.asAdmin, slug, domain);
        return { code: 0, out: [`${domain} is no longer verified for ${slug}.`], err: [] };
      case 'list': {
        if (domain) return usage;
        const { items } = await services.getOrganizationDomains(
          platform.ctx,
          services.asAdmin,
          slug,
        );
        return {
          code: 0,
          out: items.length
            ? items.map((d) => `${d.domain}  verified ${d.verifiedAt}`)
            : [`No domain is verified for ${slug}.`],
          err: [],
        };
      }
      default:
        return usage;
    }
  } catch (error) {
    if (error instanceof TandemError) return { code: 1, out: [], err: [error.message] };
    throw error;
  }
}
