import { Migration } from '@mikro-orm/migrations';

/**
 * The platform's signing keys (ADR 0034): Ed25519 key pairs that sign
 * campaign attestations. The public half is served at
 * `/.well-known/jwks.json` for as long as the row exists, so attestations
 * signed with a retired key keep verifying; the private half is sealed
 * with the master key (ADR 0016, 0018) and opened only to sign.
 *
 * At most one key is active: the partial unique index makes a second
 * active row impossible, whatever two processes do at once.
 */
export class Migration20261205150000 extends Migration {
  override up(): void {
    this.addSql(`
create table signing_key (
  kid text primary key check (kid ~ '^[A-Za-z0-9_-]{43}$'),
  algorithm text not null default 'EdDSA' check (algorithm = 'EdDSA'),
  public_jwk jsonb not null check (public_jwk ->> 'kty' = 'OKP' and public_jwk ->> 'crv' = 'Ed25519'),
  sealed_private_jwk text not null check (sealed_private_jwk like 'tk1.%'),
  created_at timestamptz not null default now(),
  retired_at timestamptz
);
create unique index signing_key_one_active on signing_key ((true)) where retired_at is null;
`);
  }

  override down(): void {
    this.addSql('drop table if exists signing_key;');
  }
}
