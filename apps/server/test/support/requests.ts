import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { fromSchema } from './fuzz.js';
import type { BuildRequest, MatrixCaller, Variant } from './matrix.js';
import { encodeSegment, fillPath, type Operation, type SentRequest } from './openapi.js';
import { ACTION_TYPES, fittingIds, must, type World } from './world.js';
import { multipartBody, tinyPdf, unique } from '@tandem/core/testing';

/**
 * Valid requests for every operation, on organization A's things, as each
 * caller of the access matrix sends them (with an id of organization B
 * inside when `swapped`). The fuzz spoils them too, so that hostile values
 * reach past the access checks.
 */

const CONSENT = { given: true, text: 'J’accepte que mon engagement soit enregistré.' };

/** Routes whose request holds an inner id that can belong to another organization. */
const SWAPPABLE = new Set([
  'POST /api/challenges/{id}/tiers/{tierId}/fulfill',
  'PATCH /api/challenges/{id}/tiers/{tierId}',
  'POST /api/challenges/{id}/weigh-ins',
  'POST /api/organizations/{slug}/elearning/partners/{id}/key',
  'POST /api/organizations/{slug}/elearning/partners/{id}/accounts',
  'GET /api/organizations/{slug}/elearning/partners/{id}/statements',
  'POST /api/organizations/{slug}/elearning/partners/{id}/revoke',
  'DELETE /api/organizations/{slug}/webhooks/{id}',
  'GET /api/organizations/{slug}/webhooks/{id}/deliveries',
  'POST /api/organizations/{slug}/webhooks/{id}/test',
  'POST /api/organizations/{slug}/webhooks/{id}/secret/rotate',
  'POST /api/challenges/{id}/tiers/{tierId}/sponsorship',
  'DELETE /api/organizations/{slug}/members/{participantId}',
  'PATCH /api/organizations/{slug}/beneficiaries/{id}',
  'PATCH /api/campaigns/{id}/teams/{teamId}',
  'DELETE /api/campaigns/{id}/teams/{teamId}',
  'PATCH /api/organizations/{slug}/members/{participantId}',
  'DELETE /api/organizations/{slug}/invitations/{id}',
]);

function tokenOf(world: World, caller: MatrixCaller): string | undefined {
  return caller === 'self' ? world.a.tokens.self : world.tokens[caller];
}

function emailOf(world: World, caller: MatrixCaller): string | undefined {
  if (caller === 'anonymous' || caller === 'platformAdmin') return undefined;
  if (caller === 'citizen') return world.citizen.email;
  if (caller === 'otherAdmin') return world.b.emails.admin;
  return world.a.emails[caller];
}

const asAdmin = (world: World) => ({ token: world.platform.adminToken });

async function freshChallenge(world: World, state: 'draft' | 'open' | 'unlocked'): Promise<string> {
  const { client } = world;
  const created = must(
    await client.post(
      `/api/campaigns/${world.a.campaignId}/challenges`,
      {
        title: `Fresh ${unique()}`,
        actionType: 'pledge-only',
        goal: { participants: 1 },
        counterpart: { kind: 'act', description: 'Plant a tree' },
      },
      asAdmin(world),
    ),
    201,
    'fresh challenge',
  );
  if (state === 'draft') return created.id;
  must(
    await client.post(`/api/challenges/${created.id}/open`, undefined, asAdmin(world)),
    200,
    'open',
  );
  if (state === 'open') return created.id;
  must(
    await client.post(`/api/challenges/${created.id}/pledges`, {}, { token: world.a.tokens.self }),
    201,
    'pledge to unlock',
  );
  await world.platform.settle();
  const read = must(await client.get(`/api/challenges/${created.id}`, asAdmin(world)), 200, 'read');
  if (!read.tiers[0]?.unlockedAt) throw new Error('the fresh challenge did not unlock');
  return created.id;
}

