import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { access } from '../access.js';
import {
  addMember,
  changeMemberRole,
  createBeneficiary,
  createCampaign,
  createOrganization,
  createTeam,
  deleteCampaign,
  deleteTeam,
  getOrganization,
  listBeneficiaries,
  listMembers,
  listPublicOrganizations,
  listTeams,
  removeMember,
  updateBeneficiary,
  updateCampaign,
  updateOrganization,
  updateTeam,
} from '../../services/organizations.js';
import { getCampaign, listSponsorships } from '../../services/challenges.js';
import {
  acceptInvitation,
  inviteMember,
  previewInvitation,
  revokeInvitation,
} from '../../services/invitations.js';
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
  Locale,
} from '../schemas.js';

const SlugParams = Type.Object({ slug: Type.String({ minLength: 1, maxLength: 100 }) });
/** A beneficiary as its organization's admins see it: with the address receipts go to, never public. */
const BeneficiaryAdminView = Type.Object({
  ...BeneficiaryView.properties,
  email: Nullable(Type.String()),
});
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const OrganizationPage = Type.Object({
  ...OrganizationView.properties,
  branding: BrandingView,
  companySignIn: Type.Boolean({
    description:
      'whether its people can sign in through its identity provider (GET /api/auth/sso/{slug})',
  }),
  campaigns: Type.Array(CampaignSummary),
  beneficiaries: Type.Array(BeneficiaryView),
  sharedChallenges: Type.Array(
    Type.Object({
      id: Type.String(),
      title: Type.String(),
      status: Type.String(),
      organization: Type.String({ description: 'the slug of the organization that owns it' }),
      organizationName: Type.String(),
    }),
    {
      description:
        'the federated challenges of other organizations it accepted to feed, opened and visible to the caller (ADR 0043); each has its page at /o/{slug}/c/{id}',
    },
  ),
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

const MemberParams = Type.Object({
  slug: SlugParams.properties.slug,
  participantId: Type.String({ minLength: 1, maxLength: 100 }),
});

const InvitationToken = Type.Object(
  { token: Type.String({ minLength: 10, maxLength: 200 }) },
  { additionalProperties: false },
);

const InvitedOrganization = Type.Object({ slug: Type.String(), name: Type.String() });

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

  app.get(
    '/api/organizations/:slug/members',
    {
      schema: {
        'x-tandem-access': access.role('admin'),
        tags: ['organizations'],
        summary: "An organization's members and pending invitations (owner/admin)",
        description:
          'Members owners first, then admins, agents and members; `email` is null for a resident known by a code or a person who erased their data. `invitations` lists those neither accepted, revoked nor expired.',
        params: SlugParams,
        response: {
          200: Type.Object({
            members: Type.Array(
              Type.Object({
                participantId: Type.String(),
                email: Type.Union([Type.String(), Type.Null()]),
                displayName: Type.Union([Type.String(), Type.Null()]),
                role: Role,
                since: Type.String({ format: 'date-time' }),
              }),
            ),
            invitations: Type.Array(
              Type.Object({
                id: Type.String(),
                email: Type.String(),
                role: Role,
                invitedAt: Type.String({ format: 'date-time' }),
                expiresAt: Type.String({ format: 'date-time' }),
              }),
            ),
          }),
          ...errors(401, 403, 404),
        },
      },
    },
    async (request) => listMembers(ctx, request.viewer, request.params.slug),
  );

  app.patch(
    '/api/organizations/:slug/members/:participantId',
    {
      schema: {
        'x-tandem-access': access.role('admin', {
          note: 'roles below owner; only owners appoint or demote owners',
        }),
        tags: ['organizations'],
        summary: "Change a member's role (owner/admin; only owners appoint or demote owners)",
        description:
          'Never adds anyone: 404 when the person is no member. The last owner cannot be demoted (409 `TANDEM_ORGANIZATION_LAST_OWNER`).',
        params: MemberParams,
        body: Type.Object({ role: Role }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            organizationId: Type.String(),
            participantId: Type.String(),
            role: Role,
          }),
          ...errors(400, 401, 403, 404, 409),
        },
      },
    },
    async (request) =>
      changeMemberRole(
        ctx,
        request.viewer,
        request.params.slug,
        request.params.participantId,
        request.body.role,
      ),
  );

  app.post(
    '/api/organizations/:slug/invitations',
    {
      schema: {
        'x-tandem-access': access.role('admin', { note: 'only owners invite owners' }),
        tags: ['organizations'],
        summary: 'Invite a person by e-mail to join with a role (owner/admin)',
        description:
          'Mails a one-time link to the site page `/invitation?token=…`, valid 7 days (mail purpose `invitation`). A pending invitation of the same address is revoked. Counts against the recipient’s hourly mail limit (429).',
        params: SlugParams,
        body: Type.Object(
          { email: Email, role: Role, locale: Type.Optional(Locale) },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            id: Type.String(),
            email: Type.String(),
            role: Role,
            expiresAt: Type.String({ format: 'date-time' }),
          }),
          ...errors(400, 401, 403, 404, 429),
        },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await inviteMember(ctx, request.viewer, request.params.slug, request.body)),
  );

  app.delete(
    '/api/organizations/:slug/invitations/:id',
    {
      schema: {
        'x-tandem-access': access.role('admin', { note: 'only owners revoke an owner invitation' }),
        tags: ['organizations'],
        summary: 'Revoke a pending invitation (owner/admin)',
        params: Type.Object({
          slug: SlugParams.properties.slug,
          id: Type.String({ minLength: 1, maxLength: 100 }),
        }),
        response: {
          200: Type.Object({ id: Type.String(), status: Type.Literal('revoked') }),
          ...errors(401, 403, 404),
        },
      },
    },
    async (request) =>
      revokeInvitation(ctx, request.viewer, request.params.slug, request.params.id),
  );

  app.post(
    '/api/invitations/preview',
    {
      schema: {
        'x-tandem-access': access.token('hide'),
        tags: ['organizations'],
        summary: 'What an invitation link is for, without using it',
        description:
          '404 when the token is unknown, already used, revoked or expired. The token travels in the body, never in a URL that logs keep.',
        body: InvitationToken,
        response: {
          200: Type.Object({
            organization: InvitedOrganization,
            role: Role,
            email: Type.String(),
            expiresAt: Type.String({ format: 'date-time' }),
          }),
          ...errors(400, 404),
        },
      },
    },
    async (request) => previewInvitation(ctx, request.body.token),
  );

  app.post(
    '/api/invitations/accept',
    {
      schema: {
        'x-tandem-access': access.token('hide'),
        tags: ['organizations'],
        summary: 'Accept an invitation (once): join the organization',
        description:
          'Signed in, the session’s address must be the invited one (else 403 `TANDEM_INVITATION_OTHER_ACCOUNT`, and the invitation stays usable). Signed out, the token proves the mailbox: the person is signed in and `session` carries a new session token. Accepting never lowers a role already held. 404 when the token is unknown, used, revoked or expired.',
        body: InvitationToken,
        response: {
          200: Type.Object({
            organization: InvitedOrganization,
            role: Role,
            participantId: Type.String(),
            session: Type.Optional(
              Type.Object({
                sessionToken: Type.String(),
                expiresAt: Type.String({ format: 'date-time' }),
              }),
            ),
          }),
          ...errors(400, 403, 404),
        },
      },
    },
    async (request) => acceptInvitation(ctx, request.viewer, request.body.token),
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
          201: BeneficiaryAdminView,
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

  consoleRoutes(app, ctx);
}

