/**
 * Action types: what people pledge to do and, when measured, report. Like a
 * Decidim component, an action type declares in one manifest its settings,
 * the shape of a pledge and of a contribution, how a contribution is
 * quantified and what it avoids in CO2e.
 */
import { createHash } from 'node:crypto';
import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import type { CapabilityName } from './capabilities.js';
import { isProblem, type ErrorDefinition, type Problem } from './errors.js';
import type { EventDefinition } from './events.js';
import {
  ManifestProblems,
  checkCommonManifest,
  checkObjectSchema,
  copyLocalized,
  declaredCapabilities,
  isRecord,
  personalDataHooks,
  seal,
  type CatalogueDeclaration,
  type Localized,
  type PersonalDataDeclaration,
  type PersonalDataHooks,
  type PluginEventHandler,
  type PluginJob,
  type PluginMigration,
  type PluginRoutes,
} from './manifest.js';
import type { Sql } from './people.js';
import { sdkRuntime } from './runtime.js';
import { canonicalJson } from './sync-items.js';

export type { Localized } from './manifest.js';

const invalid = (path: string, message: string): Error => sdkRuntime().invalid(path, message);
const pluginInvalid = (message: string): Error => sdkRuntime().pluginInvalid(message);
const validateOrThrow = <T>(schema: TSchema, value: unknown, path: string): T =>
  sdkRuntime().validate<T>(schema, value, path);

/**
 * What `quantify`, `impact` and `limits.check` receive: one contribution's
 * validated details, the challenge's settings, the contributor's pledge
 * details (`null` when they report without a pledge) and when it happened.
 */
export interface ActionInput<TDetails, TSettings, TPledge> {
  details: TDetails;
  settings: TSettings;
  pledge: TPledge | null;
  occurredAt: Date;
  /**
   * Who records it: the participant themselves, or an organization's agent
   * (a weigh-in recorded by an agent, a completion sent by a partner).
   */
  recordedBy: 'self' | 'agent';
}

/**
 * What the same person already recorded on the same challenge for the day
 * a new contribution counts for, so that limits hold per person and day
 * rather than per request. The engine reads it after serializing that
 * person's contributions to the challenge, so two requests at once cannot
 * both see the day empty.
 */
export interface RecordedSoFar<TDetails> {
  /**
   * The day the new contribution counts for, `YYYY-MM-DD`: its details'
   * own date (see `dayField`), else the day of `occurredAt` in the
   * organization's time zone.
   */
  day: string;
  /**
   * This person's earlier contributions to this challenge for that day,
   * oldest first, with their validated details and quantity. Empty for an
   * unnamed contribution (a weigh-in nobody claimed): it has no person.
   */
  sameDay: readonly { details: TDetails; quantity: number }[];
  /** The sum of `sameDay`'s quantities, in the action type's unit. */
  dayQuantity: number;
}

/** What `limits.check` receives: one contribution, plus what its person already recorded that day. */
export type LimitInput<TDetails, TSettings, TPledge> = ActionInput<TDetails, TSettings, TPledge> & {
  recorded: RecordedSoFar<TDetails>;
};

/**
 * What `checkReferences` receives: the validated details, the challenge and
 * a database handle inside the contribution's transaction, to look up what
 * the details point at (a drop-off point, a course, a catalogue entry).
 */
export interface ReferenceInput<TDetails, TSettings> {
  details: TDetails;
  settings: TSettings;
  challenge: { id: string; organizationId: string };
  sql: Sql;
}

/**
 * What `resolveSettings` receives: the settings as the request gave them
 * (not yet validated), the organization the challenge belongs to, and a
 * database handle to read the plugin's own tables.
 */
export interface SettingsInput {
  settings: unknown;
  organizationId: string;
  sql: Sql;
}

/** What `resolveSettings` returns: the settings to validate, or why there are none. */
export type ResolvedSettings = { settings: unknown } | { problem: NonNullable<CheckResult> };

/**
 * A reference that does not hold: `path` names the field under `details`
 * (`pointId`, `trips/0/stop`), the answer is a 400 on `details/<path>`.
 */
export type ReferenceProblem = Problem;

/**
 * What a check hook returns: `null` when all is well; otherwise the problem,
 * as `{ path, message }` naming the field under what it checked
 * (`trips/2/mode`; `''` for the whole), or as a bare sentence about the
 * whole. Returned, never thrown: the engine answers a 400
 * `TANDEM_REQUEST_INVALID` naming the field.
 */
export type CheckResult = Problem | string | null;

