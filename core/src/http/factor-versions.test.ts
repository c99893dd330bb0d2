import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatform, type Platform } from '../platform.js';
import { defineActionType, type FactorDeclaration } from '../plugins/index.js';
import {
  createTestClient,
  pdfText,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  unique,
} from '../testing/index.js';

/**
 * Factors true to the record (ADR 0045): a contribution keeps the version
 * of each factor it was computed with. The same plugin is run twice on one
 * database, as a deployment would between two releases: first with its
 * car factor of 2024, then with that factor bumped. What was recorded
 * before keeps its CO2e and its version; the report lists both.
 */

const ID = 'versioned-km';

const car2024: FactorDeclaration = {
  key: 'car',
  label: 'Car, driven alone',
  value: 0.2,
  unit: 'kg CO2e / km',
  source: 'Test publisher, transport data',
  datasetId: 'transport 4',
  versionDate: '2024',
  note: 'one occupant',
};
const car2025: FactorDeclaration = { ...car2024, value: 0.25, versionDate: '2025-10' };

/** The plugin as one release declares it: km × (car − bike), citing both factors. */
function release(car: FactorDeclaration) {
  const bike: FactorDeclaration = { ...car2024, key: 'bike', label: 'Bike', value: 0 };
  return defineActionType({
    id: ID,
    version: car === car2024 ? '1.0.0' : '1.1.0',
    title: { fr: 'Vélo', en: 'Bike' },
    unit: 'km',
    contributionSchema: Type.Object(
      { km: Type.Number({ minimum: 0, maximum: 100 }) },
      { additionalProperties: false },
    ),
    quantify: ({ details }) => details.km,
    impact: ({ details }) => ({
      co2eKg: details.km * (car.value - bike.value),
      source: `test transport data ${car.versionDate}`,
      factors: { car: car.value, bike: bike.value },
      cites: ['car', 'bike'],
    }),
    factors: [car, bike],
  });
}

