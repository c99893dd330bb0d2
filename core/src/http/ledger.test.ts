/* eslint-disable @typescript-eslint/no-explicit-any -- answers are read field by field; each assertion checks the shape it needs. */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestClient,
  multipartBody,
  newOrganization,
  openChallenge,
  tinyPng,
  unique,
  type TestClient,
  type TestPlatform,
  startTestPlatform,
} from '../testing/index.js';

/**
 * The sponsor's proof (ADR 0035): fulfilment with an uploaded file kept
 * with its hash, the delivery date and `overdue`, the beneficiary's
 * receipt by mailed link, and the organization's public ledger.
 */

let platform: TestPlatform;
let client: TestClient;
let admin: { token: string };

const DAY = 86_400_000;

beforeAll(async () => {
  // Views kept a whole minute: a cached challenge must still turn overdue on time.
  platform = await startTestPlatform({ env: { TANDEM_VIEW_CACHE_MS: '60000' } });
  client = createTestClient(platform.app);
  admin = { token: platform.adminToken };
});
afterAll(async () => {
  await platform?.stop();
});

async function adminOf(slug: string, role = 'admin'): Promise<string> {
  const email = `${role}-${unique()}@example.org`;
  const added = await client.post(`/api/organizations/${slug}/members`, { email, role }, admin);
  expect(added.status).toBe(201);
  return client.signIn(email);
}

async function upload(slug: string, token: string, bytes: Buffer): Promise<string> {
  const form = multipartBody([{ name: 'file', content: bytes, filename: 'receipt.png' }]);
  const response = await platform.app.inject({
    method: 'POST',
    url: `/api/organizations/${slug}/files`,
    headers: { 'content-type': form.contentType, authorization: `Bearer ${token}` },
    payload: form.payload,
  });
  expect(response.statusCode).toBe(201);
  return (response.json() as { fileId: string }).fileId;
}

async function patchTier(
  challengeId: string,
  tierId: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; body: any }> {
  const response = await platform.app.inject({
    method: 'PATCH',
    url: `/api/challenges/${challengeId}/tiers/${tierId}`,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    payload: body as object,
  });
  return { status: response.statusCode, body: response.json() };
}

interface Setup {
  organizer: string;
  sponsor: string;
  organizerAdmin: string;
  sponsorAdmin: string;
  beneficiaryEmail: string;
  challengeId: string;
  /** Tier 0: sponsored by `sponsor`, a donation to its beneficiary; unlocked. */
  sponsoredTier: string;
  /** Tier 1: the organizer's own, not reached. */
  ownTier: string;
}

/**
 * An organizer and a sponsor; the sponsor's beneficiary has an address; a
 * public challenge whose first tier (the sponsor's) unlocked with one
 * pledge, and whose second (the organizer's own) is still ahead.
 */
async function setUp(): Promise<Setup> {
  const organizer = (await newOrganization(client, admin.token, { name: 'Ville de Test' })).slug;
  const sponsor = (await newOrganization(client, admin.token, { name: 'Sponsor SA' })).slug;
  const beneficiaryEmail = `benef-${unique()}@example.org`;
  const beneficiary = await client.post(
    `/api/organizations/${sponsor}/beneficiaries`,
    { name: 'Solicycle', email: beneficiaryEmail },
    admin,
  );
  expect(beneficiary.status).toBe(201);
  expect(beneficiary.body.email).toBe(beneficiaryEmail);
  const { challengeId, challenge } = await openChallenge(
    client,
    admin.token,
    {
      title: 'Bike to work',
      actionType: 'pledge-only',
      tiers: [
        {
          goal: { participants: 1 },
          sponsor,
          counterpart: {
            kind: 'donation',
            amount: { value: 500, currency: 'EUR' },
            beneficiaryId: beneficiary.body.id,
          },
        },
        { goal: { participants: 50 }, counterpart: { kind: 'act', description: 'A bike shed' } },
      ],
    },
    { organization: organizer },
  );
  await client.pledgeAndConfirm(challengeId, `p-${unique()}@example.org`);
  await platform.settle();
  return {
    organizer,
    sponsor,
    organizerAdmin: await adminOf(organizer),
    sponsorAdmin: await adminOf(sponsor),
    beneficiaryEmail,
    challengeId,
    sponsoredTier: challenge.tiers[0].id,
    ownTier: challenge.tiers[1].id,
  };
}

