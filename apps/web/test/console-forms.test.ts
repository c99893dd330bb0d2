import { describe, expect, it } from 'vitest';
import {
  challengeFieldNames,
  challengeFormValues,
  readChallengeForm,
  rowsFor,
} from '../src/lib/console/challenge-form.js';
import { campaignFormValues, readCampaignForm } from '../src/lib/console/campaign-form.js';
import { apiProblems, fieldsFromSchema, type JsonSchema } from '../src/lib/forms/schema-form.js';

/** The commute plugin's settings schema, as `GET /api/action-types` serves it (shortened). */
const commuteSettings: JsonSchema = {
  type: 'object',
  properties: {
    modes: { type: 'array', items: { anyOf: [{ const: 'bike' }, { const: 'walking' }] } },
    maxKmPerDay: {
      type: 'object',
      properties: { bike: { type: 'number', exclusiveMinimum: 0, maximum: 80 } },
    },
  },
};
const fields = fieldsFromSchema(commuteSettings, { prefix: 'actionSettings' });

const formOf = (entries: [string, string][]): FormData => {
  const form = new FormData();
  for (const [name, value] of entries) form.append(name, value);
  return form;
};

describe('the console’s challenge form', () => {
  it('reads settings, two tiers (blank rows ignored) and a deadline into an API body', () => {
    const read = readChallengeForm(
      formOf([
        ['title', ' Au travail à vélo '],
        ['actionType', 'commute'],
        ['tierRows', '3'],
        ['actionSettings/modes', 'bike'],
        ['actionSettings/maxKmPerDay/bike', '30'],
        ['tiers/0/goal/participants', '10'],
        ['tiers/0/counterpart/kind', 'donation'],
        ['tiers/0/counterpart/amount', '500'],
        ['tiers/0/counterpart/beneficiaryId', 'ben_1'],
        ['tiers/1/goal/participants', '25'],
        ['tiers/1/goal/quantity', '1000'],
        ['tiers/1/goal/match', 'any'],
        ['tiers/1/counterpart/kind', 'matching'],
        ['tiers/1/counterpart/perUnit', '0,10'],
        ['tiers/1/counterpart/cap', '300'],
        ['tiers/1/counterpart/beneficiaryId', 'ben_1'],
        ['tiers/1/sponsor', 'sponsor-org'],
        ['tiers/2/goal/participants', ''],
        ['deadline', '2027-06-30'],
      ]),
      fields,
    );
    expect(read).toEqual({
      ok: true,
      value: {
        title: 'Au travail à vélo',
        description: null,
        actionType: 'commute',
        actionSettings: { modes: ['bike'], maxKmPerDay: { bike: 30 } },
        tiers: [
          {
            goal: { participants: 10 },
            counterpart: {
              kind: 'donation',
              amount: { value: 500, currency: 'EUR' },
              beneficiaryId: 'ben_1',
            },
          },
          {
            goal: { participants: 25, quantity: 1000, match: 'any' },
            counterpart: {
              kind: 'matching',
              perUnit: { value: 0.1, currency: 'EUR' },
              cap: { value: 300, currency: 'EUR' },
              beneficiaryId: 'ben_1',
            },
            sponsor: 'sponsor-org',
          },
        ],
        deadline: '2027-06-30T23:59:59.000Z',
      },
    });
  });

  it('names each field it refuses by the API’s path', () => {
    const read = readChallengeForm(
      formOf([
        ['actionType', 'commute'],
        ['tierRows', '2'],
        ['actionSettings/maxKmPerDay/bike', '500'],
        ['tiers/0/counterpart/kind', 'matching'],
        ['tiers/0/counterpart/perUnit', 'abc'],
        ['tiers/1/goal/participants', '2.5'],
        ['deadline', 'tomorrow'],
      ]),
      fields,
    );
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(Object.keys(read.errors).sort()).toEqual([
      'actionSettings/maxKmPerDay/bike',
      'deadline',
      'tiers/0/counterpart/beneficiaryId',
      'tiers/0/counterpart/cap',
      'tiers/0/counterpart/perUnit',
      'tiers/0/goal/participants',
      'tiers/1/goal/participants',
      'title',
    ]);
  });

  it('asks for a goal when every row is blank', () => {
    const read = readChallengeForm(
      formOf([
        ['title', 'T'],
        ['actionType', 'x'],
      ]),
      [],
    );
    expect(read).toEqual({
      ok: false,
      errors: { 'tiers/0/goal/participants': { code: 'required' } },
    });
  });

  it('fills the form again from a challenge, and reads it back to the same tiers', () => {
    const challenge = {
      title: 'Au travail à vélo',
      description: null,
      actionType: 'commute',
      actionSettings: { modes: ['bike', 'walking'], maxKmPerDay: { bike: 30 } },
      deadline: '2027-06-30T23:59:59.000Z',
      tiers: [
        {
          goal: { participants: 10, match: 'all' },
          counterpart: { kind: 'act', description: 'Planter 100 arbres' },
          sponsor: null,
        },
      ],
    };
    const values = challengeFormValues(challenge);
    expect(values['actionSettings/modes']).toEqual(['bike', 'walking']);
    expect(values['deadline']).toEqual(['2027-06-30']);
    const form = new FormData();
    for (const [name, list] of Object.entries(values)) for (const v of list) form.append(name, v);
    form.append('tierRows', String(rowsFor(1)));
    const read = readChallengeForm(form, fields);
    expect(read.ok && read.value.tiers).toEqual([
      {
        goal: { participants: 10 },
        counterpart: { kind: 'act', description: 'Planter 100 arbres' },
      },
    ]);
    expect(read.ok && read.value.actionSettings).toEqual(challenge.actionSettings);
  });

  it('places the API’s 400 details on the nearest field', () => {
    const known = challengeFieldNames(fields, 2);
    const problems = apiProblems(
      [
        { path: 'tiers/1/counterpart/cap/value', message: 'must be positive' },
        { path: 'actionSettings/modes/0', message: 'unknown mode' },
        { path: 'tiers/1/goal', message: 'must be above the tier below' },
      ],
      known,
    );
    expect(Object.keys(problems).sort()).toEqual([
      'actionSettings/modes',
      'tiers/1/counterpart/cap',
      'tiers/1/goal',
    ]);
  });
});

