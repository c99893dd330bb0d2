/**
 * What action types and integrations share: their identity, their loosely
 * typed extension points, and the load-time checks of both manifests. Only
 * the types are part of the public API; the helpers serve `defineActionType`,
 * `defineIntegration` and the registry.
 */
import { valid as validVersion, validRange } from 'semver';
import type { CapabilityName, PluginContext } from './capabilities.js';
import { CAPABILITY_NAMES } from './capabilities.js';
import type { Sql } from './people.js';
import type { PluginRouter } from './routes.js';
import { sdkRuntime, type SdkErrorDetail } from './runtime.js';
import { errorAreaOf, type ErrorDefinition } from './errors.js';
import type { EventDefinition } from './events.js';

/** A text shown to people, in both of Tandem's languages. */
export interface Localized {
  fr: string;
  en: string;
}

/**
 * Mounts a plugin's HTTP routes on the router the engine hands it, with the
 * capabilities the plugin declared (see `PluginRouter`).
 */
export type PluginRoutes<C extends CapabilityName = CapabilityName> = (
  router: PluginRouter,
  context: PluginContext<C>,
) => Promise<void> | void;

/** A domain event as handed to plugins, e.g. `{ type: 'pledge.confirmed', payload }`. */
export interface PluginEvent {
  /** The event's id: the same on every delivery, so a handler can be idempotent. */
  id: string;
  type: string;
  challengeId: string | null;
  organizationId: string | null;
  payload: Record<string, unknown>;
  createdAt: Date;
}

/** Reacts to one type of domain event (`'*'` for every type). Delivered at least once. */
export type PluginEventHandler<C extends CapabilityName = CapabilityName> = (
  event: PluginEvent,
  context: PluginContext<C>,
) => Promise<void> | void;

/** A background job a plugin runs; it must be safe to run twice (see STYLE.md, BullMQ). */
export type PluginJob<C extends CapabilityName = CapabilityName> = (
  data: Record<string, unknown>,
  context: PluginContext<C> & { readonly attempt: number },
) => Promise<void>;

/**
 * One schema change of a plugin, in SQL. Its tables carry the plugin id as a
 * prefix (`crm_sync_contact`); names must be unique and never change once
 * released. Applied by `tandem migrate` after core's, in order.
 */
export interface PluginMigration {
  name: string;
  up: string;
  down?: string;
}

/**
 * The error codes and events a plugin declares as its own (ADR 0022): they
 * join core's in the catalogues and carry the plugin's id.
 */
export interface CatalogueDeclaration {
  /** Its own error codes, made with `definePluginErrors` (`TANDEM_<ID>_<REASON>`). */
  errors?: Readonly<Record<string, ErrorDefinition>>;
  /** Its own events, made with `definePluginEvent` (`<id>.<name>`). */
  events?: readonly EventDefinition[];
}

/** The person a plugin's personal-data hooks are about. */
export interface PersonalDataSubject {
  readonly participantId: string;
  /** Their address as stored; `null` for a resident an agent knows by a code. */
  readonly email: string | null;
  /** The canonical form of that address (what tables keyed by address hold). */
  readonly canonicalEmail: string | null;
}

/** What a personal-data hook receives. */
export interface PersonalDataInput {
  readonly subject: PersonalDataSubject;
  /**
   * Read (and, to erase, write) through this only: the export runs in one
   * snapshot, the erasure in one transaction with core's, so a failing hook
   * erases nothing at all.
   */
  readonly sql: Sql;
  readonly now: Date;
}

/**
 * How a plugin answers a person's rights over their data (API.md,
 * `GET /api/me/export` and `DELETE /api/me`) for what its own tables hold.
 * Core already covers its tables: the person, their pledges (details
 * included), contributions, memberships, sessions and mails.
 */
export interface PersonalDataHooks {
  /**
   * Everything this plugin holds about the person, as JSON-serialisable
   * data (it becomes `plugins.<id>` of the export); `null` when nothing.
   */
  export(input: PersonalDataInput): Promise<unknown> | unknown;
  /**
   * Erases it: deletes or anonymises the rows that name the person or say
   * something about them. It must not change what counts (rows that make a
   * challenge's quantity or participants stay, anonymous).
   */
  erase(input: PersonalDataInput): Promise<void> | void;
}

