/**
 * Offline sync: a tablet that recorded enrolments without a network sends
 * them in one request, each under a key it generated when it recorded it.
 * The answer to a sync may be lost (the tablet goes back out of coverage),
 * so the tablet sends the same items again; each key's first result is kept
 * and handed back, and an enrolment is never recorded twice.
 *
 * Core's `Idempotency-Key` covers a whole request; a sync needs one per
 * item, because a retry may carry the lost items together with new ones.
 */
import { createHash } from 'node:crypto';
import { TandemError, type Viewer } from '@tandem/core';
import { issueCode } from './codes.js';
import { enrol, type EnrolContext, type EnrolTarget } from './enrol.js';
import type { EnrolmentBody, SyncResult } from './schemas.js';

/** A claim older than this with no result is taken to be from a process that died. */
export const STALE_CLAIM_SECONDS = 120;

/** An item's result without its key, as stored in `sorting_sync_item.result`. */
type StoredResult = Omit<SyncResult, 'key'>;

/** Turns an item's `enrolment` into a checked body, or throws a 4xx naming the field. */
export type EnrolmentCheck = (value: unknown) => EnrolmentBody;

/**
 * JSON with object keys sorted, so that a device that serialises the same
 * enrolment in another key order is not taken to send another body.
 *
 * @example canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }) // '{"a":[{"c":3,"d":2}],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** What identifies an item's body: the challenge and the enrolment, whatever their key order. */
export function fingerprintOf(challengeId: string, enrolment: unknown): string {
  return createHash('sha256')
    .update(`${challengeId}\n${canonicalJson(enrolment)}`)
    .digest('hex');
}

/**
 * Whose keys these are: the agent, not their session. A tablet whose
 * session expired signs in again and retries; its keys must still match.
 */
export function syncScope(viewer: Viewer): string {
  return viewer.kind === 'participant' ? viewer.participantId : viewer.kind;
}

const errorResult = (error: TandemError): StoredResult => ({
  status: 'error',
  error: error.code,
  message: error.message,
  ...(error.details ? { details: error.details } : {}),
});

interface ItemRow {
  fingerprint: string;
  code: string | null;
  result: StoredResult | null;
}

/** Items recorded side by side: enough to hide round trips, few enough to leave the pool to others. */
export const SYNC_CONCURRENCY = 4;

/**
 * Processes a sync's items, a few at a time, and returns one result per
 * item in their order. An item that fails gets its error in its result; the
 * others go on.
 */
export async function syncEnrolments(
  context: EnrolContext,
  viewer: Viewer,
  challenge: EnrolTarget,
  items: readonly { key: string; enrolment: unknown }[],
  check: EnrolmentCheck,
  log: { error(details: object, message: string): void },
): Promise<SyncResult[]> {
  const scope = syncScope(viewer);
  const results: SyncResult[] = new Array<SyncResult>(items.length);

  const runOne = async (key: string, enrolment: unknown): Promise<SyncResult> => {
    try {
      return { key, ...(await syncItem(context, viewer, challenge, scope, key, enrolment, check)) };
    } catch (error) {
      // Not the client's mistake: the item is released for the next sync.
      log.error({ err: error, key }, 'sorting: a sync item failed');
      await context.tables.query(
        'delete from sorting_sync_item where scope = ? and key = ? and result is null',
        [scope, key],
      );
      const failure =
        error instanceof TandemError && error.status >= 500
          ? error
          : new TandemError(
              'TANDEM_INTERNAL',
              'Something went wrong on our side; sync this item again.',
            );
      return { key, ...errorResult(failure) };
    }
  };

  // A key may come twice (an item queued twice on the device): the second
  // waits for the first, then finds its result rather than a claim in progress.
  const lastRunOfKey = new Map<string, Promise<unknown>>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      const { key, enrolment } = items[index] as { key: string; enrolment: unknown };
      const before = lastRunOfKey.get(key);
      const run = (async () => {
        await before;
        results[index] = await runOne(key, enrolment);
      })();
      lastRunOfKey.set(key, run);
      await run;
    }
  };
  await Promise.all(Array.from({ length: Math.min(SYNC_CONCURRENCY, items.length) }, worker));
  return results;
}

async function syncItem(
  context: EnrolContext,
  viewer: Viewer,
  challenge: EnrolTarget,
  scope: string,
  key: string,
  enrolment: unknown,
  check: EnrolmentCheck,
): Promise<StoredResult> {
  const fingerprint = fingerprintOf(challenge.id, enrolment);
  const claimed = await context.tables.query<{ code: string | null }>(
    `insert into sorting_sync_item (scope, key, challenge_id, fingerprint) values (?, ?, ?, ?)
     on conflict (scope, key) do nothing returning code`,
    [scope, key, challenge.id, fingerprint],
  );
  let code: string | null = null;
  if (claimed.length === 0) {
    const [row] = await context.tables.query<ItemRow>(
      'select fingerprint, code, result from sorting_sync_item where scope = ? and key = ?',
      [scope, key],
    );
    if (!row) {
      // Released by a failed attempt between our insert and this read.
      return errorResult(
        new TandemError('TANDEM_IDEMPOTENCY_IN_PROGRESS', 'Sync this item again.'),
      );
    }
    if (row.fingerprint !== fingerprint) {
      return errorResult(
        new TandemError(
          'TANDEM_IDEMPOTENCY_MISMATCH',
          'This key was synced with another enrolment (or challenge); give each enrolment its own key.',
        ),
      );
    }
    if (row.result) return row.result;
    // No result yet: either another sync is on it right now, or the process
    // that claimed it died. Only a stale claim is taken over, by one sync.
    const [retaken] = await context.tables.query<{ code: string | null }>(
      `update sorting_sync_item set claimed_at = now()
        where scope = ? and key = ? and result is null
          and claimed_at < now() - make_interval(secs => ?)
        returning code`,
      [scope, key, STALE_CLAIM_SECONDS],
    );
    if (!retaken) {
      return errorResult(
        new TandemError(
          'TANDEM_IDEMPOTENCY_IN_PROGRESS',
          'Another sync is recording this item; sync it again shortly.',
        ),
      );
    }
    code = retaken.code;
  }

  let result: StoredResult;
  try {
    const body = check(enrolment);
    const outcome = await enrol(context, viewer, challenge, body, async () => {
      // Kept with the item before the resident is enrolled: a retry after a
      // crash then enrols this same code instead of issuing a second one.
      code ??= await issueCode(context, challenge.organizationId);
      await context.tables.query(
        'update sorting_sync_item set code = ? where scope = ? and key = ?',
        [code, scope, key],
      );
      return code;
    });
    result = {
      status: outcome.confirmedNow ? 'created' : 'already',
      pledgeId: outcome.pledgeId,
      ...(outcome.code !== undefined ? { code: outcome.code } : {}),
    };
  } catch (error) {
    // A client's mistake is an answer, kept like any other: the same item
    // synced again gets the same error. Anything else is for the caller.
    if (!(error instanceof TandemError) || error.status >= 500) throw error;
    result = errorResult(error);
  }
  await context.tables.query(
    `update sorting_sync_item set result = ?::jsonb, completed_at = now()
      where scope = ? and key = ?`,
    [JSON.stringify(result), scope, key],
  );
  return result;
}
