/**
 * The property tests every action type owes its users, over its own
 * schemas: what it measures is a finite amount ≥ 0, the factors `impact`
 * names are the ones the manifest declares, one person cannot count more
 * than the limits allow in a day, and a wrong field is refused with a 4xx
 * that names it. A plugin calls {@link describeActionTypeContract} from its
 * test suite; see ADR 0025.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TandemError } from '../errors.js';
import type { ActionType, FactorDeclaration, Measurement } from '../sdk/action-type.js';
import { arbitraryOf, wrongValueFor } from './arbitraries.js';
import { createTestClient, type TestClient } from './client.js';
import { startTestPlatform, type TestPlatform } from './platform.js';
import { openChallenge, unique } from './scenarios.js';

type Details = Record<string, unknown>;

/** One accepted contribution, as the contract's day of reports kept it. */
export interface AcceptedContribution {
  details: Details;
  quantity: number;
}

/** How {@link describeActionTypeContract} draws inputs and what else it checks. */
export interface ActionTypeContractOptions {
  /** Challenge settings to try; default: drawn from `settingsSchema`. */
  settings?: fc.Arbitrary<Details>;
  /** Pledge details for given settings; default: drawn from `pledgeSchema`. */
  pledge?: (settings: Details) => fc.Arbitrary<Details>;
  /**
   * Contribution details for given settings; default: drawn from
   * `contributionSchema`. Supply one when valid details depend on the
   * settings (an action of the challenge's catalogue), so that most draws
   * are measured rather than refused.
   */
  contribution?: (settings: Details) => fc.Arbitrary<Details>;
  /**
   * The value a figure named in `impact`'s `factors` but not cited must
   * have, given the manifest's declared factors (a carpool's share of the
   * car). Given, every such name must have one: return `undefined` for a
   * name that is not allowed. Absent, figures not cited are taken as the
   * challenge's own. A cited factor's figure always has its declared value.
   */
  factorValue?: (
    name: string,
    declared: ReadonlyMap<string, FactorDeclaration>,
  ) => number | undefined;
  /**
   * A plugin's own per-person rule over one person's accepted contributions
   * of one day (a cap per mode, per item); throw (or `expect`) when broken.
   */
  perPersonDay?: (accepted: readonly AcceptedContribution[], settings: Details) => void;
  /** Runs per property; default 100. */
  numRuns?: number;
  /**
   * Also checks the daily limit through the engine: a real platform with
   * this plugin, a challenge opened with `settings`, and sequences of
   * contributions reported by one person through the HTTP API. The sum
   * the API accepted for a day never passes `maxQuantityPerPersonPerDay`,
   * and the challenge's progress moves by exactly what was accepted.
   */
  engine?: {
    settings: Details;
    /** Details a person reports on the engine (dates inside the campaign). */
    contribution: fc.Arbitrary<Details>;
    /** The details of the pledge each person makes before reporting; default `{}`. */
    pledge?: Details;
    /** The campaign's body; default a public campaign starting 2020-01-01. */
    campaign?: Details;
    /** Runs (each a new person); default 4. */
    numRuns?: number;
  };
}

/** How the engine answers a refused input: its status, code and the paths it names. */
interface Refusal {
  status: number;
  code: string;
  paths: string[];
}

function refusalOf(error: unknown): Refusal {
  // Anything but a TandemError would reach the client as a 500.
  if (!(error instanceof TandemError)) throw error;
  return {
    status: error.status,
    code: error.code,
    paths: (error.details ?? []).flatMap((detail) =>
      detail.path === undefined ? [] : [detail.path],
    ),
  };
}

/** Runs `run`; answers its result, or the refusal it threw (rethrowing anything that is not a 4xx). */
function outcome<T>(run: () => T): { ok: true; value: T } | { ok: false; refusal: Refusal } {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    const refusal = refusalOf(error);
    expect(refusal.status, `${refusal.code} is not a 4xx`).toBeGreaterThanOrEqual(400);
    expect(refusal.status, `${refusal.code} is not a 4xx`).toBeLessThan(500);
    return { ok: false, refusal };
  }
}

const underPrefix = (paths: string[], prefix: string) =>
  paths.some((path) => path === prefix || path.startsWith(`${prefix}/`));

/** Some property names of an object schema with their schemas (none for anything else). */
function propertiesOf(schema: unknown): [string, unknown][] {
  const properties = (schema as { properties?: Record<string, unknown> } | null)?.properties;
  return properties ? Object.entries(properties) : [];
}

