import type { PluginMigration } from '@tandem/core';

/**
 * The plugin's tables. A delivery is one event to one endpoint, unique on
 * that pair so an event handled twice makes one delivery; it keeps the
 * exact body it sends and its message id, so every retry and replay sends
 * the same bytes under the same `webhook-id`. Attempts are an append-only
 * log, numbered per delivery across retries and replays.
 */
export const migrations: readonly PluginMigration[] = [
  {
    name: '0001_endpoints_and_deliveries',
    up: `
create table webhooks_endpoint (
  id text primary key,
  organization_id text not null references organization (id) on delete cascade,
  url text not null,
  secret text not null,
  events text[] not null,
  description text,
  created_at timestamptz not null default now()
);
create index webhooks_endpoint_organization_idx on webhooks_endpoint (organization_id);

create table webhooks_delivery (
  id text primary key,
  endpoint_id text not null references webhooks_endpoint (id) on delete cascade,
  event_id text not null,
  event_type text not null,
  webhook_id text not null unique,
  body text not null,
  status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed')),
  attempts integer not null default 0,
  replays integer not null default 0,
  last_status_code integer,
  last_response_ms integer,
  last_error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (endpoint_id, event_id)
);
create index webhooks_delivery_event_idx on webhooks_delivery (event_id);
create index webhooks_delivery_recent_idx on webhooks_delivery (endpoint_id, created_at desc, id);

create table webhooks_attempt (
  delivery_id text not null references webhooks_delivery (id) on delete cascade,
  attempt integer not null,
  status_code integer,
  response_ms integer not null,
  error text,
  at timestamptz not null,
  primary key (delivery_id, attempt)
);
`,
    down: `drop table if exists webhooks_attempt, webhooks_delivery, webhooks_endpoint;`,
  },
  {
    // A rotated secret stays usable for a grace period: deliveries are signed
    // with both until `previous_secret_expires_at`, then the old one is
    // dropped. `next_attempt_at` tells the console when a failing delivery
    // is tried again (the queue knows it, but the log is read from here).
    name: '0002_20261205_secret_rotation_and_retries',
    up: `
alter table webhooks_endpoint
  add column previous_secret text,
  add column previous_secret_expires_at timestamptz,
  add column secret_rotated_at timestamptz;
alter table webhooks_delivery add column next_attempt_at timestamptz;
`,
    down: `
alter table webhooks_delivery drop column if exists next_attempt_at;
alter table webhooks_endpoint
  drop column if exists previous_secret,
  drop column if exists previous_secret_expires_at,
  drop column if exists secret_rotated_at;
`,
  },
];