const tierOf = async (challengeId: string, tierId: string) =>
  (await client.get(`/api/challenges/${challengeId}`)).body.tiers.find(
    (t: { id: string }) => t.id === tierId,
  );

describe('the delivery date', () => {
  it('is 90 days after the unlock, and only the sponsor may move it', async () => {
    const s = await setUp();
    const tier = await tierOf(s.challengeId, s.sponsoredTier);
    expect(tier.unlockedAt).not.toBeNull();
    expect(new Date(tier.deliverBy).getTime()).toBe(new Date(tier.unlockedAt).getTime() + 90 * DAY);
    expect(tier.overdue).toBe(false);
    const own = await tierOf(s.challengeId, s.ownTier);
    expect(own.deliverBy).toBeNull();
    expect(own.overdue).toBe(false);

    const later = new Date(new Date(tier.unlockedAt).getTime() + 120 * DAY).toISOString();
    // The organizer does not set the sponsor's date, nor does anyone else.
    expect(
      (await patchTier(s.challengeId, s.sponsoredTier, { deliverBy: later }, s.organizerAdmin))
        .status,
    ).toBe(403);
    expect((await patchTier(s.challengeId, s.sponsoredTier, { deliverBy: later })).status).toBe(
      401,
    );
    const stranger = await adminOf((await newOrganization(client, admin.token)).slug);
    expect(
      (await patchTier(s.challengeId, s.sponsoredTier, { deliverBy: later }, stranger)).status,
    ).toBe(403);

    const moved = await patchTier(
      s.challengeId,
      s.sponsoredTier,
      { deliverBy: later },
      s.sponsorAdmin,
    );
    expect(moved.status).toBe(200);
    expect(moved.body.tiers[0].deliverBy).toBe(later);
    expect((await tierOf(s.challengeId, s.sponsoredTier)).deliverBy).toBe(later);

    // Absurd dates are refused, naming the field; nothing changes.
    for (const deliverBy of [
      new Date(new Date(tier.unlockedAt).getTime() - DAY).toISOString(),
      new Date(new Date(tier.unlockedAt).getTime() + 6 * 366 * DAY).toISOString(),
      'soon',
    ]) {
      const refused = await patchTier(
        s.challengeId,
        s.sponsoredTier,
        { deliverBy },
        s.sponsorAdmin,
      );
      expect(refused.status, deliverBy).toBe(400);
      expect(refused.body.details[0].path).toBe('deliverBy');
    }
    const extra = await patchTier(
      s.challengeId,
      s.sponsoredTier,
      { deliverBy: later, note: 'x' },
      s.sponsorAdmin,
    );
    expect(extra.status).toBe(400);
    expect((await tierOf(s.challengeId, s.sponsoredTier)).deliverBy).toBe(later);

    // A tier not unlocked has no date yet.
    const early = await patchTier(s.challengeId, s.ownTier, { deliverBy: later }, s.organizerAdmin);
    expect(early.status).toBe(409);
    expect(early.body.error).toBe('TANDEM_TIER_NOT_UNLOCKED');

    const [event] = await platform.db.query<{ payload: { previous: string; deliverBy: string } }>(
      `select payload from outbox_event where type = 'counterpart.deliver_by_changed' and challenge_id = ?`,
      [s.challengeId],
    );
    expect(event?.payload).toMatchObject({
      tierId: s.sponsoredTier,
      deliverBy: later,
      previous: tier.deliverBy,
    });
  });

  it('makes the tier overdue once past, even in a cached view', async () => {
    const s = await setUp();
    const tier = await tierOf(s.challengeId, s.sponsoredTier);
    // Due in 1.5 s: the view cached now (kept up to a minute) must not outlive it.
    const soon = new Date(Date.now() + 1500).toISOString();
    expect(
      (await patchTier(s.challengeId, s.sponsoredTier, { deliverBy: soon }, s.sponsorAdmin)).status,
    ).toBe(200);
    await platform.settle();
    expect((await tierOf(s.challengeId, s.sponsoredTier)).overdue).toBe(false);
    expect((await tierOf(s.challengeId, s.sponsoredTier)).overdue).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 1700));
    const late = await tierOf(s.challengeId, s.sponsoredTier);
    expect(late.overdue).toBe(true);
    const ledger = await client.get(`/api/organizations/${s.sponsor}/ledger`);
    expect(ledger.body.entries[0]).toMatchObject({ tierId: s.sponsoredTier, overdue: true });

    // A date already past is the sponsor's own statement: allowed, and overdue at once.
    const past = new Date(new Date(tier.unlockedAt).getTime() + 1).toISOString();
    expect(
      (await patchTier(s.challengeId, s.sponsoredTier, { deliverBy: past }, s.sponsorAdmin)).status,
    ).toBe(200);
    // Delivered, it is no longer overdue, and its date no longer moves.
    const fulfilled = await client.post(
      `/api/challenges/${s.challengeId}/tiers/${s.sponsoredTier}/fulfill`,
      { proof: { text: 'Paid' } },
      { token: s.sponsorAdmin },
    );
    expect(fulfilled.status).toBe(200);
    expect(fulfilled.body.tiers[0].overdue).toBe(false);
    const frozen = await patchTier(
      s.challengeId,
      s.sponsoredTier,
      { deliverBy: soon },
      s.sponsorAdmin,
    );
    expect(frozen.status).toBe(409);
    expect(frozen.body.error).toBe('TANDEM_TIER_ALREADY_FULFILLED');
  });
});

