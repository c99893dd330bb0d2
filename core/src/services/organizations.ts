import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { parseLogoUrl, parsePrimaryColor, parseShortText } from '../domain/branding.js';
import { DEFAULT_TIME_ZONE, isTimeZone } from '../domain/days.js';
import type { Progress } from '../domain/types.js';
import { canonicalDomain, parseEmailField } from '../domain/email.js';
import { TandemError, invalid, notFound } from '../errors.js';
import { newId } from '../ids.js';
import {
  BeneficiaryEntity,
  CampaignEntity,
  OrganizationEntity,
  TeamEntity,
} from '../store/entities.js';
import type { Sql } from '../store/database.js';
import { readProgress } from '../store/progress.js';
import { canSee, requirePlatformAdmin, requireRole, type Audience } from './access.js';
import { claimLogoFile } from './files.js';
import type { Role, ServiceContext, Viewer } from './context.js';
import { upsertParticipant } from '../store/participants.js';
import { ssoEnabledFor } from '../store/sso.js';

export type OrganizationKind = 'company' | 'city' | 'association' | 'network';

export interface OrganizationView {
  id: string;
  slug: string;
  name: string;
  kind: OrganizationKind;
  /** IANA time zone: which calendar day a contribution without a date counts for. */
  timeZone: string;
}

/**
 * How an organization's pages look (ADR 0030). `logoUrl` is the https URL
 * an admin gave, or `/api/files/{fileId}` for an uploaded logo.
 */
export interface BrandingView {
  logoUrl: string | null;
  primaryColor: string | null;
  shortText: string | null;
}

/** What an admin may change of the branding: absent leaves as is, `null` clears. */
export interface BrandingInput {
  logoUrl?: string | null;
  logoFileId?: string | null;
  primaryColor?: string | null;
  shortText?: string | null;
}

interface BrandingRow {
  logo_url: string | null;
  logo_file_id: string | null;
  primary_color: string | null;
  short_text: string | null;
}

/** The cache tag of everything that shows an organization's name or branding. */
export const organizationTag = (organizationId: string): string => `organization:${organizationId}`;

/** The cache tag of the list of public organizations. */
export const ORGANIZATIONS_TAG = 'organizations';

const brandingOf = (row: BrandingRow): BrandingView => ({
  logoUrl: row.logo_url ?? (row.logo_file_id ? `/api/files/${row.logo_file_id}` : null),
  primaryColor: row.primary_color,
  shortText: row.short_text,
});

export interface CampaignSummary {
  id: string;
  title: string;
  description: string | null;
  startsAt: string | null;
  endsAt: string | null;
  audience: Audience;
}

interface OrganizationRow {
  id: string;
  slug: string;
  name: string;
  kind: OrganizationKind;
  time_zone: string;
}

const iso = (value: Date | string | null | undefined): string | null =>
  value ? new Date(value).toISOString() : null;

/** The organization with this slug, or 404. */
export async function findOrganization(sql: Sql, slug: string): Promise<OrganizationView> {
  const [row] = await sql.query<OrganizationRow>(
    'select id, slug, name, kind, time_zone from organization where slug = ?',
    [slug],
  );
  if (!row) throw notFound('organization', slug);
  return { id: row.id, slug: row.slug, name: row.name, kind: row.kind, timeZone: row.time_zone };
}

/** Platform admin only; 409 when the slug is taken. */
export async function createOrganization(
  ctx: ServiceContext,
  viewer: Viewer,
  input: { slug: string; name: string; kind: OrganizationKind; timeZone?: string },
): Promise<OrganizationView> {
  requirePlatformAdmin(viewer);
  const timeZone = input.timeZone ?? DEFAULT_TIME_ZONE;
  if (!isTimeZone(timeZone)) {
    throw invalid('timeZone', `"${timeZone}" is not an IANA time zone such as Europe/Paris`);
  }
  const em = ctx.db.em();
  const organization = em.create(OrganizationEntity, {
    id: newId('org'),
    slug: input.slug,
    name: input.name.trim(),
    kind: input.kind,
    timeZone,
  });
  try {
    await em.flush();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) {
      throw new TandemError(
        'TANDEM_ORGANIZATION_SLUG_TAKEN',
        `slug: "${input.slug}" is already taken.`,
        [{ path: 'slug', message: 'is already taken' }],
      );
    }
    throw error;
  }
  return {
    id: organization.id,
    slug: organization.slug,
    name: organization.name,
    kind: organization.kind as OrganizationKind,
    timeZone: organization.timeZone,
  };
}

