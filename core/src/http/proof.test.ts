import { generateKeyPairSync } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import {
  calculateJwkThumbprint,
  compactVerify,
  createLocalJWKSet,
  decodeProtectedHeader,
  type JSONWebKeySet,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineActionType } from '../plugins/index.js';
import {
  AttestationInvalid,
  rotateSigningKey,
  SigningKeyInvalid,
  verifyAttestation,
} from '../services/attestations.js';
import { winAnsi } from '../services/report-pdf.js';
import {
  acceptSponsorships,
  createTestClient,
  pdfText,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  unique,
} from '../testing/index.js';

/**
 * The sponsor's proof (ADR 0034): the report as PDF, the report's figures
 * signed as a JWS, the public keys that verify it, and key rotation.
 */

const bikeKm = defineActionType({
  id: 'proof-bike-km',
  version: '1.2.0',
  title: { fr: 'Vélo au travail', en: 'Cycling to work' },
  unit: 'km',
  contributionSchema: Type.Object(
    { km: Type.Number({ minimum: 0 }) },
    { additionalProperties: false },
  ),
  quantify: ({ details }) => details.km,
  impact: ({ details }) => ({
    co2eKg: details.km * 0.2,
    source: 'Base Empreinte test',
    factors: { car: 0.2 },
    cites: ['car'],
  }),
  factors: [
    {
      key: 'car',
      label: 'Voiture thermique, seul',
      value: 0.2,
      unit: 'kg CO2e / km',
      source: 'Base Empreinte test',
      datasetId: 'BE-test-4',
      versionDate: '2024-07',
      note: 'un occupant',
    },
  ],
});

let platform: TestPlatform;
let client: TestClient;
let admin: { token: string };

beforeAll(async () => {
  platform = await startTestPlatform({ plugins: [bikeKm] });
  client = createTestClient(platform.app);
  admin = { token: platform.adminToken };
});
afterAll(() => platform?.stop());

/**
 * A campaign of Vélo Co sponsored by Sponsor Co: a bike challenge with two
 * tiers (matching 0.10 EUR per km capped at 5 EUR once 10 km are ridden;
 * a 5,000 EUR donation at 1,000 km), with 30 km ridden by two people.
 */
async function sponsoredCampaign() {
  const slug = unique('prf');
  const sponsorSlug = `${slug}-sp`;
  await client.post('/api/organizations', { slug, name: 'Vélo Co', kind: 'company' }, admin);
  await client.post(
    '/api/organizations',
    { slug: sponsorSlug, name: 'Sponsor Co', kind: 'company' },
    admin,
  );
  const beneficiary = (
    await client.post(`/api/organizations/${slug}/beneficiaries`, { name: 'Solicycle' }, admin)
  ).body;
  const campaign = (
    await client.post(
      `/api/organizations/${slug}/campaigns`,
      {
        title: 'Semaine de la mobilité',
        startsAt: '2026-11-16T00:00:00.000Z',
        endsAt: '2027-06-30T12:00:00.000Z',
        audience: { type: 'members' },
      },
      admin,
    )
  ).body;
  const challenge = (
    await client.post(
      `/api/campaigns/${campaign.id}/challenges`,
      {
        title: 'À vélo au bureau',
        actionType: 'proof-bike-km',
        tiers: [
          {
            goal: { quantity: 10 },
            counterpart: {
              kind: 'matching',
              perUnit: { value: 0.1, currency: 'EUR' },
              cap: { value: 5, currency: 'EUR' },
              beneficiaryId: beneficiary.id,
            },
            sponsor: sponsorSlug,
          },
          {
            goal: { quantity: 1000 },
            counterpart: {
              kind: 'donation',
              amount: { value: 5000, currency: 'EUR' },
              beneficiaryId: beneficiary.id,
            },
          },
        ],
      },
      admin,
    )
  ).body;
  expect(challenge.tiers, JSON.stringify(challenge)).toHaveLength(2);
  await acceptSponsorships(client, admin.token, challenge.id);
  expect((await client.post(`/api/challenges/${challenge.id}/open`, undefined, admin)).status).toBe(
    200,
  );
  for (const [who, km] of [
    ['ann', 18],
    ['bob', 12],
  ] as const) {
    const email = `${who}-${unique()}@example.org`;
    await client.post(`/api/organizations/${slug}/members`, { email, role: 'member' }, admin);
    const token = await client.signIn(email);
    expect(
      (await client.post(`/api/challenges/${challenge.id}/pledges`, {}, { token })).status,
    ).toBe(201);
    expect(
      (
        await client.post(
          `/api/challenges/${challenge.id}/contributions`,
          { details: { km } },
          { token },
        )
      ).status,
    ).toBe(201);
  }
  await platform.settle();
  return { slug, sponsorSlug, campaign, challenge };
}

