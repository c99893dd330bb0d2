import {
  createTestClient,
  newOrganization,
  pluginContextOf,
  setUpClichy,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  unique,
} from '@tandem/core/testing';
import { isSealed } from '@tandem/core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhooks } from './index.js';
import { sealClearSecrets } from './secrets.js';
import { startReceiver, type Receiver, type ReceivedRequest } from './testing/receiver.js';

/**
 * The plugin end to end: the real engine on PostgreSQL, a real HTTP
 * receiver on 127.0.0.1, and every delivery checked the way a sponsor
 * would, with the off-the-shelf `standardwebhooks` library.
 */

const BACKOFF_MS = 20;
const TIMEOUT_MS = 300;

let platform: TestPlatform;
let client: TestClient;
let receiver: Receiver;
let admin: { token: string };

beforeAll(async () => {
  [platform, receiver] = await Promise.all([
    startTestPlatform({
      plugins: [
        webhooks({
          allowPrivateNetworks: true,
          backoffMs: BACKOFF_MS,
          maxAttempts: 3,
          timeoutMs: TIMEOUT_MS,
        }),
      ],
    }),
    startReceiver(),
  ]);
  client = createTestClient(platform.app);
  admin = { token: platform.adminToken };
});
afterAll(async () => {
  await platform?.stop();
  await receiver?.close();
});

interface Message {
  type: string;
  timestamp: string;
  data: Record<string, unknown> & { eventId: string; challengeId: string | null };
}

/** Verifies a received request as a sponsor would; throws if the signature is wrong. */
function verified(secret: string, request: ReceivedRequest | undefined): Message {
  if (!request) throw new Error('nothing was received');
  return new Webhook(secret).verify(
    request.body,
    request.headers as Record<string, string>,
  ) as Message;
}

async function register(
  slug: string,
  path: string,
  events: string[],
  token = admin.token,
): Promise<{ id: string; secret: string }> {
  const created = await client.post(
    `/api/organizations/${slug}/webhooks`,
    { url: `${receiver.url}${path}`, events, description: `test ${path}` },
    { token },
  );
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body;
}

/** A new organization of `kind`, created by the platform admin. */
const newOrg = (kind = 'company') => newOrganization(client, admin.token, { kind });

/** A session of someone holding `role` in the organization. */
async function signedInAs(slug: string, role: string): Promise<string> {
  const email = `${role}-${unique()}@example.org`;
  const added = await client.post(`/api/organizations/${slug}/members`, { email, role }, admin);
  expect(added.status).toBe(201);
  return client.signIn(email);
}

/** A Clichy challenge (two participants to unlock), settled, with no webhook yet. */
async function clichy() {
  const setup = await setUpClichy(client, admin.token, { participants: 2 });
  await platform.settle();
  return setup;
}

async function unlock(challengeId: string, people = 2): Promise<void> {
  for (let i = 0; i < people; i++) {
    await client.pledgeAndConfirm(challengeId, `p-${unique()}@example.org`);
  }
  await platform.settle();
}

async function deliveries(slug: string, endpointId: string, token = admin.token) {
  const listed = await client.get(`/api/organizations/${slug}/webhooks/${endpointId}/deliveries`, {
    token,
  });
  expect(listed.status, JSON.stringify(listed.body)).toBe(200);
  return listed.body.deliveries as Array<{
    id: string;
    eventType: string;
    webhookId: string;
    status: string;
    attemptCount: number;
    lastStatusCode: number | null;
    lastError: string | null;
    attempts: Array<{
      attempt: number;
      statusCode: number | null;
      responseMs: number;
      error: string | null;
      at: string;
    }>;
  }>;
}