describe('the console’s campaign form', () => {
  it('reads days and an e-mail-domain audience, and refuses a missing title or domain', () => {
    expect(
      readCampaignForm(
        formOf([
          ['title', 'Printemps'],
          ['startsAt', '2027-03-01'],
          ['endsAt', '2027-06-30'],
          ['audience', 'email-domain'],
          ['audience/domains', 'ville.fr, @mairie.fr;  agglo.fr'],
        ]),
      ),
    ).toEqual({
      ok: true,
      value: {
        title: 'Printemps',
        description: null,
        startsAt: '2027-03-01T00:00:00.000Z',
        endsAt: '2027-06-30T23:59:59.000Z',
        audience: { type: 'email-domain', domains: ['ville.fr', '@mairie.fr', 'agglo.fr'] },
      },
    });
    const refused = readCampaignForm(formOf([['audience', 'email-domain']]));
    expect(refused.ok === false && Object.keys(refused.errors).sort()).toEqual([
      'audience/domains',
      'title',
    ]);
  });

  it('fills the form from a campaign', () => {
    expect(
      campaignFormValues({
        title: 'P',
        description: null,
        startsAt: '2027-03-01T00:00:00.000Z',
        endsAt: null,
        audience: { type: 'email-domain', domains: ['ville.fr', 'agglo.fr'] },
      }),
    ).toEqual({
      title: ['P'],
      description: [''],
      startsAt: ['2027-03-01'],
      endsAt: [''],
      audience: ['email-domain'],
      'audience/domains': ['ville.fr, agglo.fr'],
    });
  });
});
