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
import { fingerprintOf, sorting, STALE_CLAIM_SECONDS } from './index.js';
import { syncScope } from './sync.js';

/**
 * Assisted enrolment on the real engine (a fresh PostgreSQL): agents enrol
 * residents by e-mail or code, one at a time or by an offline sync, and
 * nobody is ever counted twice.
 */

/** A code as the server issues them: 4 + 4 symbols without 0, O, 1, I, L. */
const ISSUED_CODE = /^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/;

const CONSENT = {
  given: true,
  text: 'J’accepte que mon engagement à trier soit enregistré et compté dans ce défi.',
};

let platform: TestPlatform;
let client: TestClient;
let admin: { token: string };

beforeAll(async () => {
  platform = await startTestPlatform({ plugins: [sorting] });
  client = createTestClient(platform.app);
  admin = { token: platform.adminToken };
});
afterAll(async () => {
  await platform?.stop();
});

interface Setup {
  slug: string;
  challengeId: string;
  /** The agent's session token. */
  agent: string;
  agentEmail: string;
}

/** A city, a public campaign, an open sorting challenge and one agent signed in. */
async function setUp(
  options: {
    actionType?: string;
    settings?: Record<string, unknown>;
    audience?: Record<string, unknown>;
  } = {},
): Promise<Setup> {
  const { slug } = await newOrganization(client, admin.token, {
    kind: 'city',
    name: 'SYCTOM',
    slugPrefix: 'syctom',
  });
  const { challengeId } = await openChallenge(
    client,
    admin.token,
    {
      title: 'Je trie mes déchets',
      actionType: options.actionType ?? 'sorting',
      ...(options.settings ? { actionSettings: options.settings } : {}),
      goal: { participants: 1000 },
      counterpart: { kind: 'act', description: 'Install 20 new sorting bins' },
    },
    {
      organization: slug,
      campaign: {
        title: 'Saint-Mandé trie',
        ...(options.audience ? { audience: options.audience } : {}),
      },
    },
  );
  const agentEmail = `agent-${unique()}@syctom.example`;
  expectStatus(
    await client.post(
      `/api/organizations/${slug}/members`,
      { email: agentEmail, role: 'agent' },
      admin,
    ),
    201,
  );
  return { slug, challengeId, agent: await client.signIn(agentEmail), agentEmail };
}

const enrolUrl = (challengeId: string) => `/api/challenges/${challengeId}/enrolments`;
const syncUrl = (challengeId: string) => `/api/challenges/${challengeId}/enrolments/sync`;

async function participants(challengeId: string): Promise<number> {
  await platform.settle();
  const read = expectStatus(await client.get(`/api/challenges/${challengeId}`), 200) as {
    progress: { participants: number };
  };
  return read.progress.participants;
}

async function consentRows(challengeId: string): Promise<number> {
  const [row] = await platform.db.query<{ n: number }>(
    'select count(*)::int as n from consent_record where challenge_id = ?',
    [challengeId],
  );
  return row?.n ?? -1;
}

async function receipts(email: string): Promise<{ text: string; subject: string }[]> {
  await platform.settle();
  const box = expectStatus(
    await client.get(`/api/dev/mailbox?to=${encodeURIComponent(email)}`),
    200,
  ) as { messages: { purpose: string; text: string; subject: string }[] };
  return box.messages.filter((message) => message.purpose === 'enrolment-receipt');
}

