/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are read field by field. */
import { Type } from '@sinclair/typebox';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEmailField } from '../domain/email.js';
import { mapCellOf } from '../domain/location.js';
import { hashSecret } from '../ids.js';
import { recountChallenge } from '../jobs/scheduled/recount.js';
import { defineActionType, defineIntegration } from '../plugins/index.js';
import { fillIdentityFingerprints, upsertParticipant } from '../store/participants.js';
import type { Database } from '../store/database.js';
import { participantIdempotencyScope } from '../store/retention.js';
import {
  createTestClient,
  newOrganization,
  openChallenge,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  unique,
} from '../testing/index.js';

/** An action type that measures kilometres, so erasure can be checked against quantities. */
const gdprKm = defineActionType({
  id: 'gdpr-km',
  version: '1.0.0',
  title: { fr: 'Km', en: 'Km' },
  unit: 'km',
  contributionSchema: Type.Object(
    { km: Type.Number({ minimum: 0, maximum: 100 }) },
    { additionalProperties: false },
  ),
  quantify: ({ details }) => details.km,
  impact: ({ details }) => ({ co2eKg: details.km * 0.2, source: 'test factor' }),
});

/** A plugin with a table of its own about people, and the hooks that export and erase it. */
const probe = defineIntegration({
  id: 'gdpr-probe',
  version: '1.0.0',
  title: { fr: 'Sonde', en: 'Probe' },
  migrations: [
    {
      name: '0001_notes',
      up: 'create table gdpr_probe_note (participant_id text not null, note text not null)',
    },
  ],
  personalData: {
    async export({ subject, sql }) {
      const rows = await sql.query<{ note: string }>(
        'select note from gdpr_probe_note where participant_id = ?',
        [subject.participantId],
      );
      return rows.length > 0 ? { notes: rows.map((row) => row.note) } : null;
    },
    async erase({ subject, sql }) {
      await sql.query('delete from gdpr_probe_note where participant_id = ?', [
        subject.participantId,
      ]);
    },
  },
});

/**
 * Every place in the database where one of `needles` appears: each column
 * of each table whose type can hold text or a coordinate, cast to text.
 * Timestamps are left out (a coordinate's digits may show in their seconds).
 */
async function findInDatabase(db: Database, needles: readonly string[]): Promise<string[]> {
  const columns = await db.query<{ table_name: string; column_name: string }>(
    `select c.table_name, c.column_name from information_schema.columns c
       join information_schema.tables t
         on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
        and c.data_type in ('text', 'character varying', 'character', 'jsonb', 'json', 'ARRAY',
                            'numeric', 'double precision', 'real')
      order by c.table_name, c.column_name`,
  );
  expect(columns.length).toBeGreaterThan(50);
  const hits: string[] = [];
  for (const { table_name: table, column_name: column } of columns) {
    for (const needle of needles) {
      const [row] = await db.query<{ n: number }>(
        `select count(*)::int as n from "${table}"
          where position(lower(?) in lower("${column}"::text)) > 0`,
        [needle],
      );
      if (row && row.n > 0) hits.push(`${table}.${column} ∋ ${needle}`);
    }
  }
  return hits;
}

/** Every key under `prefix` whose name or value holds one of `needles`. */
async function findInRedis(redis: Redis, prefix: string, needles: readonly string[]) {
  const hits: string[] = [];
  let cursor = '0';
  const lower = needles.map((n) => n.toLowerCase());
  const check = (key: string, text: string) => {
    for (const needle of lower)
      if (text.toLowerCase().includes(needle)) hits.push(`${key} ∋ ${needle}`);
  };
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      check(key, key);
      const type = await redis.type(key);
      let values: string[] = [];
      if (type === 'string') values = [(await redis.get(key)) ?? ''];
      else if (type === 'hash') values = Object.entries(await redis.hgetall(key)).flat();
      else if (type === 'list') values = await redis.lrange(key, 0, -1);
      else if (type === 'set') values = await redis.smembers(key);
      else if (type === 'zset') values = await redis.zrange(key, '0', '-1');
      else if (type === 'stream') values = (await redis.xrange(key, '-', '+')).flat(2);
      for (const value of values) check(key, value);
    }
  } while (cursor !== '0');
  return hits;
}

