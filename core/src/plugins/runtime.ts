/**
 * Installs the engine's validation and errors into the plugin SDK, so that
 * `defineActionType` answers with core's error codes and Ajv set-up while
 * the SDK imports nothing of the engine (ADR 0019). Imported for its effect
 * by `plugins/index.ts`, before anything defines a plugin.
 */
import { TandemError, coreErrors, invalid, type ErrorCode } from '../errors.js';
import { coreEventDefinition } from '../events/catalogue.js';
import { installSdkRuntime, type SdkRuntime } from '../sdk/runtime.js';
import { compileBodySchema, validateOrThrow } from '../validation.js';

/** The engine's side of the SDK. */
export const engineSdkRuntime: SdkRuntime = Object.freeze({
  pluginInvalid: (message, details) =>
    new TandemError('TANDEM_PLUGIN_INVALID', message, details ? [...details] : undefined),
  invalid,
  conflict: (message, code) => new TandemError(code as ErrorCode, message),
  isCoreErrorCode: (code) => Object.hasOwn(coreErrors, code),
  isCoreEventType: (type) => coreEventDefinition(type) !== undefined,
  validate: <T>(schema: object, value: unknown, path: string) =>
    validateOrThrow<T>(schema, value, path),
  compile: (schema) => {
    compileBodySchema(schema);
  },
} satisfies SdkRuntime);

installSdkRuntime(engineSdkRuntime);