/** A fresh open challenge of B with A (`slug`) invited as a partner, not yet answered. */
async function federatedOfB(world: World, slug: string): Promise<string> {
  const challenge = must(
    await world.client.post(
      `/api/campaigns/${world.b.campaignId}/challenges`,
      { title: `Federated ${unique()}`, actionType: 'pledge-only', goal: { participants: 10 } },
      asAdmin(world),
    ),
    201,
    'federated challenge of B',
  );
  must(
    await world.client.post(`/api/challenges/${challenge.id}/open`, undefined, asAdmin(world)),
    200,
    'open the federated challenge',
  );
  must(
    await world.client.post(
      `/api/challenges/${challenge.id}/partners`,
      { organization: slug },
      asAdmin(world),
    ),
    201,
    'invite A',
  );
  return challenge.id;
}

/** A valid request of `caller` for the operation, on A's things (B's inner ids when swapped). */
export const requestBuilder =
  (world: World): BuildRequest =>
  (operation, caller, variant) =>
    build(world, operation, caller, variant);

async function build(
  world: World,
  operation: Operation,
  caller: MatrixCaller,
  variant: Variant,
): Promise<SentRequest | null> {
  if (variant === 'swapped' && !SWAPPABLE.has(operation.name)) return null;
  const home = world.a;
  const ref = variant === 'swapped' ? world.b : world.a;
  const params: Record<string, string> = {};
  for (const { name } of operation.pathParams) {
    const inner = name !== 'slug' && operation.pathParams.length > 1 && name !== 'id';
    const source = inner || (name === 'id' && operation.path.includes('/{slug}/')) ? ref : home;
    const [id] = fittingIds(source, operation.path, name);
    params[name] = id ?? 'unknown';
  }
  let query = '';
  let body: unknown;
  /** A body that is not JSON, with its content type. */
  let raw: { payload: string; contentType: string } | undefined;
  let token = tokenOf(world, caller);

  switch (operation.name) {
    case 'POST /api/organizations':
      body = { slug: `m-${unique()}`, name: 'Matrix', kind: 'city' };
      break;
    case 'PATCH /api/organizations/{slug}':
      body = { branding: { shortText: `Matrix ${unique()}`, primaryColor: '#1d4ed8' } };
      break;
    case 'POST /api/organizations/{slug}/files': {
      // A one-page PDF: all ASCII, so the form travels as text.
      const form = multipartBody([{ name: 'file', content: tinyPdf(), filename: 'proof.pdf' }]);
      raw = { payload: form.payload.toString('latin1'), contentType: form.contentType };
      break;
    }
    case 'POST /api/organizations/{slug}/members':
      body = { email: `new-${unique()}@example.org`, role: 'member' };
      break;
    case 'POST /api/organizations/{slug}/beneficiaries':
      body = { name: 'Beneficiary' };
      break;
    case 'POST /api/organizations/{slug}/campaigns':
      body = { title: 'Campaign' };
      break;
    case 'POST /api/campaigns/{id}/teams':
      params['id'] = home.campaignId;
      body = { name: `Team ${unique()}` };
      break;
    case 'POST /api/campaigns/{id}/challenges':
      params['id'] = home.campaignId;
      body = { title: 'Challenge', actionType: 'pledge-only', goal: { participants: 3 } };
      break;
    case 'POST /api/challenges/{id}/open':
    case 'DELETE /api/challenges/{id}':
      params['id'] = await freshChallenge(world, 'draft');
      break;
    case 'PATCH /api/challenges/{id}':
      params['id'] = await freshChallenge(world, 'draft');
      body = { title: `Edited ${unique()}`, deadline: null };
      break;
    case 'PATCH /api/campaigns/{id}':
      params['id'] = home.campaignId;
      body = { description: `Edited ${unique()}` };
      break;
    case 'DELETE /api/campaigns/{id}': {
      // Deleting is for good: a fresh campaign without challenges for each caller.
      const fresh = must(
        await world.client.post(
          `/api/organizations/${home.slug}/campaigns`,
          { title: `Doomed ${unique()}`, audience: { type: 'members' } },
          asAdmin(world),
        ),
        201,
        'fresh campaign',
      );
      params['id'] = fresh.id;
      break;
    }
    case 'PATCH /api/organizations/{slug}/beneficiaries/{id}':
      body = { description: `Edited ${unique()}` };
      break;
    case 'PATCH /api/campaigns/{id}/teams/{teamId}':
      params['id'] = home.campaignId;
      body = { name: 'North' };
      break;
    case 'DELETE /api/campaigns/{id}/teams/{teamId}': {
      params['id'] = home.campaignId;
      if (variant === 'own') {
        // A fresh team nobody joined, for each caller.
        const team = must(
          await world.client.post(
            `/api/campaigns/${home.campaignId}/teams`,
            { name: `Gone ${unique()}` },
            asAdmin(world),
          ),
          201,
          'fresh team',
        );
        params['teamId'] = team.id;
      }
      break;
    }
    case 'POST /api/challenges/{id}/close':
      params['id'] = await freshChallenge(world, 'open');
      break;
    case 'POST /api/challenges/{id}/tiers/{tierId}/fulfill': {
      const id = await freshChallenge(world, 'unlocked');
      params['id'] = id;
      if (variant === 'own') {
        const read = await world.client.get(`/api/challenges/${id}`, asAdmin(world));
        params['tierId'] = read.body.tiers[0].id;
      }
      break;
    }
    case 'PATCH /api/challenges/{id}/tiers/{tierId}': {
      // A's own tier (A sponsors it): its admins move the date it is due.
      const id = await freshChallenge(world, 'unlocked');
      params['id'] = id;
      if (variant === 'own') {
        const read = await world.client.get(`/api/challenges/${id}`, asAdmin(world));
        params['tierId'] = read.body.tiers[0].id;
      }
      body = { deliverBy: new Date(Date.now() + 30 * 86_400_000).toISOString() };
      break;
    }
    case 'POST /api/challenges/{id}/tiers/{tierId}/sponsorship': {
      // Organization B proposes A as the sponsor of a fresh tier: A's admins decide.
      const proposed = must(
        await world.client.post(
          `/api/campaigns/${world.b.campaignId}/challenges`,
          {
            title: `Proposed ${unique()}`,
            actionType: 'pledge-only',
            goal: { participants: 10 },
            counterpart: { kind: 'act', description: 'Repair bikes' },
            sponsor: home.slug,
          },
          asAdmin(world),
        ),
        201,
        'proposed sponsorship',
      );
      params['id'] = proposed.id;
      if (variant === 'own') params['tierId'] = proposed.tiers[0].id;
      body = { decision: 'accept' };
      break;
    }
    case 'DELETE /api/organizations/{slug}/members/{participantId}': {
      if (variant === 'own') {
        // Removing is for good: a fresh member for each caller.
        const added = must(
          await world.client.post(
            `/api/organizations/${home.slug}/members`,
            { email: `leaving-${unique()}@example.org`, role: 'member' },
            asAdmin(world),
          ),
          201,
          'fresh member',
        );
        params['participantId'] = added.participantId;
      }
      break;
    }
    case 'PATCH /api/organizations/{slug}/members/{participantId}':
      // The member keeps their role: every caller's request is the same harmless change.
      body = { role: 'member' };
      break;
    case 'POST /api/organizations/{slug}/invitations':
      body = { email: `invited-${unique()}@example.org`, role: 'member' };
      break;
    case 'DELETE /api/organizations/{slug}/invitations/{id}': {
      // Revoking is for good: a fresh invitation (of B when swapped) for each caller.
      const invited = must(
        await world.client.post(
          `/api/organizations/${ref.slug}/invitations`,
          { email: `revoked-${unique()}@example.org`, role: 'member' },
          asAdmin(world),
        ),
        201,
        'fresh invitation',
      );
      params['id'] = invited.id;
      break;
    }
    case 'POST /api/invitations/preview':
    case 'POST /api/invitations/accept':
      body = { token: `unknown-${unique()}` };
      break;
    case 'POST /api/challenges/{id}/pledges':
      params['id'] = home.challenges['pledge-only'] as string;
      // The admin token is no participant: it pledges by e-mail, as a visitor does.
      body = token && caller !== 'platformAdmin' ? {} : { email: `anon-${unique()}@example.org` };
      break;
    case 'POST /api/challenges/{id}/partners':
      // Inviting is once per organization: a fresh open challenge of A, inviting B.
      params['id'] = await freshChallenge(world, 'open');
      body = { organization: world.b.slug };
      break;
    case 'GET /api/challenges/{id}/partners':
      params['id'] = home.challenges['pledge-only'] as string;
      break;
    case 'GET /api/challenges/{id}/partners/{slug}/report':
      // A's own share of its open challenge.
      params['id'] = home.challenges['pledge-only'] as string;
      params['slug'] = home.slug;
      break;
    case 'POST /api/challenges/{id}/partners/{slug}/decision':
      // B invites A to a fresh open challenge of its own: A's admins answer.
      params['id'] = await federatedOfB(world, home.slug);
      params['slug'] = home.slug;
      body = { accept: true };
      break;
    case 'POST /api/challenges/{id}/partners/{slug}/tiers': {
      // B's open challenge, A its accepted partner: A's admins add a sub-goal of A's.
      const id = await federatedOfB(world, home.slug);
      must(
        await world.client.post(
          `/api/challenges/${id}/partners/${home.slug}/decision`,
          { accept: true },
          asAdmin(world),
        ),
        200,
        'A accepts',
      );
      params['id'] = id;
      params['slug'] = home.slug;
      body = { goal: { participants: 5 } };
      break;
    }
    case 'DELETE /api/challenges/{id}/partners/{slug}': {
      // Leaving is once: a fresh draft of A with B invited, for each caller.
      const id = await freshChallenge(world, 'draft');
      must(
        await world.client.post(
          `/api/challenges/${id}/partners`,
          { organization: world.b.slug },
          asAdmin(world),
        ),
        201,
        'invite B',
      );
      params['id'] = id;
      params['slug'] = world.b.slug;
      break;
    }
    case 'POST /api/pledges/confirm':
    case 'POST /api/receipts/confirm':
    case 'POST /api/auth/session':
      body = { token: `unknown-${unique()}` };
      break;
    case 'DELETE /api/pledges/{id}':
      params['id'] = home.pledgeId;
      break;
    case 'POST /api/challenges/{id}/contributions':
      params['id'] = home.challenges['commute'] as string;
      body = {
        details: ACTION_TYPES['commute']?.contribution,
        participant: { email: home.emails.self },
      };
      break;
    case 'POST /api/challenges/{id}/invalidations':
      // A dry run: it answers what it would take (200) and leaves the counts the other callers see.
      query = '?dryRun=true';
      body = { filter: { emailDomain: 'example.org' }, reason: 'Access matrix' };
      break;
    case 'POST /api/challenges/{id}/invalidations/{invalidationId}/restore': {
      // Restoring is once: a fresh challenge, pledge and invalidation for each caller.
      const id = await freshChallenge(world, 'open');
      // A member of its own, whose session no other request ends (the fuzz signs people out).
      const email = `invalidated-${unique()}@example.org`;
      must(
        await world.client.post(
          `/api/organizations/${home.slug}/members`,
          { email, role: 'member' },
          asAdmin(world),
        ),
        201,
        'member to invalidate',
      );
      const pledged = must(
        await world.client.post(
          `/api/challenges/${id}/pledges`,
          {},
          { token: await world.client.signIn(email) },
        ),
        201,
        'pledge to invalidate',
      );
      const invalidation = must(
        await world.client.post(
          `/api/challenges/${id}/invalidations`,
          { filter: { pledgeIds: [pledged.id] }, reason: 'Access matrix' },
          asAdmin(world),
        ),
        201,
        'invalidation',
      );
      params['id'] = id;
      params['invalidationId'] = invalidation.id;
      break;
    }
    case 'POST /api/auth/magic-link':
      body = { email: `someone-${unique()}@example.org` };
      break;
    case 'DELETE /api/auth/session': {
      // Signing out ends the session: sign the caller in afresh for it.
      const email = emailOf(world, caller);
      if (email) token = await world.client.signIn(email);
      break;
    }
    case 'DELETE /api/me': {
      // Erasing is for good: a fresh person with the caller's standing in the world.
      if (caller === 'anonymous' || caller === 'platformAdmin') break;
      const email = `erased-${unique()}@example.org`;
      const standing: Record<string, [string, string] | undefined> = {
        member: [home.slug, 'member'],
        self: [home.slug, 'member'],
        agent: [home.slug, 'agent'],
        admin: [home.slug, 'admin'],
        owner: [home.slug, 'owner'],
        otherAdmin: [world.b.slug, 'admin'],
      };
      const role = standing[caller];
      if (role) {
        must(
          await world.client.post(
            `/api/organizations/${role[0]}/members`,
            { email, role: role[1] },
            asAdmin(world),
          ),
          201,
          'fresh person',
        );
      }
      token = await world.client.signIn(email);
      break;
    }
    case 'PATCH /api/contributions/{id}':
    case 'DELETE /api/contributions/{id}': {
      // A fresh member reports on the commute challenge, so that a deletion
      // or a correction never runs into another's or into the day's limits;
      // `self` is that member, to everyone else the contribution is not theirs.
      const email = `reporter-${unique()}@example.org`;
      must(
        await world.client.post(
          `/api/organizations/${home.slug}/members`,
          { email, role: 'member' },
          asAdmin(world),
        ),
        201,
        'fresh reporter',
      );
      const reporter = await world.client.signIn(email);
      const challengeId = home.challenges['commute'] as string;
      must(
        await world.client.post(
          `/api/challenges/${challengeId}/pledges`,
          { details: ACTION_TYPES['commute']?.pledge },
          { token: reporter },
        ),
        201,
        'reporter pledge',
      );
      const recorded = must(
        await world.client.post(
          `/api/challenges/${challengeId}/contributions`,
          { details: ACTION_TYPES['commute']?.contribution },
          { token: reporter },
        ),
        201,
        'reporter contribution',
      );
      params['id'] = recorded.id;
      if (caller === 'self') token = reporter;
      if (operation.method === 'PATCH') body = { details: ACTION_TYPES['commute']?.contribution };
      break;
    }
    case 'GET /api/reminders/unsubscribe':
      query = `?token=unknown-${unique()}`;
      break;
    case 'POST /api/reminders/unsubscribe':
      body = { token: `unknown-${unique()}` };
      break;
    case 'GET /api/dev/mailbox':
      query = `?to=${encodeURIComponent(home.emails.member)}`;
      break;
    case 'POST /api/organizations/{slug}/collection-points':
      body = { name: 'Point' };
      break;
    case 'POST /api/challenges/{id}/weigh-ins':
      params['id'] = home.challenges['collection'] as string;
      body = { kg: 2, pointId: ref.pointId, participant: { email: home.emails.self } };
      break;
    case 'POST /api/challenges/{id}/enrolments':
      // The campaign is for members: the resident enrolled must be one.
      body = { resident: { email: home.emails.self }, consent: CONSENT };
      break;
    case 'POST /api/challenges/{id}/enrolments/sync':
      body = {
        items: [
          {
            key: `device-${unique()}`,
            enrolment: { resident: { email: home.emails.self }, consent: CONSENT },
          },
        ],
      };
      break;
    case 'POST /api/integrations/xapi/statements':
      body = {};
      break;
    case 'PUT /api/integrations/xapi/statements':
      query = `?statementId=${randomUUID()}`;
      body = {};
      break;
    case 'POST /api/organizations/{slug}/elearning/partners':
      body = { name: 'LMS' };
      break;
    case 'POST /api/organizations/{slug}/elearning/partners/{id}/accounts':
      body = {
        homePage: 'https://lms.example.org',
        name: `learner-${unique()}`,
        email: home.emails.self,
      };
      break;
    case 'POST /api/organizations/{slug}/webhooks':
      body = { url: 'https://hooks.example.org/tandem', events: ['*'] };
      break;
    case 'POST /api/organizations/{slug}/elearning/partners/{id}/revoke': {
      // Revoking is for good: a fresh partner (in B when swapped) for each caller.
      const partner = must(
        await world.client.post(
          `/api/organizations/${ref.slug}/elearning/partners`,
          { name: `Revoked ${unique()}` },
          asAdmin(world),
        ),
        201,
        'fresh partner',
      );
      params['id'] = partner.id;
      break;
    }
    case 'POST /api/organizations/{slug}/webhooks/{id}/secret/rotate':
      body = { graceSeconds: 60 };
      break;
    case 'PUT /api/organizations/{slug}/actions-catalogue':
      body = { defaults: ['tap-water'], actions: [] };
      break;
    case 'DELETE /api/organizations/{slug}/webhooks/{id}': {
      // Deleting is for good: a fresh endpoint (in B when swapped) for each caller.
      const endpoint = must(
        await world.client.post(
          `/api/organizations/${ref.slug}/webhooks`,
          { url: 'https://hooks.example.org/fresh', events: ['*'] },
          asAdmin(world),
        ),
        201,
        'fresh webhook',
      );
      params['id'] = endpoint.id;
      break;
    }
    case 'PUT /api/organizations/{slug}/sso':
      // Switched off: the sign-in routes then answer 404 to everyone, as declared.
      body = {
        issuer: 'https://login.example.org/realms/staff',
        clientId: 'tandem',
        clientSecret: `secret-${unique()}`,
        memberClaim: { name: 'groups', values: ['tandem'] },
        enabled: false,
      };
      break;
    case 'POST /api/organizations/{slug}/domains':
      body = { domain: `${unique()}.example.org` };
      break;
    case 'DELETE /api/organizations/{slug}/domains/{domain}': {
      // Withdrawing is for good: a fresh verified domain for each caller.
      const verified = must(
        await world.client.post(
          `/api/organizations/${home.slug}/domains`,
          { domain: `${unique()}.example.org` },
          asAdmin(world),
        ),
        201,
        'fresh domain',
      );
      params['domain'] = verified.domain;
      break;
    }
    case 'GET /api/auth/sso/{slug}/callback':
      query = `?code=unknown-${unique()}&state=unknown`;
      break;
    default:
      if (operation.body) {
        // A route this table does not know yet: a body derived from its schema.
        [body] = fc.sample(fromSchema(operation.body), { seed: 1, numRuns: 1 });
      }
  }

  if (variant === 'public') {
    // The same request on the public campaign's things.
    if (operation.path.startsWith('/api/campaigns/')) params['id'] = home.publicCampaignId;
    else if (operation.path.endsWith('/actions')) params['id'] = home.publicCatalogueId;
    else params['id'] = home.publicChallengeId;
  }
  const headers: Record<string, string> = {};
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (raw) headers['content-type'] = raw.contentType;
  const segments = Object.fromEntries(
    Object.entries(params).map(([name, value]) => [name, encodeSegment(value)]),
  );
  return {
    method: operation.method,
    url: `${fillPath(operation.path, segments)}${query}`,
    headers,
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    ...(raw ? { payload: raw.payload } : {}),
  };
}
