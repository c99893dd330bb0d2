/**
 * The one catalogue of Tandem's error codes. Every error a client can see
 * comes from here, with its HTTP status; tests assert on the code, never on
 * the sentence.
 */
export const errorCatalogue = {
  TANDEM_REQUEST_INVALID: 400,
  TANDEM_REQUEST_UNKNOWN_FIELD: 400,
  TANDEM_AUTH_REQUIRED: 401,
  TANDEM_AUTH_INVALID: 401,
  TANDEM_AUTH_FORBIDDEN: 403,
  TANDEM_NOT_FOUND: 404,
  TANDEM_STATE_CONFLICT: 409,
  TANDEM_DUPLICATE: 409,
  TANDEM_ORGANIZATION_LAST_OWNER: 409,
  TANDEM_SPONSORSHIP_NOT_ACCEPTED: 409,
  /** A self-reported contribution from someone without a live pledge on the challenge. */
  TANDEM_PLEDGE_REQUIRED: 409,
  TANDEM_IDEMPOTENCY_IN_PROGRESS: 409,
  TANDEM_IDEMPOTENCY_MISMATCH: 422,
  TANDEM_RATE_LIMITED: 429,
  TANDEM_INTERNAL: 500,
  TANDEM_UNAVAILABLE: 503,
  TANDEM_CONFIG_INVALID: 500,
  TANDEM_PLUGIN_INVALID: 500,
  TANDEM_PLUGIN_DUPLICATE: 500,
  TANDEM_PLUGIN_INCOMPATIBLE: 500,
  TANDEM_PLUGIN_UNKNOWN: 500,
} as const;

export type ErrorCode = keyof typeof errorCatalogue;

/** One precise complaint, e.g. which field of a body is wrong. */
export interface ErrorDetail {
  path?: string;
  message: string;
  [key: string]: unknown;
}

/**
 * An error with a catalogue code. The HTTP layer turns it into
 * `{ error, message, details? }` with the catalogue's status.
 *
 * @example
 * throw new TandemError('TANDEM_NOT_FOUND', 'No challenge with id "c_123".');
 */
export class TandemError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: ErrorDetail[] | undefined;

  constructor(code: ErrorCode, message: string, details?: ErrorDetail[]) {
    super(message);
    this.name = 'TandemError';
    this.code = code;
    this.status = errorCatalogue[code];
    this.details = details;
  }
}

/** Shorthands for the errors routes raise most. */
export const notFound = (what: string, id: string): TandemError =>
  new TandemError('TANDEM_NOT_FOUND', `No ${what} with id or slug "${id}".`);

export const conflict = (message: string): TandemError =>
  new TandemError('TANDEM_STATE_CONFLICT', message);

export const invalid = (path: string, message: string): TandemError =>
  new TandemError('TANDEM_REQUEST_INVALID', `${path}: ${message}`, [{ path, message }]);
