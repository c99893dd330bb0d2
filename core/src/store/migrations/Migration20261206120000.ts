import { Migration } from '@mikro-orm/migrations';

/**
 * Factor versions (ADR 0045). `emission_factor` keeps every version of
 * every declared factor a contribution was computed with — value, unit,
 * source, dataset identifier, version date and note — under an id that
 * fingerprints all of it, so a row never changes: a factor changed in a
 * plugin is a new row. Each contribution lists the ids it rests on in
 * `factor_ids`, set when it is recorded (or corrected), never after.
 * Contributions recorded before this have none: their figures rest on the
 * `impact` they kept (source and values by name).
 */
export class Migration20261206120000 extends Migration {
  override up(): void {
    this.addSql(`
create table emission_factor (
  id text primary key check (id ~ '^fct_[0-9a-f]{32}$'),
  action_type text not null,
  key text not null,
  label text not null,
  value double precision not null,
  unit text not null,
  source text not null,
  dataset_id text not null,
  version_date text not null check (version_date ~ '^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$'),
  note text,
  first_used_at timestamptz not null default now()
);
create index emission_factor_by_key on emission_factor (action_type, key, version_date);
alter table contribution add column factor_ids text[] not null default '{}';
`);
  }

  override down(): void {
    this.addSql(`
alter table contribution drop column if exists factor_ids;
drop table if exists emission_factor;
`);
  }
}