/** An organization's public page data; members-only campaigns only for members. */
export async function getOrganization(ctx: ServiceContext, viewer: Viewer, slug: string) {
  const organization = await findOrganization(ctx.db, slug);
  const [branding] = await ctx.db.query<BrandingRow>(
    'select logo_url, logo_file_id, primary_color, short_text from organization where id = ?',
    [organization.id],
  );
  const campaigns = await ctx.db.query<{
    id: string;
    title: string;
    description: string | null;
    starts_at: Date | null;
    ends_at: Date | null;
    audience: Audience;
  }>(
    `select id, title, description, starts_at, ends_at, audience from campaign
      where organization_id = ? order by created_at, id`,
    [organization.id],
  );
  const beneficiaries = await ctx.db.query<{
    id: string;
    name: string;
    description: string | null;
    url: string | null;
  }>(`select id, name, description, url from beneficiary where organization_id = ? order by name`, [
    organization.id,
  ]);
  // The federated challenges it accepted to feed, once opened (drafts stay private).
  const shared = await ctx.db.query<{
    id: string;
    title: string;
    status: string;
    owner_id: string;
    owner_slug: string;
    owner_name: string;
    audience: Audience;
  }>(
    `select c.id, c.title, c.status, o.id as owner_id, o.slug as owner_slug,
            o.name as owner_name, ca.audience
       from challenge_partner p
       join challenge c on c.id = p.challenge_id
       join campaign ca on ca.id = c.campaign_id
       join organization o on o.id = ca.organization_id
      where p.organization_id = ? and p.status = 'accepted' and c.status <> 'draft'
      order by c.created_at desc, c.id`,
    [organization.id],
  );
  return {
    ...organization,
    branding: brandingOf(branding as BrandingRow),
    companySignIn: await ssoEnabledFor(ctx.db, organization.id),
    campaigns: campaigns
      .filter((c) => canSee(viewer, organization.id, c.audience))
      .map((c): CampaignSummary => ({
        id: c.id,
        title: c.title,
        description: c.description,
        startsAt: iso(c.starts_at),
        endsAt: iso(c.ends_at),
        audience: c.audience,
      })),
    beneficiaries,
    sharedChallenges: shared
      .filter((c) => canSee(viewer, c.owner_id, c.audience))
      .map((c) => ({
        id: c.id,
        title: c.title,
        status: c.status,
        organization: c.owner_slug,
        organizationName: c.owner_name,
      })),
  };
}

/** `PATCH /api/organizations/{slug}`: what may change of an organization. */
export interface OrganizationPatch {
  name?: string;
  branding?: BrandingInput;
}

/**
 * `PATCH /api/organizations/{slug}` (its admins and owners, or the
 * platform admin): renames it and changes its branding. Each branding
 * field left out stays as it is; `null` clears it. A logo is an https URL
 * or an uploaded file of this organization (a PNG or JPEG), never both:
 * giving one clears the other, giving both is 400. A file becomes public
 * once it is a logo. The cached answers that show the organization are
 * dropped. Answers the organization as `GET` does for the caller.
 */
export async function updateOrganization(
  ctx: ServiceContext,
  viewer: Viewer,
  slug: string,
  patch: OrganizationPatch,
) {
  const organization = await findOrganization(ctx.db, slug);
  requireRole(viewer, organization.id, 'admin');
  const sets: string[] = [];
  const params: unknown[] = [];
  const set = (column: string, value: unknown) => {
    sets.push(`${column} = ?`);
    params.push(value);
  };
  if (patch.name !== undefined) {
    const name = patch.name.trim();
    const length = [...name].length;
    if (length < 1 || length > 120) throw invalid('name', 'must be 1 to 120 characters');
    set('name', name);
  }
  const branding = patch.branding ?? {};
  const { logoUrl, logoFileId } = branding;
  if (typeof logoUrl === 'string' && typeof logoFileId === 'string') {
    throw invalid('branding/logoFileId', 'give logoUrl or logoFileId, not both');
  }
  if (logoUrl !== undefined) {
    set('logo_url', logoUrl === null ? null : parseLogoUrl(logoUrl, 'branding/logoUrl'));
    if (logoUrl !== null && logoFileId === undefined) set('logo_file_id', null);
  }
  if (logoFileId !== undefined) {
    set('logo_file_id', logoFileId);
    if (logoFileId !== null && logoUrl === undefined) set('logo_url', null);
  }
  if (branding.primaryColor !== undefined) {
    set(
      'primary_color',
      branding.primaryColor === null
        ? null
        : parsePrimaryColor(branding.primaryColor, 'branding/primaryColor'),
    );
  }
  if (branding.shortText !== undefined) {
    set(
      'short_text',
      branding.shortText === null ? null : parseShortText(branding.shortText, 'branding/shortText'),
    );
  }
  if (sets.length > 0) {
    await ctx.db.transaction(async (tx) => {
      if (typeof logoFileId === 'string') {
        await claimLogoFile(tx, organization.id, logoFileId, 'branding/logoFileId');
      }
      await tx.query(`update organization set ${sets.join(', ')} where id = ?`, [
        ...params,
        organization.id,
      ]);
    });
    // This process's own write already cleared its cache before answering
    // (app.ts); the tags say which answers show the organization, for a
    // change made outside a request (a seed, a script) too.
    ctx.views?.invalidate(organizationTag(organization.id));
    ctx.views?.invalidate(ORGANIZATIONS_TAG);
  }
  return getOrganization(ctx, viewer, slug);
}