describe('factor versions kept with contributions', () => {
  let before: TestPlatform;
  let after: Platform | undefined;
  let admin: { token: string };

  beforeAll(async () => {
    before = await startTestPlatform({ plugins: [release(car2024)] });
    admin = { token: before.adminToken };
  });
  afterAll(async () => {
    await after?.close();
    await before?.stop();
  });

  async function contributionRow(id: string) {
    const [row] = await before.db.query<{ co2e_kg: string; factor_ids: string[] }>(
      'select co2e_kg::text, factor_ids from contribution where id = ?',
      [id],
    );
    return row;
  }

  it('keeps the CO2e and factor version of what was recorded when the factor changes', async () => {
    const client: TestClient = createTestClient(before.app);
    const slug = unique('fv');
    await client.post('/api/organizations', { slug, name: 'Factor Co', kind: 'company' }, admin);
    const campaign = (
      await client.post(`/api/organizations/${slug}/campaigns`, { title: 'Bike month' }, admin)
    ).body;
    const challenge = (
      await client.post(
        `/api/campaigns/${campaign.id}/challenges`,
        { title: 'Bike', actionType: ID, goal: { quantity: 1000 } },
        admin,
      )
    ).body;
    await client.post(`/api/challenges/${challenge.id}/open`, undefined, admin);
    const token = await client.signIn(`${unique('rider')}@example.org`);
    expect(
      (await client.post(`/api/challenges/${challenge.id}/pledges`, {}, { token })).status,
    ).toBe(201);

    const first = await client.post(
      `/api/challenges/${challenge.id}/contributions`,
      { details: { km: 10 } },
      { token },
    );
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.impact.co2eKg).toBe(2);
    const [old2024, bike] = before.registry.actionType(ID).factors;
    expect(await contributionRow(first.body.id)).toEqual({
      co2e_kg: '2.000000',
      factor_ids: [old2024?.id, bike?.id],
    });

    // The next release bumps the car factor; it runs on the same database.
    after = await createPlatform({
      config: before.config,
      plugins: [release(car2025)],
      migrate: true,
      runJobs: false,
    });
    await after.start();
    const later = createTestClient(after.app);
    const bumped = after.registry.actionType(ID).factors[0];
    expect(bumped?.id).not.toBe(old2024?.id);

    const second = await later.post(
      `/api/challenges/${challenge.id}/contributions`,
      { details: { km: 10 } },
      { token },
    );
    expect(second.status).toBe(201);
    expect(second.body.impact.co2eKg).toBe(2.5);
    // The first is untouched: its figure and the version it rests on.
    expect(await contributionRow(first.body.id)).toEqual({
      co2e_kg: '2.000000',
      factor_ids: [old2024?.id, bike?.id],
    });
    expect((await contributionRow(second.body.id))?.factor_ids).toEqual([bumped?.id, bike?.id]);
    const [stored] = await before.db.query<{ value: number; version_date: string }>(
      'select value, version_date from emission_factor where id = ?',
      [old2024?.id],
    );
    expect(stored).toEqual({ value: 0.2, version_date: '2024' });

    const report = await later.get(`/api/campaigns/${campaign.id}/report`, admin);
    expect(report.status).toBe(200);
    expect(report.body.totals.co2eKg).toBe(4.5);
    const cars = report.body.factorsUsed.filter((f: { key: string }) => f.key === 'car');
    expect(cars).toEqual([
      {
        id: old2024?.id,
        actionType: ID,
        key: 'car',
        label: 'Car, driven alone',
        value: 0.2,
        unit: 'kg CO2e / km',
        source: 'Test publisher, transport data',
        datasetId: 'transport 4',
        versionDate: '2024',
        note: 'one occupant',
        contributions: 1,
        current: false,
      },
      expect.objectContaining({
        id: bumped?.id,
        value: 0.25,
        versionDate: '2025-10',
        contributions: 1,
        current: true,
      }),
    ]);
    expect(report.body.factorsUsed).toContainEqual(
      expect.objectContaining({ key: 'bike', contributions: 2, current: true }),
    );
    // The factors in force, with their dataset and release.
    const source = report.body.sources.find((s: { actionType: string }) => s.actionType === ID);
    expect(source.factors).toContainEqual(
      expect.objectContaining({
        key: 'car',
        value: 0.25,
        datasetId: 'transport 4',
        versionDate: '2025-10',
      }),
    );

    const pdf = await after.app.inject({
      method: 'GET',
      url: `/api/campaigns/${campaign.id}/report.pdf?lang=en`,
      headers: { authorization: `Bearer ${before.adminToken}` },
    });
    expect(pdf.statusCode).toBe(200);
    const text = pdfText(pdf.rawPayload);
    for (const expected of [
      'Car, driven alone: 0.2 kg CO2e / km',
      'version: 2024)',
      'one occupant — 1 contribution, version since replaced',
      'Car, driven alone: 0.25 kg CO2e / km',
      'version: 2025-10)',
      'identifier: transport 4',
      'Bike: 0 kg CO2e / km',
      '2 contributions',
    ]) {
      expect(text, expected).toContain(expected);
    }

    // A correction is measured again: it rests on the factors in force then.
    const corrected = await later.patch(
      `/api/contributions/${first.body.id}`,
      { details: { km: 10 } },
      { token },
    );
    expect(corrected.status).toBe(200);
    expect(corrected.body.impact.co2eKg).toBe(2.5);
    expect(await contributionRow(first.body.id)).toEqual({
      co2e_kg: '2.500000',
      factor_ids: [bumped?.id, bike?.id],
    });
    const afterCorrection = await later.get(`/api/campaigns/${campaign.id}/report`, admin);
    expect(
      afterCorrection.body.factorsUsed
        .filter((f: { key: string }) => f.key === 'car')
        .map((f: { versionDate: string; contributions: number }) => [
          f.versionDate,
          f.contributions,
        ]),
    ).toEqual([['2025-10', 2]]);
  });
});
