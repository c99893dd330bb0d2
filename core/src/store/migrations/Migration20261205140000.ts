import { Migration } from '@mikro-orm/migrations';

/**
 * Integrity (ADR 0039): the audit log, batch invalidations and the keyed
 * network range of a pledge.
 *
 * - `audit_entry` is append-only: a trigger refuses every UPDATE and
 *   DELETE, so no code path (nor a slip in a console) can rewrite what a
 *   sponsor reads. It holds no personal data — actors by participant id,
 *   labels resolved when read — so erasure never needs to touch it, and it
 *   names its challenge without a foreign key, so deleting a draft keeps
 *   the record of its creation.
 * - `invalidation` is one batch of pledges (and their contributions) that
 *   an organizer took out of the counts, with its reason and what it
 *   removed; `restored_at` when it was undone.
 * - `pledge.invalidation_id`, `contribution.invalidation_id`: the batch that
 *   took them out (null while they count).
 * - `pledge.network_key`: a keyed hash (HMAC under the master key) of the
 *   network range the pledge came from (/24 IPv4, /48 IPv6), never the
 *   address, so that a burst from one range can be seen (docs/privacy.md).
 */
export class Migration20261205140000 extends Migration {
  override up(): void {
    this.addSql(`
create table audit_entry (
  seq bigserial primary key,
  challenge_id text not null,
  organization_id text not null,
  at timestamptz not null default now(),
  actor_kind text not null check (actor_kind in ('participant', 'admin', 'system')),
  actor_id text,
  actor_label text,
  action text not null,
  details jsonb not null default '{}'
);
create index audit_entry_challenge_idx on audit_entry (challenge_id, seq desc);

create function audit_entry_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_entry is append-only: % refused', tg_op using errcode = '55000';
end
$$;
create trigger audit_entry_append_only before update or delete on audit_entry
  for each row execute function audit_entry_append_only();

create table invalidation (
  id text primary key,
  challenge_id text not null references challenge (id) on delete cascade,
  filter jsonb not null,
  reason text not null check (char_length(reason) between 1 and 500),
  created_by text references participant (id) on delete set null,
  created_at timestamptz not null default now(),
  pledges integer not null,
  contributions integer not null,
  participants integer not null,
  quantity numeric(20, 6) not null,
  co2e_kg numeric(20, 6) not null,
  restored_at timestamptz,
  restored_by text references participant (id) on delete set null
);
create index invalidation_challenge_idx on invalidation (challenge_id, created_at desc);

alter table pledge
  add column invalidation_id text references invalidation (id) on delete set null,
  add column network_key text;
create index pledge_invalidation_idx on pledge (invalidation_id) where invalidation_id is not null;

alter table contribution
  add column invalidation_id text references invalidation (id) on delete set null;
create index contribution_invalidation_idx on contribution (invalidation_id)
  where invalidation_id is not null;
`);
  }

  override down(): void {
    this.addSql(`
alter table contribution drop column if exists invalidation_id;
alter table pledge drop column if exists network_key, drop column if exists invalidation_id;
drop table if exists invalidation;
drop table if exists audit_entry;
drop function if exists audit_entry_append_only();
`);
  }
}
