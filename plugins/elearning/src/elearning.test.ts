import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestClient,
  expectStatus,
  newOrganization,
  openChallenge,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  unique,
} from '@tandem/core/testing';
import { ecoDriving } from '@tandem/plugin-eco-driving';
import { basicAuth, elearning, XapiVerbs } from './index.js';

/**
 * The elearning integration on the real engine (a fresh PostgreSQL), with
 * statements written by hand exactly as an xAPI 1.0.3 client sends them
 * (`X-Experience-API-Version`, Basic auth, JSON). The same flow through the
 * standard `@xapi/xapi` client over a real port is in xapi-client.test.ts.
 */

const COURSE = 'https://lms.example/courses/eco-driving';
const YEAR_ESTIMATE = 345.6; // eco-driving's default: 12,000 km × 0.192 kg/km (fuel) × 15 %

let platform: TestPlatform;
let client: TestClient;
let admin: { token: string };

beforeAll(async () => {
  platform = await startTestPlatform({ plugins: [ecoDriving, elearning] });
  client = createTestClient(platform.app);
  admin = { token: platform.adminToken };
});
afterAll(async () => {
  await platform?.stop();
});

interface Setup {
  slug: string;
  campaignId: string;
  challengeId: string;
  partner: { id: string; key: string };
}

/** An organization, a campaign, an open eco-driving challenge on COURSE, and a partner. */
async function setUp(
  goal: Record<string, unknown> = { quantity: 100 },
  audience?: Record<string, unknown>,
): Promise<Setup> {
  const { slug, campaignId, challengeId } = await openChallenge(
    client,
    admin.token,
    {
      title: 'Formés à l’écoconduite',
      actionType: 'eco-driving',
      actionSettings: { courseId: COURSE },
      goal,
      counterpart: { kind: 'act', description: 'Plant a hedge' },
    },
    {
      organization: (
        await newOrganization(client, admin.token, {
          kind: 'company',
          name: 'Eau IDF',
          slugPrefix: 'veolia',
        })
      ).slug,
      campaign: { title: 'Écoconduite', ...(audience ? { audience } : {}) },
    },
  );
  const partner = expectStatus(
    await client.post(
      `/api/organizations/${slug}/elearning/partners`,
      { name: 'Formaplus' },
      admin,
    ),
    201,
  ) as { id: string; key: string };
  return {
    slug,
    campaignId,
    challengeId,
    partner: { id: partner.id, key: partner.key },
  };
}

type Statement = Record<string, unknown>;

/** A statement as an LMS writes it when a learner finishes the course. */
function completion(email: string, extra: Statement = {}): Statement {
  return {
    id: randomUUID(),
    actor: { objectType: 'Agent', name: 'Learner', mbox: `mailto:${email}` },
    verb: { id: XapiVerbs.completed, display: { 'en-US': 'completed' } },
    object: {
      objectType: 'Activity',
      id: COURSE,
      definition: {
        name: { 'fr-FR': 'Écoconduite' },
        type: 'http://adlnet.gov/expapi/activities/course',
      },
    },
    result: { completion: true, success: true, score: { scaled: 0.9 } },
    timestamp: new Date().toISOString(),
    ...extra,
  };
}

/** Sends statements as an xAPI 1.0.3 client does; `headers` may override or drop (`undefined`) any. */
async function send(
  partner: { id: string; key: string },
  body: Statement | Statement[],
  options: {
    method?: 'POST' | 'PUT';
    query?: string;
    headers?: Record<string, string | undefined>;
  } = {},
) {
  const headers: Record<string, string> = {};
  const all: Record<string, string | undefined> = {
    'content-type': 'application/json',
    'x-experience-api-version': '1.0.3',
    authorization: basicAuth(partner.id, partner.key),
    ...options.headers,
  };
  for (const [name, value] of Object.entries(all)) if (value !== undefined) headers[name] = value;
  const response = await platform.app.inject({
    method: options.method ?? 'POST',
    url: `/api/integrations/xapi/statements${options.query ?? ''}`,
    headers,
    payload: JSON.stringify(body),
  });
  return {
    status: response.statusCode,
    headers: response.headers,
    body: response.body === '' ? undefined : (JSON.parse(response.body) as unknown),
  };
}