describe('delivery', () => {
  it('sends challenge.unlocked, verifiable with standardwebhooks, to the organizer only', async () => {
    const { organization, challengeId } = await clichy();
    const path = `/unlocked-${unique()}`;
    const allPath = `/all-${unique()}`;
    const strangerPath = `/stranger-${unique()}`;
    const unlocked = await register(organization.slug, path, ['challenge.unlocked']);
    const all = await register(organization.slug, allPath, ['*']);
    const stranger = await newOrg();
    await register(stranger.slug, strangerPath, ['*']);

    await unlock(challengeId);

    const [request] = receiver.received(path);
    expect(receiver.received(path)).toHaveLength(1);
    const message = verified(unlocked.secret, request);
    expect(message.type).toBe('challenge.unlocked');
    expect(message.data).toMatchObject({
      challengeId,
      organizationId: organization.id,
      tierId: expect.any(String),
      progress: { participants: 2 },
    });
    expect(message.data.eventId).toMatch(/^evt_/);
    expect(Date.parse(message.timestamp)).not.toBeNaN();
    const sentAt = Number(request?.headers['webhook-timestamp']);
    expect(Math.abs(sentAt - Date.now() / 1000)).toBeLessThan(60);

    // '*' gets every event of the organization, each under its own webhook-id.
    const everything = receiver.received(allPath);
    const messages = everything.map((received) => verified(all.secret, received));
    const types = messages.map((m) => m.type);
    expect(types.filter((type) => type === 'pledge.confirmed')).toHaveLength(2);
    expect(types).toEqual(expect.arrayContaining(['challenge.unlocked', 'challenge.succeeded']));
    expect(messages.every((m) => m.data.challengeId === challengeId)).toBe(true);
    expect(new Set(everything.map((r) => r.headers['webhook-id'])).size).toBe(everything.length);
    // Another secret does not verify it.
    expect(() => verified(all.secret, request)).toThrow();

    expect(receiver.received(strangerPath)).toHaveLength(0);
  });

  it('sends a sponsor the events of the challenges it sponsors, and only those', async () => {
    const organizer = await newOrg('city');
    const sponsor = await newOrg('company');
    const path = `/sponsor-${unique()}`;
    const sponsorAdmin = await signedInAs(sponsor.slug, 'admin');
    const endpoint = await register(sponsor.slug, path, ['challenge.unlocked'], sponsorAdmin);

    const campaign = await client.post(
      `/api/organizations/${organizer.slug}/campaigns`,
      { title: 'Défi vélo', audience: { type: 'public' } },
      admin,
    );
    expect(campaign.status).toBe(201);
    const challenge = async (sponsored: boolean) => {
      const created = await client.post(
        `/api/campaigns/${campaign.body.id}/challenges`,
        {
          title: `Challenge ${unique()}`,
          actionType: 'pledge-only',
          goal: { participants: 1 },
          counterpart: { kind: 'act', description: 'Install a bike shelter' },
          ...(sponsored ? { sponsor: sponsor.slug } : {}),
        },
        admin,
      );
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      if (sponsored) {
        const accepted = await client.post(
          `/api/challenges/${created.body.id}/tiers/${created.body.tiers[0].id}/sponsorship`,
          { decision: 'accept' },
          { token: sponsorAdmin },
        );
        expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
      }
      expect(
        (await client.post(`/api/challenges/${created.body.id}/open`, undefined, admin)).status,
      ).toBe(200);
      return created.body.id as string;
    };
    const sponsored = await challenge(true);
    const notSponsored = await challenge(false);
    await unlock(sponsored, 1);
    await unlock(notSponsored, 1);

    const received = receiver.received(path);
    expect(received).toHaveLength(1);
    const message = verified(endpoint.secret, received[0]);
    expect(message).toMatchObject({
      type: 'challenge.unlocked',
      data: { challengeId: sponsored, organizationId: organizer.id },
    });
  });

  it('tells an organization named as sponsor nothing until it accepts', async () => {
    const organizer = await newOrg('city');
    const named = await newOrg('company');
    const namedAdminEmail = `admin-${unique()}@example.org`;
    expect(
      (
        await client.post(
          `/api/organizations/${named.slug}/members`,
          { email: namedAdminEmail, role: 'admin' },
          admin,
        )
      ).status,
    ).toBe(201);
    const namedAdmin = await client.signIn(namedAdminEmail);
    const namedPath = `/named-${unique()}`;
    const organizerPath = `/organizer-${unique()}`;
    await register(named.slug, namedPath, ['*'], namedAdmin);
    await register(organizer.slug, organizerPath, ['challenge.unlocked']);
    const beneficiary = await client.post(
      `/api/organizations/${named.slug}/beneficiaries`,
      { name: 'Their beneficiary' },
      { token: namedAdmin },
    );
    expect(beneficiary.status).toBe(201);
    const campaign = await client.post(
      `/api/organizations/${organizer.slug}/campaigns`,
      { title: 'Named without asking' },
      admin,
    );
    const created = await client.post(
      `/api/campaigns/${campaign.body.id}/challenges`,
      {
        title: `Challenge ${unique()}`,
        actionType: 'pledge-only',
        goal: { participants: 1 },
        counterpart: {
          kind: 'donation',
          amount: { value: 1000, currency: 'EUR' },
          beneficiaryId: beneficiary.body.id,
        },
        sponsor: named.slug,
      },
      admin,
    );
    expect(created.status).toBe(201);
    const challengeId = created.body.id as string;
    const tierId = created.body.tiers[0].id as string;
    expect(created.body.tiers[0].sponsorship).toBe('proposed');
    const refused = await client.post(`/api/challenges/${challengeId}/open`, undefined, admin);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('TANDEM_SPONSORSHIP_NOT_ACCEPTED');
    await platform.settle();
    expect(receiver.received(namedPath)).toHaveLength(0);

    // Accepted and opened, then put back to `proposed` as a tier created
    // before consent existed is migrated: its events stay with the organizer.
    const accept = () =>
      client.post(
        `/api/challenges/${challengeId}/tiers/${tierId}/sponsorship`,
        { decision: 'accept' },
        { token: namedAdmin },
      );
    expect((await accept()).status).toBe(200);
    expect(
      (await client.post(`/api/challenges/${challengeId}/open`, undefined, admin)).status,
    ).toBe(200);
    await platform.settle();
    const heardWhileAccepted = receiver.received(namedPath).length;
    await platform.db.query(`update tier set sponsorship = 'proposed' where id = ?`, [tierId]);
    await unlock(challengeId, 1);
    expect(receiver.received(organizerPath)).toHaveLength(1);
    // Neither the pledge nor the unlock reached the organization named.
    expect(receiver.received(namedPath)).toHaveLength(heardWhileAccepted);
    const mails = await client.get(`/api/dev/mailbox?to=${encodeURIComponent(namedAdminEmail)}`);
    expect(mails.body.messages.map((m: { purpose: string }) => m.purpose)).toEqual(['sign-in']);

    // Accepted: the sponsor's endpoint hears what happens next.
    expect((await accept()).status).toBe(200);
    const closed = await client.post(`/api/challenges/${challengeId}/close`, undefined, admin);
    expect(closed.status).toBe(200);
    await platform.settle();
    const heard = receiver.received(namedPath).map((r) => JSON.parse(r.body).type);
    expect(heard).toContain('challenge.closed');
  });

  it('makes one delivery of an event handled twice (handlers run at least once)', async () => {
    const { organization, challengeId } = await clichy();
    const path = `/twice-${unique()}`;
    const endpoint = await register(organization.slug, path, ['challenge.unlocked']);
    await unlock(challengeId);
    expect(receiver.received(path)).toHaveLength(1);

    const [row] = await platform.db.query<{ id: string }>(
      `select id from outbox_event where challenge_id = ? and type = 'challenge.unlocked'`,
      [challengeId],
    );
    const event = {
      id: row?.id ?? '',
      seq: 0,
      type: 'challenge.unlocked',
      challengeId,
      organizationId: organization.id,
      payload: {},
      createdAt: new Date(),
    };
    await platform.dispatcher.deliver('webhooks', event);
    await platform.dispatcher.deliver('webhooks', event);
    await platform.settle();

    expect(receiver.received(path)).toHaveLength(1);
    expect(await deliveries(organization.slug, endpoint.id)).toHaveLength(1);
  });
});

