import { TandemError } from '@tandem/core';
import { describe, expect, it } from 'vitest';
import { commute } from './index.js';

/**
 * The contribution and pledge rules through the action type itself
 * (`measure` / `validatePledge`), with no database: schema, settings,
 * carpool rule and daily caps.
 */

const occurredAt = new Date('2026-03-10T08:00:00Z');

const measure = (
  details: unknown,
  settings: Record<string, unknown> = {},
  pledge: Record<string, unknown> | null = null,
) => commute.measure({ details, settings, pledge, occurredAt });

/** The error `run` throws, so a test can read its code and the field it names. */
function refusal(run: () => unknown): { code: string; path: string | undefined; message: string } {
  try {
    run();
  } catch (error) {
    if (!(error instanceof TandemError)) throw error;
    return { code: error.code, path: error.details?.[0]?.path, message: error.message };
  }
  throw new Error('expected a refusal, got none');
}

describe('contribution details', () => {
  it('measures a day: km of all modes, CO2e from the pledge', () => {
    const measured = measure(
      {
        date: '2026-03-10',
        trips: [
          { mode: 'bike', km: 5 },
          { mode: 'train-ter', km: 20 },
        ],
      },
      {},
      { previousMode: 'car' },
    );
    expect(measured.quantity).toBe(25);
    expect(measured.co2eKg).toBeCloseTo(5 * 0.2176 + 20 * (0.2176 - 0.02769), 10);
    expect(measured.source).toContain('ADEME');
  });

  it('refuses what the schema does not know, naming the field', () => {
    expect(refusal(() => measure({ trips: [{ mode: 'bike', km: 3, speed: 20 }] }))).toMatchObject({
      code: 'TANDEM_REQUEST_UNKNOWN_FIELD',
      path: 'details/trips/0/speed',
    });
    expect(refusal(() => measure({ trips: [{ mode: 'car', km: 3 }] }))).toMatchObject({
      code: 'TANDEM_REQUEST_INVALID',
      path: 'details/trips/0/mode',
    });
    expect(
      refusal(() =>
        measure({
          trips: [
            { mode: 'bike', km: 3 },
            { mode: 'bike', km: 0 },
          ],
        }),
      ),
    ).toMatchObject({
      path: 'details/trips/1/km',
    });
    expect(refusal(() => measure({ trips: [] }))).toMatchObject({ path: 'details/trips' });
    const many = Array.from({ length: 21 }, () => ({ mode: 'walking', km: 1 }));
    expect(refusal(() => measure({ trips: many }))).toMatchObject({ path: 'details/trips' });
    expect(
      refusal(() => measure({ date: '2026-02-30', trips: [{ mode: 'bike', km: 3 }] })),
    ).toMatchObject({
      path: 'details/date',
    });
  });

  it('refuses a date after the day the contribution occurred, allowing a day for time zones', () => {
    expect(measure({ date: '2026-03-11', trips: [{ mode: 'bike', km: 3 }] }).quantity).toBe(3);
    expect(
      refusal(() => measure({ date: '2026-03-12', trips: [{ mode: 'bike', km: 3 }] })),
    ).toMatchObject({
      code: 'TANDEM_REQUEST_INVALID',
      path: 'details/date',
    });
  });

  it('requires occupants for a carpool and refuses them elsewhere', () => {
    expect(refusal(() => measure({ trips: [{ mode: 'carpool', km: 30 }] }))).toMatchObject({
      code: 'TANDEM_REQUEST_INVALID',
      path: 'details/trips/0/occupants',
    });
    expect(
      refusal(() => measure({ trips: [{ mode: 'carpool', km: 30, occupants: 1 }] })),
    ).toMatchObject({
      path: 'details/trips/0/occupants',
    });
    expect(
      refusal(() => measure({ trips: [{ mode: 'carpool', km: 30, occupants: 10 }] })),
    ).toMatchObject({
      path: 'details/trips/0/occupants',
    });
    expect(
      refusal(() =>
        measure({
          trips: [
            { mode: 'walking', km: 1 },
            { mode: 'bike', km: 8, occupants: 2 },
          ],
        }),
      ),
    ).toMatchObject({ path: 'details/trips/1/occupants' });
  });

  it('refuses a mode the challenge does not count, naming the trip', () => {
    const settings = { modes: ['bike', 'e-bike'] };
    expect(measure({ trips: [{ mode: 'e-bike', km: 9 }] }, settings).quantity).toBe(9);
    const refused = refusal(() =>
      measure(
        {
          trips: [
            { mode: 'bike', km: 4 },
            { mode: 'bus', km: 6 },
          ],
        },
        settings,
      ),
    );
    expect(refused).toMatchObject({ code: 'TANDEM_REQUEST_INVALID', path: 'details/trips/1/mode' });
    expect(refused.message).toContain('bike, e-bike');
  });

  it('refuses a day above the mode cap, counting every trip of that mode', () => {
    expect(measure({ trips: [{ mode: 'bike', km: 200 }] }).quantity).toBe(200);
    const refused = refusal(() => measure({ trips: [{ mode: 'bike', km: 250 }] }));
    expect(refused).toMatchObject({ code: 'TANDEM_REQUEST_INVALID', path: 'details/trips/0/km' });
    expect(refused.message).toMatch(/250 km by bike in one day is more than the 200 km/);
    // Two legs that pass the cap together: the second is named.
    expect(
      refusal(() =>
        measure({
          trips: [
            { mode: 'walking', km: 30 },
            { mode: 'bike', km: 10 },
            { mode: 'walking', km: 25 },
          ],
        }),
      ),
    ).toMatchObject({ path: 'details/trips/2/km' });
    expect(refusal(() => measure({ trips: [{ mode: 'e-scooter', km: 81 }] })).path).toBe(
      'details/trips/0/km',
    );
  });

  it('refuses more than 1500 km in a day, all modes together', () => {
    expect(measure({ trips: [{ mode: 'train-tgv', km: 1500 }] }).quantity).toBe(1500);
    const refused = refusal(() =>
      measure({
        trips: [
          { mode: 'train-tgv', km: 1400 },
          { mode: 'bus', km: 200 },
        ],
      }),
    );
    expect(refused.code).toBe('TANDEM_REQUEST_INVALID');
    expect(refused.message).toContain('1500');
  });

  it('counts what the person already reported that day toward each cap', () => {
    const earlier = { date: '2026-03-10', trips: [{ mode: 'bike', km: 150 }] };
    const recorded = {
      day: '2026-03-10',
      sameDay: [{ details: earlier, quantity: 150 }],
      dayQuantity: 150,
    };
    const run = (details: unknown) =>
      commute.measure({ details, settings: {}, pledge: null, occurredAt, recorded });
    expect(run({ trips: [{ mode: 'walking', km: 10 }] }).quantity).toBe(10);
    expect(refusal(() => run({ trips: [{ mode: 'bike', km: 60 }] })).path).toBe(
      'details/trips/0/km',
    );
    const busy = { ...recorded, dayQuantity: 1450 };
    expect(run({ trips: [{ mode: 'bus', km: 60 }] }).quantity).toBe(60);
    expect(
      refusal(() =>
        commute.measure({
          details: { trips: [{ mode: 'bus', km: 60 }] },
          settings: {},
          pledge: null,
          occurredAt,
          recorded: busy,
        }),
      ).path,
    ).toBe('details');
  });

  it("uses a challenge's own daily caps when it sets them", () => {
    const settings = { maxKmPerDay: { walking: 10, bike: 300 } };
    expect(
      refusal(() => measure({ trips: [{ mode: 'walking', km: 12 }] }, settings)).message,
    ).toContain('more than the 10 km');
    expect(measure({ trips: [{ mode: 'bike', km: 250 }] }, settings).quantity).toBe(250);
    expect(measure({ trips: [{ mode: 'e-scooter', km: 80 }] }, settings).quantity).toBe(80);
  });
});