async function progress(challengeId: string) {
  return (await client.get(`/api/challenges/${challengeId}`)).body.progress as {
    participants: number;
    quantity: number;
    co2eKg: number;
  };
}

async function log(setup: Setup) {
  const answer = expectStatus(
    await client.get(
      `/api/organizations/${setup.slug}/elearning/partners/${setup.partner.id}/statements`,
      admin,
    ),
    200,
  ) as {
    statements: {
      statementId: string;
      outcome: string;
      reason: string | null;
      challengeIds: string[];
    }[];
  };
  return new Map(answer.statements.map((entry) => [entry.statementId, entry]));
}

describe('partners', () => {
  it('registers a partner for org admins only, shows its key once and keeps only a hash', async () => {
    const setup = await setUp();
    const created = expectStatus(
      await client.post(
        `/api/organizations/${setup.slug}/elearning/partners`,
        { name: 'Another LMS' },
        admin,
      ),
      201,
    ) as {
      id: string;
      key: string;
      xapi: { endpoint: string; username: string; password: string };
    };
    expect(created.key).toMatch(/^elk_/);
    expect(created.xapi).toEqual({
      endpoint: 'http://tandem.test/api/integrations/xapi/',
      username: created.id,
      password: created.key,
    });
    const [stored] = await platform.db.query<{ key_hash: string }>(
      'select key_hash from elearning_partner where id = ?',
      [created.id],
    );
    expect(stored?.key_hash).not.toContain(created.key);
    expect(stored?.key_hash).toMatch(/^[0-9a-f]{64}$/);

    const listed = expectStatus(
      await client.get(`/api/organizations/${setup.slug}/elearning/partners`, admin),
      200,
    ) as { partners: Record<string, unknown>[] };
    expect(listed.partners.map((p) => p['name'])).toEqual(['Formaplus', 'Another LMS']);
    expect(JSON.stringify(listed)).not.toContain(created.key);

    const path = `/api/organizations/${setup.slug}/elearning/partners`;
    expect((await client.post(path, { name: 'x' })).status).toBe(401);
    const outsider = await client.signIn(`outsider-${unique()}@example.org`);
    expect((await client.post(path, { name: 'x' }, { token: outsider })).status).toBe(403);
    const unknownField = await client.post(path, { name: 'x', url: 'https://x' }, admin);
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.details[0].path).toBe('url');
  });

  it('keeps no partner key in clear in the replay of its creation or rotation', async () => {
    const setup = await setUp();
    const createKey = `partner-${unique()}`;
    const path = `/api/organizations/${setup.slug}/elearning/partners`;
    const headers = { 'Idempotency-Key': createKey };
    const created = expectStatus(
      await client.post(path, { name: 'Replayed LMS' }, { ...admin, headers }),
      201,
    ) as { id: string; key: string };
    const replayed = await client.post(path, { name: 'Replayed LMS' }, { ...admin, headers });
    expect(replayed.status).toBe(201);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.body.key).toBe(created.key);

    const rotateKey = `rotate-${unique()}`;
    const rotated = expectStatus(
      await client.post(`${path}/${created.id}/key`, undefined, {
        ...admin,
        headers: { 'Idempotency-Key': rotateKey },
      }),
      200,
    ) as { key: string };
    const rows = await platform.db.query<{ row: string }>(
      'select i::text as row from idempotency_key i where key in (?)',
      [[createKey, rotateKey]],
    );
    expect(rows).toHaveLength(2);
    for (const { row } of rows) {
      expect(row).not.toContain(created.key);
      expect(row).not.toContain(rotated.key);
      expect(row).not.toContain(created.key.slice(4));
    }
  });

  it('rotates a key: the old one stops working at once', async () => {
    const setup = await setUp();
    const rotated = expectStatus(
      await client.post(
        `/api/organizations/${setup.slug}/elearning/partners/${setup.partner.id}/key`,
        undefined,
        admin,
      ),
      200,
    ) as { key: string };
    const email = `rotate-${unique()}@example.org`;
    expect((await send(setup.partner, completion(email))).status).toBe(401);
    expect((await send({ id: setup.partner.id, key: rotated.key }, completion(email))).status).toBe(
      200,
    );
  });
});