/** What a contribution avoids: kilograms of CO2e, and where the factor comes from. */
export interface ImpactResult {
  co2eKg: number;
  /** The factor's source, e.g. `ADEME Base Empreinte 2024`. */
  source?: string;
  /** The figures used, by name, so that a figure can be audited later. */
  factors?: Record<string, number>;
  /**
   * The keys of the manifest's declared `factors` this figure rests on
   * (e.g. `['car', 'bike']`). The engine keeps with the contribution a
   * reference to the exact version of each (value, source, dataset and
   * version date), so a factor changed later never rewrites what was
   * recorded. Leave out a factor the challenge's settings replaced: the
   * figure then rests on the challenge's own value, not the declared one.
   */
  cites?: readonly string[];
}

/** The empty object schema TypeBox infers when a manifest gives no schema. */
type EmptyObjectSchema = TObject<Record<never, never>>;

type ManifestInput<
  TPledge extends TSchema,
  TContribution extends TSchema,
  TSettings extends TSchema,
> = ActionInput<Static<TContribution>, Static<TSettings>, Static<TPledge>>;

/**
 * What a plugin author writes to declare an action type. The type parameters
 * are inferred from the schemas, so `quantify` and friends see typed details.
 */
export interface ActionTypeManifest<
  TPledge extends TSchema,
  TContribution extends TSchema,
  TSettings extends TSchema,
  C extends CapabilityName = never,
> extends CatalogueDeclaration {
  /** kebab-case, 2..40 characters; prefixes the plugin's tables and events. */
  id: string;
  /** The plugin's own version, `x.y.z`. */
  version: string;
  /** The `@tandem/core` versions this plugin works with; default `*`. */
  coreRange?: string;
  title: Localized;
  description?: Localized;
  /** What a quantity counts: `km`, `kg`, `course`…; `null` when nothing is measured. */
  unit: string | null;
  /** Validates a challenge's `actionSettings`; default: an empty object, no extra fields. */
  settingsSchema?: TSettings;
  /** Validates a pledge's `details`; default: an empty object, no extra fields. */
  pledgeSchema?: TPledge;
  /**
   * Checks a pledge against the challenge's settings beyond its schema (the
   * actions picked exist in the challenge's catalogue); returns the problem
   * (`{ path, message }` under `details`, or a sentence) when it does not
   * fit, `null` when it does.
   */
  checkPledge?(input: { details: Static<TPledge>; settings: Static<TSettings> }): CheckResult;
  /**
   * Checks a challenge's settings beyond their schema (ids unique in a
   * catalogue); returns the problem (`{ path, message }` under
   * `actionSettings`, or a sentence) when they do not hold, `null` when they do.
   */
  checkSettings?(settings: Static<TSettings>): CheckResult;
  /**
   * Turns settings that refer to something the organization keeps (its
   * own catalogue of actions) into the settings stored with the challenge.
   * Runs once, when the challenge is created, before the settings are
   * validated, so that every other hook sees complete settings and a
   * running challenge does not change when the organization edits what it
   * keeps. Returns `{ settings }` (unchanged when they refer to nothing),
   * or `{ problem }` — `{ path, message }` under `actionSettings`, or a
   * sentence — when the reference does not hold.
   */
  resolveSettings?(input: SettingsInput): Promise<ResolvedSettings>;
  /** Validates a contribution's `details`; absent: this action type takes no contributions. */
  contributionSchema?: TContribution;
  /** The contribution's amount in `unit`; default 0. */
  quantify?(input: ManifestInput<TPledge, TContribution, TSettings>): number;
  /** The kg CO2e a contribution avoids; default 0. */
  impact?(input: ManifestInput<TPledge, TContribution, TSettings>): ImpactResult;
  /**
   * The top-level field of a contribution's details that holds the day it
   * happened, `YYYY-MM-DD` (e.g. a trip's `date`). The engine then counts the
   * contribution for that day, holds it to the campaign's window and
   * answers 400 on `details/<dayField>` when it falls outside. Without one,
   * the day is that of `occurredAt` in the organization's time zone.
   */
  dayField?: string;
  /**
   * Guards against absurd reports (a typo of 2000 km for 20) and against one
   * person counting many times. Every limit holds per person: the engine
   * passes `check` what this person already recorded that day.
   */
  limits?: {
    /** The most a single contribution may quantify, in `unit`. */
    maxQuantityPerContribution?: number;
    /**
     * The most one person's contributions to one challenge may quantify for
     * one day, all together, in `unit` (a person cannot cycle 15,000 km in
     * a day by reporting 200 km 76 times).
     */
    maxQuantityPerPersonPerDay?: number;
    /**
     * The key under which a person's contribution counts only once per
     * challenge — a course finished counts once, however many times and by
     * whichever route it is reported. Return `null` for no such rule. The
     * engine stores the key and a unique index refuses a second one (409
     * `TANDEM_CONTRIBUTION_ALREADY_COUNTED`), under any concurrency.
     *
     * @example countsOncePer: ({ details }) => details.courseId
     * @example countsOncePer: ({ details, day }) => `${details.action}/${day}` // once a day
     */
    countsOncePer?(input: {
      details: Static<TContribution>;
      settings: Static<TSettings>;
      day: string;
    }): string | null;
    /**
     * Returns why the contribution is absurd (`{ path, message }` under
     * `details`, or a sentence), or `null` when it is plausible. `recorded` holds what the same person
     * already recorded that day, so a cap per mode or per item can hold per
     * person and day.
     */
    check?(
      input: LimitInput<Static<TContribution>, Static<TSettings>, Static<TPledge>>,
    ): CheckResult;
  };
  /**
   * Checks what a contribution's details point at, with the database: a
   * drop-off point of the organization, a course the challenge counts, an
   * action of its catalogue. Runs on every path that records a
   * contribution (core's route, plugins' routes, integrations), inside the
   * contribution's transaction. Returns the problem, or `null` when every
   * reference holds.
   */
  checkReferences?(
    input: ReferenceInput<Static<TContribution>, Static<TSettings>>,
  ): Promise<ReferenceProblem | null>;
  /**
   * What the plugin uses of the platform, e.g. `['tables', 'challenges']`;
   * its routes, jobs and handlers receive these only.
   */
  capabilities?: readonly C[];
  /** Where `router.route` urls are mounted; default `/api/<id>`. */
  routePrefix?: string;
  routes?: PluginRoutes<C>;
  /** Event handlers by event type, e.g. `{ 'pledge.confirmed': handler }`. */
  on?: Record<string, PluginEventHandler<C>>;
  /** Background jobs by name (verb-noun); each safe to run twice. */
  jobs?: Record<string, PluginJob<C>>;
  /** The plugin's own tables, in SQL, applied after core's migrations. */
  migrations?: readonly PluginMigration[];
  /** The emission factors `impact` uses, for reports and audits. */
  factors?: readonly FactorDeclaration[];
  /**
   * What its tables hold about a person: `{ export, erase }`, or `'none'`.
   * Required when it has migrations. Pledge and contribution details live
   * in core's tables: core exports them, blanks pledge details on erasure
   * and keeps contributions' (the measures that count); an `erase` hook
   * scrubs any free text its contribution details may carry.
   */
  personalData?: PersonalDataDeclaration;
}