describe('fulfilling with an uploaded proof', () => {
  it('keeps the file with its SHA-256 and makes it public; refuses others’ files', async () => {
    const s = await setUp();
    const png = tinyPng([0x12, 0x34, 0x56]);
    const fileId = await upload(s.sponsor, s.sponsorAdmin, png);
    const organizerFile = await upload(s.organizer, s.organizerAdmin, tinyPng());
    const stranger = (await newOrganization(client, admin.token)).slug;
    const strangerFile = await upload(stranger, admin.token, tinyPng());
    const url = `/api/challenges/${s.challengeId}/tiers/${s.sponsoredTier}/fulfill`;

    // The file is private before it is a proof.
    expect((await client.get(`/api/files/${fileId}`)).status).toBe(404);
    // Another organization's file, one of the organizer's its admin cannot
    // reach as the sponsor, or no file at all: 400 naming the field.
    for (const other of [strangerFile, organizerFile, 'file_unknown']) {
      const refused = await client.post(
        url,
        { proof: { fileId: other } },
        { token: s.sponsorAdmin },
      );
      expect(refused.status, other).toBe(400);
      expect(refused.body.details[0].path).toBe('proof/fileId');
    }
    expect((await tierOf(s.challengeId, s.sponsoredTier)).fulfilledAt).toBeNull();

    const proof = { text: 'Transfer of 500 EUR', url: 'https://bank.example.org/t/1', fileId };
    const done = await client.post(url, { proof }, { token: s.sponsorAdmin });
    expect(done.status).toBe(200);
    const tier = done.body.tiers[0];
    const sha256 = createHash('sha256').update(png).digest('hex');
    expect(tier.proof).toEqual({
      text: proof.text,
      url: proof.url,
      file: {
        id: fileId,
        sha256,
        contentType: 'image/png',
        size: png.length,
        url: `/api/files/${fileId}`,
      },
    });
    expect(tier.fulfilledBy).toBe(s.sponsor);
    expect(tier.fulfilledByName).toBe('Sponsor SA');
    expect((await tierOf(s.challengeId, s.sponsoredTier)).proof.file.sha256).toBe(sha256);
    const served = await client.get(`/api/files/${fileId}`);
    expect(served.status).toBe(200);
    expect(served.headers['etag']).toBe(`"${sha256}"`);

    // Who declared it is their personal data: exported, and gone once erased.
    const exported = await client.get('/api/me/export', { token: s.sponsorAdmin });
    expect(exported.body.deliveriesDeclared).toEqual([
      expect.objectContaining({
        challengeId: s.challengeId,
        tierId: s.sponsoredTier,
        organization: s.sponsor,
      }),
    ]);

    const again = await client.post(url, { proof: { text: 'Another' } }, { token: s.sponsorAdmin });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('TANDEM_TIER_ALREADY_FULFILLED');
    expect((await tierOf(s.challengeId, s.sponsoredTier)).proof.text).toBe(proof.text);

    expect((await client.delete('/api/me', { token: s.sponsorAdmin })).status).toBe(200);
    const [row] = await platform.db.query<{ person: string | null; by: string }>(
      'select fulfilled_by_participant as person, fulfilled_by as by from tier where id = ?',
      [s.sponsoredTier],
    );
    expect(row).toMatchObject({ person: null });
    expect((await tierOf(s.challengeId, s.sponsoredTier)).fulfilledBy).toBe(s.sponsor);
  });
});

