/**
 * The error primitive of the plugin SDK: a code is defined once, with its
 * HTTP status and a one-line description, and thrown by reference. Core
 * builds its catalogue (`core/src/errors.ts`) from the same primitive that a
 * plugin uses for its own codes, so both end up in one table and one
 * document (`docs/errors.md`). See docs/decisions/0022.
 *
 * This file imports nothing: the SDK depends on no part of the engine.
 */

/**
 * Codes read `TANDEM_<AREA>_<REASON>`: upper-case words joined by `_`. A few
 * of core's oldest codes are a single word after `TANDEM_` (`TANDEM_NOT_FOUND`
 * is two, `TANDEM_INTERNAL` one) and keep it, since clients may depend on them.
 */
export const ERROR_CODE_PATTERN = /^TANDEM_[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;

/** One precise complaint, e.g. which field of a body is wrong. */
export interface ErrorDetail {
  path?: string;
  message: string;
  [key: string]: unknown;
}

/**
 * What a plugin's validation hook returns instead of throwing: the field it
 * is about (a JSON-pointer-like path relative to what the hook checked,
 * `trips/2/mode`; `''` for the whole value) and what is wrong with it. The
 * engine turns it into a 400 `TANDEM_REQUEST_INVALID` naming that field.
 */
export interface Problem {
  path: string;
  message: string;
}

/** One entry of an error catalogue. */
export interface ErrorDefinition<Code extends string = string> {
  readonly code: Code;
  /** The HTTP status the API answers with (4xx: the caller's mistake; 5xx: ours or the operator's). */
  readonly status: number;
  /** What the code means, in one line (it goes into docs/errors.md). */
  readonly description: string;
}

/**
 * Defines one error code.
 *
 * @param code - `TANDEM_<AREA>_<REASON>`, e.g. `TANDEM_CHALLENGE_NOT_OPEN`
 * @param status - an HTTP status from 400 to 599
 * @param description - one line saying when the code is used
 * @example
 * const notOpen = defineError('TANDEM_CHALLENGE_NOT_OPEN', 409, 'The challenge is not open.');
 */
export function defineError<const Code extends string>(
  code: Code,
  status: number,
  description: string,
): ErrorDefinition<Code> {
  if (!ERROR_CODE_PATTERN.test(code)) {
    throw new TypeError(`Error code "${code}" must read TANDEM_<AREA>_<REASON> in upper case.`);
  }
  if (!Number.isInteger(status) || status < 400 || status > 599) {
    throw new TypeError(`Error code "${code}" needs an HTTP status from 400 to 599.`);
  }
  if (description.trim() === '' || description.includes('\n')) {
    throw new TypeError(`Error code "${code}" needs a one-line description.`);
  }
  return Object.freeze({ code, status, description });
}

/** The area of a plugin's codes: its id in upper case, dashes as `_` (`bike-km` → `BIKE_KM`). */
export function errorAreaOf(pluginId: string): string {
  return pluginId.toUpperCase().replace(/-/g, '_');
}

type Underscored<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}_${Underscored<Tail>}`
  : S;

/** The code a plugin's reason gets: `('bike-km', 'TRIP_TOO_LONG')` → `TANDEM_BIKE_KM_TRIP_TOO_LONG`. */
export type PluginErrorCode<
  Id extends string,
  Reason extends string,
> = `TANDEM_${Uppercase<Underscored<Id>>}_${Reason}`;

/**
 * Defines a plugin's own codes, each prefixed with the plugin's id so that
 * no two plugins (nor a plugin and core) can mean two things by one code.
 * Declare the result as `errors` in the manifest; throw with
 * `new TandemError(errors.PARTNER_UNKNOWN, 'No partner "x".')`.
 *
 * @param pluginId - the plugin's id (`lms-sync`)
 * @param reasons - `{ REASON: { status, description } }`
 * @example
 * export const errors = definePluginErrors('lms-sync', {
 *   PARTNER_UNKNOWN: { status: 404, description: 'No partner with this id.' },
 * });
 * // errors.PARTNER_UNKNOWN.code === 'TANDEM_LMS_SYNC_PARTNER_UNKNOWN'
 */
export function definePluginErrors<
  const Id extends string,
  const Reasons extends Record<string, { status: number; description: string }>,
>(
  pluginId: Id,
  reasons: Reasons,
): { readonly [R in keyof Reasons & string]: ErrorDefinition<PluginErrorCode<Id, R>> } {
  const area = errorAreaOf(pluginId);
  const out: Record<string, ErrorDefinition> = {};
  for (const [reason, { status, description }] of Object.entries(reasons)) {
    out[reason] = defineError(`TANDEM_${area}_${reason}`, status, description);
  }
  return Object.freeze(out) as never;
}

/**
 * An error with a catalogue code. The HTTP layer answers
 * `{ error: code, message, details? }` with the definition's status.
 *
 * @example
 * throw new TandemError(errors.PARTNER_UNKNOWN, 'No partner "acme".');
 */
export class TandemError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: ErrorDetail[] | undefined;

  constructor(definition: ErrorDefinition, message: string, details?: ErrorDetail[]) {
    super(message);
    this.name = 'TandemError';
    this.code = definition.code;
    this.status = definition.status;
    this.details = details;
  }
}

/** Whether `value` is a `Problem` a hook returned: `{ path: string, message: string }`. */
export function isProblem(value: unknown): value is Problem {
  if (typeof value !== 'object' || value === null) return false;
  const { path, message } = value as Record<string, unknown>;
  return typeof path === 'string' && typeof message === 'string' && message !== '';
}
