import { Migration } from '@mikro-orm/migrations';

/**
 * Federated challenges (ADR 0043).
 *
 * - `challenge_partner`: the organizations a challenge's owner invited to
 *   feed it, with their answer and the audience rule of their own pages.
 *   The owner is never a row: its share always counts. A challenge is
 *   federated as soon as it has one row, whatever its status.
 * - `participation.via_organization_id`: the partner through which the
 *   person counts, set when they first start counting and never changed
 *   after; null for the owner. A partner's share is its slotted counters
 *   under the key `org:<organization id>`; the owner's is the whole less
 *   the partners' shares, so the shares add up to the whole by
 *   construction.
 * - `pledge.via_organization_id`: the partner through which the pledge
 *   came (null for the owner), kept on a pending pledge so that it
 *   survives the mailed confirmation.
 */
export class Migration20261206100000 extends Migration {
  override up(): void {
    this.addSql(`
create table challenge_partner (
  challenge_id text not null references challenge (id) on delete cascade,
  organization_id text not null references organization (id) on delete cascade,
  status text not null check (status in ('invited', 'accepted', 'declined', 'left')),
  audience jsonb not null default '{"type":"public"}',
  invited_at timestamptz not null default now(),
  decided_at timestamptz,
  invited_by text references participant (id) on delete set null,
  primary key (challenge_id, organization_id)
);
create index challenge_partner_organization_idx on challenge_partner (organization_id);

alter table participation add column via_organization_id text references organization (id);
alter table pledge add column via_organization_id text references organization (id);
`);
  }

  override down(): void {
    this.addSql(`
alter table pledge drop column if exists via_organization_id;
alter table participation drop column if exists via_organization_id;
drop table if exists challenge_partner;
`);
  }
}