describe('the beneficiary’s receipt', () => {
  it('mails a one-time link whose confirmation shows on the tier and the ledger', async () => {
    const s = await setUp();
    const done = await client.post(
      `/api/challenges/${s.challengeId}/tiers/${s.sponsoredTier}/fulfill`,
      { proof: { text: 'Paid' } },
      { token: s.sponsorAdmin },
    );
    expect(done.status).toBe(200);
    await platform.settle();
    const box = await client.get(`/api/dev/mailbox?to=${encodeURIComponent(s.beneficiaryEmail)}`);
    const receipts = box.body.messages.filter((m: { purpose: string }) => m.purpose === 'receipt');
    expect(receipts).toHaveLength(1);
    expect(receipts[0].subject).toContain('Bike to work');
    const token = receipts[0].token as string;
    expect(receipts[0].text).toContain(`/receipt?token=${encodeURIComponent(token)}`);

    expect((await client.post('/api/receipts/confirm', { token: `x${token}` })).status).toBe(404);
    const confirmed = await client.post('/api/receipts/confirm', { token });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ challengeId: s.challengeId, tierId: s.sponsoredTier });
    const twice = await client.post('/api/receipts/confirm', { token });
    expect(twice.status).toBe(200);
    expect(twice.body).toEqual(confirmed.body);
    expect((await tierOf(s.challengeId, s.sponsoredTier)).receivedAt).toBe(
      confirmed.body.receivedAt,
    );

    // A redelivered event mails nothing more.
    await platform.db.query(
      `update outbox_event set relayed_at = null where type = 'counterpart.fulfilled' and challenge_id = ?`,
      [s.challengeId],
    );
    await platform.settle();
    const after = await client.get(`/api/dev/mailbox?to=${encodeURIComponent(s.beneficiaryEmail)}`);
    expect(
      after.body.messages.filter((m: { purpose: string }) => m.purpose === 'receipt'),
    ).toHaveLength(1);

    const ledger = await client.get(`/api/organizations/${s.sponsor}/ledger`);
    expect(ledger.body.entries[0].receivedAt).toBe(confirmed.body.receivedAt);
    // The address never shows in public answers.
    const page = await client.get(`/api/organizations/${s.sponsor}`);
    for (const body of [page.body, ledger.body, await tierOf(s.challengeId, s.sponsoredTier)]) {
      expect(JSON.stringify(body)).not.toContain(s.beneficiaryEmail);
    }
  });
});