describe('enrolling one resident', () => {
  it('by e-mail: counts them, records the consent and mails a receipt, once', async () => {
    const { challengeId, agent, agentEmail } = await setUp();
    const email = `resident-${unique()}@example.org`;
    const body = {
      resident: { email },
      consent: { ...CONSENT, givenAt: '2026-03-12T09:30:00.000Z' },
      displayName: 'Mme Lefèvre',
      details: { streams: ['packaging', 'glass'], household: { size: 3 } },
      locale: 'en',
    };
    const created = expectStatus(
      await client.post(enrolUrl(challengeId), body, { token: agent }),
      201,
    );
    expect(created).toEqual({ pledgeId: expect.any(String), status: 'confirmed' });
    expect(await participants(challengeId)).toBe(1);

    const [consent] = await platform.db.query<{
      text: string;
      given_at: Date;
      recorded_by: string;
    }>(
      `select c.text, c.given_at, c.recorded_by from consent_record c
         join pledge pl on pl.participant_id = c.participant_id and pl.challenge_id = c.challenge_id
        where pl.id = ?`,
      [created.pledgeId],
    );
    const [agentRow] = await platform.db.query<{ id: string }>(
      'select id from participant where canonical_email = ?',
      [agentEmail],
    );
    expect(consent?.text).toBe(CONSENT.text);
    expect(new Date(consent?.given_at ?? 0).toISOString()).toBe('2026-03-12T09:30:00.000Z');
    expect(consent?.recorded_by).toBe(agentRow?.id);

    const [receipt, ...more] = await receipts(email);
    expect(more).toHaveLength(0);
    expect(receipt?.subject).toContain('Je trie mes déchets');
    expect(receipt?.text).toContain('On March 12, 2026, an agent recorded your pledge');
    expect(receipt?.text).toContain('withdraw your pledge');
    expect(receipt?.text).toContain(`http://tandem.test/c/${challengeId}`);

    // The same resident again: already counted, no second receipt.
    const again = expectStatus(
      await client.post(enrolUrl(challengeId), body, { token: agent }),
      200,
    );
    expect(again.pledgeId).toBe(created.pledgeId);
    expect(await participants(challengeId)).toBe(1);
    expect(await receipts(email)).toHaveLength(1);
  });

  it('by a new code: issues a readable code, and the same code later counts once', async () => {
    const { challengeId, agent } = await setUp();
    const issued = expectStatus(
      await client.post(
        enrolUrl(challengeId),
        { resident: { newCode: true }, consent: CONSENT },
        { token: agent },
      ),
      201,
    );
    expect(issued.code).toMatch(ISSUED_CODE);
    expect(await participants(challengeId)).toBe(1);

    // Read back from the card, in lower case: the same resident.
    const again = expectStatus(
      await client.post(
        enrolUrl(challengeId),
        { resident: { code: issued.code.toLowerCase() }, consent: CONSENT },
        { token: agent },
      ),
      200,
    );
    expect(again).toEqual({ pledgeId: issued.pledgeId, status: 'confirmed', code: issued.code });
    expect(await participants(challengeId)).toBe(1);
  });

  it('dates the receipt from the device when the tablet recorded it offline', async () => {
    const { challengeId, agent } = await setUp();
    const email = `hors-ligne-${unique()}@example.org`;
    expectStatus(
      await client.post(
        enrolUrl(challengeId),
        {
          resident: { email },
          consent: CONSENT,
          device: { id: 'tablette-07', recordedAt: '2026-02-03T15:00:00.000Z' },
        },
        { token: agent },
      ),
      201,
    );
    const [receipt] = await receipts(email);
    expect(receipt?.text).toContain('Le 3 février 2026, un agent a enregistré votre engagement');
    const [audit] = await platform.db.query<{ device_id: string; counted: boolean }>(
      'select device_id, counted from sorting_enrolment where challenge_id = ?',
      [challengeId],
    );
    expect(audit).toEqual({ device_id: 'tablette-07', counted: true });
  });

  it('answers 401 to anonymous callers and 403 to members who are not agents', async () => {
    const { slug, challengeId } = await setUp();
    const body = { resident: { newCode: true }, consent: CONSENT };
    const anonymous = expectStatus(await client.post(enrolUrl(challengeId), body), 401);
    expect(anonymous.error).toBe('TANDEM_AUTH_REQUIRED');

    const memberEmail = `member-${unique()}@example.org`;
    expectStatus(
      await client.post(
        `/api/organizations/${slug}/members`,
        { email: memberEmail, role: 'member' },
        admin,
      ),
      201,
    );
    const member = await client.signIn(memberEmail);
    const forbidden = expectStatus(
      await client.post(enrolUrl(challengeId), body, { token: member }),
      403,
    );
    expect(forbidden.error).toBe('TANDEM_AUTH_FORBIDDEN');
    expect(
      expectStatus(await client.post(syncUrl(challengeId), { items: [] }, { token: member }), 400)
        .error,
    ).toBe('TANDEM_REQUEST_INVALID');
    const syncForbidden = expectStatus(
      await client.post(
        syncUrl(challengeId),
        { items: [{ key: `k-${unique()}`, enrolment: body }] },
        { token: member },
      ),
      403,
    );
    expect(syncForbidden.error).toBe('TANDEM_AUTH_FORBIDDEN');
    expect(await participants(challengeId)).toBe(0);
  });

  it("enrols only residents in the campaign's audience (403 for others)", async () => {
    const domain = `bailleur-${unique()}.example`;
    const { challengeId, agent } = await setUp({
      audience: { type: 'email-domain', domains: [domain] },
    });
    const enrolAs = (resident: Record<string, unknown>) =>
      client.post(enrolUrl(challengeId), { resident, consent: CONSENT }, { token: agent });
    const outsider = expectStatus(await enrolAs({ email: `out-${unique()}@example.org` }), 403);
    expect(outsider.error).toBe('TANDEM_AUTH_FORBIDDEN');
    // A code carries no address: it cannot show the resident belongs to the domain.
    expectStatus(await enrolAs({ newCode: true }), 403);
    expectStatus(await enrolAs({ email: `ann-${unique()}@${domain}` }), 201);
    const [row] = await platform.db.query<{ n: number }>(
      "select count(*)::int as n from pledge where challenge_id = ? and status = 'confirmed'",
      [challengeId],
    );
    expect(row?.n).toBe(1);
  });

  it('refuses without consent, with two identities, or with an unknown field, naming it', async () => {
    const { challengeId, agent } = await setUp();
    const refusals: [Record<string, unknown>, string, string][] = [
      [
        { resident: { newCode: true }, consent: { ...CONSENT, given: false } },
        'TANDEM_REQUEST_INVALID',
        'consent/given',
      ],
      [
        { resident: { email: 'a@example.org', newCode: true }, consent: CONSENT },
        'TANDEM_REQUEST_INVALID',
        'resident',
      ],
      [{ resident: { code: 'AB' }, consent: CONSENT }, 'TANDEM_REQUEST_INVALID', 'resident/code'],
      // Core's address grammar: a list would mail the receipt to someone else,
      // a quoted or zero-width spelling would be a second person.
      [
        { resident: { email: 'resident+x,eve@example.org' }, consent: CONSENT },
        'TANDEM_REQUEST_INVALID',
        'resident/email',
      ],
      [
        { resident: { email: '"resident"@example.org' }, consent: CONSENT },
        'TANDEM_REQUEST_INVALID',
        'resident/email',
      ],
      [
        { resident: { email: 'resi\u200bdent@example.org' }, consent: CONSENT },
        'TANDEM_REQUEST_INVALID',
        'resident/email',
      ],
      [
        { resident: { newCode: true }, consent: CONSENT, details: { streams: ['plastic'] } },
        'TANDEM_REQUEST_INVALID',
        'details/streams/0',
      ],
      [
        { resident: { newCode: true }, consent: CONSENT, age: 44 },
        'TANDEM_REQUEST_UNKNOWN_FIELD',
        'age',
      ],
    ];
    for (const [body, code, path] of refusals) {
      const refused = expectStatus(
        await client.post(enrolUrl(challengeId), body, { token: agent }),
        400,
      );
      expect(refused.error, JSON.stringify(body)).toBe(code);
      expect(refused.details[0].path, JSON.stringify(body)).toBe(path);
    }
    expect(await participants(challengeId)).toBe(0);
    expect(await consentRows(challengeId)).toBe(0);
  });

  it('refuses a stream the challenge is not about, and challenges of another action type', async () => {
    const narrow = await setUp({ settings: { streams: ['biowaste'] } });
    const refused = expectStatus(
      await client.post(
        enrolUrl(narrow.challengeId),
        {
          resident: { newCode: true },
          consent: CONSENT,
          details: { streams: ['biowaste', 'glass'] },
        },
        { token: narrow.agent },
      ),
      400,
    );
    expect(refused.details[0].path).toBe('details/streams/1');

    const other = await setUp({ actionType: 'pledge-only' });
    const conflict = expectStatus(
      await client.post(
        enrolUrl(other.challengeId),
        { resident: { newCode: true }, consent: CONSENT },
        { token: other.agent },
      ),
      409,
    );
    expect(conflict.error).toBe('TANDEM_CHALLENGE_WRONG_ACTION_TYPE');
  });

  it('replays an Idempotency-Key: the same answer and code, counted once', async () => {
    const { challengeId, agent } = await setUp();
    const key = `tablet-07-${unique()}`;
    const body = { resident: { newCode: true }, consent: CONSENT };
    const headers = { 'idempotency-key': key };
    const first = await client.post(enrolUrl(challengeId), body, { token: agent, headers });
    expect(expectStatus(first, 201).code).toMatch(ISSUED_CODE);
    const replay = await client.post(enrolUrl(challengeId), body, { token: agent, headers });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(await participants(challengeId)).toBe(1);

    const other = await client.post(
      enrolUrl(challengeId),
      { ...body, displayName: 'Someone else' },
      { token: agent, headers },
    );
    expect(expectStatus(other, 422).error).toBe('TANDEM_IDEMPOTENCY_MISMATCH');
    expect(await participants(challengeId)).toBe(1);
  });
});