/**
 * `personalData` in a manifest: the hooks, or `'none'` to state that the
 * plugin's tables hold nothing about people. A plugin with migrations must
 * say one or the other, so that none can forget.
 */
export type PersonalDataDeclaration = PersonalDataHooks | 'none';

/** Plugin ids: kebab-case, 2..40 characters; they prefix the plugin's tables and events. */
export const PLUGIN_ID_PATTERN = /^[a-z][a-z0-9-]*[a-z0-9]$/;
const PLUGIN_ID_MAX_LENGTH = 40;

// Only objects built by defineActionType/defineIntegration carry the checks
// above, so the registry refuses anything else. A WeakSet rather than a
// symbol property: it cannot be copied onto a hand-made object.
const madeByDefine = new WeakSet<object>();

/** Marks `plugin` as checked by a define function, freezes it and returns it. */
export function seal<T extends object>(plugin: T): Readonly<T> {
  madeByDefine.add(plugin);
  return Object.freeze(plugin);
}

/** Whether `value` came out of `defineActionType` or `defineIntegration` of this core. */
export function isSealed(value: unknown): boolean {
  return typeof value === 'object' && value !== null && madeByDefine.has(value);
}

/** A readable name for a plugin in error messages, even when its id is broken. */
export function pluginLabel(id: unknown): string {
  return typeof id === 'string' && id !== '' ? `"${id}"` : '(without a valid id)';
}

/** Whether `value` is a plain object (not null, not an array), as manifests and details are. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Collects every problem of a manifest before throwing, so that a plugin
 * author fixes them in one round rather than one per start-up.
 */
export class ManifestProblems {
  readonly list: SdkErrorDetail[] = [];

  add(path: string, message: string): void {
    this.list.push({ path, message });
  }

  /** Throws TANDEM_PLUGIN_INVALID naming the plugin and each problem, if there are any. */
  throwIfAny(kind: string, id: unknown): void {
    if (this.list.length === 0) return;
    const summary = this.list.map((p) => `${p.path} ${p.message}`).join('; ');
    throw sdkRuntime().pluginInvalid(
      `${kind} ${pluginLabel(id)} is invalid: ${summary}`,
      this.list.map((p) => ({ ...p, plugin: typeof id === 'string' ? id : null })),
    );
  }
}

function checkLocalized(
  problems: ManifestProblems,
  path: string,
  value: unknown,
  required: boolean,
): void {
  if (value === undefined && !required) return;
  if (!isRecord(value)) {
    problems.add(path, 'must be an object { fr, en }');
    return;
  }
  for (const language of ['fr', 'en'] as const) {
    const text = value[language];
    if (typeof text !== 'string' || text.trim() === '') {
      problems.add(`${path}.${language}`, 'must be a non-empty string');
    }
  }
}

function checkFunctionRecord(problems: ManifestProblems, path: string, value: unknown): void {
  if (value === undefined) return;
  if (!isRecord(value)) {
    problems.add(path, 'must be an object of functions');
    return;
  }
  for (const [name, handler] of Object.entries(value)) {
    if (name.trim() === '') problems.add(path, 'must not have an empty name');
    if (typeof handler !== 'function') problems.add(`${path}.${name}`, 'must be a function');
  }
}

/**
 * Checks what every manifest has: no unknown keys, `id`, `version`,
 * `coreRange`, `title`, `description`, `routes`, `on` and `jobs` when allowed.
 */
