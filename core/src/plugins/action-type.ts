/**
 * Action types: what people pledge to do and, when measured, report. Like a
 * Decidim component, an action type declares in one manifest its settings,
 * the shape of a pledge and of a contribution, how a contribution is
 * quantified and what it avoids in CO2e.
 */
import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import { TandemError, conflict, invalid } from '../errors.js';
import { validateOrThrow } from '../validation.js';
import {
  ManifestProblems,
  checkCommonManifest,
  checkObjectSchema,
  copyLocalized,
  isRecord,
  personalDataHooks,
  seal,
  type Localized,
  type PersonalDataDeclaration,
  type PersonalDataHooks,
  type PluginEventHandler,
  type PluginJob,
  type PluginMigration,
  type PluginRoutes,
} from './manifest.js';

export type { Localized } from './manifest.js';

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

/** What a contribution avoids: kilograms of CO2e, and where the factor comes from. */
export interface ImpactResult {
  co2eKg: number;
  /** The factor's source, e.g. `ADEME Base Empreinte 2024`. */
  source?: string;
  /** The factors used, by name, so that a figure can be audited later. */
  factors?: Record<string, number>;
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
> {
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
   * actions picked exist in the challenge's catalogue); returns a sentence
   * when it does not fit, `null` when it does.
   */
  checkPledge?(input: { details: Static<TPledge>; settings: Static<TSettings> }): string | null;
  /**
   * Checks a challenge's settings beyond their schema (ids unique in a
   * catalogue); returns a sentence when they do not hold, `null` when they do.
   */
  checkSettings?(settings: Static<TSettings>): string | null;
  /** Validates a contribution's `details`; absent: this action type takes no contributions. */
  contributionSchema?: TContribution;
  /** The contribution's amount in `unit`; default 0. */
  quantify?(input: ManifestInput<TPledge, TContribution, TSettings>): number;
  /** The kg CO2e a contribution avoids; default 0. */
  impact?(input: ManifestInput<TPledge, TContribution, TSettings>): ImpactResult;
  /** Guards against absurd reports (a typo of 2000 km for 20). */
  limits?: {
    /** The most a single contribution may quantify, in `unit`. */
    maxQuantityPerContribution?: number;
    /** Returns a sentence explaining why the contribution is absurd, or `null` when it is plausible. */
    check?(input: ManifestInput<TPledge, TContribution, TSettings>): string | null;
  };
  routes?: PluginRoutes;
  /** Event handlers by event type, e.g. `{ 'pledge.confirmed': handler }`. */
  on?: Record<string, PluginEventHandler>;
  /** Background jobs by name (verb-noun); each safe to run twice. */
  jobs?: Record<string, PluginJob>;
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
 * One emission factor an action type uses, declared in its manifest so that
 * a campaign report can list every factor behind its CO2e figure.
 */
export interface FactorDeclaration {
  /** Stable name, as in `ImpactResult.factors` (e.g. `car`). */
  key: string;
  label: string;
  value: number;
  /** e.g. `kg CO2e / passenger-km`. */
  unit: string;
  /** Where it comes from, e.g. `ADEME Base Empreinte, 2024`. */
  source: string;
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
}

/** What `measure` needs: the raw details from the request and what was stored before. */
export interface MeasureInput {
  details: unknown;
  settings: Record<string, unknown>;
  pledge: Record<string, unknown> | null;
  occurredAt: Date;
  /** Default `self`. */
  recordedBy?: 'self' | 'agent';
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
  readonly routes?: PluginRoutes;
  /** Event handlers by event type; empty when the plugin has none. */
  readonly on: Readonly<Record<string, PluginEventHandler>>;
  /** Jobs by name; empty when the action type has none. */
  readonly jobs: Readonly<Record<string, PluginJob>>;
  /** Schema changes, oldest first; empty when it has no tables. */
  readonly migrations: readonly PluginMigration[];
  /** The emission factors it declares; empty when none. */
  readonly factors: readonly FactorDeclaration[];
  /** Its personal-data hooks; `null` when it holds nothing about people. */
  readonly personalData: PersonalDataHooks | null;
  /**
   * Validates a challenge's `actionSettings` (defaults applied; `undefined`
   * counts as `{}`). Throws TANDEM_REQUEST_INVALID, or
   * TANDEM_REQUEST_UNKNOWN_FIELD, with a path such as `actionSettings/maxKm`.
   */
  validateSettings(value: unknown): Record<string, unknown>;
  /**
   * Validates a pledge's `details` (defaults applied; `undefined` counts as
   * `{}`) and against the challenge's settings (`checkPledge`). Throws like
   * `validateSettings`, with paths under `details`.
   */
  validatePledge(value: unknown, settings?: Record<string, unknown>): Record<string, unknown>;
  /**
   * Validates a contribution's details and computes its quantity and impact.
   * Throws TANDEM_STATE_CONFLICT when the action type takes no contributions;
   * TANDEM_REQUEST_INVALID / TANDEM_REQUEST_UNKNOWN_FIELD with a path under
   * `details` when the details are wrong, out of limits, or yield a negative
   * or non-finite figure.
   */
  measure(input: MeasureInput): Measurement;
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
  'contributionSchema',
  'quantify',
  'impact',
  'limits',
  'routes',
  'on',
  'jobs',
  'migrations',
  'factors',
  'personalData',
] as const;

type LooseInput = ActionInput<
  Record<string, unknown>,
  Record<string, unknown>,
  Record<string, unknown>
>;

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
  limits?: { maxQuantityPerContribution?: number; check?(input: LooseInput): string | null };
  jobs?: Record<string, PluginJob>;
  migrations?: readonly PluginMigration[];
  factors?: readonly FactorDeclaration[];
  checkSettings?(settings: Record<string, unknown>): string | null;
  checkPledge?(input: {
    details: Record<string, unknown>;
    settings: Record<string, unknown>;
  }): string | null;
  routes?: PluginRoutes;
  on?: Record<string, PluginEventHandler>;
  personalData?: PersonalDataDeclaration;
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
  for (const name of ['quantify', 'impact', 'checkPledge', 'checkSettings'] as const) {
    if (manifest[name] !== undefined && typeof manifest[name] !== 'function') {
      problems.add(name, 'must be a function');
    }
  }
  if (limits !== undefined) {
    if (!isRecord(limits)) {
      problems.add('limits', 'must be an object');
    } else {
      const { maxQuantityPerContribution: max, check } = limits;
      if (max !== undefined && (typeof max !== 'number' || !Number.isFinite(max) || max < 0)) {
        problems.add('limits.maxQuantityPerContribution', 'must be a finite number ≥ 0');
      }
      if (check !== undefined && typeof check !== 'function') {
        problems.add('limits.check', 'must be a function');
      }
      for (const key of Object.keys(limits)) {
        if (key !== 'maxQuantityPerContribution' && key !== 'check') {
          problems.add(`limits.${key}`, 'is not a known manifest field');
        }
      }
    }
  }
  // These only ever run on a contribution; without a contributionSchema
  // they are dead code, most likely a forgotten schema.
  if (manifest.contributionSchema === undefined) {
    for (const name of ['quantify', 'impact', 'limits'] as const) {
      if (manifest[name] !== undefined) {
        problems.add(name, 'needs a contributionSchema: without one there are no contributions');
      }
    }
  }
  if (manifest.factors !== undefined) {
    const factors = manifest.factors;
    if (!Array.isArray(factors))
      problems.add('factors', 'must be a list of { key, label, value, unit, source }');
    else
      factors.forEach((factor: unknown, i) => {
        const ok =
          isRecord(factor) &&
          typeof factor['key'] === 'string' &&
          typeof factor['label'] === 'string' &&
          typeof factor['value'] === 'number' &&
          Number.isFinite(factor['value']) &&
          typeof factor['unit'] === 'string' &&
          typeof factor['source'] === 'string' &&
          factor['source'].trim() !== '';
        if (!ok)
          problems.add(
            `factors[${i}]`,
            'must be { key, label, value (finite), unit, source (non-empty) }',
          );
      });
  }
  if (unit === null && manifest.quantify !== undefined) {
    problems.add('quantify', 'needs a unit: with unit null nothing is measured');
  }
  problems.throwIfAny('action type', manifest.id);
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
>(manifest: ActionTypeManifest<TPledge, TContribution, TSettings>): ActionType {
  const checked: unknown = manifest;
  checkManifest(checked);
  const { id, quantify, impact, limits } = checked;
  // A fresh default per action type: nothing is shared between plugins.
  const settingsSchema = checked.settingsSchema ?? Type.Object({}, { additionalProperties: false });
  const pledgeSchema = checked.pledgeSchema ?? Type.Object({}, { additionalProperties: false });
  const contributionSchema = checked.contributionSchema ?? null;
  const max = limits?.maxQuantityPerContribution;

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
    ...(checked.routes ? { routes: checked.routes } : {}),
    on: Object.freeze({ ...checked.on }),
    jobs: Object.freeze({ ...checked.jobs }),
    migrations: Object.freeze([...(checked.migrations ?? [])]),
    factors: Object.freeze((checked.factors ?? []).map((f) => Object.freeze({ ...f }))),
    personalData: personalDataHooks(checked.personalData),

    validateSettings(value) {
      const settings = validateOrThrow<Record<string, unknown>>(
        settingsSchema,
        value === undefined ? {} : value,
        'actionSettings',
      );
      const problem = checked.checkSettings?.(settings);
      if (problem !== undefined && problem !== null) {
        if (typeof problem !== 'string') {
          throw new TandemError(
            'TANDEM_PLUGIN_INVALID',
            `action type "${id}": checkSettings must return a sentence or null`,
          );
        }
        throw invalid('actionSettings', problem);
      }
      return settings;
    },

    validatePledge(value, settings = {}) {
      const details = validateOrThrow<Record<string, unknown>>(
        pledgeSchema,
        value === undefined ? {} : value,
        'details',
      );
      const problem = checked.checkPledge?.({ details, settings });
      if (problem !== undefined && problem !== null) {
        if (typeof problem !== 'string') {
          throw new TandemError(
            'TANDEM_PLUGIN_INVALID',
            `action type "${id}": checkPledge must return a sentence or null`,
          );
        }
        throw invalid('details', problem);
      }
      return details;
    },

    measure(input) {
      if (contributionSchema === null) {
        throw conflict(`action type "${id}" takes no contributions`);
      }
      const details = validateOrThrow<Record<string, unknown>>(
        contributionSchema,
        input.details,
        'details',
      );
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
      const complaint = limits?.check?.(actionInput) ?? null;
      if (complaint !== null) {
        if (typeof complaint !== 'string') {
          throw new TandemError(
            'TANDEM_PLUGIN_INVALID',
            `action type "${id}": limits.check must return a sentence or null`,
          );
        }
        throw invalid('details', complaint);
      }
      const result = impact ? impact(actionInput) : { co2eKg: 0 };
      if (!isRecord(result)) {
        throw new TandemError(
          'TANDEM_PLUGIN_INVALID',
          `action type "${id}": impact must return { co2eKg, source? }`,
        );
      }
      const co2eKg = checkFigure(id, 'a CO2e of', result.co2eKg);
      return {
        details,
        quantity,
        co2eKg,
        ...(typeof result.source === 'string' ? { source: result.source } : {}),
        ...(isRecord(result.factors) ? { factors: numericRecord(result.factors) } : {}),
      };
    },
  };
  return seal(actionType);
}