describe('partner keys in the console', () => {
  const partnersOf = async (slug: string) =>
    (
      expectStatus(
        await client.get(`/api/organizations/${slug}/elearning/partners`, admin),
        200,
      ) as {
        partners: {
          id: string;
          keyPrefix: string | null;
          lastUsedAt: string | null;
          revokedAt: string | null;
        }[];
      }
    ).partners;

  it('lists each key by its prefix and its last use, never the key', async () => {
    const setup = await setUp();
    let [listed] = await partnersOf(setup.slug);
    expect(listed?.keyPrefix).toBe(setup.partner.key.slice(0, 12));
    expect(listed?.keyPrefix).toMatch(/^elk_.{8}$/);
    expect(listed?.lastUsedAt).toBeNull();
    const before = Date.now();
    expect((await send(setup.partner, completion(`used-${unique()}@example.org`))).status).toBe(
      200,
    );
    [listed] = await partnersOf(setup.slug);
    expect(Date.parse(listed?.lastUsedAt ?? '')).toBeGreaterThanOrEqual(before - 1000);
    // A wrong key is no use of the partner's.
    await platform.db.query('update elearning_partner set last_used_at = null where id = ?', [
      setup.partner.id,
    ]);
    expect(
      (await send({ ...setup.partner, key: 'elk_wrong' }, completion('x@example.org'))).status,
    ).toBe(401);
    [listed] = await partnersOf(setup.slug);
    expect(listed?.lastUsedAt).toBeNull();

    const rotated = expectStatus(
      await client.post(
        `/api/organizations/${setup.slug}/elearning/partners/${setup.partner.id}/key`,
        undefined,
        admin,
      ),
      200,
    ) as { key: string; keyPrefix: string };
    expect(rotated.keyPrefix).toBe(rotated.key.slice(0, 12));
    [listed] = await partnersOf(setup.slug);
    expect(listed?.keyPrefix).toBe(rotated.keyPrefix);
    expect(JSON.stringify(await partnersOf(setup.slug))).not.toContain(rotated.key);
  });

  it('revokes a partner for good: its key is refused, its log stays, no new key', async () => {
    const setup = await setUp();
    const email = `before-${unique()}@example.org`;
    const counted = completion(email);
    expect((await send(setup.partner, counted)).status).toBe(200);
    const path = `/api/organizations/${setup.slug}/elearning/partners/${setup.partner.id}`;

    expect((await client.post(`${path}/revoke`)).status).toBe(401);
    const agentEmail = `agent-${unique()}@example.org`;
    await client.post(
      `/api/organizations/${setup.slug}/members`,
      { email: agentEmail, role: 'agent' },
      admin,
    );
    const agent = await client.signIn(agentEmail);
    expect((await client.post(`${path}/revoke`, undefined, { token: agent })).status).toBe(403);
    const other = await newOrganization(client, admin.token);
    expect(
      (
        await client.post(
          `/api/organizations/${other.slug}/elearning/partners/${setup.partner.id}/revoke`,
          undefined,
          admin,
        )
      ).status,
    ).toBe(404);
    expect((await send(setup.partner, completion(`still-${unique()}@example.org`))).status).toBe(
      200,
    );

    const revoked = expectStatus(await client.post(`${path}/revoke`, undefined, admin), 200) as {
      revokedAt: string;
    };
    expect(Date.parse(revoked.revokedAt)).not.toBeNaN();
    const refused = await send(setup.partner, completion(`after-${unique()}@example.org`));
    expect(refused.status).toBe(401);
    expect((refused.body as { error: string }).error).toBe('TANDEM_AUTH_INVALID');

    // Idempotent: the same revocation again.
    const again = expectStatus(await client.post(`${path}/revoke`, undefined, admin), 200) as {
      revokedAt: string;
    };
    expect(again.revokedAt).toBe(revoked.revokedAt);
    const rotate = await client.post(`${path}/key`, undefined, admin);
    expect(rotate.status).toBe(409);
    expect(rotate.body.error).toBe('TANDEM_ELEARNING_PARTNER_REVOKED');
    expect((await send(setup.partner, completion(`late-${unique()}@example.org`))).status).toBe(
      401,
    );

    // What it sent before stays, listed with the partner.
    expect((await log(setup)).get(counted['id'] as string)?.outcome).toBe('counted');
    const [listed] = await partnersOf(setup.slug);
    expect(listed?.revokedAt).toBe(revoked.revokedAt);
    expect((await progress(setup.challengeId)).participants).toBe(2);
  });
});