export function checkCommonManifest(
  problems: ManifestProblems,
  manifest: Record<string, unknown>,
  allowedKeys: readonly string[],
): void {
  // A misspelt optional key (`pledgeSchme`) would otherwise be ignored
  // without a word, and the plugin would run with defaults.
  for (const key of Object.keys(manifest)) {
    if (!allowedKeys.includes(key)) problems.add(key, 'is not a known manifest field');
  }
  const { id, version, coreRange } = manifest;
  if (
    typeof id !== 'string' ||
    id.length < 2 ||
    id.length > PLUGIN_ID_MAX_LENGTH ||
    !PLUGIN_ID_PATTERN.test(id)
  ) {
    problems.add('id', `must be kebab-case, 2 to ${PLUGIN_ID_MAX_LENGTH} characters`);
  }
  if (!isVersion(version)) {
    problems.add('version', 'must be a semantic version x.y.z');
  }
  if (
    coreRange !== undefined &&
    (typeof coreRange !== 'string' || validRange(coreRange) === null)
  ) {
    problems.add('coreRange', 'must be a semver range such as "^0.1.0" or ">=0.1.0 <1.0.0"');
  }
  checkCapabilities(problems, manifest.capabilities);
  checkRoutePrefix(problems, manifest.routePrefix, manifest.routes);
  checkLocalized(problems, 'title', manifest.title, true);
  checkLocalized(problems, 'description', manifest.description, false);
  if (manifest.routes !== undefined && typeof manifest.routes !== 'function') {
    problems.add('routes', 'must be a function');
  }
  checkFunctionRecord(problems, 'on', manifest.on);
  checkFunctionRecord(problems, 'jobs', manifest.jobs);
  checkMigrations(problems, manifest.migrations);
  checkPersonalData(problems, manifest.personalData, manifest.migrations);
  checkCatalogue(problems, id, manifest.errors, manifest.events);
}

/**
 * `errors` and `events`: definitions whose code or type carries the
 * plugin's id, so that no plugin can redefine another's or core's.
 */
function checkCatalogue(problems: ManifestProblems, id: unknown, errors: unknown, events: unknown) {
  if (typeof id !== 'string') return;
  if (errors !== undefined) {
    if (!isRecord(errors)) problems.add('errors', 'must be the result of definePluginErrors');
    else {
      const prefix = `TANDEM_${errorAreaOf(id)}_`;
      for (const [reason, definition] of Object.entries(errors)) {
        const code = isRecord(definition) ? definition['code'] : undefined;
        if (
          typeof code !== 'string' ||
          !isRecord(definition) ||
          typeof definition['status'] !== 'number'
        ) {
          problems.add(`errors.${reason}`, 'must be made with definePluginErrors');
        } else if (!code.startsWith(prefix) || sdkRuntime().isCoreErrorCode(code)) {
          problems.add(`errors.${reason}`, `code ${code} must start with ${prefix}`);
        }
      }
    }
  }
  if (events !== undefined) {
    if (!Array.isArray(events)) {
      problems.add('events', 'must be a list of definePluginEvent results');
      return;
    }
    events.forEach((definition: unknown, index) => {
      const type = isRecord(definition) ? definition['type'] : undefined;
      if (typeof type !== 'string' || !isRecord(definition) || !isRecord(definition['payload'])) {
        problems.add(`events[${index}]`, 'must be made with definePluginEvent');
      } else if (!type.startsWith(`${id}.`) || sdkRuntime().isCoreEventType(type)) {
        problems.add(`events[${index}]`, `type "${type}" must start with "${id}."`);
      }
    });
  }
}

/**
 * Whether `value` is a version `x.y.z` (with an optional pre-release and
 * build), written exactly so: no leading `v` or `=`, no spaces.
 */
export function isVersion(value: unknown): value is string {
  return typeof value === 'string' && /^\d/.test(value) && validVersion(value) !== null;
}

/** `capabilities`: a list of known capability names, each once. */
function checkCapabilities(problems: ManifestProblems, value: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    problems.add('capabilities', `must be a list of: ${CAPABILITY_NAMES.join(', ')}`);
    return;
  }
  const seen = new Set<unknown>();
  value.forEach((name: unknown, index) => {
    if (!(CAPABILITY_NAMES as readonly unknown[]).includes(name)) {
      problems.add(
        `capabilities[${index}]`,
        `${JSON.stringify(name)} is not a capability (known: ${CAPABILITY_NAMES.join(', ')})`,
      );
    } else if (seen.has(name)) {
      problems.add(`capabilities[${index}]`, `"${String(name)}" appears twice`);
    }
    seen.add(name);
  });
}

