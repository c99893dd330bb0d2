import type { PluginMigration } from '@tandem/core';

/**
 * The plugin's tables. `collection_point`: an organization's collection points. Points
 * belong to the organization rather than to a challenge, so one bin serves
 * every campaign that organization runs. Opening hours are a small JSON list
 * (`[{ day, from, to }]`) read whole with the point, never queried inside.
 */
export const migrations: readonly PluginMigration[] = [
  {
    name: '0001_collection_point',
    up: `
create table collection_point (
  id text primary key,
  organization_id text not null references organization (id) on delete cascade,
  name text not null,
  address text,
  lat double precision,
  lon double precision,
  opening_hours jsonb not null default '[]',
  active boolean not null default true,
  created_at timestamptz not null default now(),
  check ((lat is null) = (lon is null))
);
create index collection_point_organization_idx on collection_point (organization_id, name, id);
`,
    down: `drop table if exists collection_point;`,
  },
  {
    // 2026-12-05: weigh-ins an offline tablet syncs, one row per key
    // (the SDK's `syncItems`, ADR 0041). The scope is the agent, not their
    // session; rows are kept for good, since a tablet may sync a key days
    // after it recorded it. `result` is null while the item is being
    // recorded, and holds the contribution's id once it is.
    name: '0002_collection_sync_item',
    up: `
create table collection_sync_item (
  scope text not null,
  key text not null,
  challenge_id text not null references challenge (id) on delete cascade,
  fingerprint text not null,
  result jsonb,
  claimed_at timestamptz not null default now(),
  completed_at timestamptz,
  primary key (scope, key)
);
`,
    down: `drop table if exists collection_sync_item;`,
  },
];