describe('secrets at rest', () => {
  async function storedSecret(endpointId: string): Promise<string> {
    const [row] = await platform.db.query<{ secret: string }>(
      'select secret from webhooks_endpoint where id = ?',
      [endpointId],
    );
    return row?.secret ?? '';
  }

  it('stores the signing secret sealed, and the replay of its registration too; deliveries still verify', async () => {
    const { organization, challengeId } = await clichy();
    const path = `/sealed-${unique()}`;
    const key = `register-${unique()}`;
    const created = await client.post(
      `/api/organizations/${organization.slug}/webhooks`,
      { url: `${receiver.url}${path}`, events: ['challenge.unlocked'] },
      { ...admin, headers: { 'Idempotency-Key': key } },
    );
    expect(created.status).toBe(201);
    const endpoint = created.body as { id: string; secret: string };
    const keyBytes = endpoint.secret.slice('whsec_'.length);

    const stored = await storedSecret(endpoint.id);
    expect(isSealed(stored)).toBe(true);
    expect(stored).not.toContain(keyBytes);
    const replays = await platform.db.query<{ row: string }>(
      'select i::text as row from idempotency_key i where key = ?',
      [key],
    );
    expect(replays).toHaveLength(1);
    expect(replays[0]?.row).not.toContain(keyBytes);

    await unlock(challengeId);
    expect(verified(endpoint.secret, receiver.received(path)[0]).type).toBe('challenge.unlocked');
  });

  it('does not open a sealed secret moved onto another endpoint', async () => {
    const { organization, challengeId } = await clichy();
    const first = await register(organization.slug, `/first-${unique()}`, ['challenge.unlocked']);
    const secondPath = `/second-${unique()}`;
    const second = await register(organization.slug, secondPath, ['challenge.unlocked']);
    await platform.db.query('update webhooks_endpoint set secret = ? where id = ?', [
      await storedSecret(first.id),
      second.id,
    ]);
    await unlock(challengeId);
    expect(receiver.received(secondPath)).toHaveLength(0);
  });

  it('seals a secret left in clear by an earlier version at start-up, or when first used', async () => {
    const { organization, challengeId } = await clichy();
    const path = `/legacy-${unique()}`;
    const endpoint = await register(organization.slug, path, ['challenge.unlocked']);
    const leaveInClear = () =>
      platform.db.query('update webhooks_endpoint set secret = ? where id = ?', [
        endpoint.secret,
        endpoint.id,
      ]);
    const context = pluginContextOf(platform, 'webhooks');

    await leaveInClear();
    expect(await sealClearSecrets(context)).toBeGreaterThanOrEqual(1);
    expect(isSealed(await storedSecret(endpoint.id))).toBe(true);
    expect(await sealClearSecrets(context)).toBe(0);

    // Written in clear after start-up (an older process during an upgrade).
    await leaveInClear();
    await unlock(challengeId);
    expect(verified(endpoint.secret, receiver.received(path)[0]).type).toBe('challenge.unlocked');
    expect(isSealed(await storedSecret(endpoint.id))).toBe(true);
  });
});

