import { Type } from '@sinclair/typebox';
import { defineActionType } from '@tandem/core';

/**
 * scaffold-mx7puqpt: what people pledge and report. Start here: rename the unit, shape
 * the details, and put the emission factors (with their source) in one
 * data file.
 */
export const scaffoldMx7puqpt = defineActionType({
  id: 'scaffold-mx7puqpt',
  version: '0.1.0',
  coreRange: '^0.1.0',
  title: { fr: 'scaffold-mx7puqpt', en: 'scaffold-mx7puqpt' },
  unit: 'action',
  pledgeSchema: Type.Object({}, { additionalProperties: false }),
  contributionSchema: Type.Object(
    { count: Type.Integer({ minimum: 1, maximum: 100 }) },
    { additionalProperties: false },
  ),
  quantify: ({ details }) => details.count,
  impact: () => ({ co2eKg: 0, source: 'no factor yet' }),
  limits: { maxQuantityPerContribution: 100 },
  // What this plugin's own tables hold about a person, for `GET /api/me/export`
  // and `DELETE /api/me`. 'none' while it has no tables; with migrations,
  // give `{ export, erase }` hooks instead (docs/plugins.md, "Personal data").
  personalData: 'none',
});