/** One organization of {@link listPublicOrganizations}. */
export interface PublicOrganization {
  slug: string;
  name: string;
  kind: OrganizationKind;
  branding: BrandingView;
  challenges: { id: string; title: string; status: 'open' | 'succeeded'; progress: Progress }[];
}

/**
 * `GET /api/organizations`: the organizations that have public campaigns
 * with open or succeeded challenges, each with those challenges and their
 * progress — the platform's home page. Members-only and e-mail-domain
 * campaigns never show, nor drafts, failed or fulfilled challenges. Two
 * queries whatever the number of organizations: the challenges with their
 * organization, then the sums of their counter slots.
 *
 * Also answers the challenge and organization ids the list shows, for a
 * cache that drops it when one of them changes.
 */
export async function listPublicOrganizations(ctx: ServiceContext): Promise<{
  organizations: PublicOrganization[];
  tags: string[];
}> {
  const rows = await ctx.db.query<
    BrandingRow & {
      organization_id: string;
      slug: string;
      name: string;
      kind: OrganizationKind;
      challenge_id: string;
      title: string;
      status: 'open' | 'succeeded';
    }
  >(
    `select o.id as organization_id, o.slug, o.name, o.kind,
            o.logo_url, o.logo_file_id, o.primary_color, o.short_text,
            c.id as challenge_id, c.title, c.status
       from challenge c
       join campaign k on k.id = c.campaign_id
       join organization o on o.id = c.organization_id
      where c.status in ('open', 'succeeded')
        and k.audience ->> 'type' = 'public'
      order by o.name, o.slug, c.created_at, c.id`,
  );
  const progress = await readProgress(
    ctx.db,
    rows.map((r) => r.challenge_id),
  );
  const bySlug = new Map<string, PublicOrganization>();
  const tags = new Set<string>([ORGANIZATIONS_TAG]);
  for (const row of rows) {
    let organization = bySlug.get(row.slug);
    if (!organization) {
      organization = {
        slug: row.slug,
        name: row.name,
        kind: row.kind,
        branding: brandingOf(row),
        challenges: [],
      };
      bySlug.set(row.slug, organization);
      tags.add(organizationTag(row.organization_id));
    }
    organization.challenges.push({
      id: row.challenge_id,
      title: row.title,
      status: row.status,
      progress: progress.get(row.challenge_id) ?? { participants: 0, quantity: 0, co2eKg: 0 },
    });
    tags.add(row.challenge_id);
  }
  return { organizations: [...bySlug.values()], tags: [...tags] };
}

/**
 * Adds a person (by e-mail) to an organization with a role, or changes their
 * role. Owners and admins may add members; only an owner may make an owner,
 * or change an owner's role; the last owner cannot be demoted (409).
 */
export async function addMember(
  ctx: ServiceContext,
  viewer: Viewer,
  slug: string,
  input: { email: string; role: Role },
) {
  const organization = await findOrganization(ctx.db, slug);
  requireRole(viewer, organization.id, input.role === 'owner' ? 'owner' : 'admin');
  const email = parseEmailField(input.email, 'email');
  return ctx.db.transaction(async (tx) => {
    const participant = await upsertParticipant(tx, ctx.keyring, { email });
    await guardMembershipChange(tx, viewer, organization.id, participant.id, input.role);
    await tx.query(
      `insert into membership (organization_id, participant_id, role) values (?, ?, ?)
       on conflict (organization_id, participant_id) do update set role = excluded.role`,
      [organization.id, participant.id, input.role],
    );
    return {
      organizationId: organization.id,
      participantId: participant.id,
      email: email.canonical,
      role: input.role,
    };
  });
}

/**
 * Checks a change of one person's membership against the owners' rules, on
 * rows locked for the rest of the transaction: the organization's owners and
 * the person's own membership, in one statement and in id order, so that two
 * concurrent changes queue behind each other instead of deadlocking, and the
 * second one reads what the first committed. (Under READ COMMITTED a locked
 * row changed by the first is read again, and dropped if it is no longer an
 * owner.) Two owners demoting each other at once therefore leave one owner.
 *
 * `next` is the role the person is about to hold, `null` for a removal.
 * Answers the role they hold now (`null` if they are no member).
 */