interface SyncItem {
  key: string;
  enrolment: Record<string, unknown>;
}

/** 50 enrolments as a tablet queues them: new codes, codes of its own, e-mails. */
function offlineDay(prefix: string, count = 50): SyncItem[] {
  return Array.from({ length: count }, (_, i) => {
    const resident =
      i % 5 === 0
        ? { email: `${prefix}-${i}@example.org` }
        : i % 2 === 0
          ? { code: `T7-${prefix}-${i}` }
          : { newCode: true };
    return {
      key: `${prefix}-item-${String(i).padStart(3, '0')}`,
      enrolment: {
        resident,
        consent: CONSENT,
        device: { id: 'tablette-07', recordedAt: '2026-02-03T15:00:00.000Z' },
        details: { streams: ['packaging'] },
      },
    };
  });
}

describe('syncing an offline tablet', () => {
  it('counts 50 enrolments once, and a replayed sync returns the very same results', async () => {
    const { challengeId, agent } = await setUp();
    const prefix = unique();
    const items = offlineDay(prefix);
    const first = expectStatus(
      await client.post(syncUrl(challengeId), { items }, { token: agent }),
      200,
    );
    expect(first.results).toHaveLength(50);
    expect(first.results.map((r: { key: string }) => r.key)).toEqual(items.map((i) => i.key));
    expect(first.results.every((r: { status: string }) => r.status === 'created')).toBe(true);
    const newCodes = first.results.filter((_: unknown, i: number) => i % 5 !== 0 && i % 2 === 1);
    expect(newCodes.every((r: { code?: string }) => ISSUED_CODE.test(r.code ?? ''))).toBe(true);
    expect(new Set(newCodes.map((r: { code: string }) => r.code)).size).toBe(newCodes.length);
    expect(await participants(challengeId)).toBe(50);

    // The answer was lost; the tablet sends the same sync again.
    const replay = expectStatus(
      await client.post(syncUrl(challengeId), { items }, { token: agent }),
      200,
    );
    expect(replay).toEqual(first);
    expect(await participants(challengeId)).toBe(50);
    expect(await consentRows(challengeId)).toBe(50);
    expect(await receipts(`${prefix}-0@example.org`)).toHaveLength(1);
  });

  it('lets one bad item fail alone, and keeps its error for a replay', async () => {
    const { challengeId, agent } = await setUp();
    const items = offlineDay(unique(), 5);
    const bad = items[2] as SyncItem;
    bad.enrolment = { ...bad.enrolment, consent: { ...CONSENT, given: false } };
    const odd = items[3] as SyncItem;
    odd.enrolment = { ...odd.enrolment, colour: 'green' };

    const answer = expectStatus(
      await client.post(syncUrl(challengeId), { items }, { token: agent }),
      200,
    );
    const statuses = answer.results.map((r: { status: string }) => r.status);
    expect(statuses).toEqual(['created', 'created', 'error', 'error', 'created']);
    expect(answer.results[2]).toMatchObject({
      key: bad.key,
      error: 'TANDEM_REQUEST_INVALID',
      details: [{ path: 'consent/given' }],
    });
    expect(answer.results[2].pledgeId).toBeUndefined();
    expect(answer.results[3]).toMatchObject({
      error: 'TANDEM_REQUEST_UNKNOWN_FIELD',
      details: [{ path: 'colour' }],
    });
    expect(await participants(challengeId)).toBe(3);

    const replay = expectStatus(
      await client.post(syncUrl(challengeId), { items }, { token: agent }),
      200,
    );
    expect(replay).toEqual(answer);
  });

  it('answers a key reused with another enrolment with a mismatch for that item only', async () => {
    const { challengeId, agent } = await setUp();
    const [one, two] = offlineDay(unique(), 2) as [SyncItem, SyncItem];
    const first = expectStatus(
      await client.post(syncUrl(challengeId), { items: [one] }, { token: agent }),
      200,
    );
    const reused = { key: one.key, enrolment: { ...one.enrolment, displayName: 'Autre' } };
    const answer = expectStatus(
      await client.post(syncUrl(challengeId), { items: [reused, two] }, { token: agent }),
      200,
    );
    expect(answer.results[0]).toMatchObject({
      key: one.key,
      status: 'error',
      error: 'TANDEM_IDEMPOTENCY_MISMATCH',
    });
    expect(answer.results[1]).toMatchObject({ key: two.key, status: 'created' });
    expect(await participants(challengeId)).toBe(2);

    // The key's own enrolment still gets its first result.
    const replay = expectStatus(
      await client.post(syncUrl(challengeId), { items: [one] }, { token: agent }),
      200,
    );
    expect(replay).toEqual(first);
  });

  it('gives an item queued twice in one sync its first result twice', async () => {
    const { challengeId, agent } = await setUp();
    const items = offlineDay(unique(), 6).filter((_, i) => i % 2 === 1); // three new codes
    const [first] = items as [SyncItem];
    const answer = expectStatus(
      await client.post(
        syncUrl(challengeId),
        { items: [first, ...items, first] },
        { token: agent },
      ),
      200,
    );
    const [head, ...rest] = answer.results;
    expect(head.status).toBe('created');
    expect(rest.at(-1)).toEqual(head);
    expect(await participants(challengeId)).toBe(3);
  });

  it('recognises the keys when the tablet signed in again, whatever the key order', async () => {
    const { challengeId, agent, agentEmail } = await setUp();
    const items = offlineDay(unique(), 3);
    const first = expectStatus(
      await client.post(syncUrl(challengeId), { items }, { token: agent }),
      200,
    );
    const newSession = await client.signIn(agentEmail);
    expect(newSession).not.toBe(agent);
    const reordered = items.map(({ key, enrolment }) => ({
      key,
      enrolment: Object.fromEntries(Object.entries(enrolment).reverse()),
    }));
    const replay = expectStatus(
      await client.post(syncUrl(challengeId), { items: reordered }, { token: newSession }),
      200,
    );
    expect(replay).toEqual(first);
    expect(await participants(challengeId)).toBe(3);
  });

  it('never counts twice when two syncs of the same items race', async () => {
    const { challengeId, agent } = await setUp();
    const items = offlineDay(unique(), 20);
    const [a, b] = await Promise.all([
      client.post(syncUrl(challengeId), { items }, { token: agent }),
      client.post(syncUrl(challengeId), { items }, { token: agent }),
    ]);
    const results = [...expectStatus(a, 200).results, ...expectStatus(b, 200).results];
    // Each item is created by one sync; the other found it done or in progress.
    for (const result of results) {
      expect(['created', 'error']).toContain(result.status);
      if (result.status === 'error') expect(result.error).toBe('TANDEM_IDEMPOTENCY_IN_PROGRESS');
    }
    expect(await participants(challengeId)).toBe(20);
    expect(await consentRows(challengeId)).toBe(20);
    const settled = expectStatus(
      await client.post(syncUrl(challengeId), { items }, { token: agent }),
      200,
    );
    expect(settled.results.every((r: { status: string }) => r.status === 'created')).toBe(true);
  });

  it('takes over an item a dead process left half done, with the code it had reserved', async () => {
    const { challengeId, agent, agentEmail } = await setUp();
    const key = `crashed-${unique()}`;
    const enrolment = { resident: { newCode: true }, consent: CONSENT };
    const [agentRow] = await platform.db.query<{ id: string }>(
      'select id from participant where canonical_email = ?',
      [agentEmail],
    );
    const scope = syncScope({
      kind: 'participant',
      participantId: agentRow?.id as string,
      email: agentEmail,
      roles: new Map(),
    });
    // What a process leaves when it dies after reserving the code.
    await platform.db.query(
      `insert into sorting_sync_item (scope, key, challenge_id, fingerprint, code, claimed_at)
       values (?, ?, ?, ?, 'WXYZ-2345', now())`,
      [scope, key, challengeId, fingerprintOf(challengeId, enrolment)],
    );
    const busy = expectStatus(
      await client.post(syncUrl(challengeId), { items: [{ key, enrolment }] }, { token: agent }),
      200,
    );
    expect(busy.results[0]).toMatchObject({
      status: 'error',
      error: 'TANDEM_IDEMPOTENCY_IN_PROGRESS',
    });
    expect(await participants(challengeId)).toBe(0);

    await platform.db.query(
      `update sorting_sync_item set claimed_at = now() - make_interval(secs => ?) where key = ?`,
      [STALE_CLAIM_SECONDS + 1, key],
    );
    const done = expectStatus(
      await client.post(syncUrl(challengeId), { items: [{ key, enrolment }] }, { token: agent }),
      200,
    );
    expect(done.results[0]).toMatchObject({ status: 'created', code: 'WXYZ-2345' });
    expect(await participants(challengeId)).toBe(1);
  });
});

