import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { access } from '../access.js';
import {
  addMember,
  createBeneficiary,
  createCampaign,
  createOrganization,
  createTeam,
  getOrganization,
  listPublicOrganizations,
  removeMember,
  updateOrganization,
} from '../../services/organizations.js';
import { listSponsorships } from '../../services/challenges.js';
import type { ServiceContext } from '../../services/context.js';
import type { App } from '../types.js';
import {
  Audience,
  BeneficiaryView,
  BrandingInput,
  BrandingView,
  CampaignSummary,
  CampaignView,
  DateTime,
  Email,
  errors,
  OrganizationKind,
  OrganizationView,
  Progress,
  Role,
  Slug,
  SponsorshipView,
  StringEnum,
  TeamView,
  Title,
  HttpUrl,
  Nullable,
} from '../schemas.js';

const SlugParams = Type.Object({ slug: Type.String({ minLength: 1, maxLength: 100 }) });
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const OrganizationPage = Type.Object({
  ...OrganizationView.properties,
  branding: BrandingView,
  campaigns: Type.Array(CampaignSummary),
  beneficiaries: Type.Array(BeneficiaryView),
});

const PublicOrganizations = Type.Object({
  organizations: Type.Array(
    Type.Object({
      slug: Type.String(),
      name: Type.String(),
      kind: OrganizationKind,
      branding: BrandingView,
      challenges: Type.Array(
        Type.Object({
          id: Type.String(),
          title: Type.String(),
          status: StringEnum(['open', 'succeeded']),
          progress: Progress,
        }),
      ),
    }),
  ),
});

/** How long browsers and shared caches may keep the public list (the site's home page). */
const LIST_CACHE_CONTROL = 'public, max-age=5, stale-while-revalidate=30';
const JSON_TYPE = 'application/json; charset=utf-8';

/** Sends JSON already serialized by the route's schema (a cached answer). */
function sendJsonText(reply: FastifyReply, body: string): FastifyReply {
  return reply.type(JSON_TYPE).send(body);
}

const TeamInput = Type.Object(
  { name: Title({ maxLength: 200 }), slug: Type.Optional(Slug) },
  { additionalProperties: false },
);