export async function guardMembershipChange(
  tx: Sql,
  viewer: Viewer,
  organizationId: string,
  participantId: string,
  next: Role | null,
): Promise<Role | null> {
  const rows = await tx.query<{ participant_id: string; role: Role }>(
    `select participant_id, role from membership
      where organization_id = ? and (role = 'owner' or participant_id = ?)
      order by participant_id
      for update`,
    [organizationId, participantId],
  );
  const owners = rows.filter((r) => r.role === 'owner').map((r) => r.participant_id);
  const current = rows.find((r) => r.participant_id === participantId)?.role ?? null;
  if (current !== 'owner' && next !== 'owner') return current;
  // Only owners change owners. The roles the request was signed in with may
  // be stale by now (another owner may just have demoted this one), so the
  // rule is checked against the locked rows.
  const isOwner =
    viewer.kind === 'admin' ||
    (viewer.kind === 'participant' && owners.includes(viewer.participantId));
  if (!isOwner) {
    throw new TandemError(
      'TANDEM_AUTH_FORBIDDEN',
      'Only an owner of the organization may appoint, demote or remove an owner.',
    );
  }
  if (current === 'owner' && next !== 'owner' && owners.length <= 1) {
    throw new TandemError(
      'TANDEM_ORGANIZATION_LAST_OWNER',
      'This is the last owner of the organization; appoint another owner first.',
      [{ path: 'participantId', message: 'is the last owner' }],
    );
  }
  return current;
}

/**
 * `DELETE /api/organizations/{slug}/members/{participantId}`: ends a
 * person's membership. Owners and admins may remove members; only an owner
 * may remove an owner, and never the last one (409). 404 when the person is
 * no member of the organization.
 */
export async function removeMember(
  ctx: ServiceContext,
  viewer: Viewer,
  slug: string,
  participantId: string,
) {
  const organization = await findOrganization(ctx.db, slug);
  requireRole(viewer, organization.id, 'admin');
  return ctx.db.transaction(async (tx) => {
    const role = await guardMembershipChange(tx, viewer, organization.id, participantId, null);
    if (role === null) throw notFound('member', participantId);
    await tx.query('delete from membership where organization_id = ? and participant_id = ?', [
      organization.id,
      participantId,
    ]);
    return {
      organizationId: organization.id,
      participantId,
      role,
      status: 'removed' as const,
    };
  });
}

/** One person of {@link listMembers}. */
export interface MemberView {
  participantId: string;
  /** `null` for a resident known by a code, or a person who erased their data. */
  email: string | null;
  displayName: string | null;
  role: Role;
  /** When they joined (or were last added). */
  since: string;
}

/** One pending invitation of {@link listMembers}. */
export interface PendingInvitationView {
  id: string;
  email: string;
  role: Role;
  invitedAt: string;
  expiresAt: string;
}

/**
 * `GET /api/organizations/{slug}/members` (its admins and owners): who
 * belongs to the organization, owners first, and the invitations still
 * waiting for an answer (neither accepted, revoked nor expired).
 */
export async function listMembers(
  ctx: ServiceContext,
  viewer: Viewer,
  slug: string,
): Promise<{ members: MemberView[]; invitations: PendingInvitationView[] }> {
  const organization = await findOrganization(ctx.db, slug);
  requireRole(viewer, organization.id, 'admin');
  const members = await ctx.db.query<{
    participant_id: string;
    email: string | null;
    display_name: string | null;
    role: Role;
    created_at: Date;
  }>(
    `select m.participant_id, p.email, p.display_name, m.role, m.created_at
       from membership m join participant p on p.id = m.participant_id
      where m.organization_id = ?
      order by array_position(array['owner', 'admin', 'agent', 'member'], m.role),
               m.created_at, m.participant_id`,
    [organization.id],
  );
  const invitations = await ctx.db.query<{
    id: string;
    email: string;
    role: Role;
    created_at: Date;
    expires_at: Date;
  }>(
    `select id, email, role, created_at, expires_at from invitation
      where organization_id = ? and accepted_at is null and revoked_at is null
        and expires_at > ?
      order by created_at desc, id`,
    [organization.id, ctx.now()],
  );
  return {
    members: members.map((row) => ({
      participantId: row.participant_id,
      email: row.email,
      displayName: row.display_name,
      role: row.role,
      since: new Date(row.created_at).toISOString(),
    })),
    invitations: invitations.map((row) => ({
      id: row.id,
      email: row.email,
      role: row.role,
      invitedAt: new Date(row.created_at).toISOString(),
      expiresAt: new Date(row.expires_at).toISOString(),
    })),
  };
}

/**
 * `PATCH /api/organizations/{slug}/members/{participantId}`: changes a
 * member's role. Admins and owners change the roles below owner; only an
 * owner appoints or demotes an owner, and the last owner cannot be demoted
 * (409). 404 when the person is no member: this never adds anyone.
 */