describe('personal data', () => {
  it('exports the enrolments an agent recorded for a resident, and erases them with her', async () => {
    const { challengeId, agent } = await setUp();
    const email = `resident-${unique()}@example.org`;
    const enrolment = {
      resident: { email },
      consent: CONSENT,
      displayName: `Mme Erasable ${unique()}`,
      details: { streams: ['glass'], household: { size: 4 } },
      device: { id: 'tablet-7', recordedAt: new Date(Date.now() - 60_000).toISOString() },
    };
    const key = `k-${unique()}`;
    const synced = expectStatus(
      await client.post(syncUrl(challengeId), { items: [{ key, enrolment }] }, { token: agent }),
      200,
    );
    expect(synced.results[0].status).toBe('created');
    expect(await participants(challengeId)).toBe(1);

    const session = await client.signIn(email);
    const exported = expectStatus(await client.get('/api/me/export', { token: session }), 200);
    expect(exported.plugins.sorting).toEqual({
      enrolments: [
        expect.objectContaining({
          challengeId,
          pledgeId: synced.results[0].pledgeId,
          deviceId: 'tablet-7',
          counted: true,
        }),
      ],
      syncedItems: [{ key, challengeId }],
    });
    expect(exported.pledges[0].details).toEqual({ streams: ['glass'], household: { size: 4 } });
    expect(exported.consents).toEqual([
      expect.objectContaining({ challengeId, text: CONSENT.text }),
    ]);

    expectStatus(await client.delete('/api/me', { token: session }), 200);
    const left = await platform.db.query<{ n: number }>(
      `select (select count(*) from sorting_enrolment where challenge_id = ?)
            + (select count(*) from sorting_sync_item where challenge_id = ?) as n`,
      [challengeId, challengeId],
    );
    expect(Number(left[0]?.n)).toBe(0);
    const [pledge] = await platform.db.query<{ details: unknown; display_name: string | null }>(
      'select details, display_name from pledge where id = ?',
      [synced.results[0].pledgeId],
    );
    expect(pledge).toEqual({ details: {}, display_name: null });
    // She still counts: the sponsor's figure does not move.
    expect(await participants(challengeId)).toBe(1);
  });
});
