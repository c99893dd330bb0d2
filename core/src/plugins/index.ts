/**
 * The plugin SDK: what a plugin uses to declare itself and what an app uses
 * to assemble plugins before start-up.
 */
export {
  defineActionType,
  type ActionInput,
  type ActionType,
  type ActionTypeManifest,
  type FactorDeclaration,
  type ImpactResult,
  type LimitInput,
  type Localized,
  type MeasureInput,
  type Measurement,
  type RecordedSoFar,
  type ReferenceInput,
  type ReferenceProblem,
} from './action-type.js';
export { defineIntegration, type Integration, type IntegrationManifest } from './integration.js';
export {
  PLUGIN_ID_PATTERN,
  type PluginContext,
  type PluginEvent,
  type PluginEventHandler,
  type PluginMigration,
  type PluginJob,
  type PluginRoutes,
} from './manifest.js';
export { pledgeOnly } from './pledge-only.js';
export {
  CORE_VERSION,
  createRegistry,
  type Plugin,
  type PluginRegistry,
  type RegistryOptions,
} from './registry.js';
export { compareVersions, isValidRange, parseVersion, satisfies, type Version } from './semver.js';