export async function changeMemberRole(
  ctx: ServiceContext,
  viewer: Viewer,
  slug: string,
  participantId: string,
  role: Role,
) {
  const organization = await findOrganization(ctx.db, slug);
  requireRole(viewer, organization.id, role === 'owner' ? 'owner' : 'admin');
  return ctx.db.transaction(async (tx) => {
    const current = await guardMembershipChange(tx, viewer, organization.id, participantId, role);
    if (current === null) throw notFound('member', participantId);
    if (current !== role) {
      await tx.query(
        'update membership set role = ? where organization_id = ? and participant_id = ?',
        [role, organization.id, participantId],
      );
    }
    return { organizationId: organization.id, participantId, role };
  });
}

/**
 * The organizations of which this participant is the only owner: what must
 * change hands before the person may leave Tandem (`DELETE /api/me` answers
 * 409 `TANDEM_ORGANIZATION_LAST_OWNER` while this is not empty). Called in
 * the transaction that erases the person, it locks those organizations'
 * owner rows, so no concurrent demotion of the other owners can slip in
 * between the check and the erasure.
 */
export async function organizationsWhereLastOwner(
  sql: Sql,
  participantId: string,
): Promise<{ id: string; slug: string }[]> {
  const owners = await sql.query<{ organization_id: string; participant_id: string }>(
    `select organization_id, participant_id from membership
      where role = 'owner'
        and organization_id in (select organization_id from membership
                                 where participant_id = ? and role = 'owner')
      order by organization_id, participant_id
      for update`,
    [participantId],
  );
  const counts = new Map<string, number>();
  for (const row of owners) {
    counts.set(row.organization_id, (counts.get(row.organization_id) ?? 0) + 1);
  }
  const alone = owners
    .filter((row) => row.participant_id === participantId && counts.get(row.organization_id) === 1)
    .map((row) => row.organization_id);
  if (alone.length === 0) return [];
  return sql.query<{ id: string; slug: string }>(
    'select id, slug from organization where id in (?) order by slug',
    [alone],
  );
}

export async function createBeneficiary(
  ctx: ServiceContext,
  viewer: Viewer,
  slug: string,
  input: { name: string; description?: string; url?: string; email?: string },
) {
  const organization = await findOrganization(ctx.db, slug);
  requireRole(viewer, organization.id, 'admin');
  // Stored in its canonical form, where the receipt mail goes (ADR 0035).
  const email = input.email === undefined ? null : parseEmailField(input.email, 'email').canonical;
  const em = ctx.db.em();
  const beneficiary = em.create(BeneficiaryEntity, {
    id: newId('ben'),
    organizationId: organization.id,
    name: input.name.trim(),
    description: input.description ?? null,
    url: input.url ?? null,
    email,
  });
  await em.flush();
  return {
    id: beneficiary.id,
    organizationId: organization.id,
    name: beneficiary.name,
    description: beneficiary.description ?? null,
    url: beneficiary.url ?? null,
    email,
  };
}

export interface CampaignInput {
  title: string;
  description?: string;
  startsAt?: string;
  endsAt?: string;
  audience?: Audience;
  teams?: { slug?: string; name: string }[];
}

const slugify = (name: string): string =>
  name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60) || 'team';

export function normalizeAudience(audience: Audience | undefined): Audience {
  if (!audience) return { type: 'public' };
  if (audience.type === 'email-domain') {
    // Stored in the form an address's domain takes (ASCII, `xn--` for an
    // internationalised one), so the audience check compares like with like.
    const domains = audience.domains.map((raw, i) => {
      const domain = canonicalDomain(raw.trim().replace(/^@/, ''));
      if (!domain) throw invalid(`audience/domains/${i}`, `"${raw}" is not a domain name`);
      return domain;
    });
    return { type: 'email-domain', domains };
  }
  return { type: audience.type };
}

