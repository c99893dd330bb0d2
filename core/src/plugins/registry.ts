/**
 * The registry of plugins. Following Backstage, every plugin is registered
 * first, then the registry is frozen and only then does anything initialise
 * (routes, jobs, event handlers), so no part of the app sees a half-built set.
 */
import { satisfies } from 'semver';
import { TandemError } from '../errors.js';
import type { ActionType } from '../sdk/action-type.js';
import type { Integration } from '../sdk/integration.js';
import { isSealed, isVersion, pluginLabel } from '../sdk/manifest.js';
import type { ErrorDefinition } from '../sdk/errors.js';
import type { EventDefinition } from '../sdk/events.js';

/**
 * The version of `@tandem/core` that plugins' `coreRange` is checked
 * against. Kept equal to `core/package.json` by `registry.test.ts`; a
 * constant rather than a read of package.json so that bundling and the
 * `tandem-source` condition behave the same.
 */
export const CORE_VERSION = '0.1.0';

/** Any plugin the registry accepts. */
export type Plugin = ActionType | Integration;

/** Options of {@link createRegistry}. */
export interface RegistryOptions {
  /** The core version to check `coreRange` against; default {@link CORE_VERSION}. For tests. */
  coreVersion?: string;
}

/** The set of plugins an app runs with. */
export interface PluginRegistry {
  /** The core version plugins are checked against. */
  readonly coreVersion: string;
  /** Whether `freeze()` was called; a frozen registry accepts no plugin. */
  readonly isFrozen: boolean;
  /**
   * Adds a plugin made by `defineActionType` or `defineIntegration`.
   *
   * @throws TandemError `TANDEM_PLUGIN_DUPLICATE` when a plugin (of either kind) has the same id,
   *   `TANDEM_PLUGIN_INCOMPATIBLE` when its `coreRange` excludes this core,
   *   `TANDEM_PLUGIN_INVALID` when it was not made by a define function or the registry is frozen
   */
  register(plugin: Plugin): this;
  /** Closes registration; call once every plugin is registered, before start-up. */
  freeze(): this;
  /** The error codes plugins declared (manifest `errors`), in registration order. */
  errorDefinitions(): ErrorDefinition[];
  /** The events plugins declared (manifest `events`), in registration order. */
  eventDefinitions(): EventDefinition[];
  /**
   * The action type with this id, as an API request names it.
   *
   * @throws TandemError `TANDEM_REQUEST_INVALID` on path `actionType`, listing the known ids
   */
  actionType(id: string): ActionType;
  /** The action type with this id, or `undefined`. */
  findActionType(id: string): ActionType | undefined;
  /** Every action type, in registration order. */
  actionTypes(): ActionType[];
  /**
   * The integration with this id, as configuration names it.
   *
   * @throws TandemError `TANDEM_PLUGIN_UNKNOWN` when none has that id
   */
  integration(id: string): Integration;
  /** The integration with this id, or `undefined`. */
  findIntegration(id: string): Integration | undefined;
  /** Every integration, in registration order. */
  integrations(): Integration[];
}

class Registry implements PluginRegistry {
  readonly coreVersion: string;
  // One map for both kinds: an id names a plugin's tables, events and
  // routes, so an action type and an integration may not share it either.
  readonly #plugins = new Map<string, Plugin>();
  #frozen = false;

  constructor(coreVersion: string) {
    this.coreVersion = coreVersion;
  }

  get isFrozen(): boolean {
    return this.#frozen;
  }