/**
 * A `describe` block of property tests over an action type's schemas and
 * computations (fast-check): call it at the top level of the plugin's test
 * file.
 *
 * - settings, pledges and contributions drawn from the plugin's TypeBox
 *   schemas are accepted, or refused with a 4xx under the right field
 *   (never an error that would be a 500);
 * - a measured contribution has a finite quantity ≥ 0 within
 *   `maxQuantityPerContribution` and a finite CO2e ≥ 0;
 * - the factors `impact` cites are declared in the manifest, in their
 *   declared version, and a figure it names after a cited factor has its
 *   value (a CO2e > 0 cites a factor or names a source);
 * - a day of contributions by one person never counts more than
 *   `maxQuantityPerPersonPerDay`, nor breaks the plugin's own
 *   `perPersonDay` rule — measured as the engine does, and through the
 *   engine itself when `options.engine` is given;
 * - a field of the wrong type, or one the schema does not know, is refused
 *   with a 4xx whose detail names it.
 *
 * @param plugin - the action type, as the plugin exports it
 * @param options - arbitraries where the schemas are not enough, extra rules
 *
 * @example
 * describeActionTypeContract(bikeKm, {
 *   perPersonDay: (accepted) => expect(sumOfBikeKm(accepted)).toBeLessThanOrEqual(150),
 * });
 */
