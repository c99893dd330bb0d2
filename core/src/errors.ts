/**
 * The one catalogue of core's error codes: one code per reason, each with
 * its HTTP status and a one-line description, built with the SDK's
 * `defineError` like a plugin's own codes. `docs/errors.md` is generated
 * from it (`npm run docs:catalogue`; a test fails when it is stale). Tests
 * assert on the code, never on the sentence. See docs/decisions/0022.
 */
import {
  defineError,
  TandemError as CodedError,
  type ErrorDefinition,
  type ErrorDetail,
} from './sdk/errors.js';

export type { ErrorDefinition, ErrorDetail, Problem } from './sdk/errors.js';
export { definePluginErrors, isProblem } from './sdk/errors.js';

const definitions = [
  // The request itself (always 400: API.md, "400 invalid body or query").
  defineError(
    'TANDEM_REQUEST_INVALID',
    400,
    'A field of the body, query string or path is invalid; `details` names each as `{ path, message }`.',
  ),
  defineError(
    'TANDEM_REQUEST_UNKNOWN_FIELD',
    400,
    'The body holds a field the route does not know; it is refused, never silently dropped.',
  ),
  defineError(
    'TANDEM_REQUEST_MALFORMED',
    400,
    'The body cannot be read: it is not well-formed JSON.',
  ),
  defineError('TANDEM_REQUEST_TOO_LARGE', 400, 'The body is larger than the server accepts.'),
  defineError(
    'TANDEM_REQUEST_UNSUPPORTED_MEDIA_TYPE',
    400,
    'The body is not sent as `application/json`.',
  ),

  // Credentials and roles.
  defineError('TANDEM_AUTH_REQUIRED', 401, 'The route needs credentials and none were sent.'),
  defineError(
    'TANDEM_AUTH_INVALID',
    401,
    'The credentials sent are unknown, expired or malformed.',
  ),
  defineError(
    'TANDEM_AUTH_FORBIDDEN',
    403,
    'The caller is known but lacks the role or membership this needs.',
  ),
  defineError(
    'TANDEM_AUTH_ORIGIN_REFUSED',
    403,
    'A write authenticated by the session cookie came without an `Origin` header of this server’s own origin (cross-site request refused).',
  ),

  defineError(
    'TANDEM_NOT_FOUND',
    404,
    'No such route, id or slug, or one the caller may not know exists.',
  ),

  // Challenge lifecycle.
  defineError(
    'TANDEM_CHALLENGE_NOT_DRAFT',
    409,
    'Only a draft challenge can be opened, edited or deleted; this one is open or finished.',
  ),
  defineError(
    'TANDEM_CHALLENGE_NOT_OPEN',
    409,
    'The challenge is still a draft: it takes no pledges and cannot be closed.',
  ),
  defineError(
    'TANDEM_CHALLENGE_CLOSED',
    409,
    'The challenge is closed (or its deadline has passed): it takes no pledges and its pledges stay as they were.',
  ),
  defineError('TANDEM_CHALLENGE_FAILED', 409, 'The challenge failed; it takes no pledges.'),
  defineError(
    'TANDEM_CHALLENGE_FULFILLED',
    409,
    'Every counterpart of the challenge was delivered; it takes no pledges.',
  ),
  defineError(
    'TANDEM_CHALLENGE_DEADLINE_PASSED',
    409,
    'The challenge cannot be opened: its deadline has passed; set a new one first.',
  ),
  defineError(
    'TANDEM_CHALLENGE_TAKES_NO_CONTRIBUTIONS',
    409,
    'The challenge’s action type records pledges only, no contributions.',
  ),
  defineError(
    'TANDEM_CHALLENGE_WRONG_ACTION_TYPE',
    409,
    'A plugin’s route was called for a challenge of another action type.',
  ),
  defineError(
    'TANDEM_TIER_UNKNOWN',
    409,
    'The challenge has no tier with this id, so nothing about it can change.',
  ),
  defineError(
    'TANDEM_TIER_NOT_UNLOCKED',
    409,
    'The tier is not unlocked, so its counterpart cannot be marked fulfilled, nor given a delivery date, yet.',
  ),
  defineError(
    'TANDEM_TIER_ALREADY_FULFILLED',
    409,
    'The tier was already marked fulfilled: its proof and date stay as recorded.',
  ),

  // Sponsors.
  defineError(
    'TANDEM_SPONSORSHIP_ALREADY_DECIDED',
    409,
    'The sponsorship was already accepted or declined; only a proposed one can be decided.',
  ),
  defineError(
    'TANDEM_SPONSORSHIP_NOT_ACCEPTED',
    409,
    'A tier’s sponsor has not accepted yet, so the challenge cannot open.',
  ),

  // Federated challenges (ADR 0043).
  defineError(
    'TANDEM_PARTNER_ALREADY_INVITED',
    409,
    'The organization is already invited to feed this challenge, or already feeds it.',
  ),
  defineError(
    'TANDEM_PARTNER_ALREADY_DECIDED',
    409,
    'The partner already answered the invitation, or left; only an invited partner can decide.',
  ),

  // Organizations and teams.
  defineError(
    'TANDEM_ORGANIZATION_LAST_OWNER',
    409,
    'The person is the last owner of an organization: appoint another owner first.',
  ),
  defineError(
    'TANDEM_INVITATION_OTHER_ACCOUNT',
    403,
    'The invitation was mailed to another address than the signed-in account’s: sign out, or sign in with the invited address.',
  ),
  defineError('TANDEM_ORGANIZATION_SLUG_TAKEN', 409, 'Another organization already has this slug.'),
  defineError('TANDEM_TEAM_SLUG_TAKEN', 409, 'The campaign already has a team with this slug.'),
  defineError(
    'TANDEM_TEAM_NOT_EMPTY',
    409,
    'People joined the team (a pledge or a contribution names it): it can be renamed, not deleted.',
  ),
  defineError(
    'TANDEM_CAMPAIGN_NOT_DRAFT',
    409,
    'One of the campaign’s challenges was opened: the campaign can be edited, not deleted.',
  ),

  // Uploaded files.
  defineError(
    'TANDEM_FILE_UNSUPPORTED',
    415,
    'The uploaded file is not a PNG, JPEG or PDF, judged by its bytes (never by its name or declared type); SVG and HTML are refused.',
  ),
  defineError('TANDEM_FILE_TOO_LARGE', 413, 'The uploaded file is larger than 10 MB.'),

  // Pledges and contributions.
  defineError(
    'TANDEM_PLEDGE_REQUIRED',
    409,
    'A self-reported contribution from someone without a live pledge on the challenge.',
  ),
  defineError(
    'TANDEM_CONTRIBUTION_ALREADY_COUNTED',
    409,
    'The action type counts this contribution once per person, and it already counts.',
  ),
  defineError(
    'TANDEM_CONTRIBUTION_LOCKED',
    409,
    'The contribution can no longer be corrected or deleted: its correction window (`TANDEM_CONTRIBUTION_EDIT_DAYS` after it was recorded) has passed, or an agent recorded it.',
  ),

  // Integrity (ADR 0039).
  defineError(
    'TANDEM_INVALIDATED',
    409,
    'The pledge or contribution was invalidated by the organizer (a batch invalidation): it no longer counts, and nothing more can be recorded, corrected or revived on it until the batch is restored.',
  ),
  defineError(
    'TANDEM_INVALIDATION_EMPTY',
    409,
    'The invalidation filter matches no pledge or contribution that still counts (already invalidated, or none): nothing was changed.',
  ),
  defineError(
    'TANDEM_INVALIDATION_RESTORED',
    409,
    'This invalidation was already restored: its pledges count again.',
  ),

  // Idempotency and limits.
  defineError(
    'TANDEM_IDEMPOTENCY_IN_PROGRESS',
    409,
    'A request with this Idempotency-Key is still running; retry it.',
  ),
  defineError(
    'TANDEM_IDEMPOTENCY_MISMATCH',
    422,
    'This Idempotency-Key was used with another request body.',
  ),
  defineError('TANDEM_RATE_LIMITED', 429, 'Too many requests; retry after `retry-after` seconds.'),

  // Generic codes kept for call sites not migrated yet (see `conflict`).
  defineError(
    'TANDEM_STATE_CONFLICT',
    409,
    'Deprecated, generic: the state does not allow this. New code uses a precise code.',
  ),
  defineError(
    'TANDEM_DUPLICATE',
    409,
    'Deprecated, generic: the thing already exists. New code uses a precise code.',
  ),

  // The server and its operator.
  defineError('TANDEM_INTERNAL', 500, 'Something went wrong on the server; nothing more is told.'),
  defineError('TANDEM_UNAVAILABLE', 503, 'The server or a service it needs cannot answer now.'),
  defineError(
    'TANDEM_CONFIG_INVALID',
    500,
    'The configuration read at start-up is invalid; the process stops.',
  ),
  defineError('TANDEM_PLUGIN_INVALID', 500, 'A plugin’s manifest or hook breaks the SDK’s rules.'),
  defineError('TANDEM_PLUGIN_DUPLICATE', 500, 'Two plugins (or two codes or events) share an id.'),
  defineError(
    'TANDEM_PLUGIN_INCOMPATIBLE',
    500,
    'A plugin asks for a core version range this core is outside of.',
  ),
  defineError('TANDEM_PLUGIN_UNKNOWN', 500, 'A plugin or integration named is not registered.'),
] as const;

