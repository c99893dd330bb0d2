import { Migration } from '@mikro-orm/migrations';

/**
 * Assisted enrolment: residents identified by an agent-issued code instead
 * of an e-mail (door-to-door campaigns), and the consent an agent records
 * when enrolling someone.
 */
export class Migration20261129120000 extends Migration {
  override up(): void {
    this.addSql(`
alter table participant add column resident_code text unique;
alter table participant add constraint participant_identity_check
  check (canonical_email is not null or resident_code is not null);

create table consent_record (
  id text primary key,
  participant_id text not null references participant (id) on delete cascade,
  challenge_id text not null references challenge (id) on delete cascade,
  recorded_by text references participant (id) on delete set null,
  text text not null,
  given_at timestamptz not null,
  recorded_at timestamptz not null default now()
);
create index consent_record_participant_idx on consent_record (participant_id);
`);
  }

  override down(): void {
    this.addSql(`
drop table if exists consent_record;
alter table participant drop constraint if exists participant_identity_check;
alter table participant drop column if exists resident_code;
`);
  }
}
