/**
 * Integrations: plugins that add routes, jobs and event handlers but no
 * action type (notifications to other systems, partners' statements, SSO, mail).
 */
import type { CapabilityName } from './capabilities.js';
import {
  ManifestProblems,
  checkCommonManifest,
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
import type { ErrorDefinition } from './errors.js';
import type { EventDefinition } from './events.js';

/**
 * What a plugin author writes to declare an integration. `C` is inferred
 * from `capabilities`: routes, jobs and handlers see only those.
 */
export interface IntegrationManifest<
  C extends CapabilityName = never,
> extends CatalogueDeclaration {
  /** kebab-case, 2..40 characters; prefixes the plugin's tables, events and jobs. */
  id: string;
  /** The plugin's own version, `x.y.z`. */
  version: string;
  /** The `@tandem/core` versions this plugin works with; default `*`. */
  coreRange?: string;
  title: Localized;
  description?: Localized;
  /**
   * What the plugin uses of the platform, e.g. `['tables', 'organizations', 'jobs']`;
   * anything else it touches fails with `TANDEM_PLUGIN_INVALID` naming it.
   */
  capabilities?: readonly C[];
  /** Where `router.route` urls are mounted; default `/api/<id>`. */
  routePrefix?: string;
  routes?: PluginRoutes<C>;
  /** Event handlers by event type, e.g. `{ 'challenge.unlocked': notifyCrm }`. */
  on?: Record<string, PluginEventHandler<C>>;
  /** Background jobs by name (verb-noun, e.g. `sync-roster`); each safe to run twice. */
  jobs?: Record<string, PluginJob<C>>;
  /** The plugin's own tables, in SQL, applied after core's migrations. */
  migrations?: readonly PluginMigration[];
  /**
   * What its tables hold about a person: `{ export, erase }`, or `'none'`.
   * Required when it has migrations.
   */
  personalData?: PersonalDataDeclaration;
}

/** A checked, frozen integration, as the registry and the apps use it. */
export interface Integration {
  readonly kind: 'integration';
  readonly id: string;
  readonly version: string;
  /** The `@tandem/core` range this plugin supports; `*` when the manifest gave none. */
  readonly coreRange: string;
  readonly title: Readonly<Localized>;
  readonly description?: Readonly<Localized>;
  /** The capabilities it declared; its context holds these only. */
  readonly capabilities: readonly CapabilityName[];
  /** Where its own routes are mounted (`/api/<id>` unless the manifest said otherwise). */
  readonly routePrefix: string;
  readonly routes?: PluginRoutes;
  /** Event handlers by event type; empty when the integration has none. */
  readonly on: Readonly<Record<string, PluginEventHandler>>;
  /** Jobs by name; empty when the integration has none. */
  readonly jobs: Readonly<Record<string, PluginJob>>;
  /** Schema changes, oldest first; empty when it has no tables. */
  readonly migrations: readonly PluginMigration[];
  /** Its personal-data hooks; `null` when it holds nothing about people. */
  readonly personalData: PersonalDataHooks | null;
  /** Its own error codes (ADR 0022); empty when none. */
  readonly errors: Readonly<Record<string, ErrorDefinition>>;
  /** Its own events (ADR 0022); empty when none. */
  readonly events: readonly EventDefinition[];
}

const MANIFEST_KEYS = [
  'id',
  'version',
  'coreRange',
  'title',
  'description',
  'capabilities',
  'routePrefix',
  'routes',
  'on',
  'jobs',
  'migrations',
  'errors',
  'events',
  'personalData',
] as const;

/**
 * Declares an integration. The manifest is checked at once, so a broken
 * plugin stops the process at load time.
 *
 * @param manifest - the integration's id, version, titles and extension points
 * @returns a frozen {@link Integration}, to be registered with a registry
 * @throws TandemError `TANDEM_PLUGIN_INVALID` naming the plugin and every problem found
 *
 * @example
 * const crm = defineIntegration({
 *   id: 'crm-sync',
 *   version: '0.1.0',
 *   title: { fr: 'Synchronisation CRM', en: 'CRM sync' },
 *   capabilities: ['tables'],
 *   on: { 'pledge.confirmed': async (event) => { await pushToCrm(event.payload); } },
 * });
 */
export function defineIntegration<const C extends CapabilityName = never>(
  manifest: IntegrationManifest<C>,
): Integration {
  const problems = new ManifestProblems();
  const raw: unknown = manifest;
  if (!isRecord(raw)) {
    problems.add('manifest', 'must be an object');
    problems.throwIfAny('integration', undefined);
  } else {
    checkCommonManifest(problems, raw, MANIFEST_KEYS);
    problems.throwIfAny('integration', raw.id);
  }
  return seal<Integration>({
    kind: 'integration',
    id: manifest.id,
    version: manifest.version,
    coreRange: manifest.coreRange ?? '*',
    title: copyLocalized(manifest.title),
    ...(manifest.description ? { description: copyLocalized(manifest.description) } : {}),
    capabilities: declaredCapabilities(manifest.capabilities),
    routePrefix: manifest.routePrefix ?? `/api/${manifest.id}`,
    ...(manifest.routes ? { routes: manifest.routes as PluginRoutes } : {}),
    on: Object.freeze({ ...manifest.on }) as Readonly<Record<string, PluginEventHandler>>,
    jobs: Object.freeze({ ...manifest.jobs }) as Readonly<Record<string, PluginJob>>,
    migrations: Object.freeze([...(manifest.migrations ?? [])]),
    personalData: personalDataHooks(manifest.personalData),
    errors: Object.freeze({ ...manifest.errors }),
    events: Object.freeze([...(manifest.events ?? [])]),
  });
}
