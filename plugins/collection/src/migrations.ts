import type { PluginMigration } from '@tandem/core';

/**
 * The plugin's one table: an organization's collection points. Points
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
];