describe('retries, log and replay', () => {
  it('retries with exponential backoff under one webhook-id, logging each attempt', async () => {
    const { organization, challengeId } = await clichy();
    const path = `/flaky-${unique()}`;
    receiver.script(path, [500, 500], 200);
    const endpoint = await register(organization.slug, path, ['challenge.unlocked']);

    await unlock(challengeId);

    const received = receiver.received(path);
    expect(received).toHaveLength(3);
    const ids = received.map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toMatch(/^msg_/);
    for (const request of received)
      expect(verified(endpoint.secret, request).type).toBe('challenge.unlocked');
    // The same bytes each time, so the receiver may compare them too.
    expect(new Set(received.map((r) => r.body)).size).toBe(1);
    // Backoff: about BACKOFF_MS before the 2nd attempt, twice that before the 3rd.
    const gaps = [received[1]!.at - received[0]!.at, received[2]!.at - received[1]!.at];
    expect(gaps[0]).toBeGreaterThanOrEqual(BACKOFF_MS - 2);
    expect(gaps[1]).toBeGreaterThanOrEqual(2 * BACKOFF_MS - 2);

    const [delivery, ...others] = await deliveries(organization.slug, endpoint.id);
    expect(others).toHaveLength(0);
    expect(delivery).toMatchObject({
      eventType: 'challenge.unlocked',
      webhookId: ids[0],
      status: 'succeeded',
      attemptCount: 3,
      lastStatusCode: 200,
      lastError: null,
    });
    expect(delivery?.attempts.map((a) => [a.attempt, a.statusCode])).toEqual([
      [1, 500],
      [2, 500],
      [3, 200],
    ]);
    expect(delivery?.attempts[0]?.error).toBe('HTTP 500: answer 500');
    expect(delivery?.attempts[2]?.error).toBeNull();
    for (const attempt of delivery?.attempts ?? []) {
      expect(Number.isInteger(attempt.responseMs) && attempt.responseMs >= 0).toBe(true);
      expect(Date.parse(attempt.at)).not.toBeNaN();
    }

    // A replay sends it again, under the same webhook-id.
    const replayed = await client.post(
      `/api/webhooks/deliveries/${delivery?.id}/replay`,
      undefined,
      admin,
    );
    expect(replayed.status, JSON.stringify(replayed.body)).toBe(202);
    expect(replayed.body).toMatchObject({ id: delivery?.id, status: 'pending', webhookId: ids[0] });
    await platform.settle();
    const again = receiver.received(path);
    expect(again).toHaveLength(4);
    expect(again[3]?.headers['webhook-id']).toBe(ids[0]);
    expect(verified(endpoint.secret, again[3]).type).toBe('challenge.unlocked');
    const [afterReplay] = await deliveries(organization.slug, endpoint.id);
    expect(afterReplay).toMatchObject({ status: 'succeeded', attemptCount: 4 });
    expect(afterReplay?.attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
  });

  it('marks a delivery failed after the last attempt; a replay can still deliver it', async () => {
    const { organization, challengeId } = await clichy();
    const path = `/down-${unique()}`;
    receiver.script(path, [], 503);
    const endpoint = await register(organization.slug, path, ['challenge.unlocked']);

    await unlock(challengeId);

    expect(receiver.received(path)).toHaveLength(3);
    const [delivery] = await deliveries(organization.slug, endpoint.id);
    expect(delivery).toMatchObject({
      status: 'failed',
      attemptCount: 3,
      lastStatusCode: 503,
      lastError: 'HTTP 503: answer 503',
    });

    receiver.script(path, [], 200);
    const sessionOfAdmin = await signedInAs(organization.slug, 'admin');
    const replayed = await client.post(
      `/api/webhooks/deliveries/${delivery?.id}/replay`,
      undefined,
      { token: sessionOfAdmin },
    );
    expect(replayed.status).toBe(202);
    await platform.settle();
    const received = receiver.received(path);
    expect(received).toHaveLength(4);
    expect(new Set(received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    const [afterReplay] = await deliveries(organization.slug, endpoint.id);
    expect(afterReplay).toMatchObject({
      status: 'succeeded',
      attemptCount: 4,
      lastStatusCode: 200,
    });
  });

  it('logs a receiver that does not answer as a timeout', async () => {
    const { organization, challengeId } = await clichy();
    const path = `/hang-${unique()}`;
    receiver.script(path, [], 'hang');
    const endpoint = await register(organization.slug, path, ['challenge.unlocked']);

    await unlock(challengeId);

    const [delivery] = await deliveries(organization.slug, endpoint.id);
    expect(delivery).toMatchObject({ status: 'failed', attemptCount: 3, lastStatusCode: null });
    for (const attempt of delivery?.attempts ?? []) {
      expect(attempt.error).toBe(`timed out after ${TIMEOUT_MS} ms`);
      expect(attempt.responseMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 10);
    }
  });

  it("lets only an admin of the endpoint's organization replay", async () => {
    const { organization, challengeId } = await clichy();
    const path = `/guarded-${unique()}`;
    const endpoint = await register(organization.slug, path, ['challenge.unlocked']);
    await unlock(challengeId);
    const [delivery] = await deliveries(organization.slug, endpoint.id);
    const url = `/api/webhooks/deliveries/${delivery?.id}/replay`;

    expect((await client.post(url)).status).toBe(401);
    const member = await signedInAs(organization.slug, 'member');
    expect((await client.post(url, undefined, { token: member })).body.error).toBe(
      'TANDEM_AUTH_FORBIDDEN',
    );
    const other = await newOrg();
    const otherAdmin = await signedInAs(other.slug, 'admin');
    expect((await client.post(url, undefined, { token: otherAdmin })).status).toBe(403);
    expect(
      (await client.post('/api/webhooks/deliveries/whd_unknown/replay', undefined, admin)).status,
    ).toBe(404);
    await platform.settle();
    expect(receiver.received(path)).toHaveLength(1);
  });
});

describe('endpoints', () => {
  it('registers for org admins only, refusing unknown fields, bad URLs and unknown event types', async () => {
    const organization = await newOrg();
    const url = `/api/organizations/${organization.slug}/webhooks`;
    const good = { url: `${receiver.url}/x`, events: ['challenge.unlocked'] };

    const unknownField = await client.post(url, { ...good, secret: 'whsec_mine' }, admin);
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error).toBe('TANDEM_REQUEST_UNKNOWN_FIELD');
    expect(unknownField.body.details[0].path).toBe('secret');

    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...good, url: 'not a url' }, 'url'],
      [{ ...good, url: 'ftp://example.com/x' }, 'url'],
      [{ ...good, events: [] }, 'events'],
      [{ ...good, events: ['unlocked'] }, 'events/0'],
      [{ ...good, events: ['*', 'Pledge Confirmed'] }, 'events/1'],
      [{ ...good, events: ['challenge.unlock'] }, 'events/0'],
      [{ url: good.url }, 'events'],
    ];
    for (const [body, path] of cases) {
      const refused = await client.post(url, body, admin);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.details[0].path, JSON.stringify(refused.body)).toBe(path);
    }

    expect((await client.post(url, good)).status).toBe(401);
    const member = await signedInAs(organization.slug, 'member');
    expect((await client.post(url, good, { token: member })).status).toBe(403);
    const agent = await signedInAs(organization.slug, 'agent');
    expect((await client.post(url, good, { token: agent })).status).toBe(403);
    expect((await client.post('/api/organizations/no-such-org/webhooks', good, admin)).status).toBe(
      404,
    );
    const orgAdmin = await signedInAs(organization.slug, 'admin');
    const created = await client.post(url, good, { token: orgAdmin });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^whe_/),
      organizationId: organization.id,
      url: good.url,
      events: ['challenge.unlocked'],
      description: null,
      secret: expect.stringMatching(/^whsec_/),
    });
  });

  it('lists endpoints without secrets to admins, and deletes them with their deliveries', async () => {
    const { organization, challengeId } = await clichy();
    const path = `/deleted-${unique()}`;
    const kept = await register(organization.slug, `/kept-${unique()}`, ['pledge.confirmed']);
    const deleted = await register(organization.slug, path, ['*']);
    const url = `/api/organizations/${organization.slug}/webhooks`;

    const listed = await client.get(url, admin);
    expect(listed.status).toBe(200);
    const listedIds = listed.body.endpoints.map((e: { id: string }) => e.id);
    expect(listedIds.sort()).toEqual([kept.id, deleted.id].sort());
    expect(JSON.stringify(listed.body)).not.toContain('whsec_');
    expect(listed.body.endpoints.find((e: { id: string }) => e.id === deleted.id)).toMatchObject({
      events: ['*'],
      description: `test ${path}`,
    });
    expect((await client.get(url)).status).toBe(401);
    const member = await signedInAs(organization.slug, 'member');
    expect((await client.get(url, { token: member })).status).toBe(403);
    expect((await client.delete(`${url}/${deleted.id}`, { token: member })).status).toBe(403);

    const other = await newOrg();
    expect(
      (await client.delete(`/api/organizations/${other.slug}/webhooks/${deleted.id}`, admin))
        .status,
    ).toBe(404);
    expect(
      (
        await client.get(
          `/api/organizations/${other.slug}/webhooks/${deleted.id}/deliveries`,
          admin,
        )
      ).status,
    ).toBe(404);

    expect((await client.delete(`${url}/${deleted.id}`, admin)).status).toBe(204);
    expect((await client.delete(`${url}/${deleted.id}`, admin)).status).toBe(404);
    expect((await client.get(url, admin)).body.endpoints.map((e: { id: string }) => e.id)).toEqual([
      kept.id,
    ]);
    await unlock(challengeId);
    expect(receiver.received(path)).toHaveLength(0);
    expect(await deliveries(organization.slug, kept.id)).toHaveLength(2);
  });
});