describe('POST /api/integrations/xapi/statements', () => {
  it('counts a completed course once: progress, CO2e, the log and the new participant', async () => {
    const setup = await setUp();
    const email = `Ann.${unique()}@Example.org`;
    const statement = completion(email);
    const answer = await send(setup.partner, statement);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toEqual([statement['id']]);
    expect(answer.headers['x-experience-api-version']).toBe('1.0.3');

    const now = await progress(setup.challengeId);
    expect(now).toMatchObject({ participants: 1, quantity: 1 });
    expect(now.co2eKg).toBeCloseTo(YEAR_ESTIMATE, 6);
    const entry = (await log(setup)).get(statement['id'] as string);
    expect(entry).toMatchObject({ outcome: 'counted', challengeIds: [setup.challengeId] });

    // The learner was unknown to Tandem: they are now a participant, by their canonical e-mail.
    const people = await platform.db.query<{ id: string }>(
      'select id from participant where canonical_email = ?',
      [email.toLowerCase()],
    );
    expect(people).toHaveLength(1);
    const [contribution] = await platform.db.query<{ details: Record<string, unknown> }>(
      'select details from contribution where challenge_id = ? and participant_id = ?',
      [setup.challengeId, people[0]?.id],
    );
    expect(contribution?.details).toMatchObject({ courseId: COURSE, score: 90 });
  });

  it('counts a course once per person whichever path reports it first: xAPI or a self-report', async () => {
    const setup = await setUp();
    const selfReport = (token: string) =>
      client.post(
        `/api/challenges/${setup.challengeId}/contributions`,
        { details: { courseId: COURSE } },
        { token },
      );

    // The partner first, then the learner reports it again and again.
    const ann = `ann-${unique()}@example.org`;
    expect((await send(setup.partner, completion(ann))).status).toBe(200);
    const annToken = await client.signIn(ann);
    // The partner's completion confirmed Ann's pledge: her report is refused as a duplicate.
    for (let i = 0; i < 3; i++) {
      const again = await selfReport(annToken);
      expect(again.status).toBe(409);
      expect(again.body.error).toBe('TANDEM_CONTRIBUTION_ALREADY_COUNTED');
    }

    // The learner first, then the partner's statement.
    const bob = `bob-${unique()}@example.org`;
    const bobToken = await client.signIn(bob);
    expectStatus(
      await client.post(`/api/challenges/${setup.challengeId}/pledges`, {}, { token: bobToken }),
      201,
    );
    expectStatus(await selfReport(bobToken), 201);
    const statement = completion(bob);
    expect((await send(setup.partner, statement)).status).toBe(200);
    expect((await log(setup)).get(statement['id'] as string)).toMatchObject({ outcome: 'ignored' });

    expect(await progress(setup.challengeId)).toMatchObject({ participants: 2, quantity: 2 });
  });

  it("counts only learners in the campaign's audience", async () => {
    const domain = `eau-${unique()}.example`;
    const setup = await setUp({ quantity: 100 }, { type: 'email-domain', domains: [domain] });
    const outsider = completion(`out-${unique()}@example.org`);
    const employee = completion(`emp-${unique()}@${domain}`);
    expect((await send(setup.partner, [outsider, employee])).status).toBe(200);
    const entries = await log(setup);
    expect(entries.get(outsider['id'] as string)).toMatchObject({ outcome: 'ignored' });
    expect(entries.get(employee['id'] as string)).toMatchObject({ outcome: 'counted' });
    expect(await progress(setup.challengeId)).toMatchObject({ participants: 1, quantity: 1 });
  });

  it('counts passed too, and a batch of statements in one request', async () => {
    const setup = await setUp();
    const passed = completion(`bob-${unique()}@example.org`, {
      verb: { id: XapiVerbs.passed, display: { 'en-US': 'passed' } },
    });
    const batch = [
      passed,
      completion(`cy-${unique()}@example.org`),
      completion(`dee-${unique()}@example.org`),
    ];
    const answer = await send(setup.partner, batch);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toEqual(batch.map((s) => s['id']));
    expect(await progress(setup.challengeId)).toMatchObject({ participants: 3, quantity: 3 });
  });

  it('never counts a replayed statement twice, and refuses the same id with other content (409)', async () => {
    const setup = await setUp();
    const statement = completion(`replay-${unique()}@example.org`);
    for (let i = 0; i < 3; i++) {
      const answer = await send(setup.partner, statement);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual([statement['id']]);
    }
    expect(await progress(setup.challengeId)).toMatchObject({ participants: 1, quantity: 1 });
    // Replays were answered from the claim, not processed again (which would log "already counts").
    expect((await log(setup)).get(statement['id'] as string)).toMatchObject({
      outcome: 'counted',
      reason: null,
    });

    const altered = await send(setup.partner, {
      ...statement,
      result: { completion: true, score: { scaled: 0.1 } },
    });
    expect(altered.status).toBe(409);
    expect((altered.body as { error: string }).error).toBe('TANDEM_ELEARNING_STATEMENT_CONFLICT');
    expect(await progress(setup.challengeId)).toMatchObject({ participants: 1, quantity: 1 });
  });

  it('counts identical statements arriving at the same moment once', async () => {
    const setup = await setUp();
    const statement = completion(`twins-${unique()}@example.org`);
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => send(setup.partner, statement)),
    );
    for (const answer of answers) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body).toEqual([statement['id']]);
    }
    expect(await progress(setup.challengeId)).toMatchObject({ participants: 1, quantity: 1 });
    const [rows] = await platform.db.query<{ n: number }>(
      'select count(*)::int as n from contribution where challenge_id = ?',
      [setup.challengeId],
    );
    expect(rows?.n).toBe(1);
    expect((await log(setup)).get(statement['id'] as string)).toMatchObject({
      outcome: 'counted',
      reason: null,
    });
  });

  it('counts one completion per person: completed then passed, or the course taken again', async () => {
    const setup = await setUp();
    const email = `twice-${unique()}@example.org`;
    const first = completion(email);
    const second = completion(email, { verb: { id: XapiVerbs.passed } });
    const concurrent = [completion(email), completion(email)];
    expect((await send(setup.partner, first)).status).toBe(200);
    expect((await send(setup.partner, second)).status).toBe(200);
    await Promise.all(concurrent.map((statement) => send(setup.partner, statement)));
    expect(await progress(setup.challengeId)).toMatchObject({ participants: 1, quantity: 1 });
    const entry = (await log(setup)).get(second['id'] as string);
    expect(entry?.outcome).toBe('ignored');
    expect(entry?.reason).toMatch(/already counts/);
  });

  it('stores unknown verbs and failed attempts as ignored, still answering 200', async () => {
    const setup = await setUp();
    const email = `ignored-${unique()}@example.org`;
    const experienced = completion(email, {
      verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
    });
    const unfinished = completion(email, { result: { completion: false } });
    const answer = await send(setup.partner, [experienced, unfinished]);
    expect(answer.status).toBe(200);
    expect(await progress(setup.challengeId)).toMatchObject({ participants: 0, quantity: 0 });
    const entries = await log(setup);
    expect(entries.get(experienced['id'] as string)).toMatchObject({ outcome: 'ignored' });
    expect(entries.get(experienced['id'] as string)?.reason).toMatch(/experienced/);
    expect(entries.get(unfinished['id'] as string)?.reason).toMatch(/completion is false/);
  });

  it('accepts extensions and fields Tandem does not know', async () => {
    const setup = await setUp();
    const statement = completion(`ext-${unique()}@example.org`, {
      context: {
        registration: randomUUID(),
        platform: 'Formaplus LMS',
        language: 'fr-FR',
        extensions: { 'https://formaplus.example/xapi/session': { room: 'B12', seats: [1, 2] } },
      },
      result: {
        completion: true,
        success: true,
        duration: 'PT47M12S',
        score: { raw: 17, min: 0, max: 20 },
        extensions: { 'https://formaplus.example/xapi/attempts': 2 },
      },
      attachments: [],
      vendorField: { anything: true },
    });
    const answer = await send(setup.partner, statement);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(await progress(setup.challengeId)).toMatchObject({ quantity: 1 });
  });

  it('generates an id (UUID v4) for a statement sent without one, and answers it', async () => {
    const setup = await setUp();
    const statement = completion(`noid-${unique()}@example.org`);
    delete statement['id'];
    const answer = await send(setup.partner, statement);
    expect(answer.status).toBe(200);
    const [id] = answer.body as string[];
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect((await log(setup)).get(id ?? '')).toMatchObject({ outcome: 'counted' });
  });

  it('scopes an Idempotency-Key to the partner, so an id-less statement retried with it keeps its id', async () => {
    const a = await setUp();
    const b = await setUp();
    const key = `upload-${unique()}`;
    const statement = completion(`idem-${unique()}@example.org`);
    delete statement['id'];
    const first = await send(a.partner, statement, { headers: { 'idempotency-key': key } });
    expect(first.status).toBe(200);
    const retried = await send(a.partner, statement, { headers: { 'idempotency-key': key } });
    expect(retried.body).toEqual(first.body);
    expect(await progress(a.challengeId)).toMatchObject({ quantity: 1 });
    // Another partner using the same key gets its own answer, not the first one nor a 422.
    const other = await send(b.partner, completion(`idem-${unique()}@example.org`), {
      headers: { 'idempotency-key': key },
    });
    expect(other.status, JSON.stringify(other.body)).toBe(200);
    expect(other.body).not.toEqual(first.body);
    expect(await progress(b.challengeId)).toMatchObject({ quantity: 1 });
  });

  it('refuses a wrong key, a missing or foreign credential (401) and a missing or unknown version (400)', async () => {
    const setup = await setUp();
    const statement = completion(`auth-${unique()}@example.org`);
    const wrongKey = await send({ id: setup.partner.id, key: 'elk_wrong' }, statement);
    expect(wrongKey.status).toBe(401);
    expect((wrongKey.body as { error: string }).error).toBe('TANDEM_AUTH_INVALID');
    expect(wrongKey.headers['www-authenticate']).toMatch(/^Basic/);
    const unknownPartner = await send({ id: 'elp_nobody', key: setup.partner.key }, statement);
    expect(unknownPartner.status).toBe(401);
    const none = await send(setup.partner, statement, { headers: { authorization: undefined } });
    expect(none.status).toBe(401);
    expect((none.body as { error: string }).error).toBe('TANDEM_AUTH_REQUIRED');
    const bearer = await send(setup.partner, statement, {
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(bearer.status).toBe(401);

    const noVersion = await send(setup.partner, statement, {
      headers: { 'x-experience-api-version': undefined },
    });
    expect(noVersion.status).toBe(400);
    expect((noVersion.body as { details: { path: string }[] }).details[0]?.path).toBe(
      'headers/x-experience-api-version',
    );
    const oldVersion = await send(setup.partner, statement, {
      headers: { 'x-experience-api-version': '0.95' },
    });
    expect(oldVersion.status).toBe(400);
    expect(await progress(setup.challengeId)).toMatchObject({ quantity: 0 });
  });

  it('refuses a malformed statement with a 400 naming the field, and counts nothing of its batch', async () => {
    const setup = await setUp();
    const good = completion(`good-${unique()}@example.org`);
    const bad = completion(`bad-${unique()}@example.org`, {
      verb: { display: { 'en-US': 'completed' } },
    });
    const answer = await send(setup.partner, [good, bad]);
    expect(answer.status).toBe(400);
    expect((answer.body as { details: { path: string }[] }).details[0]?.path).toBe(
      'statements/1/verb/id',
    );
    const notJson = await platform.app.inject({
      method: 'POST',
      url: '/api/integrations/xapi/statements',
      headers: {
        'content-type': 'application/json',
        'x-experience-api-version': '1.0.3',
        authorization: basicAuth(setup.partner.id, setup.partner.key),
      },
      payload: '{"actor":',
    });
    expect(notJson.statusCode).toBe(400);
    expect(await progress(setup.challengeId)).toMatchObject({ quantity: 0 });
  });

  it("maps an account actor only once an admin has mapped it, and never reaches another organization's challenge", async () => {
    const setup = await setUp();
    const account = { homePage: 'https://lms.example', name: `learner-${unique()}` };
    const first = completion('unused@example.org', { actor: { account } });
    expect((await send(setup.partner, first)).status).toBe(200);
    expect((await log(setup)).get(first['id'] as string)?.reason).toMatch(/not mapped/);

    const email = `mapped-${unique()}@example.org`;
    expectStatus(
      await client.post(
        `/api/organizations/${setup.slug}/elearning/partners/${setup.partner.id}/accounts`,
        { ...account, email },
        admin,
      ),
      201,
    );
    const second = completion('unused@example.org', { actor: { account } });
    expect((await send(setup.partner, second)).status).toBe(200);
    expect(await progress(setup.challengeId)).toMatchObject({ participants: 1, quantity: 1 });

    // A partner of another organization sending the same course reaches none of these challenges.
    const other = await setUp();
    const stranger = completion(`stranger-${unique()}@example.org`);
    expect((await send(other.partner, stranger)).status).toBe(200);
    expect(await progress(setup.challengeId)).toMatchObject({ participants: 1, quantity: 1 });
    expect(await progress(other.challengeId)).toMatchObject({ participants: 1, quantity: 1 });
  });

  it('refuses an mbox or a mapped e-mail that is a list, quoted or invisible, naming it', async () => {
    const setup = await setUp();
    const tag = unique();
    for (const address of [
      `learner-${tag}@example.org,eve@example.org`,
      `%22learner-${tag}%22@example.org`,
      `learner-${tag}%E2%80%8B@example.org`,
    ]) {
      const refused = await send(setup.partner, completion(address));
      expect(refused.status, address).toBe(400);
      expect((refused.body as { details: { path: string }[] }).details[0]?.path).toMatch(
        /actor\/mbox$/,
      );
    }
    expect(await progress(setup.challengeId)).toMatchObject({ participants: 0 });
    const mapped = await client.post(
      `/api/organizations/${setup.slug}/elearning/partners/${setup.partner.id}/accounts`,
      { homePage: 'https://lms.example', name: `n-${tag}`, email: `a-${tag},eve@example.org` },
      admin,
    );
    expect(mapped.status).toBe(400);
    expect(mapped.body.details[0].path).toBe('email');
  });

  it('counts the Unicode and xn-- spellings of a learner as one person', async () => {
    const setup = await setUp();
    const tag = unique();
    for (const address of [
      `learner-${tag}@bücher.example`,
      `learner-${tag}@xn--bcher-kva.example`,
    ]) {
      expect((await send(setup.partner, completion(address))).status).toBe(200);
    }
    expect(await progress(setup.challengeId)).toMatchObject({ participants: 1, quantity: 1 });
  });

  it('ignores a course no open challenge counts, and a completion dated before the challenge opened', async () => {
    const setup = await setUp();
    const otherCourse = completion(`other-${unique()}@example.org`, {
      object: { id: 'https://lms.example/courses/first-aid' },
    });
    const old = completion(`old-${unique()}@example.org`, { timestamp: '2020-01-01T00:00:00Z' });
    expect((await send(setup.partner, [otherCourse, old])).status).toBe(200);
    const entries = await log(setup);
    expect(entries.get(otherCourse['id'] as string)?.reason).toMatch(/no open challenge/);
    expect(entries.get(old['id'] as string)?.reason).toMatch(/before it opened/);
    expect(await progress(setup.challengeId)).toMatchObject({ quantity: 0 });
  });
});

