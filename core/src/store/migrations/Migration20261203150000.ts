import { Migration } from '@mikro-orm/migrations';

/**
 * Personal data (API.md, `GET /api/me/export` and `DELETE /api/me`).
 *
 * A person is looked up by `identity_fingerprint`, a keyed hash (HMAC under
 * `TANDEM_SECRET_KEY`) of their canonical address, rather than by the
 * address itself. Erasing someone nulls every column that names them and
 * keeps that fingerprint, their anonymous pledges and contributions: the
 * counts a sponsor paid on stay true, and a person who comes back finds
 * their old row (and pledge) instead of being counted a second time. The
 * key never leaves the process, so the fingerprint alone tells nobody who
 * the row was.
 *
 * Rows from before this migration get their fingerprint when the platform
 * starts (the key is not available to SQL).
 */
export class Migration20261203150000 extends Migration {
  override up(): void {
    this.addSql(`
alter table participant add column identity_fingerprint text unique;
alter table participant add column erased_at timestamptz;
alter table participant drop constraint participant_identity_check;
alter table participant add constraint participant_identity_check
  check (canonical_email is not null or resident_code is not null or identity_fingerprint is not null);
create index participant_unfingerprinted_idx on participant (id)
  where identity_fingerprint is null and canonical_email is not null;

-- An erased pledge still counts; what it said about the person is gone.
alter table pledge add column erased_at timestamptz;
`);
  }

  override down(): void {
    this.addSql(`
alter table pledge drop column if exists erased_at;
drop index if exists participant_unfingerprinted_idx;
alter table participant drop constraint if exists participant_identity_check;
alter table participant add constraint participant_identity_check
  check (canonical_email is not null or resident_code is not null);
alter table participant drop column if exists erased_at;
alter table participant drop column if exists identity_fingerprint;
`);
  }
}