/** A route prefix: `/api/` and kebab-case segments, only for a plugin with routes. */
function checkRoutePrefix(problems: ManifestProblems, value: unknown, routes: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || !ROUTE_PREFIX_PATTERN.test(value)) {
    problems.add('routePrefix', 'must be a path such as "/api/integrations/crm-sync"');
  } else if (routes === undefined) {
    problems.add('routePrefix', 'needs routes: without them nothing is mounted there');
  }
}

/** What a declared `routePrefix` looks like: under `/api`, lower-case segments. */
export const ROUTE_PREFIX_PATTERN = /^\/api(\/[a-z0-9][a-z0-9-]*)+$/;

/** The capabilities a checked manifest declared, frozen; none when it declared none. */
export function declaredCapabilities(value: readonly CapabilityName[] | undefined) {
  return Object.freeze([...new Set(value ?? [])]);
}

/**
 * `personalData`: hooks `{ export, erase }` or `'none'`, required from a
 * plugin with migrations — tables of its own (or columns added to core's)
 * may hold something about a person, and an export or erasure that skips
 * them would be silently incomplete.
 */
function checkPersonalData(problems: ManifestProblems, value: unknown, migrations: unknown): void {
  if (value === undefined) {
    if (Array.isArray(migrations) && migrations.length > 0) {
      problems.add(
        'personalData',
        'must be declared by a plugin with migrations: { export, erase } hooks for what its tables hold about a person, or "none" if they hold nothing about anyone',
      );
    }
    return;
  }
  if (value === 'none') return;
  if (!isRecord(value)) {
    problems.add('personalData', 'must be { export, erase } or "none"');
    return;
  }
  for (const name of ['export', 'erase'] as const) {
    if (typeof value[name] !== 'function')
      problems.add(`personalData.${name}`, 'must be a function');
  }
  for (const key of Object.keys(value)) {
    if (key !== 'export' && key !== 'erase') {
      problems.add(`personalData.${key}`, 'is not a known manifest field');
    }
  }
}

/** The hooks a checked manifest declared, or `null` for `'none'` and for no declaration. */
export function personalDataHooks(
  value: PersonalDataDeclaration | undefined,
): PersonalDataHooks | null {
  if (value === undefined || value === 'none') return null;
  return Object.freeze({ export: value.export, erase: value.erase });
}

/** Migrations: a list of `{ name, up, down? }` with unique names and SQL text. */
function checkMigrations(problems: ManifestProblems, migrations: unknown): void {
  if (migrations === undefined) return;
  if (!Array.isArray(migrations)) {
    problems.add('migrations', 'must be a list of { name, up, down? }');
    return;
  }
  const names = new Set<string>();
  migrations.forEach((migration: unknown, index) => {
    const path = `migrations[${index}]`;
    if (
      !isRecord(migration) ||
      typeof migration['name'] !== 'string' ||
      typeof migration['up'] !== 'string'
    ) {
      problems.add(path, 'must be { name: string, up: string, down?: string }');
      return;
    }
    if (!/^[a-z0-9_-]{1,80}$/i.test(migration['name']))
      problems.add(`${path}.name`, 'must be 1 to 80 letters, digits, _ or -');
    if (names.has(migration['name']))
      problems.add(`${path}.name`, `"${migration['name']}" appears twice`);
    names.add(migration['name']);
  });
}

/**
 * Checks a plugin-supplied schema: an object schema that Ajv can compile.
 * Compiling now also warms the validator cache for the first request.
 */
export function checkObjectSchema(problems: ManifestProblems, path: string, schema: unknown): void {
  if (schema === undefined) return;
  if (!isRecord(schema)) {
    problems.add(path, 'must be a TypeBox/JSON schema object');
    return;
  }
  // Settings, pledge details and contribution details are stored as JSON
  // objects; composite schemas (anyOf, allOf) without a `type` are allowed.
  if (schema.type !== undefined && schema.type !== 'object') {
    problems.add(path, `must describe an object, not ${JSON.stringify(schema.type)}`);
    return;
  }
  try {
    sdkRuntime().compile(schema);
  } catch (error) {
    problems.add(
      path,
      `does not compile: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** Copies a localized text so the frozen plugin does not share the manifest's object. */
export function copyLocalized(value: Localized): Readonly<Localized> {
  return Object.freeze({ fr: value.fr, en: value.en });
}
