/**
 * Reading xAPI 1.0.3 statements as a partner's platform sends them: pure
 * functions, no I/O. A statement is an open document — extensions and
 * fields Tandem does not know are accepted and left alone; only what Tandem
 * reads (who, did what, to which course, when, with what result) is checked,
 * and a malformed part is a 400 naming its path.
 */
import { createHash, randomUUID } from 'node:crypto';
import { parseEmailField, TandemError, type EmailAddress } from '@tandem/core';

/** The xAPI version Tandem speaks, sent back in `X-Experience-API-Version`. */
export const XAPI_VERSION = '1.0.3';

/** The ADL verbs Tandem reads. */
export const XapiVerbs = Object.freeze({
  completed: 'http://adlnet.gov/expapi/verbs/completed',
  passed: 'http://adlnet.gov/expapi/verbs/passed',
  voided: 'http://adlnet.gov/expapi/verbs/voided',
});

/** The verbs that say a course was finished; every other verb is ignored. */
export const COMPLETION_VERBS: readonly string[] = Object.freeze([
  XapiVerbs.completed,
  XapiVerbs.passed,
]);

/** The most statements one request may carry. */
export const MAX_STATEMENTS_PER_REQUEST = 200;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether an `X-Experience-API-Version` header names a version of xAPI 1.0
 * (`1.0`, `1.0.0` … `1.0.3`), the only one this endpoint speaks.
 */
export function isSupportedVersion(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header[0] : header;
  return typeof value === 'string' && /^1\.0(\.\d+)?$/.test(value.trim());
}

/** Who a statement is about, as far as Tandem can tell. */
export type ActorRef =
  /** Known by the address of its `mbox`, parsed here, where it enters Tandem. */
  | { kind: 'email'; email: EmailAddress }
  | { kind: 'account'; homePage: string; name: string }
  /** Identified in a way Tandem cannot map to a person (mbox_sha1sum, openid, a group). */
  | { kind: 'unmapped'; reason: string };