/**
 * One emission factor (or assumption) an action type uses, declared in its
 * manifest so that a campaign report can list every factor behind its CO2e
 * figure and a sponsor can find each one in its dataset (ADR 0045).
 *
 * @example
 * { key: 'car', label: 'Car, driven alone', value: 0.2176, unit: 'kg CO2e / passenger-km',
 *   source: 'ADEME, Impact CO2 transport data (Base Empreinte®)',
 *   datasetId: 'Impact CO2 transport 4 (voiturethermique)', versionDate: '2024',
 *   note: 'per vehicle-km, one occupant: fuel 0.192 + construction 0.0256' }
 */
export interface FactorDeclaration {
  /** Stable name, as cited by `ImpactResult.cites` (e.g. `car`); unique in the manifest. */
  key: string;
  label: string;
  value: number;
  /** e.g. `kg CO2e / passenger-km`, `kg CO2e / year`. */
  unit: string;
  /** Who publishes it and the dataset's name, e.g. `ADEME, Base Empreinte®`. */
  source: string;
  /** The value's identifier in that dataset (a Base Empreinte id, an entry's name). */
  datasetId: string;
  /**
   * The dataset release the value comes from: `YYYY`, `YYYY-MM` or
   * `YYYY-MM-DD`, as precise as the publisher dates it. A changed value is a
   * new version: change this with it.
   */
  versionDate: string;
  /** What the value covers, and any choice made in reading it. */
  note?: string;
}

/**
 * A declared factor as a contribution keeps it: the declaration, and `id`,
 * a fingerprint of every field, so that two versions of one factor never
 * share an id and the same version always has the same one.
 */
export interface FactorVersion extends FactorDeclaration {
  readonly id: string;
  readonly actionType: string;
}

/** What `measure` returns, ready to be stored with the contribution. */
export interface Measurement {
  /** The details as validated (schema defaults applied). */
  details: Record<string, unknown>;
  /** The amount in the action type's unit; 0 when it measures nothing. */
  quantity: number;
  co2eKg: number;
  source?: string;
  /** The factors used, by name, as the plugin returned them (kept with the contribution for audits). */
  factors?: Record<string, number>;
  /** The declared factors the figure rests on, in the version in force when it was measured. */
  cites?: readonly FactorVersion[];
}