/** A code of core's catalogue. */
export type ErrorCode = (typeof definitions)[number]['code'];

/** Core's error definitions by code. */
export const coreErrors: Readonly<Record<ErrorCode, ErrorDefinition<ErrorCode>>> = Object.freeze(
  Object.fromEntries(definitions.map((d) => [d.code, d])) as Record<
    ErrorCode,
    ErrorDefinition<ErrorCode>
  >,
);

/**
 * Core's codes and their HTTP status.
 *
 * @deprecated use `coreErrors`, which also carries each code's description.
 */
export const errorCatalogue: Readonly<Record<ErrorCode, number>> = Object.freeze(
  Object.fromEntries(definitions.map((d) => [d.code, d.status])) as Record<ErrorCode, number>,
);

/**
 * An error with a catalogue code: core's by name, or a definition (a
 * plugin's own code). The HTTP layer turns it into `{ error, message,
 * details? }` with the code's status. Anything thrown as the SDK's
 * `TandemError` is answered the same way.
 *
 * @example
 * throw new TandemError('TANDEM_CHALLENGE_NOT_OPEN', 'The challenge is a draft.');
 */
export class TandemError extends CodedError {
  constructor(code: ErrorCode | ErrorDefinition, message: string, details?: ErrorDetail[]) {
    super(typeof code === 'string' ? coreErrors[code] : code, message, details);
  }
}

/** Shorthands for the errors routes raise most. */
export const notFound = (what: string, id: string): TandemError =>
  new TandemError('TANDEM_NOT_FOUND', `No ${what} with id or slug "${id}".`);

/**
 * A 409 (or another status of the code given): the state does not allow
 * this, for the reason `code` names.
 *
 * @example throw conflict('The challenge is closed.', 'TANDEM_CHALLENGE_CLOSED');
 */
export function conflict(message: string, code: ErrorCode): TandemError;
/** @deprecated give the precise code: `conflict(message, 'TANDEM_<AREA>_<REASON>')`. */
export function conflict(message: string): TandemError;
export function conflict(message: string, code: ErrorCode = 'TANDEM_STATE_CONFLICT'): TandemError {
  return new TandemError(code, message);
}

/** A 400 `TANDEM_REQUEST_INVALID` naming the field (`path`) and what is wrong with it. */
export const invalid = (path: string, message: string): TandemError =>
  new TandemError('TANDEM_REQUEST_INVALID', `${path}: ${message}`, [{ path, message }]);
