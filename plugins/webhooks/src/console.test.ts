import {
  createTestClient,
  newOrganization,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  unique,
} from '@tandem/core/testing';
import { isSealed } from '@tandem/core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhooks } from './index.js';
import { startReceiver, type Receiver, type ReceivedRequest } from './testing/receiver.js';

/**
 * What the console does with an endpoint beyond registering it: a test
 * delivery, the attempts log with its next retry, and the rotation of its
 * secret with a grace period during which both secrets verify. A real
 * receiver on 127.0.0.1 checks every delivery with `standardwebhooks`.
 */

let platform: TestPlatform;
/** The same engine with production's network rules: private addresses refused. */
let guarded: TestPlatform;
let client: TestClient;
let guardedClient: TestClient;
let receiver: Receiver;
let admin: { token: string };

beforeAll(async () => {
  [platform, guarded, receiver] = await Promise.all([
    startTestPlatform({
      plugins: [webhooks({ allowPrivateNetworks: true, backoffMs: 20, maxAttempts: 2 })],
    }),
    startTestPlatform({ plugins: [webhooks({ maxAttempts: 1 })] }),
    startReceiver(),
  ]);
  client = createTestClient(platform.app);
  guardedClient = createTestClient(guarded.app);
  admin = { token: platform.adminToken };
});
afterAll(async () => {
  await Promise.all([platform?.stop(), guarded?.stop()]);
  await receiver?.close();
});

/** Verifies a request as a receiver holding `secret` would; throws when it does not verify. */
function verify(secret: string, request: ReceivedRequest | undefined): { type: string } {
  if (!request) throw new Error('nothing was received');
  return new Webhook(secret).verify(request.body, request.headers as Record<string, string>) as {
    type: string;
  };
}

async function endpointOn(path: string) {
  const organization = await newOrganization(client, admin.token);
  const created = await client.post(
    `/api/organizations/${organization.slug}/webhooks`,
    { url: `${receiver.url}${path}`, events: ['challenge.unlocked'] },
    admin,
  );
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return {
    slug: organization.slug,
    id: created.body.id as string,
    secret: created.body.secret as string,
  };
}

async function sendTest(slug: string, id: string) {
  const sent = await client.post(
    `/api/organizations/${slug}/webhooks/${id}/test`,
    undefined,
    admin,
  );
  expect(sent.status, JSON.stringify(sent.body)).toBe(202);
  await platform.settle();
  return sent.body as { id: string; status: string; eventType: string };
}

