/**
 * How long Tandem keeps what it keeps only for a while (ADR 0016). The
 * purge job (jobs/scheduled/purge.ts) deletes what is older; the readers
 * refuse it before then.
 */

/** A stored `Idempotency-Key` answer is replayed, and kept, for 24 hours. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