describe('settings and pledges', () => {
  it('accepts no settings, refuses car as a mode and unknown caps', () => {
    expect(commute.validateSettings(undefined)).toEqual({});
    expect(refusal(() => commute.validateSettings({ modes: ['bike', 'car'] }))).toMatchObject({
      path: 'actionSettings/modes/1',
    });
    expect(refusal(() => commute.validateSettings({ modes: [] }))).toMatchObject({
      path: 'actionSettings/modes',
    });
    expect(refusal(() => commute.validateSettings({ maxKmPerDay: { car: 100 } }))).toMatchObject({
      code: 'TANDEM_REQUEST_UNKNOWN_FIELD',
      path: 'actionSettings/maxKmPerDay/car',
    });
    expect(refusal(() => commute.validateSettings({ maxKmPerDay: { bike: 2000 } }))).toMatchObject({
      path: 'actionSettings/maxKmPerDay/bike',
    });
  });

  it('accepts a pledge without details, and car only as the previous mode', () => {
    expect(commute.validatePledge(undefined)).toEqual({});
    expect(commute.validatePledge({ modes: ['bike'], previousMode: 'car' })).toEqual({
      modes: ['bike'],
      previousMode: 'car',
    });
    expect(refusal(() => commute.validatePledge({ modes: ['car'] }))).toMatchObject({
      path: 'details/modes/0',
    });
    expect(refusal(() => commute.validatePledge({ previousMode: 'plane' }))).toMatchObject({
      path: 'details/previousMode',
    });
  });

  it('refuses a pledged mode the challenge does not count, naming it', () => {
    const settings = { modes: ['walking'] };
    expect(
      commute.validatePledge({ modes: ['walking'], previousMode: 'bus' }, settings),
    ).toMatchObject({
      previousMode: 'bus',
    });
    expect(
      refusal(() => commute.validatePledge({ modes: ['walking', 'bike'] }, settings)),
    ).toMatchObject({
      code: 'TANDEM_REQUEST_INVALID',
      path: 'details/modes/1',
    });
  });
});
