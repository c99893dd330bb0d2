import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromSchema } from './support/fuzz.js';
import { runMatrix, type MatrixCaller, type Variant } from './support/matrix.js';
import {
  encodeSegment,
  fillPath,
  loadOperations,
  Sender,
  type Operation,
  type SentRequest,
} from './support/openapi.js';
import { ACTION_TYPES, createWorld, fittingIds, must, type World } from './support/world.js';

/**
 * The access matrix, generated from the OpenAPI document: every operation,
 * core's and the plugins', called by every kind of caller on organization
 * A's things — anonymous, a signed-in citizen, A's member, agent, admin and
 * owner, B's admin, the platform admin — and again with an id of
 * organization B inside A's route. Each answer is held to the rule the
 * route declares beside itself (`x-tandem-access`); a route without one
 * fails this test by name.
 */

let world: World;
let operations: Operation[];

beforeAll(async () => {
  world = await createWorld();
  operations = await loadOperations(world.platform.app);
});
afterAll(() => world?.platform.stop());

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
const CONSENT = { given: true, text: 'J’accepte que mon engagement soit enregistré.' };

/** Routes whose request holds an inner id that can belong to another organization. */
const SWAPPABLE = new Set([
  'POST /api/challenges/{id}/tiers/{tierId}/fulfill',
  'POST /api/challenges/{id}/weigh-ins',
  'POST /api/organizations/{slug}/elearning/partners/{id}/key',
  'POST /api/organizations/{slug}/elearning/partners/{id}/accounts',
  'GET /api/organizations/{slug}/elearning/partners/{id}/statements',
  'DELETE /api/organizations/{slug}/webhooks/{id}',
  'GET /api/organizations/{slug}/webhooks/{id}/deliveries',
]);

function tokenOf(caller: MatrixCaller): string | undefined {
  return caller === 'self' ? world.a.tokens.self : world.tokens[caller];
}

function emailOf(caller: MatrixCaller): string | undefined {
  if (caller === 'anonymous' || caller === 'platformAdmin') return undefined;
  if (caller === 'citizen') return world.citizen.email;
  if (caller === 'otherAdmin') return world.b.emails.admin;
  return world.a.emails[caller];
}

const asAdmin = () => ({ token: world.platform.adminToken });

async function freshChallenge(state: 'draft' | 'open' | 'unlocked'): Promise<string> {
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
      asAdmin(),
    ),
    201,
    'fresh challenge',
  );
  if (state === 'draft') return created.id;
  must(await client.post(`/api/challenges/${created.id}/open`, undefined, asAdmin()), 200, 'open');
  if (state === 'open') return created.id;
  must(
    await client.post(`/api/challenges/${created.id}/pledges`, {}, { token: world.a.tokens.self }),
    201,
    'pledge to unlock',
  );
  await world.platform.settle();
  const read = must(await client.get(`/api/challenges/${created.id}`, asAdmin()), 200, 'read');
  if (!read.tiers[0]?.unlockedAt) throw new Error('the fresh challenge did not unlock');
  return created.id;
}

/** A valid request of `caller` for the operation, on A's things (B's inner ids when swapped). */
async function build(
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
  let token = tokenOf(caller);

  switch (operation.name) {
    case 'POST /api/organizations':
      body = { slug: `m-${unique()}`, name: 'Matrix', kind: 'city' };
      break;
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
      params['id'] = await freshChallenge('draft');
      break;
    case 'POST /api/challenges/{id}/close':
      params['id'] = await freshChallenge('open');
      break;
    case 'POST /api/challenges/{id}/tiers/{tierId}/fulfill': {
      const id = await freshChallenge('unlocked');
      params['id'] = id;
      if (variant === 'own') {
        const read = await world.client.get(`/api/challenges/${id}`, asAdmin());
        params['tierId'] = read.body.tiers[0].id;
      }
      break;
    }
    case 'POST /api/challenges/{id}/pledges':
      params['id'] = home.challenges['pledge-only'] as string;
      // The admin token is no participant: it pledges by e-mail, as a visitor does.
      body = token && caller !== 'platformAdmin' ? {} : { email: `anon-${unique()}@example.org` };
      break;
    case 'POST /api/pledges/confirm':
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
    case 'POST /api/auth/magic-link':
      body = { email: `someone-${unique()}@example.org` };
      break;
    case 'DELETE /api/auth/session': {
      // Signing out ends the session: sign the caller in afresh for it.
      const email = emailOf(caller);
      if (email) token = await world.client.signIn(email);
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
      body = { resident: { newCode: true }, consent: CONSENT };
      break;
    case 'POST /api/challenges/{id}/enrolments/sync':
      body = {
        items: [
          {
            key: `device-${unique()}`,
            enrolment: { resident: { newCode: true }, consent: CONSENT },
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
    case 'DELETE /api/organizations/{slug}/webhooks/{id}': {
      // Deleting is for good: a fresh endpoint (in B when swapped) for each caller.
      const endpoint = must(
        await world.client.post(
          `/api/organizations/${ref.slug}/webhooks`,
          { url: 'https://hooks.example.org/fresh', events: ['*'] },
          asAdmin(),
        ),
        201,
        'fresh webhook',
      );
      params['id'] = endpoint.id;
      break;
    }
    default:
      if (operation.body) {
        // A route this table does not know yet: a body derived from its schema.
        [body] = fc.sample(fromSchema(operation.body), { seed: 1, numRuns: 1 });
      }
  }

  const headers: Record<string, string> = {};
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const segments = Object.fromEntries(
    Object.entries(params).map(([name, value]) => [name, encodeSegment(value)]),
  );
  return {
    method: operation.method,
    url: `${fillPath(operation.path, segments)}${query}`,
    headers,
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  };
}

describe('the access matrix', () => {
  it('gives every caller of every operation the answer its route declares', async () => {
    const started = Date.now();
    const result = await runMatrix({ operations, sender: new Sender(world.platform.app), build });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.warn(
      `access matrix: ${result.requests} requests over ${result.operations} operations, ${result.mismatches.length} answers not as declared, ${result.undeclared.length} routes without a rule, ${seconds} s`,
    );
    for (const line of result.undeclared) console.warn(`access matrix: ${line}`);
    for (const line of result.mismatches) console.warn(`access matrix mismatch: ${line}`);
    expect(result.undeclared).toEqual([]);
    expect(result.mismatches).toEqual([]);
    expect(result.operations).toBe(operations.length);
  }, 300_000);
});