export function describeActionTypeContract(
  plugin: ActionType,
  options: ActionTypeContractOptions = {},
): void {
  const numRuns = options.numRuns ?? 100;
  const settingsArbitrary = (
    options.settings ?? (arbitraryOf(plugin.settingsSchema) as fc.Arbitrary<Details>)
  )
    // Settings its own checks refuse never reach a challenge.
    .filter((settings) => outcome(() => plugin.validateSettings(structuredClone(settings))).ok)
    .map((settings) => plugin.validateSettings(structuredClone(settings)));
  const pledgeOf =
    options.pledge ?? (() => arbitraryOf(plugin.pledgeSchema) as fc.Arbitrary<Details>);
  const contributionOf =
    options.contribution ?? (() => arbitraryOf(plugin.contributionSchema) as fc.Arbitrary<Details>);
  const declared = new Map(plugin.factors.map((factor) => [factor.key, factor]));

  /** Settings, then the pledge (or none) and contribution drawn for them. */
  const scene = settingsArbitrary.chain((settings) =>
    fc.record({
      settings: fc.constant(settings),
      pledge: fc.option(pledgeOf(settings), { nil: null }),
      contributions: fc.array(contributionOf(settings), { minLength: 1, maxLength: 12 }),
      occurredAt: fc
        .integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2027, 11, 31) })
        .map((ms) => new Date(ms)),
      recordedBy: fc.constantFrom<'self' | 'agent'>('self', 'agent'),
    }),
  );

  /** Measures a sequence as the engine does: per person and day, with what was accepted before. */
  function measureDay(input: {
    settings: Details;
    pledge: Details | null;
    contributions: Details[];
    occurredAt: Date;
    recordedBy: 'self' | 'agent';
  }): { days: Map<string, AcceptedContribution[]>; measured: Measurement[] } {
    const pledge =
      input.pledge === null
        ? null
        : outcome(() => plugin.validatePledge(structuredClone(input.pledge), input.settings));
    const days = new Map<string, AcceptedContribution[]>();
    const measured: Measurement[] = [];
    for (const raw of input.contributions) {
      const fallbackDay = input.occurredAt.toISOString().slice(0, 10);
      const field = plugin.dayField === null ? undefined : raw[plugin.dayField];
      const day = typeof field === 'string' ? field : fallbackDay;
      const sameDay = days.get(day) ?? [];
      const result = outcome(() =>
        plugin.measure({
          details: structuredClone(raw),
          settings: input.settings,
          pledge: pledge?.ok ? pledge.value : null,
          occurredAt: input.occurredAt,
          recordedBy: input.recordedBy,
          recorded: {
            day,
            sameDay,
            dayQuantity: sameDay.reduce((sum, earlier) => sum + earlier.quantity, 0),
          },
        }),
      );
      if (!result.ok) {
        expect(
          underPrefix(result.refusal.paths, 'details'),
          `${result.refusal.code} names ${JSON.stringify(result.refusal.paths)}, not a field of details`,
        ).toBe(true);
        continue;
      }
      measured.push(result.value);
      days.set(day, [
        ...sameDay,
        { details: result.value.details, quantity: result.value.quantity },
      ]);
    }
    return { days, measured };
  }

  describe(`action type contract: ${plugin.id}`, () => {
    it('accepts the settings and pledges its schemas describe, or refuses them with a 4xx on the field', () => {
      fc.assert(
        fc.property(
          settingsArbitrary.chain((settings) =>
            fc.tuple(fc.constant(settings), pledgeOf(settings)),
          ),
          ([settings, pledge]) => {
            const result = outcome(() => plugin.validatePledge(structuredClone(pledge), settings));
            if (!result.ok) {
              expect(underPrefix(result.refusal.paths, 'details')).toBe(true);
            }
          },
        ),
        { numRuns },
      );
    });

    it('refuses a field of the wrong type, or an unknown field, with a 4xx that names it', () => {
      const cases: [string, unknown, (value: unknown) => unknown][] = [
        ['actionSettings', plugin.settingsSchema, (value) => plugin.validateSettings(value)],
        ['details', plugin.pledgeSchema, (value) => plugin.validatePledge(value)],
      ];
      if (plugin.contributionSchema !== null) {
        const schema = plugin.contributionSchema;
        cases.push(['details', schema, (value) => plugin.validateContribution(value)]);
      }
      for (const [prefix, schema, validate] of cases) {
        fc.assert(
          fc.property(
            arbitraryOf(schema) as fc.Arbitrary<Details>,
            fc.constantFrom(...propertiesOf(schema), null),
            (valid, target) => {
              const [name, value] =
                target === null
                  ? [`unknown${unique()}`, 'surprise']
                  : [target[0], wrongValueFor(target[1])];
              if (value === undefined) return; // this property takes anything
              const result = outcome(() => validate({ ...valid, [name]: value }));
              expect(result.ok, `${prefix}/${name} = ${JSON.stringify(value)} was accepted`).toBe(
                false,
              );
              if (!result.ok) {
                expect(
                  underPrefix(result.refusal.paths, `${prefix}/${name}`),
                  `${result.refusal.code} names ${JSON.stringify(result.refusal.paths)}, not ${prefix}/${name}`,
                ).toBe(true);
              }
            },
          ),
          { numRuns: Math.max(10, Math.floor(numRuns / 3)) },
        );
      }
    });

    if (plugin.contributionSchema === null) {
      it('takes no contributions: measuring one is refused with a 4xx', () => {
        const result = outcome(() =>
          plugin.measure({ details: {}, settings: {}, pledge: null, occurredAt: new Date() }),
        );
        expect(result.ok).toBe(false);
      });
      return;
    }

    it('measures a finite quantity ≥ 0, within its cap, and a finite CO2e ≥ 0', () => {
      let measuredAny = false;
      fc.assert(
        fc.property(scene, (input) => {
          for (const measurement of measureDay(input).measured) {
            measuredAny = true;
            expect(Number.isFinite(measurement.quantity)).toBe(true);
            expect(measurement.quantity).toBeGreaterThanOrEqual(0);
            if (plugin.unit === null) expect(measurement.quantity).toBe(0);
            if (plugin.maxQuantityPerContribution !== undefined) {
              expect(measurement.quantity).toBeLessThanOrEqual(plugin.maxQuantityPerContribution);
            }
            expect(Number.isFinite(measurement.co2eKg)).toBe(true);
            expect(measurement.co2eKg).toBeGreaterThanOrEqual(0);
          }
        }),
        { numRuns },
      );
      // Properties over contributions that are all refused would prove nothing.
      expect(measuredAny, 'no contribution was ever measured: pass options.contribution').toBe(
        true,
      );
    });

    it('cites only the factors it declares, in their declared version, and sources every figure', () => {
      const versions = new Set(plugin.factors.map((factor) => factor.id));
      fc.assert(
        fc.property(scene, (input) => {
          for (const measurement of measureDay(input).measured) {
            const cited = measurement.cites ?? [];
            for (const factor of cited) {
              expect(versions.has(factor.id), `cited factor "${factor.key}" is not declared`).toBe(
                true,
              );
            }
            // A figure above zero says where it comes from: a cited factor, or a source.
            if (measurement.co2eKg > 0) {
              expect(cited.length > 0 || (measurement.source ?? '') !== '').toBe(true);
            }
            for (const [name, value] of Object.entries(measurement.factors ?? {})) {
              const citedFactor = cited.find((factor) => factor.key === name);
              if (citedFactor !== undefined) {
                expect(value, `factor "${name}"`).toBeCloseTo(citedFactor.value, 12);
                continue;
              }
              // Figures it does not cite are the challenge's own, unless the
              // plugin says what they must be (a carpool's is the car's shared).
              if (options.factorValue === undefined) continue;
              const expected = options.factorValue(name, declared);
              expect(expected, `factor "${name}" is not declared`).toBeDefined();
              expect(value, `factor "${name}"`).toBeCloseTo(expected ?? Number.NaN, 12);
            }
          }
        }),
        { numRuns },
      );
    });

    it('holds its limits per person and day, whatever the sequence of reports', () => {
      const perDay = plugin.maxQuantityPerPersonPerDay;
      fc.assert(
        fc.property(scene, (input) => {
          for (const accepted of measureDay(input).days.values()) {
            const total = accepted.reduce((sum, one) => sum + one.quantity, 0);
            if (perDay !== undefined) expect(total).toBeLessThanOrEqual(perDay + 1e-9);
            options.perPersonDay?.(accepted, input.settings);
          }
        }),
        { numRuns },
      );
    });

    const engine = options.engine;
    if (engine) describeEngineLimits(plugin, engine);
  });
}

