import type { Sql, TransactionRunner } from './unit-of-work.js';

/** An Ed25519 public key as JWK (RFC 8037): what `/.well-known/jwks.json` publishes. */
export interface Ed25519PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
}

/** A row of `signing_key` (ADR 0034). */
export interface SigningKeyRow {
  /** The key's id: its RFC 7638 thumbprint, so anyone can recompute it from the public key. */
  kid: string;
  publicJwk: Ed25519PublicJwk;
  /** The private JWK, sealed with the keyring under the context `signing-key:<kid>`. */
  sealedPrivateJwk: string;
  createdAt: Date;
  /** When a newer key replaced it; `null` for the active key. */
  retiredAt: Date | null;
}

/** A key about to be stored: its private half already sealed. */
export interface NewSigningKey {
  kid: string;
  publicJwk: Ed25519PublicJwk;
  sealedPrivateJwk: string;
}

interface Row {
  kid: string;
  public_jwk: Ed25519PublicJwk | string;
  sealed_private_jwk: string;
  created_at: Date | string;
  retired_at: Date | string | null;
}

const COLUMNS = 'kid, public_jwk, sealed_private_jwk, created_at, retired_at';

const toKey = (row: Row): SigningKeyRow => ({
  kid: row.kid,
  publicJwk:
    typeof row.public_jwk === 'string'
      ? (JSON.parse(row.public_jwk) as Ed25519PublicJwk)
      : row.public_jwk,
  sealedPrivateJwk: row.sealed_private_jwk,
  createdAt: new Date(row.created_at),
  retiredAt: row.retired_at === null ? null : new Date(row.retired_at),
});

/** Every signing key, the active one first, then the retired ones newest first. */
export async function listSigningKeys(sql: Sql): Promise<SigningKeyRow[]> {
  const rows = await sql.query<Row>(
    `select ${COLUMNS} from signing_key
      order by retired_at is not null, retired_at desc nulls first, created_at desc, kid`,
  );
  return rows.map(toKey);
}

/** The key that signs today, if there is one. */
export async function findActiveSigningKey(sql: Sql): Promise<SigningKeyRow | undefined> {
  const [row] = await sql.query<Row>(`select ${COLUMNS} from signing_key where retired_at is null`);
  return row ? toKey(row) : undefined;
}

/**
 * Stores `key` as the active signing key. `'if-none'` keeps an active key
 * that is already there (and answers it: the key made on first need by two
 * processes at once is one key); `'replace'` retires the active key first
 * (rotation). Both take one transaction-scoped lock, so concurrent calls
 * run one after the other instead of tripping over the one-active index.
 */
export async function addSigningKey(
  db: TransactionRunner,
  key: NewSigningKey,
  mode: 'if-none' | 'replace',
): Promise<SigningKeyRow> {
  return db.transaction(async (tx) => {
    await tx.query(`select pg_advisory_xact_lock(hashtext('tandem:signing-key'))`);
    if (mode === 'if-none') {
      const active = await findActiveSigningKey(tx);
      if (active) return active;
    } else {
      await tx.query('update signing_key set retired_at = now() where retired_at is null');
    }
    const [row] = await tx.query<Row>(
      `insert into signing_key (kid, public_jwk, sealed_private_jwk)
       values (?, ?::jsonb, ?)
       returning ${COLUMNS}`,
      [key.kid, JSON.stringify(key.publicJwk), key.sealedPrivateJwk],
    );
    if (!row) throw new Error('inserting a signing key returned no row');
    return toKey(row);
  });
}