/** What `measure` needs: the raw details from the request and what was stored before. */
export interface MeasureInput {
  details: unknown;
  settings: Record<string, unknown>;
  pledge: Record<string, unknown> | null;
  occurredAt: Date;
  /** Default `self`. */
  recordedBy?: 'self' | 'agent';
  /**
   * What the person already recorded that day. Default: nothing, on the
   * day of `occurredAt` in UTC (for callers that measure outside a
   * contribution, such as previews and tests).
   */
  recorded?: RecordedSoFar<Record<string, unknown>>;
}

/**
 * A checked, frozen action type, as the registry and the core use it. Its
 * schemas are plain TSchemas: past the plugin boundary, details are records.
 */
export interface ActionType {
  readonly kind: 'action-type';
  readonly id: string;
  readonly version: string;
  /** The `@tandem/core` range this plugin supports; `*` when the manifest gave none. */
  readonly coreRange: string;
  readonly title: Readonly<Localized>;
  readonly description?: Readonly<Localized>;
  readonly unit: string | null;
  readonly settingsSchema: TSchema;
  readonly pledgeSchema: TSchema;
  readonly contributionSchema: TSchema | null;
  /** Whether contributions can be reported (the manifest has a `contributionSchema`). */
  readonly takesContributions: boolean;
  /** The most a single contribution may quantify, if the plugin set a cap. */
  readonly maxQuantityPerContribution?: number;
  /** The most one person's contributions may quantify in a day, if the plugin set a cap. */
  readonly maxQuantityPerPersonPerDay?: number;
  /** The details field holding the contribution's own day (`YYYY-MM-DD`), or `null`. */
  readonly dayField: string | null;
  /** The capabilities it declared; its context holds these only. */
  readonly capabilities: readonly CapabilityName[];
  /** Where its own routes are mounted (`/api/<id>` unless the manifest said otherwise). */
  readonly routePrefix: string;
  readonly routes?: PluginRoutes;
  /** Event handlers by event type; empty when the plugin has none. */
  readonly on: Readonly<Record<string, PluginEventHandler>>;
  /** Jobs by name; empty when the action type has none. */
  readonly jobs: Readonly<Record<string, PluginJob>>;
  /** Schema changes, oldest first; empty when it has no tables. */
  readonly migrations: readonly PluginMigration[];
  /** The emission factors it declares, each with its version's id; empty when none. */
  readonly factors: readonly FactorVersion[];
  /** Its personal-data hooks; `null` when it holds nothing about people. */
  readonly personalData: PersonalDataHooks | null;
  /** Its own error codes (ADR 0022); empty when none. */
  readonly errors: Readonly<Record<string, ErrorDefinition>>;
  /** Its own events (ADR 0022); empty when none. */
  readonly events: readonly EventDefinition[];
  /**
   * Validates a challenge's `actionSettings` (defaults applied; `undefined`
   * counts as `{}`). Throws TANDEM_REQUEST_INVALID, or
   * TANDEM_REQUEST_UNKNOWN_FIELD, with a path such as `actionSettings/maxKm`.
   */
  validateSettings(value: unknown): Record<string, unknown>;
  /**
   * The settings to validate and store for a new challenge: the plugin's
   * `resolveSettings`, or the settings unchanged when it has none. Call it
   * before `validateSettings` wherever settings are written. Throws
   * TANDEM_REQUEST_INVALID under `actionSettings` when the plugin reports a
   * problem.
   */
  resolveSettings(input: SettingsInput): Promise<unknown>;
  /**
   * Validates a pledge's `details` (defaults applied; `undefined` counts as
   * `{}`) and against the challenge's settings (`checkPledge`). Throws like
   * `validateSettings`, with paths under `details`.
   */
  validatePledge(value: unknown, settings?: Record<string, unknown>): Record<string, unknown>;
  /**
   * Validates a contribution's details and computes its quantity and impact.
   * Throws TANDEM_CHALLENGE_TAKES_NO_CONTRIBUTIONS when the action type takes no contributions;
   * TANDEM_REQUEST_INVALID / TANDEM_REQUEST_UNKNOWN_FIELD with a path under
   * `details` when the details are wrong, out of limits, or yield a negative
   * or non-finite figure.
   */
  measure(input: MeasureInput): Measurement;
  /**
   * Validates a contribution's details (defaults applied) without measuring
   * them, so the engine can read their day before it loads the person's
   * history. Throws like `measure`.
   */
  validateContribution(value: unknown): Record<string, unknown>;
  /** The key the contribution counts once under (`countsOncePer`), or `null`. */
  onceKey(input: {
    details: Record<string, unknown>;
    settings: Record<string, unknown>;
    day: string;
  }): string | null;
  /**
   * Runs the plugin's `checkReferences`. Throws TANDEM_REQUEST_INVALID on
   * `details/<path>` when a reference does not hold.
   */
  checkReferences(
    input: ReferenceInput<Record<string, unknown>, Record<string, unknown>>,
  ): Promise<void>;
}

