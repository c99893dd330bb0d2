import type { PluginMigration } from '@tandem/core';

/**
 * The plugin's tables.
 *
 * - `sorting_sync_item`: one row per enrolment a device synced, under the
 *   key the device gave it. The scope is the agent (their participant id, or
 *   `admin` for the platform token) rather than the session, so a tablet
 *   that signs in again before retrying is still recognised. `code` holds
 *   the code issued for a `newCode` enrolment before it is recorded, so a
 *   retry after a crash enrols the same resident rather than a new one.
 *   `result` is null while the item is being processed.
 * - `sorting_issued_code`: the codes issued per organization, reserved
 *   before use so that no two residents are handed the same code.
 * - `sorting_enrolment`: who recorded which pledge, from which device and
 *   when, for the organization's audit of its agents' work.
 */
export const migrations: readonly PluginMigration[] = [
  {
    name: '0001_sorting_enrolment',
    up: `
create table sorting_sync_item (
  scope text not null,
  key text not null,
  challenge_id text not null references challenge (id) on delete cascade,
  fingerprint text not null,
  code text,
  result jsonb,
  claimed_at timestamptz not null default now(),
  completed_at timestamptz,
  primary key (scope, key)
);

create table sorting_issued_code (
  organization_id text not null references organization (id) on delete cascade,
  code text not null,
  issued_at timestamptz not null default now(),
  primary key (organization_id, code)
);

create table sorting_enrolment (
  id text primary key,
  challenge_id text not null references challenge (id) on delete cascade,
  pledge_id text not null references pledge (id) on delete cascade,
  agent_id text references participant (id) on delete set null,
  device_id text,
  device_recorded_at timestamptz,
  counted boolean not null,
  created_at timestamptz not null default now()
);
create index sorting_enrolment_challenge_idx on sorting_enrolment (challenge_id, created_at);
`,
    down: `
drop table if exists sorting_enrolment;
drop table if exists sorting_issued_code;
drop table if exists sorting_sync_item;
`,
  },
];