  register(plugin: Plugin): this {
    if (this.#frozen) {
      throw new TandemError(
        'TANDEM_PLUGIN_INVALID',
        `registry is frozen: register every plugin before start-up (plugin ${pluginLabel((plugin as Partial<Plugin> | null)?.id)})`,
      );
    }
    if (!isSealed(plugin)) {
      throw new TandemError(
        'TANDEM_PLUGIN_INVALID',
        `plugin ${pluginLabel((plugin as Partial<Plugin> | null)?.id)} was not made by defineActionType or defineIntegration of this @tandem/core`,
      );
    }
    const existing = this.#plugins.get(plugin.id);
    if (existing) {
      throw new TandemError(
        'TANDEM_PLUGIN_DUPLICATE',
        `plugin "${plugin.id}" is registered twice (${existing.kind} ${existing.version}, then ${plugin.kind} ${plugin.version})`,
      );
    }
    // Pre-releases of core count as their version: 0.2.0-rc.1 is in "*".
    if (!satisfies(this.coreVersion, plugin.coreRange, { includePrerelease: true })) {
      throw new TandemError(
        'TANDEM_PLUGIN_INCOMPATIBLE',
        `plugin "${plugin.id}" ${plugin.version} requires @tandem/core "${plugin.coreRange}", but this is @tandem/core ${this.coreVersion}`,
      );
    }
    // Prefixes keep plugins apart, except that ids `ab` and `ab-cd` could both
    // claim `TANDEM_AB_CD_X` (reason `CD_X` of one, `X` of the other).
    for (const definition of Object.values(plugin.errors)) {
      const owner = this.errorDefinitions().find((e) => e.code === definition.code);
      if (owner) {
        throw new TandemError(
          'TANDEM_PLUGIN_DUPLICATE',
          `plugin "${plugin.id}" declares error code ${definition.code}, which another plugin declared first`,
        );
      }
    }
    this.#plugins.set(plugin.id, plugin);
    return this;
  }

  errorDefinitions(): ErrorDefinition[] {
    return [...this.#plugins.values()].flatMap((plugin) => Object.values(plugin.errors));
  }

  eventDefinitions(): EventDefinition[] {
    return [...this.#plugins.values()].flatMap((plugin) => [...plugin.events]);
  }

  freeze(): this {
    this.#frozen = true;
    return this;
  }

  actionType(id: string): ActionType {
    const found = this.findActionType(id);
    if (found) return found;
    const known = this.actionTypes()
      .map((actionType) => actionType.id)
      .sort();
    const message = `unknown action type ${JSON.stringify(id)} (known: ${known.join(', ') || 'none'})`;
    throw new TandemError('TANDEM_REQUEST_INVALID', `actionType: ${message}`, [
      { path: 'actionType', message },
    ]);
  }

  findActionType(id: string): ActionType | undefined {
    const plugin = this.#plugins.get(id);
    return plugin?.kind === 'action-type' ? plugin : undefined;
  }

  actionTypes(): ActionType[] {
    return [...this.#plugins.values()].filter(
      (plugin): plugin is ActionType => plugin.kind === 'action-type',
    );
  }

  integration(id: string): Integration {
    const found = this.findIntegration(id);
    if (found) return found;
    throw new TandemError('TANDEM_PLUGIN_UNKNOWN', `no integration "${id}" is registered`);
  }

  findIntegration(id: string): Integration | undefined {
    const plugin = this.#plugins.get(id);
    return plugin?.kind === 'integration' ? plugin : undefined;
  }

  integrations(): Integration[] {
    return [...this.#plugins.values()].filter(
      (plugin): plugin is Integration => plugin.kind === 'integration',
    );
  }
}

/**
 * Creates an empty plugin registry. Apps compose it: register the built-in
 * `pledgeOnly` and every plugin, then `freeze()`, then start.
 *
 * @param options - `coreVersion` overrides {@link CORE_VERSION}, for tests
 * @throws TandemError `TANDEM_CONFIG_INVALID` when `coreVersion` is not `x.y.z`
 *
 * @example
 * const registry = createRegistry().register(pledgeOnly).register(bikeKm).freeze();
 * registry.actionType('bike-km').measure({ details, settings, pledge: null, occurredAt });
 */
export function createRegistry(options: RegistryOptions = {}): PluginRegistry {
  const coreVersion = options.coreVersion ?? CORE_VERSION;
  if (!isVersion(coreVersion)) {
    throw new TandemError(
      'TANDEM_CONFIG_INVALID',
      `coreVersion must be a semantic version x.y.z, got ${JSON.stringify(coreVersion)}`,
    );
  }
  return new Registry(coreVersion);
}
