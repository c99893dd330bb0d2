import { Migration } from '@mikro-orm/migrations';

/**
 * Company sign-in by OpenID Connect (ADR 0044).
 *
 * - `sso_config`: one per organization — the provider's issuer, the client
 *   registered there (its secret sealed with the master key, bound to the
 *   organization), and the member rule: the claim and the values that make
 *   someone signing in a member (no claim: every account of the provider).
 * - `sso_identity`: an account at a provider, keyed by (issuer, subject) —
 *   never by e-mail — and the person it signs in.
 * - `organization_domain`: the e-mail domains the platform admin has
 *   verified for an organization; only an address in one of them, said
 *   verified by the provider, links an account to an existing person.
 * - `sso_login`: a sign-in under way (state, nonce, PKCE verifier, where to
 *   go back), found by the hash of the random value in the browser's
 *   cookie; taken (deleted) by the callback, so it serves once.
 */
export class Migration20261206110000 extends Migration {
  override up(): void {
    this.addSql(`
create table sso_config (
  organization_id text primary key references organization (id) on delete cascade,
  issuer text not null check (issuer ~ '^https?://' and length(issuer) <= 500),
  client_id text not null check (length(client_id) between 1 and 500),
  sealed_client_secret text not null check (sealed_client_secret like 'tk1.%'),
  member_claim text check (member_claim is null or length(member_claim) between 1 and 100),
  member_values text[] not null default '{}',
  enabled boolean not null default true,
  updated_at timestamptz not null default now(),
  check ((member_claim is null) = (cardinality(member_values) = 0))
);

create table sso_identity (
  issuer text not null,
  subject text not null check (length(subject) between 1 and 255),
  participant_id text not null references participant (id) on delete cascade,
  organization_id text references organization (id) on delete set null,
  created_at timestamptz not null default now(),
  last_sign_in_at timestamptz not null default now(),
  primary key (issuer, subject)
);
create index sso_identity_participant_idx on sso_identity (participant_id);

create table organization_domain (
  organization_id text not null references organization (id) on delete cascade,
  domain text not null check (domain ~ '^[a-z0-9.-]+$' and length(domain) <= 253),
  verified_at timestamptz not null default now(),
  verified_by text not null,
  primary key (organization_id, domain)
);

create table sso_login (
  id text primary key,
  organization_id text not null references organization (id) on delete cascade,
  state text not null,
  nonce text not null,
  code_verifier text not null,
  next text not null check (next like '/%'),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index sso_login_expires_idx on sso_login (expires_at);
`);
  }

  override down(): void {
    this.addSql(
      'drop table if exists sso_login; drop table if exists organization_domain; drop table if exists sso_identity; drop table if exists sso_config;',
    );
  }
}
