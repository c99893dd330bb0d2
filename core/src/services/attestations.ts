import {
  calculateJwkThumbprint,
  CompactSign,
  compactVerify,
  createLocalJWKSet,
  errors as joseErrors,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
} from 'jose';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { Keyring } from '../keyring.js';
import {
  addSigningKey,
  findActiveSigningKey,
  listSigningKeys,
  type Ed25519PublicJwk,
  type NewSigningKey,
  type SigningKeyRow,
} from '../store/signing-keys.js';
import type { ServiceContext, Viewer } from './context.js';
import { campaignReport, type CampaignReport } from './reports.js';

/**
 * The JWS `typ` of a campaign attestation (RFC 8725 §3.11: an explicit type,
 * so an attestation is never taken for another kind of signed token).
 */
export const ATTESTATION_TYPE = 'tandem-attestation+jwt';

/** The one algorithm Tandem signs with, and the only one `verifyAttestation` accepts. */
const ALGORITHM = 'EdDSA';

/** A public key as `/.well-known/jwks.json` lists it. */
export interface PublishedJwk extends Ed25519PublicJwk {
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

/** What `tandem keys list` shows of a key: never its private half. */
export interface SigningKeyInfo {
  kid: string;
  createdAt: string;
  /** `null` while it is the key that signs. */
  retiredAt: string | null;
  active: boolean;
}

/**
 * The payload of an attestation: the campaign report as
 * `GET /api/campaigns/{id}/report` answers it, with who signed it (`iss`),
 * when (`iat`, seconds since the epoch) and what it is about (`sub` and
 * `campaignId`, the campaign's id).
 */
export type AttestationPayload = CampaignReport & {
  iss: string;
  sub: string;
  iat: number;
  campaignId: string;
};

const sealContext = (kid: string) => `signing-key:${kid}`;

const info = (row: SigningKeyRow): SigningKeyInfo => ({
  kid: row.kid,
  createdAt: row.createdAt.toISOString(),
  retiredAt: row.retiredAt?.toISOString() ?? null,
  active: row.retiredAt === null,
});

/** Why an operator's key was refused, in a sentence naming what is wrong. */
export class SigningKeyInvalid extends Error {
  override readonly name = 'SigningKeyInvalid';
}

const BASE64URL_32_BYTES = /^[A-Za-z0-9_-]{43}$/;

/**
 * The operator's own Ed25519 private key (a JWK with `d`), checked and
 * sealed: its public half is derived from `d` (a given `x` must match it),
 * so a key whose halves disagree can never be published.
 */
async function importedSigningKey(keyring: Keyring, input: unknown): Promise<NewSigningKey> {
  const jwk = input as Record<string, unknown> | null;
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw new SigningKeyInvalid('The key must be a JSON object (a private JWK).');
  }
  if (jwk['kty'] !== 'OKP' || jwk['crv'] !== 'Ed25519') {
    throw new SigningKeyInvalid('The key must be an Ed25519 key ("kty": "OKP", "crv": "Ed25519").');
  }
  const d = jwk['d'];
  if (typeof d !== 'string' || !BASE64URL_32_BYTES.test(d)) {
    throw new SigningKeyInvalid(
      'The key must hold its private half: "d", 32 bytes in base64url (a public key cannot sign).',
    );
  }
  let x: string;
  try {
    const derived = createPublicKey(
      createPrivateKey({
        // Node wants an `x` but derives the public half from `d` alone.
        key: { kty: 'OKP', crv: 'Ed25519', d, x: typeof jwk['x'] === 'string' ? jwk['x'] : '' },
        format: 'jwk',
      }),
    ).export({ format: 'jwk' });
    x = String(derived.x);
  } catch {
    throw new SigningKeyInvalid('The key is not a valid Ed25519 private key.');
  }
  if (jwk['x'] !== undefined && jwk['x'] !== x) {
    throw new SigningKeyInvalid('The key\'s public half "x" does not match its private half "d".');
  }
  const publicJwk: Ed25519PublicJwk = { kty: 'OKP', crv: 'Ed25519', x };
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
  const privateJwk = { kty: 'OKP', crv: 'Ed25519', d, x };
  return {
    kid,
    publicJwk,
    sealedPrivateJwk: keyring.seal(JSON.stringify(privateJwk), sealContext(kid)),
  };
}