export async function createCampaign(
  ctx: ServiceContext,
  viewer: Viewer,
  slug: string,
  input: CampaignInput,
) {
  const organization = await findOrganization(ctx.db, slug);
  requireRole(viewer, organization.id, 'admin');
  const startsAt = input.startsAt ? new Date(input.startsAt) : null;
  const endsAt = input.endsAt ? new Date(input.endsAt) : null;
  if (startsAt && endsAt && endsAt <= startsAt) throw invalid('endsAt', 'must be after startsAt');
  const audience = normalizeAudience(input.audience);
  const teams = (input.teams ?? []).map((t) => ({
    slug: t.slug ?? slugify(t.name),
    name: t.name.trim(),
  }));
  const seen = new Set<string>();
  teams.forEach((team, i) => {
    if (seen.has(team.slug)) throw invalid(`teams/${i}/slug`, `"${team.slug}" appears twice`);
    seen.add(team.slug);
  });
  // Without ORM relations MikroORM does not order parent before children in
  // one flush, so the campaign is flushed first, in the same transaction.
  const { campaign, teamEntities } = await ctx.db.transaction(async ({ em }) => {
    const created = em.create(CampaignEntity, {
      id: newId('cmp'),
      organizationId: organization.id,
      title: input.title.trim(),
      description: input.description ?? null,
      startsAt,
      endsAt,
      audience,
    });
    await em.flush();
    const children = teams.map((team) =>
      em.create(TeamEntity, {
        id: newId('team'),
        campaignId: created.id,
        slug: team.slug,
        name: team.name,
      }),
    );
    await em.flush();
    return { campaign: created, teamEntities: children };
  });
  return {
    id: campaign.id,
    organizationId: organization.id,
    organization: organization.slug,
    title: campaign.title,
    description: campaign.description ?? null,
    startsAt: iso(startsAt),
    endsAt: iso(endsAt),
    audience,
    teams: teamEntities.map((t) => ({ id: t.id, slug: t.slug, name: t.name })),
  };
}

/** Teams may also be added after the campaign was created. */
export async function createTeam(
  ctx: ServiceContext,
  viewer: Viewer,
  campaignId: string,
  input: { slug?: string; name: string },
) {
  const campaign = await findCampaign(ctx.db, campaignId);
  requireRole(viewer, campaign.organizationId, 'admin');
  const em = ctx.db.em();
  const team = em.create(TeamEntity, {
    id: newId('team'),
    campaignId,
    slug: input.slug ?? slugify(input.name),
    name: input.name.trim(),
  });
  try {
    await em.flush();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) {
      throw new TandemError(
        'TANDEM_TEAM_SLUG_TAKEN',
        `slug: team "${team.slug}" already exists in this campaign.`,
      );
    }
    throw error;
  }
  return { id: team.id, slug: team.slug, name: team.name };
}

export interface CampaignRecord {
  id: string;
  organizationId: string;
  title: string;
  description: string | null;
  startsAt: Date | null;
  endsAt: Date | null;
  audience: Audience;
  createdAt: Date;
}

export async function findCampaign(sql: Sql, id: string): Promise<CampaignRecord> {
  const [row] = await sql.query<{
    id: string;
    organization_id: string;
    title: string;
    description: string | null;
    starts_at: Date | null;
    ends_at: Date | null;
    audience: Audience;
    created_at: Date;
  }>('select * from campaign where id = ?', [id]);
  if (!row) throw notFound('campaign', id);
  return {
    id: row.id,
    organizationId: row.organization_id,
    title: row.title,
    description: row.description,
    startsAt: row.starts_at ? new Date(row.starts_at) : null,
    endsAt: row.ends_at ? new Date(row.ends_at) : null,
    audience: row.audience,
    createdAt: new Date(row.created_at),
  };
}

/** `PATCH /api/campaigns/{id}`: what may change of a campaign; `null` clears. */
export interface CampaignPatch {
  title?: string;
  description?: string | null;
  startsAt?: string | null;
  endsAt?: string | null;
  audience?: Audience;
}

/**
 * `PATCH /api/campaigns/{id}` (org admin): renames a campaign, moves its
 * dates, changes its audience — at any time, open challenges or not. The
 * audience is who may see and join its challenges from now on: narrowing it
 * (public to members-only) hides them from outsiders at once, but pledges
 * already made stay and count; widening it opens them to more people. The
 * organizer decides, as for a campaign's dates (ADR 0036). The cached
 * answers of the campaign and of its challenges (whose visibility follows
 * the audience) are dropped. The route answers the campaign as `GET` does.
 */
export async function updateCampaign(
  ctx: ServiceContext,
  viewer: Viewer,
  id: string,
  patch: CampaignPatch,
): Promise<void> {
  const campaign = await findCampaign(ctx.db, id);
  requireRole(viewer, campaign.organizationId, 'admin');
  const startsAt =
    patch.startsAt === undefined
      ? campaign.startsAt
      : patch.startsAt === null
        ? null
        : new Date(patch.startsAt);
  const endsAt =
    patch.endsAt === undefined
      ? campaign.endsAt
      : patch.endsAt === null
        ? null
        : new Date(patch.endsAt);
  if (startsAt && endsAt && endsAt <= startsAt) throw invalid('endsAt', 'must be after startsAt');
  const sets: string[] = [];
  const params: unknown[] = [];
  const set = (column: string, value: unknown, cast = '') => {
    sets.push(`${column} = ?${cast}`);
    params.push(value);
  };
  if (patch.title !== undefined) set('title', patch.title.trim());
  if (patch.description !== undefined) set('description', patch.description);
  if (patch.startsAt !== undefined) set('starts_at', startsAt);
  if (patch.endsAt !== undefined) set('ends_at', endsAt);
  if (patch.audience !== undefined) {
    set('audience', JSON.stringify(normalizeAudience(patch.audience)), '::jsonb');
  }
  if (sets.length > 0) {
    await ctx.db.query(`update campaign set ${sets.join(', ')} where id = ?`, [...params, id]);
    await dropCampaignViews(ctx, id);
  }
}

