import type { Sql } from './database.js';

/** An organization's OpenID Connect settings as stored (the secret still sealed). */
export interface SsoConfigRow {
  organization_id: string;
  issuer: string;
  client_id: string;
  sealed_client_secret: string;
  member_claim: string | null;
  member_values: string[];
  enabled: boolean;
  updated_at: Date;
}

export async function findSsoConfig(
  sql: Sql,
  organizationId: string,
): Promise<SsoConfigRow | null> {
  const [row] = await sql.query<SsoConfigRow>(
    'select * from sso_config where organization_id = ?',
    [organizationId],
  );
  return row ?? null;
}

/** Whether the organization has company sign-in switched on. */
export async function ssoEnabledFor(sql: Sql, organizationId: string): Promise<boolean> {
  const [row] = await sql.query<{ enabled: boolean }>(
    'select enabled from sso_config where organization_id = ?',
    [organizationId],
  );
  return row?.enabled === true;
}

export async function saveSsoConfig(
  sql: Sql,
  row: Omit<SsoConfigRow, 'updated_at'>,
): Promise<void> {
  await sql.query(
    `insert into sso_config (organization_id, issuer, client_id, sealed_client_secret,
                             member_claim, member_values, enabled, updated_at)
     values (?, ?, ?, ?, ?, array(select jsonb_array_elements_text(?::jsonb)), ?, now())
     on conflict (organization_id) do update set
       issuer = excluded.issuer, client_id = excluded.client_id,
       sealed_client_secret = excluded.sealed_client_secret,
       member_claim = excluded.member_claim, member_values = excluded.member_values,
       enabled = excluded.enabled, updated_at = now()`,
    [
      row.organization_id,
      row.issuer,
      row.client_id,
      row.sealed_client_secret,
      row.member_claim,
      JSON.stringify(row.member_values),
      row.enabled,
    ],
  );
}

/** A sign-in under way, as the start route stored it. */
export interface SsoLoginRow {
  id: string;
  organization_id: string;
  state: string;
  nonce: string;
  code_verifier: string;
  next: string;
}

export async function insertSsoLogin(
  sql: Sql,
  row: SsoLoginRow & { expires_at: Date },
): Promise<void> {
  // Stale attempts go as new ones come: the table holds minutes of traffic.
  await sql.query('delete from sso_login where expires_at < now()');
  await sql.query(
    `insert into sso_login (id, organization_id, state, nonce, code_verifier, next, expires_at)
     values (?, ?, ?, ?, ?, ?, ?)`,
    [
      row.id,
      row.organization_id,
      row.state,
      row.nonce,
      row.code_verifier,
      row.next,
      row.expires_at,
    ],
  );
}

/**
 * Takes a sign-in under way: deleted in the same statement that reads it,
 * so two callbacks with the same cookie never both get it.
 */
export async function takeSsoLogin(sql: Sql, id: string): Promise<SsoLoginRow | null> {
  const [row] = await sql.query<SsoLoginRow & { live: boolean }>(
    `delete from sso_login where id = ?
     returning id, organization_id, state, nonce, code_verifier, next, expires_at > now() as live`,
    [id],
  );
  return row && row.live ? row : null;
}

export async function findSsoIdentity(
  sql: Sql,
  issuer: string,
  subject: string,
): Promise<{ participant_id: string } | null> {
  const [row] = await sql.query<{ participant_id: string }>(
    `update sso_identity set last_sign_in_at = now() where issuer = ? and subject = ?
     returning participant_id`,
    [issuer, subject],
  );
  return row ?? null;
}

/**
 * Records an account at a provider for a person. Two first sign-ins of the
 * same account racing: the second finds the first's row and uses its person.
 */
export async function insertSsoIdentity(
  sql: Sql,
  row: { issuer: string; subject: string; participantId: string; organizationId: string },
): Promise<string> {
  const [inserted] = await sql.query<{ participant_id: string }>(
    `insert into sso_identity (issuer, subject, participant_id, organization_id)
     values (?, ?, ?, ?)
     on conflict (issuer, subject) do update set last_sign_in_at = now()
     returning participant_id`,
    [row.issuer, row.subject, row.participantId, row.organizationId],
  );
  if (!inserted) throw new Error('sso identity insert returned no row');
  return inserted.participant_id;
}

export interface DomainRow {
  domain: string;
  verified_at: Date;
  verified_by: string;
}

export async function listDomains(sql: Sql, organizationId: string): Promise<DomainRow[]> {
  return sql.query<DomainRow>(
    `select domain, verified_at, verified_by from organization_domain
      where organization_id = ? order by domain`,
    [organizationId],
  );
}

export async function isDomainVerified(
  sql: Sql,
  organizationId: string,
  domain: string,
): Promise<boolean> {
  const [row] = await sql.query<{ n: number }>(
    'select count(*)::int as n from organization_domain where organization_id = ? and domain = ?',
    [organizationId, domain],
  );
  return (row?.n ?? 0) > 0;
}

export async function verifyDomain(
  sql: Sql,
  organizationId: string,
  domain: string,
  by: string,
): Promise<DomainRow> {
  const [row] = await sql.query<DomainRow>(
    `insert into organization_domain (organization_id, domain, verified_by) values (?, ?, ?)
     on conflict (organization_id, domain) do update set domain = excluded.domain
     returning domain, verified_at, verified_by`,
    [organizationId, domain, by],
  );
  if (!row) throw new Error('domain insert returned no row');
  return row;
}

export async function removeDomain(
  sql: Sql,
  organizationId: string,
  domain: string,
): Promise<boolean> {
  const rows = await sql.query<{ domain: string }>(
    'delete from organization_domain where organization_id = ? and domain = ? returning domain',
    [organizationId, domain],
  );
  return rows.length > 0;
}

/**
 * The organization a challenge belongs to and whether it offers company
 * sign-in: what a refusal to read a members-only challenge tells the
 * visitor, so the page can offer the right sign-in.
 */
export async function challengeOrganization(
  sql: Sql,
  challengeId: string,
): Promise<{ slug: string; company_sign_in: boolean } | null> {
  const [row] = await sql.query<{ slug: string; company_sign_in: boolean }>(
    `select o.slug, coalesce(s.enabled, false) as company_sign_in
       from challenge c
       join campaign k on k.id = c.campaign_id
       join organization o on o.id = k.organization_id
       left join sso_config s on s.organization_id = o.id
      where c.id = ?`,
    [challengeId],
  );
  return row ?? null;
}
