import { randomUUID } from 'node:crypto';
import XAPIModule, { type Statement } from '@xapi/xapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestClient,
  newOrganization,
  openChallenge,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  unique,
} from '@tandem/core/testing';
import { ecoDriving } from '@tandem/plugin-eco-driving';
import { elearning } from './index.js';

/**
 * A partner's platform as it really talks: the standard `@xapi/xapi` client
 * (xAPI 1.0.3 headers, Basic auth, JSON) against Tandem listening on a real
 * port. Statements are the library's own types, with the extensions real
 * platforms add.
 */

// @xapi/xapi is CommonJS; under `module: nodenext` the class sits on `.default` (STACK.md).
const XAPI = XAPIModule.default;

const COURSE = 'https://formaplus.example/courses/eco-driving-2026';

let platform: TestPlatform;
let client: TestClient;
let admin: { token: string };
let baseUrl: string;

beforeAll(async () => {
  platform = await startTestPlatform({ plugins: [ecoDriving, elearning] });
  client = createTestClient(platform.app);
  admin = { token: platform.adminToken };
  baseUrl = await platform.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await platform?.stop();
});

async function setUp(): Promise<{ challengeId: string; partnerId: string; key: string }> {
  const { slug, challengeId } = await openChallenge(
    client,
    admin.token,
    {
      title: 'Formés à l’écoconduite',
      actionType: 'eco-driving',
      actionSettings: { courseId: COURSE },
      goal: { quantity: 50 },
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
      campaign: { title: 'Écoconduite' },
    },
  );
  const partner = await client.post(
    `/api/organizations/${slug}/elearning/partners`,
    { name: 'Formaplus' },
    admin,
  );
  expect(partner.status).toBe(201);
  return { challengeId, partnerId: partner.body.id, key: partner.body.key };
}

/** The client a partner configures with the credentials Tandem gave it. */
const connect = (partnerId: string, key: string) =>
  new XAPI({
    endpoint: `${baseUrl}/api/integrations/xapi/`,
    auth: XAPI.toBasicAuth(partnerId, key),
    adapter: 'fetch',
  });

const completed = (email: string): Statement => ({
  id: randomUUID(),
  actor: { objectType: 'Agent', name: 'Learner', mbox: `mailto:${email}` },
  verb: XAPI.Verbs.COMPLETED,
  object: {
    objectType: 'Activity',
    id: COURSE,
    definition: {
      name: { 'fr-FR': 'Écoconduite' },
      type: 'http://adlnet.gov/expapi/activities/course',
      extensions: { 'https://formaplus.example/xapi/catalogue': 'ECO-2026' },
    },
  },
  result: { completion: true, success: true, score: { scaled: 0.85 }, duration: 'PT38M' },
  context: {
    platform: 'Formaplus',
    language: 'fr-FR',
    extensions: { 'https://formaplus.example/xapi/cohort': 'Veolia IDF' },
  },
  timestamp: new Date().toISOString(),
});

async function progress(challengeId: string) {
  return (await client.get(`/api/challenges/${challengeId}`)).body.progress as {
    participants: number;
    quantity: number;
    co2eKg: number;
  };
}

describe('with the standard xAPI client (@xapi/xapi 3, fetch adapter)', () => {
  it('reads the versions Tandem speaks', async () => {
    const { partnerId, key } = await setUp();
    const about = await connect(partnerId, key).getAbout();
    expect(about.data.version).toContain('1.0.3');
  });

  it('sends completed and passed statements that count once each, replays included', async () => {
    const { challengeId, partnerId, key } = await setUp();
    const xapi = connect(partnerId, key);

    const first = completed(`ann-${unique()}@example.org`);
    const sent = await xapi.sendStatement({ statement: first });
    expect(sent.status).toBe(200);
    expect(sent.data).toEqual([first.id]);

    const passed: Statement = {
      ...completed(`bob-${unique()}@example.org`),
      verb: XAPI.Verbs.PASSED,
    };
    const withoutId = completed(`cy-${unique()}@example.org`);
    delete withoutId.id;
    const batch = await xapi.sendStatements({ statements: [passed, withoutId] });
    expect(batch.data).toHaveLength(2);
    expect(batch.data[0]).toBe(passed.id);
    expect(batch.data[1]).toMatch(/^[0-9a-f-]{36}$/);

    // The platform retries, once in sequence and twice at the same moment.
    await xapi.sendStatement({ statement: first });
    await Promise.all([
      xapi.sendStatement({ statement: passed }),
      xapi.sendStatement({ statement: passed }),
    ]);

    const now = await progress(challengeId);
    expect(now).toMatchObject({ participants: 3, quantity: 3 });
    expect(now.co2eKg).toBeCloseTo(3 * 345.6, 6);
  });

  it('ignores an unknown verb without failing the client', async () => {
    const { challengeId, partnerId, key } = await setUp();
    const launched: Statement = {
      ...completed(`dee-${unique()}@example.org`),
      verb: XAPI.Verbs.INITIALIZED,
    };
    const sent = await connect(partnerId, key).sendStatement({ statement: launched });
    expect(sent.data).toEqual([launched.id]);
    expect(await progress(challengeId)).toMatchObject({ quantity: 0 });
  });

  it('rejects the client with a wrong key, and counts nothing', async () => {
    const { challengeId, partnerId } = await setUp();
    await expect(
      connect(partnerId, 'elk_not-the-key').sendStatement({
        statement: completed(`eve-${unique()}@example.org`),
      }),
    ).rejects.toThrow(/TANDEM_AUTH_INVALID/);
    expect(await progress(challengeId)).toMatchObject({ quantity: 0 });
  });
});