describe('test delivery', () => {
  it('sends a signed tandem.test through the normal path and logs its attempt', async () => {
    const path = `/test-${unique()}`;
    const endpoint = await endpointOn(path);
    const sent = await sendTest(endpoint.slug, endpoint.id);
    expect(sent).toMatchObject({ eventType: 'tandem.test', status: 'pending' });

    const received = receiver.received(path);
    expect(received).toHaveLength(1);
    const message = verify(endpoint.secret, received[0]) as {
      type: string;
      data: { test: boolean; organizationId: string; challengeId: null };
    };
    expect(message.type).toBe('tandem.test');
    expect(message.data).toMatchObject({ test: true, challengeId: null });

    const listed = await client.get(
      `/api/organizations/${endpoint.slug}/webhooks/${endpoint.id}/deliveries`,
      admin,
    );
    expect(listed.status).toBe(200);
    expect(listed.body.deliveries).toHaveLength(1);
    expect(listed.body.deliveries[0]).toMatchObject({
      id: sent.id,
      eventType: 'tandem.test',
      status: 'succeeded',
      attemptCount: 1,
      lastStatusCode: 200,
      nextAttemptAt: null,
      webhookId: received[0]?.headers['webhook-id'],
    });
    expect(listed.body.deliveries[0].attempts).toEqual([
      expect.objectContaining({ attempt: 1, statusCode: 200, error: null }),
    ]);
  });

  it('logs a failing test with its error, and a replay delivers it', async () => {
    const path = `/failing-${unique()}`;
    receiver.script(path, [500, 500], 200);
    const endpoint = await endpointOn(path);
    const sent = await sendTest(endpoint.slug, endpoint.id);
    const url = `/api/organizations/${endpoint.slug}/webhooks/${endpoint.id}/deliveries`;
    const [failed] = (await client.get(url, admin)).body.deliveries;
    expect(failed).toMatchObject({ id: sent.id, status: 'failed', attemptCount: 2 });
    expect(failed.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 500]);
    expect(failed.lastError).toBe('HTTP 500: answer 500');

    const replayed = await client.post(
      `/api/webhooks/deliveries/${sent.id}/replay`,
      undefined,
      admin,
    );
    expect(replayed.status).toBe(202);
    await platform.settle();
    const [delivered] = (await client.get(url, admin)).body.deliveries;
    expect(delivered).toMatchObject({ status: 'succeeded', attemptCount: 3, lastStatusCode: 200 });
    expect(receiver.received(path)).toHaveLength(3);
  });

  it('shows when a failing delivery is tried next', async () => {
    const slow = await startTestPlatform({
      plugins: [webhooks({ allowPrivateNetworks: true, backoffMs: 60_000, maxAttempts: 3 })],
    });
    try {
      const slowClient = createTestClient(slow.app);
      const organization = await newOrganization(slowClient, slow.adminToken);
      const path = `/later-${unique()}`;
      receiver.script(path, [], 503);
      const created = await slowClient.post(
        `/api/organizations/${organization.slug}/webhooks`,
        { url: `${receiver.url}${path}`, events: ['*'] },
        { token: slow.adminToken },
      );
      const base = `/api/organizations/${organization.slug}/webhooks/${created.body.id}`;
      const before = Date.now();
      expect(
        (await slowClient.post(`${base}/test`, undefined, { token: slow.adminToken })).status,
      ).toBe(202);
      // The first attempt runs at once; the retry waits a minute.
      for (let i = 0; i < 200 && receiver.received(path).length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      let delivery: { status: string; attemptCount: number; nextAttemptAt: string | null } = {
        status: 'pending',
        attemptCount: 0,
        nextAttemptAt: null,
      };
      for (let i = 0; i < 200 && delivery.attemptCount === 0; i++) {
        const listed = await slowClient.get(`${base}/deliveries`, { token: slow.adminToken });
        delivery = listed.body.deliveries[0];
        if (delivery.attemptCount === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(delivery).toMatchObject({ status: 'pending', attemptCount: 1 });
      const next = Date.parse(delivery.nextAttemptAt ?? '');
      expect(next - before).toBeGreaterThanOrEqual(59_000);
      expect(next - Date.now()).toBeLessThanOrEqual(60_000);
    } finally {
      await slow.stop();
    }
  });

  it('is refused on private addresses like any delivery (SSRF guard)', async () => {
    const organization = await newOrganization(guardedClient, guarded.adminToken);
    const guardedAdmin = { token: guarded.adminToken };
    const created = await guardedClient.post(
      `/api/organizations/${organization.slug}/webhooks`,
      { url: 'https://hooks.example.org/tandem', events: ['*'] },
      guardedAdmin,
    );
    expect(created.status).toBe(201);
    const base = `/api/organizations/${organization.slug}/webhooks/${created.body.id}`;
    for (const [url, reason] of [
      // An address stored before the rule, or written by hand: refused as written…
      [`${receiver.url}/ssrf-literal`, /127\.0\.0\.1 is a loopback or private address; refused/],
      // …and a name is refused once it resolves to one (the connection's own lookup).
      [`http://localhost:${new URL(receiver.url).port}/ssrf-name`, /resolves to .*refused/],
    ] as const) {
      await guarded.db.query('update webhooks_endpoint set url = ? where id = ?', [
        url,
        created.body.id,
      ]);
      const sent = await guardedClient.post(`${base}/test`, undefined, guardedAdmin);
      expect(sent.status).toBe(202);
      await guarded.settle();
      const listed = await guardedClient.get(`${base}/deliveries`, guardedAdmin);
      const delivery = listed.body.deliveries.find((d: { id: string }) => d.id === sent.body.id);
      expect(delivery).toMatchObject({ status: 'failed', lastStatusCode: null });
      expect(delivery.lastError).toMatch(reason);
    }
    expect(receiver.received('/ssrf-literal')).toHaveLength(0);
    expect(receiver.received('/ssrf-name')).toHaveLength(0);
  });

  it('is for admins of the endpoint’s organization only', async () => {
    const path = `/guarded-${unique()}`;
    const endpoint = await endpointOn(path);
    const url = `/api/organizations/${endpoint.slug}/webhooks/${endpoint.id}/test`;
    expect((await client.post(url)).status).toBe(401);
    const email = `member-${unique()}@example.org`;
    await client.post(
      `/api/organizations/${endpoint.slug}/members`,
      { email, role: 'agent' },
      admin,
    );
    const agent = await client.signIn(email);
    expect((await client.post(url, undefined, { token: agent })).status).toBe(403);
    const other = await newOrganization(client, admin.token);
    expect(
      (
        await client.post(
          `/api/organizations/${other.slug}/webhooks/${endpoint.id}/test`,
          undefined,
          admin,
        )
      ).status,
    ).toBe(404);
    await platform.settle();
    expect(receiver.received(path)).toHaveLength(0);
  });
});

describe('secret rotation', () => {
  async function storedRow(id: string) {
    const [row] = await platform.db.query<{
      secret: string;
      previous_secret: string | null;
      previous_secret_expires_at: Date | null;
    }>(
      'select secret, previous_secret, previous_secret_expires_at from webhooks_endpoint where id = ?',
      [id],
    );
    if (!row) throw new Error('no endpoint row');
    return row;
  }

  it('shows the new secret once; both verify during the grace period, only the new one after', async () => {
    const path = `/rotate-${unique()}`;
    const endpoint = await endpointOn(path);
    const base = `/api/organizations/${endpoint.slug}/webhooks/${endpoint.id}`;
    const rotated = await client.post(`${base}/secret/rotate`, { graceSeconds: 1 }, admin);
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    const fresh = rotated.body.secret as string;
    expect(fresh).toMatch(/^whsec_/);
    expect(fresh).not.toBe(endpoint.secret);
    const graceEnd = Date.parse(rotated.body.previousSecretExpiresAt);
    expect(graceEnd - Date.parse(rotated.body.secretRotatedAt)).toBe(1000);

    // Both secrets are sealed at rest; neither appears in the list.
    const row = await storedRow(endpoint.id);
    expect(isSealed(row.secret) && isSealed(row.previous_secret ?? '')).toBe(true);
    const listed = await client.get(`/api/organizations/${endpoint.slug}/webhooks`, admin);
    expect(JSON.stringify(listed.body)).not.toContain('whsec_');
    expect(listed.body.endpoints[0].previousSecretExpiresAt).toBe(
      rotated.body.previousSecretExpiresAt,
    );

    await sendTest(endpoint.slug, endpoint.id);
    const during = receiver.received(path)[0];
    expect(String(during?.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verify(endpoint.secret, during).type).toBe('tandem.test');
    expect(verify(fresh, during).type).toBe('tandem.test');

    // Past the grace period (real time: receivers check the timestamp).
    while (Date.now() <= graceEnd) await new Promise((resolve) => setTimeout(resolve, 50));
    await sendTest(endpoint.slug, endpoint.id);
    const after = receiver.received(path)[1];
    expect(String(after?.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verify(fresh, after).type).toBe('tandem.test');
    expect(() => verify(endpoint.secret, after)).toThrow();
    // …and the old secret is gone from the row.
    expect((await storedRow(endpoint.id)).previous_secret).toBeNull();
    const relisted = await client.get(`/api/organizations/${endpoint.slug}/webhooks`, admin);
    expect(relisted.body.endpoints[0].previousSecretExpiresAt).toBeNull();
  });

  it('keeps the old secret for 24 hours by default, and drops it at once with graceSeconds 0', async () => {
    const path = `/default-grace-${unique()}`;
    const endpoint = await endpointOn(path);
    const base = `/api/organizations/${endpoint.slug}/webhooks/${endpoint.id}`;
    const rotated = await client.post(`${base}/secret/rotate`, undefined, admin);
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    expect(
      Date.parse(rotated.body.previousSecretExpiresAt) - Date.parse(rotated.body.secretRotatedAt),
    ).toBe(24 * 3600 * 1000);

    // Leaked: rotate again with no grace; only the newest secret signs.
    const again = await client.post(`${base}/secret/rotate`, { graceSeconds: 0 }, admin);
    expect(again.status).toBe(200);
    expect(again.body.previousSecretExpiresAt).toBeNull();
    await sendTest(endpoint.slug, endpoint.id);
    const [request] = receiver.received(path);
    expect(verify(again.body.secret, request).type).toBe('tandem.test');
    expect(() => verify(rotated.body.secret, request)).toThrow();
    expect(() => verify(endpoint.secret, request)).toThrow();
  });

  it('refuses bad bodies, other organizations and non-admins', async () => {
    const endpoint = await endpointOn(`/refused-${unique()}`);
    const base = `/api/organizations/${endpoint.slug}/webhooks/${endpoint.id}`;
    for (const [body, path] of [
      [{ graceSeconds: -1 }, 'graceSeconds'],
      [{ graceSeconds: 1e9 }, 'graceSeconds'],
      [{ graceSeconds: '60' }, 'graceSeconds'],
      [{ secret: 'whsec_mine' }, 'secret'],
    ] as const) {
      const refused = await client.post(`${base}/secret/rotate`, body, admin);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.details[0].path).toBe(path);
    }
    expect((await client.post(`${base}/secret/rotate`, {})).status).toBe(401);
    const other = await newOrganization(client, admin.token);
    expect(
      (
        await client.post(
          `/api/organizations/${other.slug}/webhooks/${endpoint.id}/secret/rotate`,
          {},
          admin,
        )
      ).status,
    ).toBe(404);
    // Nothing changed: the original secret still signs alone.
    const row = await storedRow(endpoint.id);
    expect(row.previous_secret).toBeNull();
  });
});
