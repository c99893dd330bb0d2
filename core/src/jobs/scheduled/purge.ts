import type { Sql } from '../../store/database.js';
import { IDEMPOTENCY_TTL_MS } from '../../store/retention.js';

/** Rows deleted per statement, so one purge never holds a long lock on a busy table. */
const BATCH = 5_000;

/** What one purge removed. */
export interface PurgeSummary {
  /** Stored `Idempotency-Key` answers older than 24 h (and keys abandoned as long). */
  replays: number;
  /** Pending pledges whose newest confirmation link has expired. */
  pendingPledges: number;
  /** Mailed one-time tokens past their expiry, used or not. */
  mailTokens: number;
  /** Sessions past their expiry. */
  sessions: number;
}

async function deleteInBatches(sql: Sql, table: string, where: string, params: unknown[]) {
  let total = 0;
  for (;;) {
    const rows = await sql.query(
      `delete from ${table} where ctid in (select ctid from ${table} where ${where} limit ${BATCH})
       returning 1`,
      params,
    );
    total += rows.length;
    if (rows.length < BATCH) return total;
  }
}

/**
 * Deletes what has expired and must not be kept (ADR 0016): replays of
 * `Idempotency-Key` answers past 24 h (some carry secrets, sealed or not),
 * pending pledges nobody confirmed in time (a typed address is not consent
 * to be kept), expired one-time tokens and expired sessions. Nothing here
 * counts: confirmed pledges, progress and unlocks are never touched. Safe to
 * run twice; the confirmation of a purged pending pledge was already
 * impossible, its link having expired.
 */
export async function purgeExpired(deps: { db: Sql; now: () => Date }): Promise<PurgeSummary> {
  const now = deps.now();
  return {
    replays: await deleteInBatches(deps.db, 'idempotency_key', 'created_at < ?', [
      new Date(now.getTime() - IDEMPOTENCY_TTL_MS),
    ]),
    pendingPledges: await deleteInBatches(
      deps.db,
      'pledge',
      `status = 'pending' and confirm_by < ?`,
      [now],
    ),
    mailTokens: await deleteInBatches(deps.db, 'mail_token', 'expires_at < ?', [now]),
    sessions: await deleteInBatches(deps.db, 'session', 'expires_at < ?', [now]),
  };
}
