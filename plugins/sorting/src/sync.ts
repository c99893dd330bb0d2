/**
 * Offline sync: a tablet that recorded enrolments without a network sends
 * them in one request, each under a key it generated when it recorded it.
 * The per-item keys, claims and kept results are the SDK's `syncItems`
 * (ADR 0041), shared with the other plugins that take offline syncs; what
 * is this plugin's own is how one enrolment is recorded, and the code a
 * `newCode` enrolment reserves before it is recorded.
 */
import {
  canonicalJson,
  STALE_CLAIM_SECONDS,
  SYNC_CONCURRENCY,
  syncFingerprint,
  syncItems,
  syncScope,
  type Viewer,
} from '@tandem/core';
import { issueCode } from './codes.js';
import { enrol, type EnrolContext, type EnrolTarget } from './enrol.js';
import type { EnrolmentBody, SyncResult } from './schemas.js';

export { canonicalJson, STALE_CLAIM_SECONDS, SYNC_CONCURRENCY, syncScope };

/** An item's result without its key, as stored in `sorting_sync_item.result`. */
type StoredResult = Omit<SyncResult, 'key'>;

/** Turns an item's `enrolment` into a checked body, or throws a 4xx naming the field. */
export type EnrolmentCheck = (value: unknown) => EnrolmentBody;

/** What identifies an item's body: the challenge and the enrolment, whatever their key order. */
export function fingerprintOf(challengeId: string, enrolment: unknown): string {
  return syncFingerprint(challengeId, enrolment);
}

/**
 * Processes a sync's items, a few at a time, and returns one result per
 * item in their order. An item that fails gets its error in its result; the
 * others go on. A replayed key gets its first result, as it was.
 */
export async function syncEnrolments(
  context: EnrolContext,
  viewer: Viewer,
  challenge: EnrolTarget,
  items: readonly { key: string; enrolment: unknown }[],
  check: EnrolmentCheck,
  log: { error(details: object, message: string): void },
): Promise<SyncResult[]> {
  const outcomes = await syncItems<unknown, StoredResult>({
    tables: context.tables,
    table: 'sorting_sync_item',
    scope: syncScope(viewer),
    target: challenge.id,
    items: items.map(({ key, enrolment }) => ({ key, body: enrolment })),
    claimColumns: { challenge_id: challenge.id },
    reservedColumn: 'code',
    mismatchMessage: 'another enrolment (or challenge)',
    log,
    async record(enrolment, claim) {
      const body = check(enrolment);
      const outcome = await enrol(context, viewer, challenge, body, async () => {
        // Kept with the item before the resident is enrolled: a retry after a
        // crash then enrols this same code instead of issuing a second one.
        const code = claim.reserved ?? (await issueCode(context, challenge.organizationId));
        await claim.reserve(code);
        return code;
      });
      return {
        status: outcome.confirmedNow ? 'created' : 'already',
        pledgeId: outcome.pledgeId,
        ...(outcome.code !== undefined ? { code: outcome.code } : {}),
      };
    },
  });
  return outcomes.map(({ key, result }) => ({ key, ...result }));
}