const MANIFEST_KEYS = [
  'id',
  'version',
  'coreRange',
  'title',
  'description',
  'unit',
  'settingsSchema',
  'pledgeSchema',
  'checkPledge',
  'checkSettings',
  'resolveSettings',
  'contributionSchema',
  'quantify',
  'impact',
  'limits',
  'dayField',
  'checkReferences',
  'capabilities',
  'routePrefix',
  'routes',
  'on',
  'jobs',
  'migrations',
  'errors',
  'events',
  'factors',
  'personalData',
] as const;

type LooseInput = ActionInput<
  Record<string, unknown>,
  Record<string, unknown>,
  Record<string, unknown>
>;

type LooseLimitInput = LooseInput & { recorded: RecordedSoFar<Record<string, unknown>> };

/** The manifest once its shape is checked and its generics no longer matter. */
interface CheckedManifest {
  id: string;
  version: string;
  coreRange?: string;
  title: Localized;
  description?: Localized;
  unit: string | null;
  settingsSchema?: TSchema;
  pledgeSchema?: TSchema;
  contributionSchema?: TSchema;
  quantify?(input: LooseInput): number;
  impact?(input: LooseInput): ImpactResult;
  dayField?: string;
  limits?: {
    maxQuantityPerContribution?: number;
    maxQuantityPerPersonPerDay?: number;
    countsOncePer?(input: {
      details: Record<string, unknown>;
      settings: Record<string, unknown>;
      day: string;
    }): string | null;
    check?(input: LooseLimitInput): CheckResult;
  };
  checkReferences?(
    input: ReferenceInput<Record<string, unknown>, Record<string, unknown>>,
  ): Promise<ReferenceProblem | null>;
  jobs?: Record<string, PluginJob>;
  migrations?: readonly PluginMigration[];
  factors?: readonly FactorDeclaration[];
  checkSettings?(settings: Record<string, unknown>): CheckResult;
  resolveSettings?(input: SettingsInput): Promise<ResolvedSettings>;
  checkPledge?(input: {
    details: Record<string, unknown>;
    settings: Record<string, unknown>;
  }): CheckResult;
  capabilities?: readonly CapabilityName[];
  routePrefix?: string;
  errors?: Readonly<Record<string, ErrorDefinition>>;
  events?: readonly EventDefinition[];
  routes?: PluginRoutes;
  on?: Record<string, PluginEventHandler>;
  personalData?: PersonalDataDeclaration;
}

/**
 * Turns what a check hook returned into a 400 naming the field: a
 * `{ path, message }` under `part` (`details/trips/2/mode`), or a sentence
 * about `part` as a whole. A hook that returns anything else breaks the SDK.
 */
