/**
 * @tandem/core — the engine of reciprocal climate challenges: pure domain,
 * plugin SDK, store, jobs and HTTP API. What a plugin or an app may use is
 * what this file exports.
 */
export * from './domain/index.js';
export * from './plugins/index.js';
export {
  TandemError,
  coreErrors,
  errorCatalogue,
  invalid,
  notFound,
  conflict,
  type ErrorCode,
  type ErrorDetail,
} from './errors.js';
/** The SDK's catalogue primitives: a plugin defines its own codes and events with them. */
export {
  defineError,
  definePluginErrors,
  isProblem,
  type ErrorDefinition,
  type Problem,
} from './sdk/errors.js';
export {
  defineEvent,
  definePluginEvent,
  isEventOf,
  payloadProblems,
  type EventDefinition,
  type EventOptions,
  type LiveFrame,
  type PayloadOf,
  type TypedEvent,
} from './sdk/events.js';
export { Events, coreEvents, type CoreEventType } from './events/catalogue.js';
export { itemValidationError } from './validation.js';
/** The error answer's schema and a helper listing error answers of a route, for plugins' OpenAPI. */
export { ErrorBody, errors as errorResponses, HttpUrl, Title } from './http/schemas.js';
export { loadConfig, type Config } from './config.js';
export {
  createKeyring,
  generateSecretKey,
  isSealed,
  parseSecretKey,
  type Keyring,
} from './keyring.js';
export {
  createPlatform,
  type Platform,
  type PlatformOptions,
  type RelayListener,
} from './platform.js';
export {
  buildApp,
  routeTableOf,
  type App,
  type AppDependencies,
  type RegisteredRoute,
} from './http/app.js';
export {
  access,
  ACCESS_CALLERS,
  ACCESS_EXTENSION,
  meetsExpectation,
  type AccessCaller,
  type AccessExpectation,
  type AccessOutcome,
  type AccessRule,
} from './http/access.js';
export { openDatabase, pluginMigrations, type Database, type Sql } from './store/database.js';
export { withinUnitOfWork, type Tx, type TransactionRunner } from './store/unit-of-work.js';
export { startEmbeddedPostgres, freePort, type EmbeddedDatabaseServer } from './store/embedded.js';
export { EventTypes, type OutboxEvent, type EventType } from './store/outbox.js';
export {
  Jobs,
  Queues,
  queueOf,
  type JobQueue,
  type JobHandler,
  type EnqueueOptions,
  type ScheduleOptions,
  type QueueCounts,
} from './jobs/queue.js';
export { createEventDispatcher, type EventDispatcher, type EventHandler } from './jobs/events.js';
export { evaluateChallengeNow } from './jobs/handlers/evaluate-challenge.js';
/** The recount an operator or a test runs on one challenge (the daily job runs it on every open one). */
export { recountChallenge, type RecountResult } from './jobs/scheduled/recount.js';
export type { Mailer, OutgoingMail } from './mail/mailer.js';
export {
  renderNotification,
  type NotificationKind,
  type NotificationVars,
} from './mail/templates.js';
export { composeMail, escapeHtml, type MailBody, type RenderedMail } from './mail/layout.js';
export { defineMailMessages, mailGreeting } from './mail/catalogue.js';
export {
  formatDate,
  formatMoney,
  formatNumber,
  plural,
  pluralForms,
  type MailLocale,
  type PluralForms,
} from './mail/format.js';
export type { ServiceContext, Viewer, Role } from './services/context.js';
export { hasRole, requireRole } from './services/access.js';
/** TypeBox, the one instance core's HTTP type provider uses, for plugins' route and data schemas. */
export { Type, type Static, type TSchema } from '@sinclair/typebox';
export { newId } from './ids.js';
export { readTeamProgress } from './store/progress.js';
/** `docs/factors.md` from the registered action types' factors (ADR 0045). */
export { renderFactorsDoc } from './catalogue-docs.js';
export * as services from './services/index.js';
/** Checking an attestation offline, as `tandem verify` does (ADR 0034). */
export {
  ATTESTATION_TYPE,
  AttestationInvalid,
  attestationJwsOf,
  verifyAttestation,
  type AttestationPayload,
  type VerifiedAttestation,
} from './services/attestations.js';
export {
  liveHubOf,
  createMemoryLiveBus,
  createRedisLiveBus,
  type LiveBus,
  type LiveSubscriber,
  type LiveHub,
  type LiveHubStats,
  type LiveMessage,
  type LiveOptions,
} from './live/index.js';
