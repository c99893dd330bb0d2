import { Migration } from '@mikro-orm/migrations';

/**
 * The sponsor's proof and the public ledger (ADR 0035).
 *
 * - `unlock.deliver_by`: when the counterpart of an unlocked tier is due.
 *   Stored rather than computed so that a sponsor may move it and everyone
 *   reads the same date; tiers unlocked before this migration get the
 *   default, 90 days after their unlock.
 * - `tier.fulfilled_by_participant`: the person who declared the delivery,
 *   shown to the organization's admins only; nulled when that person is gone.
 * - `tier.received_at`: when the beneficiary confirmed receipt through the
 *   mailed link; `tier.receipt_mailed_at`: when that link went out, so a
 *   redelivered event mails it once.
 * - `beneficiary.email`: where the receipt link goes; never shown publicly.
 */
export class Migration20261205100000 extends Migration {
  override up(): void {
    this.addSql(`
alter table unlock add column deliver_by timestamptz;
update unlock set deliver_by = unlocked_at + interval '90 days' where deliver_by is null;

alter table tier
  add column fulfilled_by_participant text references participant (id) on delete set null,
  add column received_at timestamptz,
  add column receipt_mailed_at timestamptz;
create index tier_fulfilled_by_participant_idx on tier (fulfilled_by_participant)
  where fulfilled_by_participant is not null;

alter table beneficiary
  add column email text check (email is null or (char_length(email) <= 320 and email like '%_@_%'));
`);
  }

  override down(): void {
    this.addSql(`
alter table beneficiary drop column if exists email;
drop index if exists tier_fulfilled_by_participant_idx;
alter table tier
  drop column if exists receipt_mailed_at,
  drop column if exists received_at,
  drop column if exists fulfilled_by_participant;
alter table unlock drop column if exists deliver_by;
`);
  }
}