function reportProblem(id: string, hook: string, part: string, result: unknown): void {
  if (result === undefined || result === null) return;
  if (typeof result === 'string' && result !== '') throw sdkRuntime().invalid(part, result);
  if (isProblem(result)) {
    const path = result.path.replace(/^\//, '');
    throw sdkRuntime().invalid(path === '' ? part : `${part}/${path}`, result.message);
  }
  throw sdkRuntime().pluginInvalid(
    `action type "${id}": ${hook} must return { path, message }, a sentence or null`,
  );
}

function checkManifest(manifest: unknown): asserts manifest is CheckedManifest {
  const problems = new ManifestProblems();
  if (!isRecord(manifest)) {
    problems.add('manifest', 'must be an object');
    problems.throwIfAny('action type', undefined);
    return;
  }
  checkCommonManifest(problems, manifest, MANIFEST_KEYS);
  const { unit, limits } = manifest;
  if (unit !== null && (typeof unit !== 'string' || unit.trim() === '')) {
    problems.add('unit', 'must be a non-empty string, or null when nothing is measured');
  }
  checkObjectSchema(problems, 'settingsSchema', manifest.settingsSchema);
  checkObjectSchema(problems, 'pledgeSchema', manifest.pledgeSchema);
  checkObjectSchema(problems, 'contributionSchema', manifest.contributionSchema);
  for (const name of [
    'quantify',
    'impact',
    'checkPledge',
    'checkSettings',
    'resolveSettings',
  ] as const) {
    if (manifest[name] !== undefined && typeof manifest[name] !== 'function') {
      problems.add(name, 'must be a function');
    }
  }
  if (limits !== undefined) {
    if (!isRecord(limits)) {
      problems.add('limits', 'must be an object');
    } else {
      for (const name of ['maxQuantityPerContribution', 'maxQuantityPerPersonPerDay'] as const) {
        const max = limits[name];
        if (max !== undefined && (typeof max !== 'number' || !Number.isFinite(max) || max < 0)) {
          problems.add(`limits.${name}`, 'must be a finite number ≥ 0');
        }
      }
      for (const name of ['check', 'countsOncePer'] as const) {
        if (limits[name] !== undefined && typeof limits[name] !== 'function') {
          problems.add(`limits.${name}`, 'must be a function');
        }
      }
      const known = [
        'maxQuantityPerContribution',
        'maxQuantityPerPersonPerDay',
        'countsOncePer',
        'check',
      ];
      for (const key of Object.keys(limits)) {
        if (!known.includes(key)) {
          problems.add(`limits.${key}`, 'is not a known manifest field');
        }
      }
    }
  }
  if (manifest.checkReferences !== undefined && typeof manifest.checkReferences !== 'function') {
    problems.add('checkReferences', 'must be a function');
  }
  if (manifest.dayField !== undefined) {
    // The engine reads the day straight from the details: the field must be
    // a top-level string the schema declares, or no contribution has one.
    const properties = isRecord(manifest.contributionSchema)
      ? manifest.contributionSchema['properties']
      : undefined;
    const field =
      typeof manifest.dayField === 'string' && isRecord(properties)
        ? properties[manifest.dayField]
        : undefined;
    if (!isRecord(field) || field['type'] !== 'string') {
      problems.add('dayField', 'must name a string property of the contributionSchema');
    }
  }
  // These only ever run on a contribution; without a contributionSchema
  // they are dead code, most likely a forgotten schema.
  if (manifest.contributionSchema === undefined) {
    for (const name of ['quantify', 'impact', 'limits', 'checkReferences'] as const) {
      if (manifest[name] !== undefined) {
        problems.add(name, 'needs a contributionSchema: without one there are no contributions');
      }
    }
  }
  if (manifest.factors !== undefined) {
    const factors = manifest.factors;
    if (!Array.isArray(factors))
      problems.add(
        'factors',
        'must be a list of { key, label, value, unit, source, datasetId, versionDate, note? }',
      );
    else {
      const keys = new Set<string>();
      factors.forEach((factor: unknown, i) => {
        const problem = factorProblem(factor);
        if (problem !== null) problems.add(`factors[${i}]`, problem);
        else if (isRecord(factor)) {
          const key = String(factor['key']);
          if (keys.has(key)) problems.add(`factors[${i}]`, `key "${key}" is declared twice`);
          keys.add(key);
        }
      });
    }
  }
  if (unit === null && manifest.quantify !== undefined) {
    problems.add('quantify', 'needs a unit: with unit null nothing is measured');
  }
  problems.throwIfAny('action type', manifest.id);
}

/** A dataset release: a year, a month or a day. */
const VERSION_DATE = /^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$/;

const nonEmpty = (value: unknown): boolean => typeof value === 'string' && value.trim() !== '';

/** What is wrong with one declared factor, or `null`. */
function factorProblem(factor: unknown): string | null {
  if (!isRecord(factor)) return 'must be an object';
  for (const name of ['key', 'label', 'unit', 'source', 'datasetId'] as const) {
    if (!nonEmpty(factor[name])) return `${name} must be a non-empty string`;
  }
  const value = factor['value'];
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'value must be a finite number';
  const versionDate = factor['versionDate'];
  if (typeof versionDate !== 'string' || !VERSION_DATE.test(versionDate)) {
    return 'versionDate must name the dataset release as YYYY, YYYY-MM or YYYY-MM-DD';
  }
  if (factor['note'] !== undefined && typeof factor['note'] !== 'string') {
    return 'note must be a string';
  }
  const known = ['key', 'label', 'value', 'unit', 'source', 'datasetId', 'versionDate', 'note'];
  const extra = Object.keys(factor).find((name) => !known.includes(name));
  return extra === undefined ? null : `${extra} is not a field of a factor`;
}

/**
 * One declared factor, frozen with its version's id: a fingerprint of the
 * action type and every field, so a changed value, source or version date
 * is another id and the same declaration always the same one.
 */
function factorVersion(actionType: string, factor: FactorDeclaration): FactorVersion {
  const declared: FactorDeclaration = {
    key: factor.key,
    label: factor.label,
    value: factor.value,
    unit: factor.unit,
    source: factor.source,
    datasetId: factor.datasetId,
    versionDate: factor.versionDate,
    ...(factor.note !== undefined ? { note: factor.note } : {}),
  };
  const digest = createHash('sha256')
    .update(canonicalJson({ actionType, ...declared }))
    .digest('hex')
    .slice(0, 32);
  return Object.freeze({ id: `fct_${digest}`, actionType, ...declared });
}

/** Keeps the finite numbers of a plugin's factor table, dropping anything else. */
function numericRecord(value: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, figure] of Object.entries(value)) {
    if (typeof figure === 'number' && Number.isFinite(figure)) out[key] = figure;
  }
  return out;
}

