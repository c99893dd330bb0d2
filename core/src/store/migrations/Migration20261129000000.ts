import { Migration } from '@mikro-orm/migrations';

/**
 * The engine's first schema. Written by hand rather than generated so that
 * every constraint that keeps counts true is visible in one place:
 * - `pledge` is unique on (challenge, participant), both NOT NULL;
 * - `unlock` is unique on (challenge, tier): the database, not the worker,
 *   guarantees one unlock per tier;
 * - `progress_slot` spreads a challenge's counters over slots so concurrent
 *   pledges do not queue on one row (docs/decisions/0003-slotted-counters.md).
 */
export class Migration20261129000000 extends Migration {
  override up(): void {
    this.addSql(`
create table organization (
  id text primary key,
  slug text not null unique,
  name text not null,
  kind text not null check (kind in ('company', 'city', 'association', 'network')),
  created_at timestamptz not null default now()
);

create table participant (
  id text primary key,
  canonical_email text unique,
  email text,
  display_name text,
  verified_at timestamptz,
  created_at timestamptz not null default now()
);

create table membership (
  organization_id text not null references organization (id) on delete cascade,
  participant_id text not null references participant (id) on delete cascade,
  role text not null check (role in ('owner', 'admin', 'agent', 'member')),
  created_at timestamptz not null default now(),
  primary key (organization_id, participant_id)
);
create index membership_participant_idx on membership (participant_id);

create table beneficiary (
  id text primary key,
  organization_id text not null references organization (id) on delete cascade,
  name text not null,
  description text,
  url text,
  created_at timestamptz not null default now()
);
create index beneficiary_organization_idx on beneficiary (organization_id);

create table campaign (
  id text primary key,
  organization_id text not null references organization (id) on delete cascade,
  title text not null,
  description text,
  starts_at timestamptz,
  ends_at timestamptz,
  audience jsonb not null,
  created_at timestamptz not null default now()
);
create index campaign_organization_idx on campaign (organization_id);

create table team (
  id text primary key,
  campaign_id text not null references campaign (id) on delete cascade,
  slug text not null,
  name text not null,
  created_at timestamptz not null default now(),
  unique (campaign_id, slug)
);

create table challenge (
  id text primary key,
  campaign_id text not null references campaign (id) on delete cascade,
  organization_id text not null references organization (id) on delete cascade,
  title text not null,
  description text,
  action_type text not null,
  action_settings jsonb not null default '{}',
  status text not null check (status in ('draft', 'open', 'succeeded', 'failed', 'fulfilled')),
  deadline timestamptz,
  opened_at timestamptz,
  closed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index challenge_campaign_idx on challenge (campaign_id);
create index challenge_open_deadline_idx on challenge (deadline) where closed_at is null and status in ('open', 'succeeded');

create table tier (
  id text primary key,
  challenge_id text not null references challenge (id) on delete cascade,
  rank integer not null,
  goal jsonb not null,
  counterpart jsonb,
  sponsor_id text references organization (id),
  fulfilled_at timestamptz,
  unique (challenge_id, rank)
);

create table unlock (
  id text primary key,
  challenge_id text not null references challenge (id) on delete cascade,
  tier_id text not null references tier (id) on delete cascade,
  unlocked_at timestamptz not null,
  progress jsonb not null,
  unique (challenge_id, tier_id)
);

create table pledge (
  id text primary key,
  challenge_id text not null references challenge (id) on delete cascade,
  participant_id text not null references participant (id) on delete cascade,
  status text not null check (status in ('pending', 'confirmed', 'withdrawn')),
  details jsonb not null default '{}',
  display_name text,
  lat numeric(5, 2),
  lon numeric(5, 2),
  team_id text references team (id),
  created_at timestamptz not null default now(),
  confirmed_at timestamptz,
  withdrawn_at timestamptz,
  unique (challenge_id, participant_id)
);
create index pledge_participant_idx on pledge (participant_id);

create table contribution (
  id text primary key,
  challenge_id text not null references challenge (id) on delete cascade,
  participant_id text references participant (id) on delete set null,
  recorded_by text references participant (id) on delete set null,
  details jsonb not null,
  quantity numeric(20, 6) not null,
  co2e_kg numeric(20, 6) not null,
  occurred_at timestamptz not null,
  created_at timestamptz not null default now()
);
create index contribution_challenge_idx on contribution (challenge_id, occurred_at);
create index contribution_participant_idx on contribution (participant_id);

-- Who counts (API.md): a person with a confirmed pledge or a recorded
-- contribution. One row per person and challenge, whatever brought them in.
create table participation (
  challenge_id text not null references challenge (id) on delete cascade,
  participant_id text not null references participant (id) on delete cascade,
  team_id text not null default '',
  pledged boolean not null default false,
  contributions integer not null default 0,
  primary key (challenge_id, participant_id)
);

-- team_id '' is the whole challenge; a team's counters sit beside it.
create table progress_slot (
  challenge_id text not null references challenge (id) on delete cascade,
  team_id text not null default '',
  slot smallint not null,
  participants integer not null default 0,
  quantity numeric(20, 6) not null default 0,
  co2e_kg numeric(20, 6) not null default 0,
  primary key (challenge_id, team_id, slot)
);

create table outbox_event (
  seq bigserial primary key,
  id text not null unique,
  type text not null,
  challenge_id text,
  organization_id text,
  payload jsonb not null,
  created_at timestamptz not null default now(),
  relayed_at timestamptz
);
create index outbox_event_pending_idx on outbox_event (seq) where relayed_at is null;
create index outbox_event_challenge_idx on outbox_event (challenge_id, seq);

create table mail_token (
  hash text primary key,
  purpose text not null,
  email text not null,
  payload jsonb not null default '{}',
  expires_at timestamptz not null,
  used_at timestamptz,
  result jsonb,
  created_at timestamptz not null default now()
);
create index mail_token_expires_idx on mail_token (expires_at);

create table session (
  hash text primary key,
  participant_id text not null references participant (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index session_participant_idx on session (participant_id);

create table idempotency_key (
  scope text not null,
  key text not null,
  fingerprint text not null,
  status integer,
  response jsonb,
  created_at timestamptz not null default now(),
  primary key (scope, key)
);
create index idempotency_key_created_idx on idempotency_key (created_at);

create table dev_mail (
  seq bigserial primary key,
  to_email text not null,
  recipient text not null,
  subject text not null,
  text text not null,
  purpose text not null,
  token text,
  sent_at timestamptz not null default now()
);
create index dev_mail_to_idx on dev_mail (to_email, seq desc);

create table seed_mark (
  name text primary key,
  applied_at timestamptz not null default now()
);
`);
  }

  override down(): void {
    this.addSql(`
drop table if exists seed_mark, dev_mail, idempotency_key, session, mail_token, outbox_event,
  progress_slot, participation, contribution, pledge, unlock, tier, challenge, team, campaign,
  beneficiary, membership, participant, organization cascade;
`);
  }
}