describe('personal data: export and erasure', () => {
  let platform: TestPlatform;
  let client: TestClient;
  let admin: { token: string };
  beforeAll(async () => {
    platform = await startTestPlatform({
      plugins: [gdprKm, probe],
      redis: true,
      // A per-address limit, so that Redis holds counters keyed by the address.
      env: { TANDEM_RATE_LIMIT_PER_EMAIL: '50' },
    });
    client = createTestClient(platform.app);
    admin = { token: platform.adminToken };
  });
  afterAll(() => platform?.stop());

  it('exports everything, then erases it all while every count stays, and a comeback counts once', async () => {
    const u = unique();
    const email = `Jane.Erasable-${u}@Example.org`;
    const canonical = parseEmailField(email, 'email').canonical;
    const displayName = `Zéphyrine${u}`;
    const { campaignId, challengeId, slug } = await openChallenge(client, admin.token, {
      title: 'Kilometres',
      actionType: 'gdpr-km',
      goal: { quantity: 1000 },
    });
    const team = await client.post(
      `/api/campaigns/${campaignId}/teams`,
      { slug: `north-${u}`, name: 'North' },
      admin,
    );
    expect(team.status).toBe(201);
    // Someone else, so that the counts are not only hers.
    await client.pledgeAndConfirm(challengeId, `other-${u}@example.org`);

    const pledgeId = await client.pledgeAndConfirm(challengeId, email, {
      displayName,
      location: { lat: 47.8312, lon: -3.5718, postcode: '29300' },
      team: `north-${u}`,
    });
    const sessionAnswer = await client.post(
      '/api/auth/session',
      {
        token: await (async () => {
          await client.post('/api/auth/magic-link', { email });
          return client.mailedToken(email, 'sign-in');
        })(),
      },
      { headers: { 'idempotency-key': `sign-in-${u}` } },
    );
    expect(sessionAnswer.status).toBe(200);
    const session = { token: sessionAnswer.body.sessionToken as string };
    const participantId = sessionAnswer.body.participantId as string;
    const reported = await client.post(
      `/api/challenges/${challengeId}/contributions`,
      { details: { km: 12.5 } },
      { ...session, headers: { 'idempotency-key': `km-${u}` } },
    );
    expect(reported.status).toBe(201);
    await platform.db.query('insert into gdpr_probe_note (participant_id, note) values (?, ?)', [
      participantId,
      `${displayName} prefers mornings`,
    ]);
    await platform.settle();

    const cell = mapCellOf({ lat: 47.8312, lon: -3.5718 });
    const exported = await client.get('/api/me/export', session);
    expect(exported.status).toBe(200);
    expect(exported.body.identity).toMatchObject({
      id: participantId,
      email: canonical,
      displayName,
      verified: true,
    });
    expect(exported.body.pledges).toEqual([
      expect.objectContaining({
        id: pledgeId,
        challengeId,
        status: 'confirmed',
        displayName,
        // Kept as coarse as the map needs: the commune (the most populous of
        // those sharing 29300) and the 200 m cell, never the point.
        location: { commune: { code: '29233', name: 'Quimperlé' }, cell },
        showAs: 'anonymous',
        team: { slug: `north-${u}`, name: 'North' },
      }),
    ]);
    expect(exported.body.contributions).toEqual([
      expect.objectContaining({ challengeId, quantity: 12.5, details: { km: 12.5 } }),
    ]);
    expect(exported.body.sessions).toHaveLength(1);
    expect(JSON.stringify(exported.body)).not.toContain(session.token);
    expect(exported.body.mails.map((m: any) => m.purpose)).toEqual(
      expect.arrayContaining(['pledge-confirmation', 'pledge-confirmed', 'sign-in']),
    );
    expect(exported.body.plugins).toEqual({
      'gdpr-probe': { notes: [`${displayName} prefers mornings`] },
    });

    const challengeBefore = (await client.get(`/api/challenges/${challengeId}`)).body.progress;
    // The report, less the time it was made at.
    const report = async () => {
      const answer = await client.get(`/api/campaigns/${campaignId}/report`, admin);
      expect(answer.status).toBe(200);
      return { ...answer.body, generatedAt: null };
    };
    const reportBefore = await report();
    expect(reportBefore.totals).toMatchObject({ participants: 2 });
    expect(challengeBefore).toMatchObject({ participants: 2, quantity: 12.5 });
    const [{ n: peopleBefore } = { n: -1 }] = await platform.db.query<{ n: number }>(
      'select count(*)::int as n from participant',
    );

    // What names her, in every table and in Redis: found now, so the search can fail.
    const needles = [canonical, email, displayName, cell];
    const redisNeedles = [canonical, hashSecret(canonical)];
    const redis = platform.redis as Redis;
    const beforeHits = await findInDatabase(platform.db, needles);
    for (const table of ['participant', 'pledge', 'dev_mail', 'mail_token', 'gdpr_probe_note']) {
      expect(beforeHits.some((hit) => hit.startsWith(`${table}.`))).toBe(true);
    }
    expect(beforeHits.some((hit) => hit.startsWith('pledge.') && hit.endsWith(cell))).toBe(true);
    const mapped = `select coalesce(sum(people), 0)::int as n from challenge_map_cell
                     where challenge_id = ? and level = 0`;
    expect((await platform.db.query<{ n: number }>(mapped, [challengeId]))[0]?.n).toBe(1);
    expect(await findInRedis(redis, platform.keyPrefix, redisNeedles)).not.toEqual([]);
    const replays = `select count(*)::int as n from idempotency_key where scope = ?`;
    const scope = participantIdempotencyScope(participantId);
    expect((await platform.db.query<{ n: number }>(replays, [scope]))[0]?.n).toBe(1);

    const erased = await client.delete('/api/me', session);
    expect(erased.status).toBe(200);
    expect(erased.body).toEqual({ status: 'erased' });

    // Nothing of her is left, anywhere; she left the map and the places.
    expect(await findInDatabase(platform.db, needles)).toEqual([]);
    expect((await platform.db.query<{ n: number }>(mapped, [challengeId]))[0]?.n).toBe(0);
    const places = await platform.db.query<{ people: number }>(
      'select people from challenge_place where challenge_id = ?',
      [challengeId],
    );
    expect(places).toEqual([{ people: 0 }]);
    expect(await findInRedis(redis, platform.keyPrefix, redisNeedles)).toEqual([]);
    expect((await platform.db.query<{ n: number }>(replays, [scope]))[0]?.n).toBe(0);
    // Her session is over.
    expect((await client.get('/api/me', session)).status).toBe(401);
    expect((await client.get('/api/me/export', session)).status).toBe(401);

    // Every count a sponsor reads is what it was, and the recount agrees.
    await platform.settle();
    expect((await client.get(`/api/challenges/${challengeId}`)).body.progress).toEqual(
      challengeBefore,
    );
    expect(await report()).toEqual(reportBefore);
    const recount = await recountChallenge(platform.db, challengeId, new Date());
    expect(recount).toMatchObject({ corrected: false, expected: { participants: 2 } });

    // She comes back under another spelling of her address: her old, anonymous
    // row and pledge are revived, and she is still counted once.
    const comeback = `jane.erasable-${u}+again@example.org`;
    const revived = await client.pledgeAndConfirm(challengeId, comeback, {
      displayName: 'Jane again',
    });
    expect(revived).toBe(pledgeId);
    await platform.settle();
    expect((await client.get(`/api/challenges/${challengeId}`)).body.progress).toEqual(
      challengeBefore,
    );
    const [{ n: peopleAfter } = { n: -2 }] = await platform.db.query<{ n: number }>(
      'select count(*)::int as n from participant',
    );
    expect(peopleAfter).toBe(peopleBefore);
    const [row] = await platform.db.query<{ id: string; erased_at: Date | null }>(
      'select id, erased_at from participant where canonical_email = ?',
      [canonical],
    );
    expect(row).toEqual({ id: participantId, erased_at: null });
    const [pledge] = await platform.db.query<{ display_name: string; erased_at: Date | null }>(
      'select display_name, erased_at from pledge where id = ?',
      [pledgeId],
    );
    expect(pledge).toEqual({ display_name: 'Jane again', erased_at: null });
    expect((await recountChallenge(platform.db, challengeId, new Date()))?.corrected).toBe(false);
    expect(slug).toBeTruthy();
  });

  it('refuses to erase the last owner of an organization (409), and erases once there is another', async () => {
    const u = unique();
    const organization = await newOrganization(client, admin.token);
    const ownerEmail = `owner-${u}@example.org`;
    const session = { token: await client.signIn(ownerEmail) };
    const made = await client.post(
      `/api/organizations/${organization.slug}/members`,
      { email: ownerEmail, role: 'owner' },
      admin,
    );
    expect(made.status).toBeLessThan(300);

    const refused = await client.delete('/api/me', session);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('TANDEM_ORGANIZATION_LAST_OWNER');
    expect(refused.body.details).toEqual([
      expect.objectContaining({ path: 'organization', organization: organization.slug }),
    ]);
    // Nothing was erased: she is still herself, and still the owner.
    const me = await client.get('/api/me', session);
    expect(me.body).toMatchObject({
      email: ownerEmail,
      memberships: [{ organization: organization.slug, role: 'owner' }],
    });

    await client.post(
      `/api/organizations/${organization.slug}/members`,
      { email: `second-${u}@example.org`, role: 'owner' },
      admin,
    );
    expect((await client.delete('/api/me', session)).status).toBe(200);
    const owners = await platform.db.query<{ n: number }>(
      `select count(*)::int as n from membership where organization_id = ? and role = 'owner'`,
      [organization.id],
    );
    expect(owners[0]?.n).toBe(1);
  });

  it('lets only one of two owners leaving at once go: the other is the last owner', async () => {
    const u = unique();
    const organization = await newOrganization(client, admin.token);
    const sessions: { token: string }[] = [];
    for (const who of ['a', 'b']) {
      const email = `${who}-${u}@example.org`;
      sessions.push({ token: await client.signIn(email) });
      await client.post(
        `/api/organizations/${organization.slug}/members`,
        { email, role: 'owner' },
        admin,
      );
    }
    const answers = await Promise.all(sessions.map((s) => client.delete('/api/me', s)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const owners = await platform.db.query<{ n: number }>(
      `select count(*)::int as n from membership where organization_id = ? and role = 'owner'`,
      [organization.id],
    );
    expect(owners[0]?.n).toBe(1);
  });

  it('gives people stored before fingerprints theirs, so that they are found again, not duplicated', async () => {
    const email = `older-${unique()}@example.org`;
    await platform.db.query(
      'insert into participant (id, canonical_email, email) values (?, ?, ?)',
      [`ptc_old_${unique()}`, email, email],
    );
    expect(await fillIdentityFingerprints(platform.db, platform.ctx.keyring)).toBeGreaterThan(0);
    expect(await fillIdentityFingerprints(platform.db, platform.ctx.keyring)).toBe(0);
    const [before] = await platform.db.query<{ id: string }>(
      'select id from participant where canonical_email = ?',
      [email],
    );
    const found = await platform.db.transaction((tx) =>
      upsertParticipant(tx, platform.ctx.keyring, {
        email: parseEmailField(email.toUpperCase(), 'email'),
      }),
    );
    expect(found.id).toBe(before?.id);
  });

  it('answers 401 to anonymous callers and 403 to the platform admin token, which is nobody', async () => {
    expect((await client.get('/api/me/export')).status).toBe(401);
    expect((await client.delete('/api/me')).status).toBe(401);
    const asAdmin = await client.get('/api/me/export', admin);
    expect(asAdmin.status).toBe(403);
    expect(asAdmin.body.error).toBe('TANDEM_AUTH_FORBIDDEN');
    expect((await client.delete('/api/me', admin)).status).toBe(403);
  });
});

describe('personal data: an erasure that fails half way', () => {
  const failing = defineIntegration({
    id: 'gdpr-failing',
    version: '1.0.0',
    title: { fr: 'En panne', en: 'Broken' },
    migrations: [{ name: '0001_nothing', up: 'create table gdpr_failing_row (id text)' }],
    personalData: {
      export: () => null,
      erase: () => {
        throw new Error('the plugin cannot erase right now');
      },
    },
  });
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ plugins: [failing] });
  });
  afterAll(() => platform?.stop());

  it('erases nothing at all when a plugin fails: one transaction', async () => {
    const client = createTestClient(platform.app);
    const email = `half-${unique()}@example.org`;
    const session = { token: await client.signIn(email) };
    const failed = await client.delete('/api/me', session);
    expect(failed.status).toBe(500);
    const me = await client.get('/api/me', session);
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(email);
  });
});
