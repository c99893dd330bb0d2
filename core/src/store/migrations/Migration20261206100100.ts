import { Migration } from '@mikro-orm/migrations';

/**
 * A partner's own sub-goals on a federated challenge (ADR 0043): tiers that
 * unlock on the partner's share, not the whole, and take no part in the
 * challenge's own lifecycle. `unlocked_at` is set once (the update that
 * sets it requires it null), with the share's figures at that moment.
 */
export class Migration20261206100100 extends Migration {
  override up(): void {
    this.addSql(`
create table partner_tier (
  id text primary key,
  challenge_id text not null references challenge (id) on delete cascade,
  organization_id text not null references organization (id) on delete cascade,
  rank integer not null,
  goal jsonb not null,
  counterpart jsonb,
  created_at timestamptz not null default now(),
  unlocked_at timestamptz,
  unlock_progress jsonb,
  unique (challenge_id, organization_id, rank)
);
create index partner_tier_pending_idx on partner_tier (challenge_id) where unlocked_at is null;
`);
  }

  override down(): void {
    this.addSql('drop table if exists partner_tier;');
  }
}