/** What Tandem reads of one statement; the rest of the document is ignored. */
export interface ReadStatement {
  /** The statement id, lower-cased; generated (UUID v4) when the partner sent none. */
  id: string;
  /** Whether Tandem made the id up (the partner sent none). */
  generatedId: boolean;
  actor: ActorRef;
  verbId: string;
  /** The object's id when it is an Activity (the course); `null` otherwise. */
  activityId: string | null;
  /** The object's `objectType`, `Activity` when absent. */
  objectType: string;
  result: {
    completion?: boolean;
    success?: boolean;
    /** The score in percent (0–100), when the statement's score can be read as one. */
    scorePercent?: number;
  };
  /** The statement's `timestamp`, when it has one. */
  timestamp: Date | null;
  /**
   * A hash of the statement as sent, without the properties an LRS sets
   * itself (`id`, `stored`, `authority`, `version`): two deliveries of the
   * same statement have the same fingerprint whatever the key order.
   */
  fingerprint: string;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const refuse = (path: string, message: string): TandemError =>
  new TandemError('TANDEM_REQUEST_INVALID', `${path}: ${message}`, [{ path, message }]);

const nonEmptyString = (value: unknown): value is string =>
  typeof value === 'string' && value.trim() !== '';

/** JSON with keys sorted at every level, so the same document always hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The properties an LRS may set on a statement; they do not make two statements differ. */
const LRS_PROPERTIES = new Set(['id', 'stored', 'authority', 'version']);

/** See {@link ReadStatement.fingerprint}. */
export function fingerprintOf(statement: Record<string, unknown>): string {
  const own = Object.fromEntries(
    Object.entries(statement).filter(([key]) => !LRS_PROPERTIES.has(key)),
  );
  return createHash('sha256').update(canonicalJson(own)).digest('hex');
}

/** The address of a `mailto:` IRI, percent-decoded when it is well formed. */
function mailtoAddress(mbox: string): string {
  const address = mbox.slice('mailto:'.length);
  try {
    return decodeURIComponent(address).trim();
  } catch {
    return address.trim();
  }
}

function readActor(actor: unknown, path: string): ActorRef {
  if (!isObject(actor)) throw refuse(path, 'must be an Agent or a Group object');
  const { mbox, account } = actor;
  if (mbox !== undefined && (typeof mbox !== 'string' || !/^mailto:/i.test(mbox))) {
    throw refuse(`${path}/mbox`, 'must be a "mailto:" IRI');
  }
  if (account !== undefined) {
    if (!isObject(account)) throw refuse(`${path}/account`, 'must be { homePage, name }');
    if (!nonEmptyString(account['homePage'])) {
      throw refuse(`${path}/account/homePage`, 'must be an IRI');
    }
    if (!nonEmptyString(account['name'])) throw refuse(`${path}/account/name`, 'is required');
  }
  const identified =
    mbox !== undefined ||
    account !== undefined ||
    nonEmptyString(actor['mbox_sha1sum']) ||
    nonEmptyString(actor['openid']);
  if (actor['objectType'] === 'Group') {
    return { kind: 'unmapped', reason: 'the actor is a Group, not one person' };
  }
  if (!identified) {
    throw refuse(path, 'must identify the person with mbox, mbox_sha1sum, openid or account');
  }
  if (typeof mbox === 'string') {
    // Core's one grammar: a list, a quoted or invisible spelling is a 400
    // here, not a second person (or a mail to someone else) later.
    return { kind: 'email', email: parseEmailField(mailtoAddress(mbox), `${path}/mbox`) };
  }
  if (isObject(account)) {
    return {
      kind: 'account',
      homePage: String(account['homePage']),
      name: String(account['name']),
    };
  }
  return {
    kind: 'unmapped',
    reason:
      'the actor is known only by mbox_sha1sum or openid, which Tandem cannot map to a person',
  };
}

/** A score in percent: `scaled` × 100 when given, else `raw` within `min`–`max`. */
function scorePercent(score: Record<string, unknown>): number | undefined {
  const { scaled, raw, min, max } = score;
  let percent: number | undefined;
  if (typeof scaled === 'number') {
    percent = scaled * 100;
  } else if (typeof raw === 'number' && typeof max === 'number') {
    const low = typeof min === 'number' ? min : 0;
    if (max > low) percent = ((raw - low) / (max - low)) * 100;
  }
  // A negative scaled score is legal xAPI but means nothing as a percentage.
  if (percent === undefined || !Number.isFinite(percent) || percent < 0 || percent > 100) {
    return undefined;
  }
  return Math.round(percent * 100) / 100;
}

function readResult(result: unknown, path: string): ReadStatement['result'] {
  if (result === undefined) return {};
  if (!isObject(result)) throw refuse(path, 'must be an object');
  const read: ReadStatement['result'] = {};
  for (const key of ['completion', 'success'] as const) {
    const value = result[key];
    if (value === undefined) continue;
    if (typeof value !== 'boolean') throw refuse(`${path}/${key}`, 'must be true or false');
    read[key] = value;
  }
  const score = result['score'];
  if (score !== undefined) {
    if (!isObject(score)) throw refuse(`${path}/score`, 'must be an object');
    for (const key of ['scaled', 'raw', 'min', 'max'] as const) {
      const value = score[key];
      if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
        throw refuse(`${path}/score/${key}`, 'must be a number');
      }
    }
    const scaled = score['scaled'];
    if (typeof scaled === 'number' && (scaled < -1 || scaled > 1)) {
      throw refuse(`${path}/score/scaled`, 'must be between -1 and 1');
    }
    const percent = scorePercent(score);
    if (percent !== undefined) read.scorePercent = percent;
  }
  return read;
}

/**
 * Reads one statement, checking what Tandem uses of it.
 *
 * @param raw - the statement as parsed from JSON
 * @param path - where it sits in the request, for error messages (`statement`, `statements/2`)
 * @param statementId - the id given by `PUT ?statementId=`, which the body may repeat but not contradict
 * @throws TandemError `TANDEM_REQUEST_INVALID` naming the malformed part, e.g. `statements/2/verb/id`
 */
