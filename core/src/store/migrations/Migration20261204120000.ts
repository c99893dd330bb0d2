import { Migration } from '@mikro-orm/migrations';

/**
 * Organizations' branding and uploaded files (ADR 0030).
 *
 * Files live in PostgreSQL beside everything else, so every API process
 * serves the same bytes without a shared disk or an object store; they are
 * small (10 MB at most, logos and proofs) and few. A file is private to its
 * organization's admins until it becomes an organization's logo, which
 * makes it public for good: a page that showed it may be cached.
 */
export class Migration20261204120000 extends Migration {
  override up(): void {
    this.addSql(`
create table file (
  id text primary key,
  organization_id text not null references organization (id) on delete cascade,
  media_type text not null check (media_type in ('image/png', 'image/jpeg', 'application/pdf')),
  bytes bytea not null,
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  size integer not null check (size > 0 and size <= 10485760 and size = octet_length(bytes)),
  created_at timestamptz not null default now(),
  -- Who uploaded it: personal data, nulled when that person is erased.
  created_by text references participant (id) on delete set null,
  public boolean not null default false
);
create index file_organization_idx on file (organization_id, created_at);
create index file_created_by_idx on file (created_by) where created_by is not null;

alter table organization
  add column logo_url text check (logo_url is null or logo_url like 'https://%'),
  add column logo_file_id text references file (id) on delete set null,
  add column primary_color text check (primary_color is null or primary_color ~ '^#[0-9a-f]{6}$'),
  add column short_text text check (short_text is null or char_length(short_text) <= 280),
  add constraint organization_one_logo check (logo_url is null or logo_file_id is null);
`);
  }

  override down(): void {
    this.addSql(`
alter table organization
  drop constraint if exists organization_one_logo,
  drop column if exists short_text,
  drop column if exists primary_color,
  drop column if exists logo_file_id,
  drop column if exists logo_url;
drop table if exists file cascade;
`);
  }
}