/** Drops the cached answers of a campaign and of each of its challenges. */
async function dropCampaignViews(ctx: ServiceContext, campaignId: string): Promise<void> {
  if (!ctx.views) return;
  const rows = await ctx.db.query<{ id: string }>(
    'select id from challenge where campaign_id = ?',
    [campaignId],
  );
  ctx.views.invalidate(campaignId);
  for (const row of rows) ctx.views.invalidate(row.id);
  ctx.views.invalidate(ORGANIZATIONS_TAG);
}

/**
 * `DELETE /api/campaigns/{id}` (org admin): a campaign whose challenges are
 * all drafts (or that has none) goes, with them and its teams. 409
 * `TANDEM_CAMPAIGN_NOT_DRAFT` once one of its challenges was opened: what
 * people pledged to is closed, never deleted.
 */
export async function deleteCampaign(
  ctx: ServiceContext,
  viewer: Viewer,
  id: string,
): Promise<{ id: string; status: 'deleted' }> {
  const campaign = await findCampaign(ctx.db, id);
  requireRole(viewer, campaign.organizationId, 'admin');
  await ctx.db.transaction(async (tx) => {
    // Locks the campaign's challenges, so none opens between the check and the delete.
    const rows = await tx.query<{ id: string; status: string }>(
      'select id, status from challenge where campaign_id = ? order by id for update',
      [id],
    );
    const opened = rows.filter((r) => r.status !== 'draft');
    if (opened.length > 0) {
      throw new TandemError(
        'TANDEM_CAMPAIGN_NOT_DRAFT',
        `The campaign has ${opened.length} challenge(s) that were opened; close them, it cannot be deleted.`,
      );
    }
    await tx.query('delete from campaign where id = ?', [id]);
  });
  await dropCampaignViews(ctx, id);
  return { id, status: 'deleted' };
}

/** A beneficiary as its organization's admins see it. */
export interface BeneficiaryRecord {
  id: string;
  organizationId: string;
  name: string;
  description: string | null;
  url: string | null;
  /** Only in admins' answers (the route's schema decides): never public. */
  email: string | null;
}

/**
 * The columns a beneficiary answer reads, and how each becomes a field: one
 * list, so a new field is one more line here and in the route's schema.
 */
const BENEFICIARY_COLUMNS = 'id, organization_id, name, description, url, email';
interface BeneficiaryRow {
  id: string;
  organization_id: string;
  name: string;
  description: string | null;
  url: string | null;
  email: string | null;
}
const toBeneficiary = (row: BeneficiaryRow): BeneficiaryRecord => ({
  id: row.id,
  organizationId: row.organization_id,
  name: row.name,
  description: row.description,
  url: row.url,
  email: row.email,
});

/** `GET /api/organizations/{slug}/beneficiaries` (org admin), by name. */
export async function listBeneficiaries(
  ctx: ServiceContext,
  viewer: Viewer,
  slug: string,
): Promise<{ beneficiaries: BeneficiaryRecord[] }> {
  const organization = await findOrganization(ctx.db, slug);
  requireRole(viewer, organization.id, 'admin');
  const rows = await ctx.db.query<BeneficiaryRow>(
    `select ${BENEFICIARY_COLUMNS} from beneficiary where organization_id = ? order by name, id`,
    [organization.id],
  );
  return { beneficiaries: rows.map(toBeneficiary) };
}

/** `PATCH /api/organizations/{slug}/beneficiaries/{id}`: absent stays, `null` clears. */
export interface BeneficiaryPatch {
  name?: string;
  description?: string | null;
  url?: string | null;
  /** Where the receipt link goes (ADR 0035); stored canonical. */
  email?: string | null;
}

/**
 * `PATCH /api/organizations/{slug}/beneficiaries/{id}` (org admin). A
 * beneficiary of another organization is 404, as an unknown one. Tiers name
 * a beneficiary by id: they show the new name at once.
 */