/** A result a plugin computed must be a finite number ≥ 0; a bad one is refused as bad details. */
function checkFigure(actionTypeId: string, what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    // Most often the schema let an odd value through (a negative distance);
    // the caller can fix the request, so this is a 400 on `details`.
    throw invalid(
      'details',
      `action type "${actionTypeId}" computed ${what} ${String(value)}, which is not a finite number ≥ 0`,
    );
  }
  return value;
}

/**
 * Declares an action type. The manifest is checked at once, so a broken
 * plugin stops the process at load time rather than at the first request.
 *
 * @param manifest - the action type's id, version, titles, unit, schemas and
 *   computations; see {@link ActionTypeManifest}
 * @returns a frozen {@link ActionType}, to be registered with a registry
 * @throws TandemError `TANDEM_PLUGIN_INVALID` naming the plugin and every problem found
 *
 * @example
 * const bike = defineActionType({
 *   id: 'bike-km',
 *   version: '1.0.0',
 *   coreRange: '^0.1.0',
 *   title: { fr: 'Aller au travail à vélo', en: 'Cycle to work' },
 *   unit: 'km',
 *   contributionSchema: Type.Object({ km: Type.Number({ minimum: 0 }) }, { additionalProperties: false }),
 *   quantify: ({ details }) => details.km,
 *   impact: ({ details }) => ({ co2eKg: details.km * 0.218, source: 'ADEME 2024, car' }),
 *   limits: { maxQuantityPerContribution: 200 },
 * });
 */
export function defineActionType<
  TPledge extends TSchema = EmptyObjectSchema,
  TContribution extends TSchema = EmptyObjectSchema,
  TSettings extends TSchema = EmptyObjectSchema,
  const C extends CapabilityName = never,