const Deleted = Type.Object({ id: Type.String(), status: Type.Literal('deleted') });
const TeamParams = Type.Object({
  id: IdParams.properties.id,
  teamId: IdParams.properties.id,
});

/** What the organization console edits after creation: campaigns, beneficiaries, teams. */
function consoleRoutes(app: App, ctx: ServiceContext): void {
  app.patch(
    '/api/campaigns/:id',
    {
      schema: {
        'x-tandem-access': access.role('admin'),
        tags: ['campaigns'],
        summary: 'Edit a campaign (org admin)',
        description:
          'Fields left out stay as they are; `description`, `startsAt` and `endsAt` may be `null`. The audience may change while challenges are open: it decides who sees and joins them from then on, pledges already made stay and count (ADR 0036). Answers the campaign as its admins read it (drafts included).',
        params: IdParams,
        body: Type.Object(
          {
            title: Type.Optional(Title({ maxLength: 200 })),
            description: Type.Optional(Nullable(Type.String({ maxLength: 10000 }))),
            startsAt: Type.Optional(Nullable(DateTime)),
            endsAt: Type.Optional(Nullable(DateTime)),
            audience: Type.Optional(Audience),
          },
          { additionalProperties: false },
        ),
        response: { 200: CampaignView, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      await updateCampaign(ctx, request.viewer, request.params.id, request.body);
      return getCampaign(ctx, request.viewer, request.params.id);
    },
  );

  app.delete(
    '/api/campaigns/:id',
    {
      schema: {
        'x-tandem-access': access.role('admin'),
        tags: ['campaigns'],
        summary: 'Delete a campaign whose challenges are all drafts (org admin)',
        description:
          'With its draft challenges and its teams. 409 `TANDEM_CAMPAIGN_NOT_DRAFT` once one of its challenges was opened.',
        params: IdParams,
        response: { 200: Deleted, ...errors(401, 403, 404, 409) },
      },
    },
    async (request) => deleteCampaign(ctx, request.viewer, request.params.id),
  );

  app.get(
    '/api/organizations/:slug/beneficiaries',
    {
      schema: {
        'x-tandem-access': access.role('admin'),
        tags: ['organizations'],
        summary: "The organization's beneficiaries, as its admins manage them (org admin)",
        description:
          'By name. Their public names and links are also in `GET /api/organizations/{slug}`.',
        params: SlugParams,
        response: {
          200: Type.Object({ beneficiaries: Type.Array(BeneficiaryAdminView) }),
          ...errors(401, 403, 404),
        },
      },
    },
    async (request) => listBeneficiaries(ctx, request.viewer, request.params.slug),
  );

  app.patch(
    '/api/organizations/:slug/beneficiaries/:id',
    {
      schema: {
        'x-tandem-access': access.role('admin'),
        tags: ['organizations'],
        summary: 'Edit a beneficiary (org admin)',
        description:
          'Fields left out stay as they are; `description` and `url` may be `null`. Tiers name it by id and show the change at once.',
        params: Type.Object({ slug: SlugParams.properties.slug, id: IdParams.properties.id }),
        body: Type.Object(
          {
            name: Type.Optional(Title({ maxLength: 200 })),
            description: Type.Optional(Nullable(Type.String({ maxLength: 5000 }))),
            url: Type.Optional(Nullable(HttpUrl)),
            email: Type.Optional(Nullable(Type.String(Email))),
          },
          { additionalProperties: false },
        ),
        response: { 200: BeneficiaryAdminView, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) =>
      updateBeneficiary(ctx, request.viewer, request.params.slug, request.params.id, request.body),
  );

  app.get(
    '/api/campaigns/:id/teams',
    {
      schema: {
        'x-tandem-access': access.role('agent'),
        tags: ['campaigns'],
        summary: "A campaign's teams with how many people count in each (agents and up)",
        params: IdParams,
        response: {
          200: Type.Object({
            teams: Type.Array(
              Type.Object({ ...TeamView.properties, members: Type.Integer({ minimum: 0 }) }),
            ),
          }),
          ...errors(401, 403, 404),
        },
      },
    },
    async (request) => listTeams(ctx, request.viewer, request.params.id),
  );

  app.patch(
    '/api/campaigns/:id/teams/:teamId',
    {
      schema: {
        'x-tandem-access': access.role('admin'),
        tags: ['campaigns'],
        summary: 'Rename a team (org admin)',
        description: '409 `TANDEM_TEAM_SLUG_TAKEN` when another team of the campaign has the slug.',
        params: TeamParams,
        body: Type.Object(
          { name: Type.Optional(Title({ maxLength: 200 })), slug: Type.Optional(Slug) },
          { additionalProperties: false },
        ),
        response: { 200: TeamView, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      updateTeam(ctx, request.viewer, request.params.id, request.params.teamId, request.body),
  );

  app.delete(
    '/api/campaigns/:id/teams/:teamId',
    {
      schema: {
        'x-tandem-access': access.role('admin'),
        tags: ['campaigns'],
        summary: 'Delete a team nobody joined (org admin)',
        description:
          '409 `TANDEM_TEAM_NOT_EMPTY` once a pledge or a contribution names it: its counts stay.',
        params: TeamParams,
        response: { 200: Deleted, ...errors(401, 403, 404, 409) },
      },
    },
    async (request) => deleteTeam(ctx, request.viewer, request.params.id, request.params.teamId),
  );
}