export function readStatement(raw: unknown, path: string, statementId?: string): ReadStatement {
  if (!isObject(raw)) throw refuse(path, 'must be a statement object');
  let id = raw['id'];
  if (id !== undefined && (typeof id !== 'string' || !UUID.test(id))) {
    throw refuse(`${path}/id`, 'must be a UUID');
  }
  if (statementId !== undefined) {
    if (typeof id === 'string' && id.toLowerCase() !== statementId.toLowerCase()) {
      throw refuse(`${path}/id`, `differs from the statementId parameter (${statementId})`);
    }
    id = statementId;
  }
  const actor = readActor(raw['actor'], `${path}/actor`);
  const verb = raw['verb'];
  if (!isObject(verb)) throw refuse(`${path}/verb`, 'must be an object { id, display? }');
  if (!nonEmptyString(verb['id'])) throw refuse(`${path}/verb/id`, 'must be an IRI');
  const object = raw['object'];
  if (!isObject(object)) throw refuse(`${path}/object`, 'must be an object');
  const objectType = object['objectType'] === undefined ? 'Activity' : object['objectType'];
  if (typeof objectType !== 'string') throw refuse(`${path}/object/objectType`, 'must be a string');
  if (objectType === 'Activity' && !nonEmptyString(object['id'])) {
    throw refuse(`${path}/object/id`, 'must be the activity IRI');
  }
  const result = readResult(raw['result'], `${path}/result`);
  let timestamp: Date | null = null;
  if (raw['timestamp'] !== undefined) {
    const text = raw['timestamp'];
    timestamp =
      typeof text === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(text) ? new Date(text) : null;
    if (timestamp === null || Number.isNaN(timestamp.getTime())) {
      throw refuse(`${path}/timestamp`, 'must be an ISO 8601 date-time');
    }
  }
  return {
    id: typeof id === 'string' ? id.toLowerCase() : randomUUID(),
    generatedId: typeof id !== 'string',
    actor,
    verbId: String(verb['id']),
    activityId: objectType === 'Activity' ? String(object['id']) : null,
    objectType,
    result,
    timestamp,
    fingerprint: fingerprintOf(raw),
  };
}

/**
 * Reads a request body: one statement or an array of them, as xAPI allows.
 * Ids must not repeat within one request (xAPI: the batch is refused).
 *
 * @throws TandemError `TANDEM_REQUEST_INVALID` naming the first malformed part
 */
export function readStatements(body: unknown): ReadStatement[] {
  if (body === undefined || body === null) throw refuse('body', 'must be a statement or an array');
  if (!Array.isArray(body)) return [readStatement(body, 'statement')];
  if (body.length === 0) throw refuse('statements', 'must hold at least one statement');
  if (body.length > MAX_STATEMENTS_PER_REQUEST) {
    throw refuse('statements', `may hold at most ${MAX_STATEMENTS_PER_REQUEST} statements`);
  }
  const read = body.map((raw, index) => readStatement(raw, `statements/${index}`));
  const seen = new Set<string>();
  read.forEach((statement, index) => {
    if (seen.has(statement.id)) {
      throw refuse(`statements/${index}/id`, `repeats the id ${statement.id} of this batch`);
    }
    seen.add(statement.id);
  });
  return read;
}

/** A statement that says a course was finished, or why it does not count. */
export type Completion =
  | { counts: true; courseId: string; completedAt: Date | null; scorePercent?: number }
  | { counts: false; reason: string };

/**
 * Whether a statement says its actor finished a course: verb `completed`
 * (unless `result.completion` is false) or `passed` (unless
 * `result.success` is false), about an Activity.
 *
 * @example
 * completionOf(readStatement({ actor, verb: { id: XapiVerbs.completed }, object: { id: course } }, 's'));
 * // { counts: true, courseId: course, completedAt: null }
 */
export function completionOf(statement: ReadStatement): Completion {
  const { verbId, result } = statement;
  if (verbId === XapiVerbs.voided) {
    return {
      counts: false,
      reason: 'voiding is not supported: a completion once counted stays counted',
    };
  }
  if (!COMPLETION_VERBS.includes(verbId)) {
    return { counts: false, reason: `the verb ${verbId} does not say a course was finished` };
  }
  if (verbId === XapiVerbs.completed && result.completion === false) {
    return { counts: false, reason: 'verb completed but result.completion is false' };
  }
  if (verbId === XapiVerbs.passed && result.success === false) {
    return { counts: false, reason: 'verb passed but result.success is false' };
  }
  if (statement.activityId === null) {
    return {
      counts: false,
      reason: `the object is a ${statement.objectType}, not a course (Activity)`,
    };
  }
  return {
    counts: true,
    courseId: statement.activityId,
    completedAt: statement.timestamp,
    ...(result.scorePercent !== undefined ? { scorePercent: result.scorePercent } : {}),
  };
}
