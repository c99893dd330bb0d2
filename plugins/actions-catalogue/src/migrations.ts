import type { PluginMigration } from '@tandem/core';

/**
 * The plugin's tables. `actions_catalogue_pick` holds the pick counters,
 * split in slots (see picks.ts); `actions_catalogue_pledge` remembers which
 * actions each pledge is counted for, so that the event handlers reconcile
 * instead of adding blindly. It has no foreign key to `pledge`: if a pledge
 * row is ever deleted, the record of what it was counted for must survive
 * for the counters to be corrected.
 */
export const migrations: readonly PluginMigration[] = [
  {
    name: '0001_picks',
    up: `
create table actions_catalogue_pick (
  challenge_id text not null references challenge (id) on delete cascade,
  action_id text not null,
  slot smallint not null,
  picks integer not null default 0,
  primary key (challenge_id, action_id, slot)
);

create table actions_catalogue_pledge (
  pledge_id text primary key,
  challenge_id text not null references challenge (id) on delete cascade,
  actions jsonb not null default '[]',
  updated_at timestamptz not null default now()
);
create index actions_catalogue_pledge_challenge_idx on actions_catalogue_pledge (challenge_id);
`,
    down: `drop table if exists actions_catalogue_pledge, actions_catalogue_pick;`,
  },
  {
    // One row per organization that wrote a catalogue of its own: the ids of
    // the default actions it picked and its own actions, as JSON checked by
    // the route's schema. Challenges copy it when created, so nothing
    // references this row.
    name: '0002_20261205_organization_catalogues',
    up: `
create table actions_catalogue_organization (
  organization_id text primary key references organization (id) on delete cascade,
  defaults jsonb not null default '[]',
  actions jsonb not null default '[]',
  updated_at timestamptz not null default now()
);
`,
    down: `drop table if exists actions_catalogue_organization;`,
  },
];