const attestationOf = async (campaignId: string, token = admin.token): Promise<string> => {
  const answer = await client.get(`/api/campaigns/${campaignId}/attestation`, { token });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  expect(Object.keys(answer.body)).toEqual(['jws']);
  return answer.body.jws as string;
};

const keySet = async (): Promise<JSONWebKeySet> => {
  const answer = await client.get('/.well-known/jwks.json');
  expect(answer.status).toBe(200);
  return answer.body as JSONWebKeySet;
};

/** The JWS with its payload replaced by `change(payload)`, the signature kept. */
function tampered(jws: string, change: (payload: Record<string, unknown>) => void): string {
  const [header, payload, signature] = jws.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
  change(claims);
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}

describe('the signed attestation', () => {
  it('makes one signing key on first need, however many ask at once', async () => {
    const [before] = await platform.db.query<{ n: number }>(
      'select count(*)::int as n from signing_key',
    );
    expect(before?.n).toBe(0);
    const { campaign } = await sponsoredCampaign();
    const signed = await Promise.all([1, 2, 3, 4].map(() => attestationOf(campaign.id)));
    const kids = new Set(signed.map((jws) => decodeProtectedHeader(jws).kid));
    expect(kids.size).toBe(1);
    const rows = await platform.db.query<{ kid: string; sealed_private_jwk: string }>(
      'select kid, sealed_private_jwk from signing_key',
    );
    expect(rows).toHaveLength(1);
    // The private key is sealed with the master key, never stored in clear.
    expect(rows[0]?.sealed_private_jwk.startsWith('tk1.')).toBe(true);
    expect(rows[0]?.sealed_private_jwk).not.toContain('"d"');
  });

  it("verifies with jose against the served key set, and carries the report's figures", async () => {
    const { campaign, challenge, slug } = await sponsoredCampaign();
    const jws = await attestationOf(campaign.id);
    const jwks = await keySet();
    for (const key of jwks.keys) {
      expect(key).toEqual({
        kty: 'OKP',
        crv: 'Ed25519',
        x: expect.any(String),
        kid: await calculateJwkThumbprint(key as never, 'sha256'),
        alg: 'EdDSA',
        use: 'sig',
      });
      expect(key).not.toHaveProperty('d');
    }
    const { payload, protectedHeader } = await compactVerify(jws, createLocalJWKSet(jwks));
    expect(protectedHeader).toEqual({
      alg: 'EdDSA',
      kid: expect.any(String),
      typ: 'tandem-attestation+jwt',
    });
    expect(jwks.keys.map((k) => k.kid)).toContain(protectedHeader.kid);
    const claims = JSON.parse(new TextDecoder().decode(payload));
    expect(claims).toMatchObject({
      iss: 'http://tandem.test',
      sub: campaign.id,
      campaignId: campaign.id,
      campaign: { id: campaign.id, title: 'Semaine de la mobilité', organization: slug },
    });
    expect(Math.abs(claims.iat - Date.now() / 1000)).toBeLessThan(60);

    const report = (await client.get(`/api/campaigns/${campaign.id}/report`, admin)).body;
    expect(claims.challenges).toEqual(report.challenges);
    expect(claims.totals).toEqual({ participants: 2, quantityByUnit: { km: 30 }, co2eKg: 6 });
    expect(claims.sources).toEqual(report.sources);
    const [bike] = claims.challenges;
    expect(bike).toMatchObject({ id: challenge.id, participants: 2, quantity: 30, co2eKg: 6 });
    expect(bike.tiers[0]).toMatchObject({
      unlockedAt: expect.any(String),
      owed: { value: 3, currency: 'EUR' },
    });
    expect(bike.tiers[1].unlockedAt).toBeNull();

    // The verifier `tandem verify` uses agrees.
    const verified = await verifyAttestation(jws, jwks);
    expect(verified.kid).toBe(protectedHeader.kid);
    expect(verified.payload.totals.co2eKg).toBe(6);
    // So does it on the saved JSON answer.
    expect((await verifyAttestation(JSON.stringify({ jws }), jwks)).payload.campaignId).toBe(
      campaign.id,
    );
  });

  it('refuses a changed payload, a foreign key set and a malformed file', async () => {
    const { campaign } = await sponsoredCampaign();
    const jws = await attestationOf(campaign.id);
    const jwks = await keySet();
    const inflated = tampered(jws, (claims) => {
      (claims['totals'] as { co2eKg: number }).co2eKg = 6000;
    });
    await expect(compactVerify(inflated, createLocalJWKSet(jwks))).rejects.toThrow();
    await expect(verifyAttestation(inflated, jwks)).rejects.toThrow(/signature does not match/);
    await expect(verifyAttestation(jws, { keys: [] })).rejects.toThrow(/No key of the key set/);
    await expect(verifyAttestation('not a jws', jwks)).rejects.toBeInstanceOf(AttestationInvalid);
    await expect(verifyAttestation('{"jws": 3}', jwks)).rejects.toThrow(/no "jws" string/);
    await expect(verifyAttestation(jws, { nope: true })).rejects.toThrow(/not a JWKS/);
  });

  it('after a rotation, signs with the new key; the old attestation still verifies', async () => {
    const { campaign } = await sponsoredCampaign();
    const before = await attestationOf(campaign.id);
    const oldKid = decodeProtectedHeader(before).kid;
    const rotated = await rotateSigningKey(platform.ctx);
    expect(rotated.kid).not.toBe(oldKid);
    expect(rotated.active).toBe(true);

    const after = await attestationOf(campaign.id);
    expect(decodeProtectedHeader(after).kid).toBe(rotated.kid);
    const jwks = await keySet();
    const kids = jwks.keys.map((k) => k.kid);
    // The active key first, the retired one kept.
    expect(kids[0]).toBe(rotated.kid);
    expect(kids).toContain(oldKid);
    for (const jws of [before, after]) {
      await expect(compactVerify(jws, createLocalJWKSet(jwks))).resolves.toBeDefined();
    }
    // A key set holding only the new key does not verify the old attestation.
    const onlyNew = { keys: jwks.keys.filter((k) => k.kid === rotated.kid) };
    await expect(verifyAttestation(before, onlyNew)).rejects.toThrow(/No key of the key set/);
    const [active] = await platform.db.query<{ n: number }>(
      'select count(*)::int as n from signing_key where retired_at is null',
    );
    expect(active?.n).toBe(1);
  });

  it("rotates to the operator's own Ed25519 key, and refuses keys that cannot sign", async () => {
    const { campaign } = await sponsoredCampaign();
    const own = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
    const rotated = await rotateSigningKey(platform.ctx, own);
    const expectedKid = await calculateJwkThumbprint(
      { kty: 'OKP', crv: 'Ed25519', x: own.x as string },
      'sha256',
    );
    expect(rotated.kid).toBe(expectedKid);
    const jws = await attestationOf(campaign.id);
    expect(decodeProtectedHeader(jws).kid).toBe(expectedKid);
    const jwks = await keySet();
    expect(jwks.keys[0]).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: own.x,
      kid: expectedKid,
      alg: 'EdDSA',
      use: 'sig',
    });
    await expect(verifyAttestation(jws, jwks)).resolves.toBeDefined();

    const other = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
    const refusals: [unknown, RegExp][] = [
      [{ kty: 'OKP', crv: 'Ed25519', x: own.x }, /private half/],
      [{ ...other, x: own.x }, /does not match/],
      [{ ...other, crv: 'X25519' }, /Ed25519 key/],
      [
        generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }),
        /Ed25519 key/,
      ],
      [[1, 2], /JSON object/],
      [own, /already has this key/],
    ];
    for (const [key, message] of refusals) {
      const refused = rotateSigningKey(platform.ctx, key);
      await expect(refused, message.source).rejects.toBeInstanceOf(SigningKeyInvalid);
      await expect(rotateSigningKey(platform.ctx, key)).rejects.toThrow(message);
    }
    // Nothing was stored by the refusals: the operator's key still signs.
    expect((await keySet()).keys[0]?.kid).toBe(expectedKid);
  });

  it('serves the key set to anyone, cacheable for a short time', async () => {
    const answer = await platform.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['cache-control']).toBe('public, max-age=300');
    expect(answer.headers['access-control-allow-origin']).toBe('*');
    expect(answer.headers['content-type']).toMatch(/application\/json/);
  });

  it('is for the organizer and sponsor admins: 401, 403, 404 as the JSON report', async () => {
    const { campaign, slug, sponsorSlug } = await sponsoredCampaign();
    for (const path of ['attestation', 'report.pdf']) {
      const url = `/api/campaigns/${campaign.id}/${path}`;
      const anonymous = await client.get(url);
      expect(anonymous.status, url).toBe(401);
      expect(anonymous.body.error).toBe('TANDEM_AUTH_REQUIRED');
      const memberEmail = `m-${unique()}@example.org`;
      await client.post(
        `/api/organizations/${slug}/members`,
        { email: memberEmail, role: 'member' },
        admin,
      );
      const member = await client.get(url, { token: await client.signIn(memberEmail) });
      expect(member.status, url).toBe(403);
      expect(member.body.error).toBe('TANDEM_AUTH_FORBIDDEN');
      const citizen = await client.get(url, {
        token: await client.signIn(`c-${unique()}@example.org`),
      });
      expect(citizen.status, url).toBe(403);
      const sponsorEmail = `s-${unique()}@example.org`;
      await client.post(
        `/api/organizations/${sponsorSlug}/members`,
        { email: sponsorEmail, role: 'admin' },
        admin,
      );
      expect((await client.get(url, { token: await client.signIn(sponsorEmail) })).status).toBe(
        200,
      );
      const unknown = await client.get(`/api/campaigns/cmp_unknown/${path}`, admin);
      expect(unknown.status).toBe(404);
    }
  });

  it('is sent as a file to save with download=1, and refuses other values', async () => {
    const { campaign } = await sponsoredCampaign();
    const url = `/api/campaigns/${campaign.id}/attestation`;
    const plain = await client.get(url, admin);
    expect(plain.headers['content-disposition']).toBeUndefined();
    expect(plain.headers['cache-control']).toBe('private, no-store');
    const saved = await client.get(`${url}?download=1`, admin);
    expect(saved.status).toBe(200);
    expect(saved.headers['content-disposition']).toBe(
      `attachment; filename="attestation-${campaign.id}.json"`,
    );
    expect((await verifyAttestation(JSON.stringify(saved.body), await keySet())).kid).toBeTruthy();
    const bad = await client.get(`${url}?download=yes`, admin);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('TANDEM_REQUEST_INVALID');
    expect((await client.get(`${url}?other=1`, admin)).status).toBe(400);
  });
});