export async function updateBeneficiary(
  ctx: ServiceContext,
  viewer: Viewer,
  slug: string,
  id: string,
  patch: BeneficiaryPatch,
): Promise<BeneficiaryRecord> {
  const organization = await findOrganization(ctx.db, slug);
  requireRole(viewer, organization.id, 'admin');
  const changes: [string, unknown][] = [];
  if (patch.name !== undefined) changes.push(['name', patch.name.trim()]);
  if (patch.description !== undefined) changes.push(['description', patch.description]);
  if (patch.url !== undefined) changes.push(['url', patch.url]);
  if (patch.email !== undefined) {
    changes.push([
      'email',
      patch.email === null ? null : parseEmailField(patch.email, 'email').canonical,
    ]);
  }
  const assignments = changes.map(([column]) => `${column} = ?`);
  const [row] = await ctx.db.query<BeneficiaryRow>(
    changes.length > 0
      ? `update beneficiary set ${assignments.join(', ')} where id = ? and organization_id = ?
         returning ${BENEFICIARY_COLUMNS}`
      : `select ${BENEFICIARY_COLUMNS} from beneficiary where id = ? and organization_id = ?`,
    [...changes.map(([, value]) => value), id, organization.id],
  );
  if (!row) throw notFound('beneficiary', id);
  if (changes.length > 0) ctx.views?.invalidate(organizationTag(organization.id));
  return toBeneficiary(row);
}

/** A team with how many people count in it. */
export interface TeamSummary {
  id: string;
  slug: string;
  name: string;
  members: number;
}

/**
 * `GET /api/campaigns/{id}/teams` (the organization's agents and up): its
 * teams by name, each with the number of people counted in it — a team
 * nobody joined may be deleted.
 */
export async function listTeams(
  ctx: ServiceContext,
  viewer: Viewer,
  campaignId: string,
): Promise<{ teams: TeamSummary[] }> {
  const campaign = await findCampaign(ctx.db, campaignId);
  requireRole(viewer, campaign.organizationId, 'agent');
  const rows = await ctx.db.query<{ id: string; slug: string; name: string; members: string }>(
    `select t.id, t.slug, t.name,
            (select count(*) from participation p where p.team_id = t.id) as members
       from team t where t.campaign_id = ? order by t.name, t.id`,
    [campaignId],
  );
  return {
    teams: rows.map((r) => ({ id: r.id, slug: r.slug, name: r.name, members: Number(r.members) })),
  };
}

async function findTeam(sql: Sql, campaignId: string, teamId: string) {
  const [row] = await sql.query<{ id: string; slug: string; name: string }>(
    'select id, slug, name from team where id = ? and campaign_id = ?',
    [teamId, campaignId],
  );
  if (!row) throw notFound('team', teamId);
  return row;
}

/**
 * `PATCH /api/campaigns/{id}/teams/{teamId}` (org admin): renames a team
 * (its slug too, unique in the campaign: 409 `TANDEM_TEAM_SLUG_TAKEN`).
 */
export async function updateTeam(
  ctx: ServiceContext,
  viewer: Viewer,
  campaignId: string,
  teamId: string,
  patch: { name?: string; slug?: string },
): Promise<{ id: string; slug: string; name: string }> {
  const campaign = await findCampaign(ctx.db, campaignId);
  requireRole(viewer, campaign.organizationId, 'admin');
  const team = await findTeam(ctx.db, campaignId, teamId);
  const name = patch.name?.trim() ?? team.name;
  const slug = patch.slug ?? team.slug;
  try {
    await ctx.db.query('update team set name = ?, slug = ? where id = ?', [name, slug, teamId]);
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) {
      throw new TandemError(
        'TANDEM_TEAM_SLUG_TAKEN',
        `slug: team "${slug}" already exists in this campaign.`,
        [{ path: 'slug', message: 'is already taken' }],
      );
    }
    throw error;
  }
  ctx.views?.invalidate(campaignId);
  return { id: teamId, slug, name };
}

/**
 * `DELETE /api/campaigns/{id}/teams/{teamId}` (org admin): only a team
 * nobody joined; once a pledge names it, 409 `TANDEM_TEAM_NOT_EMPTY` (its
 * counts and ranking stay).
 */
export async function deleteTeam(
  ctx: ServiceContext,
  viewer: Viewer,
  campaignId: string,
  teamId: string,
): Promise<{ id: string; status: 'deleted' }> {
  const campaign = await findCampaign(ctx.db, campaignId);
  requireRole(viewer, campaign.organizationId, 'admin');
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx.query<{ id: string }>(
      'select id from team where id = ? and campaign_id = ? for update',
      [teamId, campaignId],
    );
    if (!row) throw notFound('team', teamId);
    // Whoever joined it counts in it: by a pledge, or by a contribution.
    const [joined] = await tx.query<{ n: string }>(
      `select (select count(*) from pledge where team_id = ?)
            + (select count(*) from participation where team_id = ?) as n`,
      [teamId, teamId],
    );
    if (Number(joined?.n ?? 0) > 0) {
      throw new TandemError(
        'TANDEM_TEAM_NOT_EMPTY',
        'People joined this team; it cannot be deleted (rename it instead).',
      );
    }
    await tx.query('delete from team where id = ?', [teamId]);
  });
  ctx.views?.invalidate(campaignId);
  return { id: teamId, status: 'deleted' };
}