>(manifest: ActionTypeManifest<TPledge, TContribution, TSettings, C>): ActionType {
  const checked: unknown = manifest;
  checkManifest(checked);
  const { id, quantify, impact, limits } = checked;
  // A fresh default per action type: nothing is shared between plugins.
  const settingsSchema = checked.settingsSchema ?? Type.Object({}, { additionalProperties: false });
  const pledgeSchema = checked.pledgeSchema ?? Type.Object({}, { additionalProperties: false });
  const contributionSchema = checked.contributionSchema ?? null;
  const max = limits?.maxQuantityPerContribution;
  const maxPerDay = limits?.maxQuantityPerPersonPerDay;
  const dayField = checked.dayField ?? null;
  const declaredFactors = (checked.factors ?? []).map((f) => factorVersion(id, f));
  const factorByKey = new Map(declaredFactors.map((f) => [f.key, f]));

  /** The declared factors a measurement cites, in their current version. */
  const citedFactors = (cites: unknown): FactorVersion[] => {
    if (!Array.isArray(cites)) {
      throw pluginInvalid(`action type "${id}": impact's cites must be a list of factor keys`);
    }
    const out: FactorVersion[] = [];
    for (const key of new Set<unknown>(cites)) {
      const factor = typeof key === 'string' ? factorByKey.get(key) : undefined;
      if (factor === undefined) {
        throw pluginInvalid(
          `action type "${id}": impact cites the factor ${JSON.stringify(key)}, which its manifest does not declare`,
        );
      }
      out.push(factor);
    }
    return out;
  };

  const validateContribution = (value: unknown): Record<string, unknown> => {
    if (contributionSchema === null) {
      throw sdkRuntime().conflict(
        `action type "${id}" takes no contributions`,
        'TANDEM_CHALLENGE_TAKES_NO_CONTRIBUTIONS',
      );
    }
    return validateOrThrow<Record<string, unknown>>(contributionSchema, value, 'details');
  };

  const actionType: ActionType = {
    kind: 'action-type',
    id,
    version: checked.version,
    coreRange: checked.coreRange ?? '*',
    title: copyLocalized(checked.title),
    ...(checked.description ? { description: copyLocalized(checked.description) } : {}),
    unit: checked.unit,
    settingsSchema,
    pledgeSchema,
    contributionSchema,
    takesContributions: contributionSchema !== null,
    ...(max !== undefined ? { maxQuantityPerContribution: max } : {}),
    ...(maxPerDay !== undefined ? { maxQuantityPerPersonPerDay: maxPerDay } : {}),
    dayField,
    capabilities: declaredCapabilities(checked.capabilities),
    routePrefix: checked.routePrefix ?? `/api/${id}`,
    ...(checked.routes ? { routes: checked.routes } : {}),
    on: Object.freeze({ ...checked.on }),
    jobs: Object.freeze({ ...checked.jobs }),
    migrations: Object.freeze([...(checked.migrations ?? [])]),
    factors: Object.freeze(declaredFactors),
    personalData: personalDataHooks(checked.personalData),
    errors: Object.freeze({ ...checked.errors }),
    events: Object.freeze([...(checked.events ?? [])]),

    validateSettings(value) {
      const settings = validateOrThrow<Record<string, unknown>>(
        settingsSchema,
        value === undefined ? {} : value,
        'actionSettings',
      );
      reportProblem(id, 'checkSettings', 'actionSettings', checked.checkSettings?.(settings));
      return settings;
    },

    async resolveSettings(input) {
      if (!checked.resolveSettings) return input.settings;
      const resolved: unknown = await checked.resolveSettings(input);
      if (isRecord(resolved) && 'settings' in resolved) return resolved['settings'];
      if (isRecord(resolved) && 'problem' in resolved) {
        reportProblem(id, 'resolveSettings', 'actionSettings', resolved['problem']);
      }
      throw pluginInvalid(
        `action type "${id}": resolveSettings must return { settings } or { problem }`,
      );
    },

    validatePledge(value, settings = {}) {
      const details = validateOrThrow<Record<string, unknown>>(
        pledgeSchema,
        value === undefined ? {} : value,
        'details',
      );
      reportProblem(id, 'checkPledge', 'details', checked.checkPledge?.({ details, settings }));
      return details;
    },

    validateContribution,

    onceKey(input) {
      const key = limits?.countsOncePer?.(input) ?? null;
      if (key !== null && (typeof key !== 'string' || key === '')) {
        throw pluginInvalid(
          `action type "${id}": limits.countsOncePer must return a non-empty string or null`,
        );
      }
      return key;
    },

    async checkReferences(input) {
      const problem = (await checked.checkReferences?.(input)) ?? null;
      if (problem === null) return;
      if (
        !isRecord(problem) ||
        typeof problem.path !== 'string' ||
        typeof problem.message !== 'string'
      ) {
        throw pluginInvalid(
          `action type "${id}": checkReferences must return { path, message } or null`,
        );
      }
      reportProblem(id, 'checkReferences', 'details', problem);
    },

    measure(input) {
      const details = validateContribution(input.details);
      const actionInput: LooseInput = {
        details,
        settings: input.settings,
        pledge: input.pledge,
        occurredAt: input.occurredAt,
        recordedBy: input.recordedBy ?? 'self',
      };
      const quantity = checkFigure(id, 'a quantity of', quantify ? quantify(actionInput) : 0);
      if (max !== undefined && quantity > max) {
        const unit = checked.unit ?? '';
        throw invalid(
          'details',
          `${quantity} ${unit} is more than the ${max} ${unit} one contribution may hold`,
        );
      }
      const recorded = input.recorded ?? {
        day: input.occurredAt.toISOString().slice(0, 10),
        sameDay: [],
        dayQuantity: 0,
      };
      if (maxPerDay !== undefined && recorded.dayQuantity + quantity > maxPerDay) {
        const unit = checked.unit ?? '';
        const already = Math.round(recorded.dayQuantity * 1e6) / 1e6;
        throw invalid(
          'details',
          `${quantity} ${unit} more on ${recorded.day}, after the ${already} ${unit} already recorded that day, is more than the ${maxPerDay} ${unit} one person may record in a day`,
        );
      }
      reportProblem(id, 'limits.check', 'details', limits?.check?.({ ...actionInput, recorded }));
      const result = impact ? impact(actionInput) : { co2eKg: 0 };
      if (!isRecord(result)) {
        throw pluginInvalid(`action type "${id}": impact must return { co2eKg, source? }`);
      }
      const co2eKg = checkFigure(id, 'a CO2e of', result.co2eKg);
      return {
        details,
        quantity,
        co2eKg,
        ...(typeof result.source === 'string' ? { source: result.source } : {}),
        ...(isRecord(result.factors) ? { factors: numericRecord(result.factors) } : {}),
        ...(result.cites !== undefined ? { cites: citedFactors(result.cites) } : {}),
      };
    },
  };
  return seal(actionType);
}