export async function organizationRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.post(
    '/api/organizations',
    {
      schema: {
        'x-tandem-access': access.platformAdmin(),
        tags: ['organizations'],
        summary: 'Create an organization (platform admin)',
        body: Type.Object(
          {
            slug: Slug,
            name: Title({ maxLength: 200 }),
            kind: OrganizationKind,
            timeZone: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 64,
                description:
                  'IANA time zone deciding which day a contribution without a date counts for; default Europe/Paris',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: OrganizationView, ...errors(400, 401, 403, 409) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createOrganization(ctx, request.viewer, request.body)),
  );

  app.get(
    '/api/organizations',
    {
      schema: {
        'x-tandem-access': access.anyone({ note: 'public campaigns only' }),
        tags: ['organizations'],
        summary: 'Organizations with public challenges under way (the platform home)',
        description:
          'Organizations that have public campaigns with open or succeeded challenges, each with its branding and those challenges (progress included), by name. Members-only and e-mail-domain campaigns never appear, nor drafts, failed or fulfilled challenges. Cacheable for a few seconds.',
        response: { 200: PublicOrganizations },
      },
    },
    async (request, reply) => {
      void reply.header('cache-control', LIST_CACHE_CONTROL);
      const views = ctx.views;
      if (!views) return { organizations: (await listPublicOrganizations(ctx)).organizations };
      const cached = await views.get('organizations', async () => {
        const loaded = await listPublicOrganizations(ctx);
        const body = reply.serialize({ organizations: loaded.organizations });
        if (typeof body !== 'string') throw new TypeError('a JSON answer serialized to bytes');
        return {
          value: { body, organizationId: '', isDraft: false, audience: { type: 'public' } },
          tags: loaded.tags,
        };
      });
      return sendJsonText(reply, cached.body);
    },
  );

  app.get(
    '/api/organizations/:slug',
    {
      schema: {
        'x-tandem-access': access.anyone({
          note: 'members-only campaigns are left out for outsiders',
        }),
        tags: ['organizations'],
        summary: "An organization's public page data",
        description:
          'With its branding: `logoUrl` is an https URL, or `/api/files/{fileId}` for an uploaded logo.',
        params: SlugParams,
        response: { 200: OrganizationPage, ...errors(404) },
      },
    },
    async (request) => getOrganization(ctx, request.viewer, request.params.slug),
  );

  app.patch(
    '/api/organizations/:slug',
    {
      schema: {
        'x-tandem-access': access.role('admin'),
        tags: ['organizations'],
        summary: 'Rename an organization or change its branding (org admin)',
        description:
          'Fields left out stay as they are. `branding.logoUrl` (https only) and `branding.logoFileId` (a PNG or JPEG this organization uploaded, which then becomes public) are exclusive; `branding.primaryColor` must leave white text on it readable (contrast ≥ 4.5:1, WCAG 2.1 AA), else 400 naming `branding/primaryColor`. Answers the organization as `GET` does.',
        params: SlugParams,
        body: Type.Object(
          {
            name: Type.Optional(Title({ maxLength: 120 })),
            branding: Type.Optional(BrandingInput),
          },
          { additionalProperties: false },
        ),
        response: { 200: OrganizationPage, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => updateOrganization(ctx, request.viewer, request.params.slug, request.body),
  );

  app.post(
    '/api/organizations/:slug/members',
    {
      schema: {
        'x-tandem-access': access.role('admin'),
        tags: ['organizations'],
        summary:
          'Add a member or change their role (owner/admin; only owners appoint or demote owners)',
        params: SlugParams,
        body: Type.Object({ email: Email, role: Role }, { additionalProperties: false }),
        response: {
          201: Type.Object({
            organizationId: Type.String(),
            participantId: Type.String(),
            email: Type.String(),
            role: Type.String(),
          }),
          ...errors(400, 401, 403, 404, 409),
        },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await addMember(ctx, request.viewer, request.params.slug, request.body)),
  );

  app.delete(
    '/api/organizations/:slug/members/:participantId',
    {
      schema: {
        'x-tandem-access': access.role('admin', {
          note: 'removing a member; only owners remove owners',
        }),
        tags: ['organizations'],
        summary: 'Remove a member (owner/admin; only owners remove owners, never the last one)',
        params: Type.Object({
          slug: SlugParams.properties.slug,
          participantId: Type.String({ minLength: 1, maxLength: 100 }),
        }),
        response: {
          200: Type.Object({
            organizationId: Type.String(),
            participantId: Type.String(),
            role: Role,
            status: Type.Literal('removed'),
          }),
          ...errors(401, 403, 404, 409),
        },
      },
    },
    async (request) =>
      removeMember(ctx, request.viewer, request.params.slug, request.params.participantId),
  );

  app.post(
    '/api/organizations/:slug/beneficiaries',
    {
      schema: {
        'x-tandem-access': access.role('admin'),
        tags: ['organizations'],
        summary: 'Add a beneficiary (org admin)',
        params: SlugParams,
        body: Type.Object(
          {
            name: Title({ maxLength: 200 }),
            description: Type.Optional(Type.String({ maxLength: 5000 })),
            url: Type.Optional(HttpUrl),
            email: Type.Optional(
              Type.String({
                ...Email,
                description:
                  'where the link to confirm receipt of a delivered counterpart goes; never shown publicly',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ ...BeneficiaryView.properties, email: Nullable(Type.String()) }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await createBeneficiary(ctx, request.viewer, request.params.slug, request.body)),
  );

  app.post(
    '/api/organizations/:slug/campaigns',
    {
      schema: {
        'x-tandem-access': access.role('admin'),
        tags: ['campaigns'],
        summary: 'Create a campaign (org admin)',
        params: SlugParams,
        body: Type.Object(
          {
            title: Title({ maxLength: 200 }),
            description: Type.Optional(Type.String({ maxLength: 10000 })),
            startsAt: Type.Optional(DateTime),
            endsAt: Type.Optional(DateTime),
            audience: Type.Optional(Audience),
            teams: Type.Optional(Type.Array(TeamInput, { maxItems: 500 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: CampaignView, ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await createCampaign(ctx, request.viewer, request.params.slug, request.body)),
  );

  app.post(
    '/api/campaigns/:id/teams',
    {
      schema: {
        'x-tandem-access': access.role('admin'),
        tags: ['campaigns'],
        summary: 'Add a team to a campaign (org admin)',
        params: IdParams,
        body: TeamInput,
        response: { 201: TeamView, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createTeam(ctx, request.viewer, request.params.id, request.body)),
  );

  app.get(
    '/api/organizations/:slug/sponsorships',
    {
      schema: {
        'x-tandem-access': access.role('admin'),
        tags: ['organizations'],
        summary: 'Tiers other organizations named this one to sponsor (org admin)',
        description:
          'What the organization is asked to sponsor, or agreed or refused to, newest first; `status=proposed` lists what waits for an answer (`POST /api/challenges/{id}/tiers/{tierId}/sponsorship`).',
        params: SlugParams,
        querystring: Type.Object(
          { status: Type.Optional(StringEnum(['accepted', 'proposed', 'declined'])) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ sponsorships: Type.Array(SponsorshipView) }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request) =>
      listSponsorships(ctx, request.viewer, request.params.slug, request.query.status),
  );
}
