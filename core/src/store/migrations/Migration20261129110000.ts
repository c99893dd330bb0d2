import { Migration } from '@mikro-orm/migrations';

/**
 * Notifications: participants' language, and the record of every mail sent
 * for an event, so that an event delivered twice mails nobody twice.
 *
 * A `notification_sent` row is inserted and committed in the transaction
 * that sends its mail (core/src/notifications/send.ts): it exists only once
 * the mail server accepted the mail, and a second delivery of the same
 * event waits on that row, then skips it. The primary key is the mail's
 * identity: which event, which kind of mail, to whom.
 */
export class Migration20261129110000 extends Migration {
  override up(): void {
    this.addSql(`
alter table participant
  add column locale text not null default 'fr' check (locale in ('fr', 'en'));

create table notification_sent (
  event_id text not null,
  kind text not null,
  participant_id text not null references participant (id) on delete cascade,
  sent_at timestamptz not null default now(),
  primary key (event_id, kind, participant_id)
);
create index notification_sent_participant_idx on notification_sent (participant_id);
`);
  }

  override down(): void {
    this.addSql(`
drop table if exists notification_sent;
alter table participant drop column if exists locale;
`);
  }
}
