import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { defineActionType } from '../plugins/index.js';
import { startTestPlatform, type TestPlatform } from '../testing/index.js';

// The site builds its pledge and contribution forms from these schemas: they
// must be the very ones the API validates with, symbols and all stripped.
const kilometres = defineActionType({
  id: 'test-forms-km',
  version: '1.2.0',
  title: { fr: 'Kilomètres (test)', en: 'Kilometres (test)' },
  unit: 'km',
  pledgeSchema: Type.Object(
    { mode: Type.Union([Type.Literal('bike'), Type.Literal('walk')]) },
    { additionalProperties: false },
  ),
  contributionSchema: Type.Object(
    { km: Type.Number({ minimum: 0, maximum: 500 }) },
    { additionalProperties: false },
  ),
  quantify: ({ details }) => details.km,
  impact: ({ details }) => ({ co2eKg: details.km * 0.1, source: 'test' }),
});

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({ plugins: [kilometres] });
});
afterAll(() => platform?.stop());

it('lists each action type with the schemas its pledges and contributions are checked with', async () => {
  const response = await platform.app.inject({ method: 'GET', url: '/api/action-types' });
  expect(response.statusCode).toBe(200);
  expect(response.headers['cache-control']).toMatch(/max-age=\d+/);
  const types = (response.json() as { actionTypes: Record<string, unknown>[] }).actionTypes;
  const km = types.find((type) => type['id'] === 'test-forms-km');
  expect(km).toMatchObject({
    version: '1.2.0',
    unit: 'km',
    title: { fr: 'Kilomètres (test)', en: 'Kilometres (test)' },
    pledgeSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { mode: { anyOf: [{ const: 'bike' }, { const: 'walk' }] } },
    },
    contributionSchema: { properties: { km: { type: 'number', minimum: 0, maximum: 500 } } },
  });
  const pledgeOnly = types.find((type) => type['id'] === 'pledge-only');
  expect(pledgeOnly).toMatchObject({ contributionSchema: null });
});