/** The daily limit through the HTTP API and the database (see `options.engine`). */
function describeEngineLimits(
  plugin: ActionType,
  engine: NonNullable<ActionTypeContractOptions['engine']>,
): void {
  describe('on the engine', () => {
    let platform: TestPlatform;
    let client: TestClient;
    let challengeId: string;

    beforeAll(async () => {
      platform = await startTestPlatform({ plugins: [plugin] });
      client = createTestClient(platform.app);
      ({ challengeId } = await openChallenge(
        client,
        platform.adminToken,
        {
          title: `${plugin.id} contract`,
          actionType: plugin.id,
          actionSettings: engine.settings,
          goal: { participants: 1_000_000 },
          counterpart: { kind: 'act', description: 'Plant a tree' },
        },
        {
          campaign: engine.campaign ?? {
            title: 'Contract',
            startsAt: '2020-01-01T00:00:00Z',
            audience: { type: 'public' },
          },
        },
      ));
    });
    afterAll(async () => {
      await platform?.stop();
    });

    const progress = async (): Promise<number> => {
      const answer = await client.get<{ progress: { quantity: number } }>(
        `/api/challenges/${challengeId}`,
        { token: platform.adminToken },
      );
      expect(answer.status).toBe(200);
      return answer.body.progress.quantity;
    };

    it('never lets one person count more than the daily limit, and counts what it accepted', async () => {
      const perDay = plugin.maxQuantityPerPersonPerDay;
      let acceptedAny = false;
      await fc.assert(
        fc.asyncProperty(
          fc.array(engine.contribution, { minLength: 1, maxLength: 10 }),
          async (reports) => {
            const token = await client.signIn(`contract-${unique()}@example.org`);
            const pledged = await client.post(
              `/api/challenges/${challengeId}/pledges`,
              { details: engine.pledge ?? {} },
              { token },
            );
            expect(pledged.status, JSON.stringify(pledged.body)).toBe(201);
            const before = await progress();
            const days = new Map<string, number>();
            for (const details of reports) {
              const answer = await client.post<{ quantity: number }>(
                `/api/challenges/${challengeId}/contributions`,
                { details },
                { token },
              );
              expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(500);
              if (answer.status >= 300) continue;
              acceptedAny = true;
              const field = plugin.dayField === null ? undefined : details[plugin.dayField];
              const day = typeof field === 'string' ? field : 'today';
              days.set(day, (days.get(day) ?? 0) + answer.body.quantity);
            }
            let total = 0;
            for (const sum of days.values()) {
              if (perDay !== undefined) expect(sum).toBeLessThanOrEqual(perDay + 1e-9);
              total += sum;
            }
            expect(await progress()).toBeCloseTo(before + total, 6);
          },
        ),
        { numRuns: engine.numRuns ?? 4 },
      );
      // A contract whose every report was refused would prove nothing.
      expect(acceptedAny, 'no contribution was ever accepted: check options.engine').toBe(true);
    });
  });
}
