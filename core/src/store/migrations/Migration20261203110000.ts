import { Migration } from '@mikro-orm/migrations';

/**
 * Limits that hold per person rather than per contribution.
 *
 * - `organization.time_zone`: the IANA zone whose calendar decides which
 *   day a contribution without a date of its own belongs to.
 * - `contribution.day`: that day, stored so a person's total for a day is
 *   one indexed read (backfilled from `occurred_at` in the organization's
 *   zone).
 * - `contribution.once_key`: what an action type counts once per person (a
 *   course); the partial unique index makes "once" hold whichever path
 *   records it and however many requests race.
 */
export class Migration20261203110000 extends Migration {
  override up(): void {
    this.addSql(
      `alter table organization add column time_zone text not null default 'Europe/Paris';`,
    );
    this.addSql(`alter table contribution add column day date;`);
    this.addSql(`alter table contribution add column once_key text;`);
    this.addSql(
      `update contribution c set day = (c.occurred_at at time zone o.time_zone)::date
         from challenge ch join organization o on o.id = ch.organization_id
        where ch.id = c.challenge_id;`,
    );
    this.addSql(`alter table contribution alter column day set not null;`);
    this.addSql(
      `create index contribution_person_day_idx on contribution (challenge_id, participant_id, day)
        where participant_id is not null;`,
    );
    this.addSql(
      `create unique index contribution_once_key_idx on contribution (challenge_id, participant_id, once_key)
        where once_key is not null;`,
    );
  }

  override down(): void {
    this.addSql(`drop index if exists contribution_once_key_idx;`);
    this.addSql(`drop index if exists contribution_person_day_idx;`);
    this.addSql(`alter table contribution drop column if exists once_key;`);
    this.addSql(`alter table contribution drop column if exists day;`);
    this.addSql(`alter table organization drop column if exists time_zone;`);
  }
}