describe('the ledger', () => {
  it('lists what the organization organizes or sponsors, and hides members-only campaigns', async () => {
    const s = await setUp();
    const fileId = await upload(s.sponsor, s.sponsorAdmin, tinyPng());
    await client.post(
      `/api/challenges/${s.challengeId}/tiers/${s.sponsoredTier}/fulfill`,
      { proof: { text: 'Paid', fileId } },
      { token: s.sponsorAdmin },
    );
    // A members-only campaign of the organizer, with an open challenge.
    const { challengeId: secret } = await openChallenge(
      client,
      admin.token,
      {
        title: 'Members only',
        actionType: 'pledge-only',
        goal: { participants: 5 },
        counterpart: { kind: 'act', description: 'A tree planted for each member' },
      },
      { organization: s.organizer, campaign: { title: 'Inside', audience: { type: 'members' } } },
    );

    const sponsorLedger = await client.get(`/api/organizations/${s.sponsor}/ledger`);
    expect(sponsorLedger.status).toBe(200);
    expect(sponsorLedger.headers['cache-control']).toContain('public');
    expect(sponsorLedger.body.entries).toHaveLength(1);
    const entry = sponsorLedger.body.entries[0];
    expect(entry).toMatchObject({
      challengeId: s.challengeId,
      challengeTitle: 'Bike to work',
      tierId: s.sponsoredTier,
      promised: { kind: 'donation', amount: { value: 500, currency: 'EUR' } },
      sponsor: { slug: s.sponsor, name: 'Sponsor SA' },
      organizer: { slug: s.organizer, name: 'Ville de Test' },
      beneficiary: { name: 'Solicycle' },
      fulfilledBy: { slug: s.sponsor, name: 'Sponsor SA' },
      overdue: false,
      receivedAt: null,
    });
    expect(entry.unlockedAt).not.toBeNull();
    expect(entry.deliverBy).not.toBeNull();
    expect(entry.fulfilledAt).not.toBeNull();
    expect(entry.proof.file.id).toBe(fileId);
    expect(entry.fulfilledBy).not.toHaveProperty('person');
    expect(JSON.stringify(entry.beneficiary)).not.toContain('@');

    // The sponsor's admins see who declared it; the answer is theirs alone.
    const inside = await client.get(`/api/organizations/${s.sponsor}/ledger`, {
      token: s.sponsorAdmin,
    });
    expect(inside.body.entries[0].fulfilledBy).toHaveProperty('person');
    expect(inside.headers['cache-control']).toContain('private');

    // The organizer's ledger: both tiers of the public challenge, the one
    // not reached yet with no unlock; the members-only one only for members.
    const organizerLedger = await client.get(`/api/organizations/${s.organizer}/ledger`);
    const ids = organizerLedger.body.entries.map((e: { tierId: string }) => e.tierId);
    expect(ids).toEqual([s.sponsoredTier, s.ownTier]);
    expect(organizerLedger.body.entries[1]).toMatchObject({
      unlockedAt: null,
      deliverBy: null,
      fulfilledAt: null,
      sponsor: { slug: s.organizer },
      beneficiary: null,
    });
    for (const token of [undefined, s.sponsorAdmin]) {
      const seen = await client.get(
        `/api/organizations/${s.organizer}/ledger`,
        token ? { token } : {},
      );
      expect(seen.body.entries.map((e: { challengeId: string }) => e.challengeId)).not.toContain(
        secret,
      );
    }
    // A challenge that promises nothing has no line in a ledger of promises.
    const { challengeId: nothing } = await openChallenge(
      client,
      admin.token,
      { title: 'No promise', actionType: 'pledge-only', goal: { participants: 5 } },
      { organization: s.organizer, campaign: { title: 'Plain' } },
    );
    const plain = await client.get(`/api/organizations/${s.organizer}/ledger`);
    expect(plain.body.entries.map((e: { challengeId: string }) => e.challengeId)).not.toContain(
      nothing,
    );
    const member = await adminOf(s.organizer, 'member');
    const members = await client.get(`/api/organizations/${s.organizer}/ledger`, { token: member });
    expect(members.body.entries.map((e: { challengeId: string }) => e.challengeId)).toContain(
      secret,
    );

    expect((await client.get(`/api/organizations/no-such-${unique()}/ledger`)).status).toBe(404);
  });

  it('leaves out tiers a closed challenge never unlocked', async () => {
    const s = await setUp();
    const closed = await client.post(`/api/challenges/${s.challengeId}/close`, undefined, admin);
    expect(closed.status).toBe(200);
    const ledger = await client.get(`/api/organizations/${s.organizer}/ledger`);
    expect(ledger.body.entries.map((e: { tierId: string }) => e.tierId)).toEqual([s.sponsoredTier]);
  });
});