describe('PUT /api/integrations/xapi/statements?statementId=', () => {
  it('stores a statement under the given id (204), idempotently, and refuses other content (409)', async () => {
    const setup = await setUp();
    const id = randomUUID();
    const statement = completion(`put-${unique()}@example.org`);
    delete statement['id'];
    const query = `?statementId=${id}`;
    for (let i = 0; i < 2; i++) {
      const answer = await send(setup.partner, statement, { method: 'PUT', query });
      expect(answer.status, JSON.stringify(answer.body)).toBe(204);
    }
    expect(await progress(setup.challengeId)).toMatchObject({ quantity: 1 });
    expect((await log(setup)).get(id)).toMatchObject({ outcome: 'counted' });

    const altered = await send(
      setup.partner,
      { ...statement, timestamp: '2026-01-01T00:00:00Z' },
      { method: 'PUT', query },
    );
    expect(altered.status).toBe(409);
    const mismatch = await send(
      setup.partner,
      { ...statement, id: randomUUID() },
      { method: 'PUT', query },
    );
    expect(mismatch.status).toBe(400);
    const missing = await send(setup.partner, statement, { method: 'PUT' });
    expect(missing.status).toBe(400);
    expect((missing.body as { details: { path: string }[] }).details[0]?.path).toBe('statementId');
  });
});