describe('the PDF report', () => {
  const pdfOf = (campaignId: string, headers: Record<string, string> = {}, query = '') =>
    platform.app.inject({
      method: 'GET',
      url: `/api/campaigns/${campaignId}/report.pdf${query}`,
      headers: { authorization: `Bearer ${platform.adminToken}`, ...headers },
    });

  it('lays out the figures, the tiers, the factors and their sources, in French by default', async () => {
    const { campaign } = await sponsoredCampaign();
    const started = Date.now();
    const answer = await pdfOf(campaign.id);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toBe('application/pdf');
    expect(answer.headers['content-disposition']).toBe(
      `attachment; filename="report-${campaign.id}.pdf"`,
    );
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['cache-control']).toBe('private, no-store');
    const pdf = answer.rawPayload;
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.subarray(-6).toString('latin1')).toMatch(/%%EOF\s*$/);
    const text = pdfText(pdf);
    for (const expected of [
      'Semaine de la mobilité',
      'Vélo Co',
      'du 16 novembre 2026 au 30 juin 2027',
      'Participants (personnes distinctes)',
      'Émissions évitées',
      '6 kg CO2e',
      'À vélo au bureau',
      'Vélo au travail',
      '30 km',
      'Palier 1',
      'abondement de 0,10 € par km, plafonné à 5 €, pour Solicycle',
      'Parrain : Sponsor Co (accepté)',
      'Parrain : Vélo Co (accepté)',
      'Débloqué le',
      'Montant dû (abondement, plafonné)',
      '3 €',
      'Pas encore réalisé',
      'Palier 2',
      'don de 5 000 € à Solicycle',
      'Pas débloqué',
      "Facteurs d'émission et sources",
      'Voiture thermique, seul',
      '0,2 kg CO2e / km',
      'Base Empreinte test',
      'identifiant : BE-test-4',
      'version : 2024-07',
      'un occupant',
      '/.well-known/jwks.json',
      'Page 1 sur',
    ]) {
      expect(text, expected).toContain(expected);
    }
  });

  it('speaks English when asked, by Accept-Language or lang', async () => {
    const { campaign } = await sponsoredCampaign();
    const byHeader = await pdfOf(campaign.id, { 'accept-language': 'en-GB,en;q=0.9,fr;q=0.5' });
    expect(byHeader.headers['vary']).toMatch(/accept-language/i);
    const english = pdfText(byHeader.rawPayload);
    for (const expected of [
      'Tandem · campaign report',
      'Emission factors and sources',
      'Cycling to work',
      'matching of €0.10 per km, capped at €5, for Solicycle',
      'Owed (matching, capped)',
    ]) {
      expect(english, expected).toContain(expected);
    }
    const byQuery = pdfText(
      (await pdfOf(campaign.id, { 'accept-language': 'fr' }, '?lang=en')).rawPayload,
    );
    expect(byQuery).toContain('Emission factors and sources');
    expect((await pdfOf(campaign.id, {}, '?lang=de')).statusCode).toBe(400);
  });

  it('draws only what its fonts can: other characters become "?"', () => {
    expect(winAnsi('CO₂ 🚲 « œuvre » 5 €\u202f!')).toBe('CO? ? « œuvre » 5 €\u00a0!');
    expect(winAnsi('a\u0007b\nc')).toBe('a b\nc');
  });
});
