import { Migration } from '@mikro-orm/migrations';

/**
 * A fulfilled tier keeps its proof (`{text?, url?}`) and which organization
 * declared it delivered. Live pages number a challenge's events on their
 * own (`challenge_seq`, given when an event is relayed) instead of showing
 * the platform-wide outbox sequence; events already relayed are numbered
 * here in their order.
 */
export class Migration20261203140000 extends Migration {
  override up(): void {
    this.addSql(`alter table tier add column proof jsonb, add column fulfilled_by text;`);
    this.addSql(`alter table outbox_event add column challenge_seq bigint;`);
    this.addSql(`create table challenge_event_counter (
  challenge_id text primary key,
  last bigint not null
);`);
    this.addSql(`update outbox_event o set challenge_seq = r.n
  from (select seq, row_number() over (partition by challenge_id order by seq) as n
          from outbox_event
         where challenge_id is not null and relayed_at is not null) r
 where o.seq = r.seq;`);
    this.addSql(`insert into challenge_event_counter (challenge_id, last)
select challenge_id, max(challenge_seq) from outbox_event
 where challenge_seq is not null group by challenge_id;`);
    this.addSql(`create index outbox_event_challenge_seq_idx
  on outbox_event (challenge_id, challenge_seq) where challenge_seq is not null;`);
  }

  override down(): void {
    this.addSql(`drop index if exists outbox_event_challenge_seq_idx;`);
    this.addSql(`drop table if exists challenge_event_counter;`);
    this.addSql(`alter table outbox_event drop column if exists challenge_seq;`);
    this.addSql(
      `alter table tier drop column if exists proof, drop column if exists fulfilled_by;`,
    );
  }
}
