/**
 * The plugin SDK: everything a plugin sees, and nothing of the engine. Files
 * here import only each other, `@sinclair/typebox`, `semver` and node's
 * builtins (ADR 0019; lint and `sdk.test.ts` hold it). `@tandem/core`
 * re-exports it.
 */
export {
  defineActionType,
  type ActionInput,
  type ActionType,
  type ActionTypeManifest,
  type FactorDeclaration,
  type FactorVersion,
  type ImpactResult,
  type LimitInput,
  type MeasureInput,
  type Measurement,
  type RecordedSoFar,
  type ReferenceInput,
  type ResolvedSettings,
  type SettingsInput,
  type ReferenceProblem,
} from './action-type.js';
export { defineIntegration, type Integration, type IntegrationManifest } from './integration.js';
export {
  PLUGIN_ID_PATTERN,
  ROUTE_PREFIX_PATTERN,
  isVersion,
  type Localized,
  type PersonalDataDeclaration,
  type PersonalDataHooks,
  type PersonalDataInput,
  type PersonalDataSubject,
  type PluginEvent,
  type PluginEventHandler,
  type PluginJob,
  type PluginMigration,
  type PluginRoutes,
} from './manifest.js';
export {
  CAPABILITY_NAMES,
  type CapabilityMap,
  type CapabilityName,
  type ChallengesCapability,
  type ContributionInput,
  type ContributionParticipant,
  type ContributionReceipt,
  type ContributionsCapability,
  type EnrolmentInput,
  type EnrolmentReceipt,
  type EnrolmentsCapability,
  type JobOptions,
  type JobsCapability,
  type MailCapability,
  type OrganizationsCapability,
  type ParticipantsCapability,
  type PluginBasics,
  type PluginChallenge,
  type PluginChallengeView,
  type PluginContext,
  type PluginMail,
  type PluginOrganization,
  type SecretsCapability,
  type TablesCapability,
  type WithinTransaction,
} from './capabilities.js';
export type { Role, Sql, Viewer } from './people.js';
export type {
  ChallengeRouteDefinition,
  CompiledValidator,
  HttpMethod,
  OrganizationRouteDefinition,
  PluginLogger,
  PluginReply,
  PluginRequest,
  PluginRequestHook,
  PluginRouter,
  RouteDefinition,
  RouteSchema,
} from './routes.js';
export {
  canonicalJson,
  STALE_CLAIM_SECONDS,
  SYNC_CONCURRENCY,
  syncFingerprint,
  syncItems,
  syncScope,
  type SyncItemClaim,
  type SyncItemError,
  type SyncItemOutcome,
  type SyncItemsOptions,
} from './sync-items.js';