describe('Veolia Eau d’Île-de-France: the course unlocks the challenge and shows in the report', () => {
  it('grows progress and CO2e to the goal, unlocks once, and the campaign report shows it', async () => {
    const setup = await setUp({ quantity: 5 });
    const statements = Array.from({ length: 5 }, (_, i) =>
      completion(`driver${i}-${unique()}@example.org`),
    );
    expect((await send(setup.partner, statements.slice(0, 4))).status).toBe(200);
    await platform.settle();
    expect((await client.get(`/api/challenges/${setup.challengeId}`)).body.status).toBe('open');
    expect((await send(setup.partner, statements.slice(4))).status).toBe(200);
    // The partner retries the whole lot: nothing moves.
    expect((await send(setup.partner, statements)).status).toBe(200);
    await platform.settle();

    const challenge = (await client.get(`/api/challenges/${setup.challengeId}`)).body;
    expect(challenge.status).toBe('succeeded');
    expect(
      challenge.tiers.filter((t: { unlockedAt: unknown }) => t.unlockedAt !== null),
    ).toHaveLength(1);
    expect(challenge.progress).toMatchObject({ participants: 5, quantity: 5 });

    const report = expectStatus(
      await client.get(`/api/campaigns/${setup.campaignId}/report`, admin),
      200,
    ) as {
      challenges: { unit: string; participants: number; quantity: number; co2eKg: number }[];
      totals: { participants: number; quantityByUnit: Record<string, number>; co2eKg: number };
    };
    expect(report.challenges[0]).toMatchObject({ unit: 'course', participants: 5, quantity: 5 });
    expect(report.challenges[0]?.co2eKg).toBeCloseTo(5 * YEAR_ESTIMATE, 6);
    expect(report.totals.participants).toBe(5);
    expect(report.totals.quantityByUnit['course']).toBe(5);
    expect(report.totals.co2eKg).toBeCloseTo(5 * YEAR_ESTIMATE, 6);
  });
});