/** A fresh Ed25519 key pair, its id the public key's thumbprint, its private half sealed. */
async function newSigningKey(keyring: Keyring): Promise<NewSigningKey> {
  const pair = await generateKeyPair(ALGORITHM, { crv: 'Ed25519', extractable: true });
  const publicJwk = await exportJWK(pair.publicKey);
  const privateJwk = await exportJWK(pair.privateKey);
  if (publicJwk.kty !== 'OKP' || publicJwk.crv !== 'Ed25519' || !publicJwk.x) {
    throw new Error('the generated key is not an Ed25519 key');
  }
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
  return {
    kid,
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x: publicJwk.x },
    sealedPrivateJwk: keyring.seal(JSON.stringify(privateJwk), sealContext(kid)),
  };
}

/**
 * Private keys already opened, per keyring and key id: signing then costs
 * one query (which key is active — another process may have rotated) and
 * no decryption. A retired key is never used again, so nothing goes stale.
 */
const opened = new WeakMap<Keyring, Map<string, Promise<CryptoKey>>>();

function privateKeyOf(keyring: Keyring, row: SigningKeyRow): Promise<CryptoKey> {
  let keys = opened.get(keyring);
  if (!keys) {
    keys = new Map();
    opened.set(keyring, keys);
  }
  let key = keys.get(row.kid);
  if (!key) {
    const jwk = JSON.parse(keyring.open(row.sealedPrivateJwk, sealContext(row.kid))) as JWK;
    key = importJWK(jwk, ALGORITHM).then((imported) => imported as CryptoKey);
    // A failure is not kept: the next request tries again.
    key.catch(() => keys.delete(row.kid));
    keys.set(row.kid, key);
  }
  return key;
}

/** The active signing key, made on first need (one key, however many processes ask at once). */
async function activeKey(ctx: ServiceContext): Promise<SigningKeyRow> {
  const active = await findActiveSigningKey(ctx.db);
  if (active) return active;
  return addSigningKey(ctx.db, await newSigningKey(ctx.keyring), 'if-none');
}

/**
 * `tandem keys rotate [--key <file>]`: a new key signs from now on — one
 * generated here, or the operator's own (`privateJwk`, an Ed25519 private
 * JWK); the one it replaces is retired but stays published, so what it
 * signed keeps verifying.
 *
 * @throws SigningKeyInvalid when the operator's key is not a usable
 * Ed25519 private key, or is a key Tandem already has.
 */
export async function rotateSigningKey(
  ctx: ServiceContext,
  privateJwk?: unknown,
): Promise<SigningKeyInfo> {
  const key =
    privateJwk === undefined
      ? await newSigningKey(ctx.keyring)
      : await importedSigningKey(ctx.keyring, privateJwk);
  if ((await listSigningKeys(ctx.db)).some((row) => row.kid === key.kid)) {
    throw new SigningKeyInvalid(
      `Tandem already has this key (${key.kid}): a retired key does not come back.`,
    );
  }
  return info(await addSigningKey(ctx.db, key, 'replace'));
}

/** `tandem keys list`: every key, the active one first. */
export async function signingKeys(ctx: ServiceContext): Promise<SigningKeyInfo[]> {
  return (await listSigningKeys(ctx.db)).map(info);
}

/**
 * `GET /.well-known/jwks.json`: the public half of every key Tandem has
 * signed with or signs with. A key is made first if there is none, so the
 * set a verifier fetches before the first attestation is not empty.
 */
export async function publicKeySet(ctx: ServiceContext): Promise<{ keys: PublishedJwk[] }> {
  let rows = await listSigningKeys(ctx.db);
  if (rows.length === 0) rows = [await activeKey(ctx)];
  return {
    keys: rows.map((row) => ({ ...row.publicJwk, kid: row.kid, alg: ALGORITHM, use: 'sig' })),
  };
}

/**
 * The issuer named in attestations: the platform's public address
 * (`TANDEM_PUBLIC_URL`), under which `/.well-known/jwks.json` is served.
 */
export const attestationIssuer = (ctx: ServiceContext): string => ctx.config.publicUrl;

/**
 * `GET /api/campaigns/{id}/attestation`: the campaign report, exactly as
 * `GET /api/campaigns/{id}/report` answers it at this moment, signed with
 * the active key as a compact JWS (EdDSA over Ed25519). Same access as
 * the report: the organizer's admins and its sponsors' admins.
 */
export async function campaignAttestation(
  ctx: ServiceContext,
  viewer: Viewer,
  campaignId: string,
): Promise<{ jws: string }> {
  const report = await campaignReport(ctx, viewer, campaignId);
  const row = await activeKey(ctx);
  const key = await privateKeyOf(ctx.keyring, row);
  const payload: AttestationPayload = {
    iss: attestationIssuer(ctx),
    sub: report.campaign.id,
    iat: Math.floor(ctx.now().getTime() / 1000),
    campaignId: report.campaign.id,
    ...report,
  };
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: ALGORITHM, kid: row.kid, typ: ATTESTATION_TYPE })
    .sign(key);
  return { jws };
}

