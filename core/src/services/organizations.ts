import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { DEFAULT_TIME_ZONE, isTimeZone } from '../domain/days.js';
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
import { canSee, requirePlatformAdmin, requireRole, type Audience } from './access.js';
import type { Role, ServiceContext, Viewer } from './context.js';
import { upsertParticipant } from '../store/participants.js';

export type OrganizationKind = 'company' | 'city' | 'association' | 'network';

export interface OrganizationView {
  id: string;
  slug: string;
  name: string;
  kind: OrganizationKind;
  /** IANA time zone: which calendar day a contribution without a date counts for. */
  timeZone: string;
}

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
  return {
    ...organization,
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
  };
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
async function guardMembershipChange(
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
  input: { name: string; description?: string; url?: string },
) {
  const organization = await findOrganization(ctx.db, slug);
  requireRole(viewer, organization.id, 'admin');
  const em = ctx.db.em();
  const beneficiary = em.create(BeneficiaryEntity, {
    id: newId('ben'),
    organizationId: organization.id,
    name: input.name.trim(),
    description: input.description ?? null,
    url: input.url ?? null,
  });
  await em.flush();
  return {
    id: beneficiary.id,
    organizationId: organization.id,
    name: beneficiary.name,
    description: beneficiary.description ?? null,
    url: beneficiary.url ?? null,
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

function normalizeAudience(audience: Audience | undefined): Audience {
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