describe('personal data', () => {
  it('exports the accounts mapped to a learner and what their statements did; erasure unmaps them, and a replay counts nothing', async () => {
    const setup = await setUp();
    const account = { homePage: 'https://lms.example', name: `learner-${unique()}` };
    const before = completion('unused@example.org', { actor: { account } });
    expect((await send(setup.partner, before)).status).toBe(200);
    const email = `learner-${unique()}@example.org`;
    expectStatus(
      await client.post(
        `/api/organizations/${setup.slug}/elearning/partners/${setup.partner.id}/accounts`,
        { ...account, email },
        admin,
      ),
      201,
    );
    const counted = completion('unused@example.org', { actor: { account } });
    expect((await send(setup.partner, counted)).status).toBe(200);
    expect(await progress(setup.challengeId)).toMatchObject({ participants: 1, quantity: 1 });

    const session = { token: await client.signIn(email) };
    const exported = expectStatus(await client.get('/api/me/export', session), 200) as {
      plugins: Record<string, unknown>;
    };
    expect(exported.plugins.elearning).toMatchObject({
      accounts: [{ partnerId: setup.partner.id, homePage: account.homePage, name: account.name }],
      completions: [{ challengeId: setup.challengeId, statementId: counted['id'] }],
      statements: [{ statementId: counted['id'], outcome: 'counted' }],
    });

    expectStatus(await client.delete('/api/me', session), 200);
    const left = await platform.db.query<{ n: number }>(
      `select (select count(*) from elearning_account where name = ?)
            + (select count(*) from elearning_statement where position(? in coalesce(reason, '')) > 0)
              as n`,
      [account.name, account.name],
    );
    expect(Number(left[0]?.n)).toBe(0);
    // The partner sends the counted statement again: it stays counted once.
    expect((await send(setup.partner, counted)).status).toBe(200);
    expect(await progress(setup.challengeId)).toMatchObject({ participants: 1, quantity: 1 });
  });
});
