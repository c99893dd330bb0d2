import { Migration } from '@mikro-orm/migrations';

/**
 * Invitations to join an organization by e-mail (ADR 0037).
 *
 * An invitation keeps only the hash of the secret it mails, as sign-in
 * tokens do. It is pending while it is neither accepted nor revoked and
 * its `expires_at` is in the future; at most one invitation per address
 * and organization is pending at a time (a new one revokes the old).
 * The address is personal data: the rows to an erased person's address
 * are deleted with the rest of their data.
 */
export class Migration20261205120000 extends Migration {
  override up(): void {
    this.addSql(`
create table invitation (
  id text primary key,
  organization_id text not null references organization (id) on delete cascade,
  email text not null,
  role text not null check (role in ('owner', 'admin', 'agent', 'member')),
  token_hash text not null unique,
  invited_by text references participant (id) on delete set null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  accepted_at timestamptz,
  accepted_by text references participant (id) on delete set null,
  revoked_at timestamptz,
  check (accepted_at is null or revoked_at is null)
);
create index invitation_organization_idx on invitation (organization_id, created_at);
create index invitation_email_idx on invitation (email);
create index invitation_invited_by_idx on invitation (invited_by) where invited_by is not null;
create index invitation_accepted_by_idx on invitation (accepted_by) where accepted_by is not null;
`);
  }

  override down(): void {
    this.addSql('drop table if exists invitation cascade;');
  }
}
