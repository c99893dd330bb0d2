import type { PluginMigration } from '@tandem/core';

/**
 * The plugin's tables.
 *
 * - `elearning_partner`: a platform allowed to send statements for one
 *   organization; only the SHA-256 of its key is kept.
 * - `elearning_account`: maps an xAPI `account` actor (`homePage`, `name`)
 *   of a partner to a Tandem participant, for learners the partner does not
 *   know by e-mail.
 * - `elearning_statement`: one row per statement received, unique per
 *   partner and statement id. It is inserted first, in the same transaction
 *   as the contribution it leads to, so a replay — even two identical
 *   statements arriving at once — never counts twice. It keeps no personal
 *   data: the statement's fingerprint, verb, course and what came of it.
 * - `elearning_completion`: one completion per person and challenge,
 *   whatever statements say it (a course sends `completed` and then
 *   `passed`; a learner takes it twice).
 */
export const migrations: readonly PluginMigration[] = [
  {
    name: '0001_partners_and_statements',
    up: `
create table elearning_partner (
  id text primary key,
  organization_id text not null references organization (id) on delete cascade,
  name text not null,
  key_hash text not null,
  created_at timestamptz not null default now(),
  key_rotated_at timestamptz
);
create index elearning_partner_organization_idx on elearning_partner (organization_id);

create table elearning_account (
  partner_id text not null references elearning_partner (id) on delete cascade,
  home_page text not null,
  name text not null,
  participant_id text not null references participant (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (partner_id, home_page, name)
);

create table elearning_statement (
  partner_id text not null references elearning_partner (id) on delete cascade,
  statement_id text not null,
  fingerprint text not null,
  verb_id text not null,
  object_id text,
  received_at timestamptz not null default now(),
  outcome text not null check (outcome in ('counted', 'ignored')),
  reason text,
  challenge_ids jsonb not null default '[]',
  contribution_ids jsonb not null default '[]',
  primary key (partner_id, statement_id)
);
create index elearning_statement_recent_idx on elearning_statement (partner_id, received_at desc);

create table elearning_completion (
  challenge_id text not null references challenge (id) on delete cascade,
  participant_id text not null references participant (id) on delete cascade,
  partner_id text not null references elearning_partner (id) on delete cascade,
  statement_id text not null,
  contribution_id text,
  created_at timestamptz not null default now(),
  primary key (challenge_id, participant_id)
);
`,
    down: `drop table if exists elearning_completion, elearning_statement, elearning_account, elearning_partner;`,
  },
  {
    // What the console shows of a key without holding it (its first
    // characters, when it was last used) and a revocation that keeps the
    // partner's statements log: deleting the partner would take it along.
    name: '0002_20261205_key_prefix_use_and_revocation',
    up: `
alter table elearning_partner
  add column key_prefix text,
  add column last_used_at timestamptz,
  add column revoked_at timestamptz;
`,
    down: `
alter table elearning_partner
  drop column if exists key_prefix,
  drop column if exists last_used_at,
  drop column if exists revoked_at;
`,
  },
];
