import { Migration } from '@mikro-orm/migrations';

/**
 * A participant's own settings (`PATCH /api/me`) and corrections of
 * contributions (ADR 0029).
 *
 * - `participant.show_as`: whether the feed shows their name by default;
 * - `participant.mail_opt_out`: no notification mail at all (a mail they
 *   ask for, such as a sign-in link, still goes);
 * - `participant.postcode` and `commune_code` (INSEE): where they act, as
 *   coarse as a commune; erased with the rest of the person;
 * - `contribution.corrected_at`: when its participant last corrected it,
 *   so an export and an audit can tell a corrected figure from the first.
 */
export class Migration20261204110000 extends Migration {
  override up(): void {
    this.addSql(`
alter table participant
  add column show_as text not null default 'anonymous' check (show_as in ('name', 'anonymous')),
  add column mail_opt_out boolean not null default false,
  add column postcode text check (postcode ~ '^[0-9]{5}$'),
  add column commune_code text;
alter table contribution add column corrected_at timestamptz;
`);
  }

  override down(): void {
    this.addSql(`
alter table contribution drop column if exists corrected_at;
alter table participant
  drop column if exists commune_code,
  drop column if exists postcode,
  drop column if exists mail_opt_out,
  drop column if exists show_as;
`);
  }
}
