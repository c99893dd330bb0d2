import { canonicalDomain, storedEmail, type EmailAddress } from '../domain/email.js';
import { TandemError } from '../errors.js';
import type { Sql } from '../store/database.js';
import { assertCanSee, hasRole, type Audience } from './access.js';
import type { Viewer } from './context.js';
import type { CampaignRecord } from './organizations.js';

/**
 * The audience rule for whoever writes to a challenge of `campaign`
 * (pledge, contribution, weigh-in): members-only campaigns are for members
 * (401 anonymous, 403 others), e-mail-domain campaigns for members and
 * people whose address is at one of the domains (403). Checked before
 * anything else about the request, so an outsider learns nothing more.
 */
export function assertViewerInAudience(
  viewer: Viewer,
  campaign: Pick<CampaignRecord, 'organizationId' | 'audience'>,
): void {
  assertCanSee(viewer, campaign.organizationId, campaign.audience);
  if (viewer.kind !== 'participant') return;
  assertAudienceEmail(
    campaign.audience,
    storedEmail(viewer.email),
    hasRole(viewer, campaign.organizationId, 'member'),
  );
}

/**
 * The same rule for a person someone else names — a resident an agent
 * enrols, a learner a partner reports — who is not the one asking. Their
 * membership is read from the database; a person known only by a
 * resident code has no address, so only public campaigns take them.
 *
 * @throws TandemError `TANDEM_AUTH_FORBIDDEN` when the person is outside the audience
 */
export async function assertPersonInAudience(
  sql: Sql,
  campaign: CampaignRecord,
  person: { id: string; email: string | null },
): Promise<void> {
  const { audience } = campaign;
  if (audience.type === 'public') return;
  const [membership] = await sql.query<{ role: string }>(
    'select role from membership where organization_id = ? and participant_id = ?',
    [campaign.organizationId, person.id],
  );
  if (membership) return;
  if (audience.type === 'members') {
    throw new TandemError(
      'TANDEM_AUTH_FORBIDDEN',
      'This campaign is for members of the organization; the person named is not one.',
    );
  }
  assertAudienceEmail(audience, storedEmail(person.email), false);
}

/**
 * The e-mail-domain audience rule: the address's domain (ASCII, so
 * `bücher.example` and `xn--bcher-kva.example` are one) must be one the
 * campaign names. Members of the organization pass whatever their address.
 */
export function assertAudienceEmail(
  audience: Audience,
  email: EmailAddress | null,
  viewerIsMember: boolean,
): void {
  if (audience.type !== 'email-domain' || viewerIsMember) return;
  if (!email)
    throw new TandemError(
      'TANDEM_AUTH_FORBIDDEN',
      'This campaign is for addresses of its organization.',
    );
  const allowed = audience.domains.map((domain) => canonicalDomain(domain));
  if (!allowed.includes(email.domain)) {
    throw new TandemError(
      'TANDEM_AUTH_FORBIDDEN',
      `This campaign is for addresses at ${audience.domains.join(', ')}; ${email.unicodeDomain} is not one of them.`,
    );
  }
}
