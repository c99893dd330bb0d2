import { Migration } from '@mikro-orm/migrations';

/**
 * Secrets at rest and what expires (ADR 0016).
 *
 * - `idempotency_key.response` becomes `sealed_response`: every stored
 *   answer is sealed with `TANDEM_SECRET_KEY` (some carry a session token or
 *   a partner key). Answers stored in clear so far are dropped rather than
 *   kept readable: the database does not hold the key, and a replay is a
 *   short-lived convenience (24 h), not a record.
 * - `owner` names the request holding an "in progress" key, so a request
 *   whose key was taken over after its lease cannot store its answer over
 *   the taker's; `created_at` is when the current holder started.
 * - `pledge.confirm_by`: when a pending pledge's newest confirmation link
 *   expires; past it the pledge is purged.
 */
export class Migration20261203130000 extends Migration {
  override up(): void {
    this.addSql(`
delete from idempotency_key;
alter table idempotency_key drop column response;
alter table idempotency_key add column sealed_response text;
alter table idempotency_key add column owner text;

alter table pledge add column confirm_by timestamptz;
update pledge set confirm_by = created_at + interval '48 hours' where status = 'pending';
create index pledge_pending_expiry_idx on pledge (confirm_by) where status = 'pending';

create index session_expires_idx on session (expires_at);
`);
  }

  override down(): void {
    this.addSql(`
drop index if exists session_expires_idx;
drop index if exists pledge_pending_expiry_idx;
alter table pledge drop column if exists confirm_by;
delete from idempotency_key;
alter table idempotency_key drop column if exists owner;
alter table idempotency_key drop column if exists sealed_response;
alter table idempotency_key add column response jsonb;
`);
  }
}