/** Why an attestation did not verify, in a sentence for whoever holds the file. */
export class AttestationInvalid extends Error {
  override readonly name = 'AttestationInvalid';
}

/** A verified attestation: its protected header and its payload. */
export interface VerifiedAttestation {
  kid: string;
  payload: AttestationPayload;
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * The compact JWS in `text`: the JWS itself, or the JSON answer of
 * `GET /api/campaigns/{id}/attestation` (`{"jws": "…"}`), as saved to a file.
 *
 * @throws AttestationInvalid when it is neither.
 */
export function attestationJwsOf(text: string): string {
  const trimmed = text.trim();
  let jws: unknown = trimmed;
  if (trimmed.startsWith('{')) {
    try {
      jws = (JSON.parse(trimmed) as { jws?: unknown }).jws;
    } catch {
      throw new AttestationInvalid('The file is neither a compact JWS nor valid JSON.');
    }
    if (typeof jws !== 'string') {
      throw new AttestationInvalid('The JSON file has no "jws" string.');
    }
  }
  if (typeof jws !== 'string' || !COMPACT_JWS.test(jws)) {
    throw new AttestationInvalid(
      'The file does not hold a compact JWS (three base64url parts separated by dots).',
    );
  }
  return jws;
}

function isKeySet(value: unknown): value is JSONWebKeySet {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as { keys?: unknown }).keys) &&
    (value as { keys: unknown[] }).keys.every((k) => typeof k === 'object' && k !== null)
  );
}

/**
 * Verifies an attestation against a key set (the JSON of
 * `/.well-known/jwks.json`) as any JOSE library would: the key named by
 * the header's `kid`, EdDSA only, the attestation's `typ`, and a payload
 * that is a JSON object naming its issuer, time and campaign.
 *
 * @throws AttestationInvalid with the reason: malformed, unknown key,
 * signature that does not match (a changed payload or another key).
 */
export async function verifyAttestation(text: string, jwks: unknown): Promise<VerifiedAttestation> {
  const jws = attestationJwsOf(text);
  if (!isKeySet(jwks)) {
    throw new AttestationInvalid('The key set is not a JWKS (an object with a "keys" array).');
  }
  let verified: Awaited<ReturnType<typeof compactVerify>>;
  try {
    verified = await compactVerify(jws, createLocalJWKSet(jwks), { algorithms: [ALGORITHM] });
  } catch (error) {
    throw new AttestationInvalid(reasonOf(error, jws), { cause: error });
  }
  const { protectedHeader, payload } = verified;
  if (protectedHeader.typ !== ATTESTATION_TYPE) {
    throw new AttestationInvalid(
      `The signature is valid but this is not a Tandem attestation (typ ${JSON.stringify(protectedHeader.typ ?? null)}).`,
    );
  }
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch {
    throw new AttestationInvalid('The signed payload is not JSON.');
  }
  const c = claims as Partial<AttestationPayload> | null;
  if (
    typeof c !== 'object' ||
    c === null ||
    typeof c.iss !== 'string' ||
    typeof c.iat !== 'number' ||
    typeof c.campaignId !== 'string' ||
    !Array.isArray(c.challenges) ||
    typeof c.totals !== 'object'
  ) {
    throw new AttestationInvalid(
      'The signed payload lacks the fields of an attestation (iss, iat, campaignId, challenges, totals).',
    );
  }
  return { kid: protectedHeader.kid ?? '', payload: c as AttestationPayload };
}

/** The sentence for a failed verification. */
function reasonOf(error: unknown, jws: string): string {
  if (error instanceof joseErrors.JWKSNoMatchingKey) {
    let kid = 'none';
    try {
      const header = JSON.parse(Buffer.from(jws.split('.')[0] ?? '', 'base64url').toString()) as {
        kid?: unknown;
      };
      if (typeof header.kid === 'string') kid = JSON.stringify(header.kid);
    } catch {
      // The header was readable enough for jose to look for a key; keep "none".
    }
    return `No key of the key set matches the attestation's key id (${kid}).`;
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return 'The signature does not match: the attestation was changed after it was signed, or signed with another key.';
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) {
    return 'The attestation is not signed with EdDSA.';
  }
  if (error instanceof joseErrors.JWKSInvalid) {
    return 'The key set is not a valid JWKS.';
  }
  if (error instanceof joseErrors.JOSEError) {
    return `The attestation is malformed (${error.message}).`;
  }
  return `The attestation could not be verified (${error instanceof Error ? error.message : String(error)}).`;
}
