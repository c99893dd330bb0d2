/**
 * What the SDK borrows from the engine at run time, without importing it:
 * the validator (the same Ajv set-up as the HTTP layer, so a plugin's 400
 * reads like core's) and the errors an API answer is built from. The engine
 * installs it when `@tandem/core` is loaded (`core/src/plugins/runtime.ts`);
 * the SDK's files never name an engine module (ADR 0019).
 */
import type { TSchema } from '@sinclair/typebox';

/** One problem of a manifest or of a value, as error answers list them. */
export interface SdkErrorDetail {
  path: string;
  message: string;
  [key: string]: unknown;
}

/** The engine's side of the SDK: validation and errors. */
export interface SdkRuntime {
  /** `TANDEM_PLUGIN_INVALID`: a manifest, or what a plugin's hook returned, is wrong. */
  pluginInvalid(message: string, details?: readonly SdkErrorDetail[]): Error;
  /** `TANDEM_REQUEST_INVALID` on `path`: a 400 naming the field. */
  invalid(path: string, message: string): Error;
  /** A 409 with the precise code of the catalogue (`TANDEM_<AREA>_<REASON>`). */
  conflict(message: string, code: string): Error;
  /** Whether core's catalogue already holds this error code. */
  isCoreErrorCode(code: string): boolean;
  /** Whether core's catalogue already holds this event type. */
  isCoreEventType(type: string): boolean;
  /** Validates `value` against `schema` (defaults applied) or throws a 400 with paths under `path`. */
  validate<T>(schema: TSchema, value: unknown, path: string): T;
  /** Compiles a body schema, throwing when Ajv cannot. */
  compile(schema: object): void;
}

let installed: SdkRuntime | null = null;

/** Called once by the engine; a second, different runtime is refused. */
export function installSdkRuntime(runtime: SdkRuntime): void {
  if (installed !== null && installed !== runtime) {
    throw new Error('the plugin SDK runtime is installed twice: load one @tandem/core');
  }
  installed = runtime;
}

/** The installed runtime. */
export function sdkRuntime(): SdkRuntime {
  if (installed === null) {
    throw new Error('the plugin SDK runtime is not installed: import it through @tandem/core');
  }
  return installed;
}
