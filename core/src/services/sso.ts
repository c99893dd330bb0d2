/**
 * Company sign-in by OpenID Connect (ADR 0044): an organization names its
 * identity provider; its people sign in there (authorization code with
 * PKCE, `state` and `nonce` checked) and come back with a Tandem session,
 * members of the organization when the provider says they belong.
 *
 * An account at a provider is known by (issuer, subject), never by the
 * e-mail the provider asserts: it joins an existing person only when the
 * provider says the address is verified and the platform admin verified
 * the address's domain for that organization. Anything else gets a person
 * of its own, with no address, so a provider can neither take over someone
 * nor plant an account for an address it does not own.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import * as oidc from 'openid-client';
import { parseEmail } from '../domain/email.js';
import { TandemError, invalid } from '../errors.js';
import { hostileStringReason } from '../validation.js';
import { hashSecret, newId, newSecret } from '../ids.js';
import type { Sql } from '../store/database.js';
import { upsertParticipant } from '../store/participants.js';
import { insertSession } from '../store/sessions.js';
import {
  findSsoConfig,
  findSsoIdentity,
  insertSsoIdentity,
  insertSsoLogin,
  isDomainVerified,
  listDomains,
  removeDomain,
  saveSsoConfig,
  challengeOrganization,
  takeSsoLogin,
  verifyDomain,
  type SsoConfigRow,
} from '../store/sso.js';
import { requirePlatformAdmin, requireRole } from './access.js';
import { SESSION_TTL_DAYS } from './auth.js';
import type { ServiceContext, Viewer } from './context.js';
import { findOrganization } from './organizations.js';

/** The cookie that ties a browser to its sign-in under way. */
export const SSO_COOKIE = 'tandem_sso';
/** How long a sign-in may take at the provider. */
export const SSO_LOGIN_TTL_SECONDS = 10 * 60;
/** How long Tandem waits for a provider's answer. */
const PROVIDER_TIMEOUT_SECONDS = 10;

/** The member rule: someone is a member when `claim` holds one of `values`. */
export interface MemberClaim {
  name: string;
  values: string[];
}

/** An organization's company sign-in, as its admins read it (never the secret). */
export interface SsoSettings {
  configured: boolean;
  enabled: boolean;
  issuer: string | null;
  clientId: string | null;
  /** Whether a client secret is stored; the secret itself is never sent back. */
  hasClientSecret: boolean;
  memberClaim: MemberClaim | null;
  /** The redirect URI to register at the provider. */
  callbackUrl: string;
  /** The e-mail domains the platform admin verified for the organization. */
  domains: DomainView[];
  updatedAt: string | null;
}

export interface DomainView {
  domain: string;
  verifiedAt: string;
}

export interface SsoSettingsInput {
  issuer: string;
  clientId: string;
  /** Absent keeps the stored secret (required the first time). */
  clientSecret?: string;
  memberClaim: MemberClaim | null;
  enabled: boolean;
}

const secretContext = (organizationId: string) => `sso-client-secret:${organizationId}`;

export const callbackUrlOf = (ctx: ServiceContext, slug: string): string =>
  `${ctx.config.publicUrl}/api/auth/sso/${encodeURIComponent(slug)}/callback`;

// Addresses a provider may not sit on unless private networks are allowed:
// a server that fetched them for whoever configures an issuer would reach
// inside its own network (cloud metadata, databases).
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['224.0.0.0', 3],
] as const)
  PRIVATE.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 127],
  ['::ffff:0:0', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  PRIVATE.addSubnet(net, prefix, 'ipv6');

function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

const isLoopbackHost = (host: string) =>
  host === 'localhost' || host.endsWith('.localhost') || host === '127.0.0.1' || host === '[::1]';

/**
 * An issuer URL as an admin may give it: https (http only on loopback, and
 * only where private networks are allowed), no credentials, query or
 * fragment, and no loopback or private address unless allowed.
 *
 * @throws TandemError `TANDEM_REQUEST_INVALID` on path `issuer`
 */
export function parseIssuer(raw: string, allowPrivate: boolean): string {
  const text = raw.trim().replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid('issuer', 'must be a URL such as https://login.example.com/realms/staff');
  }
  const host = url.hostname.toLowerCase();
  const bare = host.replace(/^\[|\]$/g, '');
  if (url.username !== '' || url.password !== '')
    throw invalid('issuer', 'must not carry credentials');
  if (url.search !== '' || url.hash !== '') {
    throw invalid('issuer', 'must not carry a query or a fragment');
  }
  if (url.protocol === 'http:') {
    if (!(allowPrivate && isLoopbackHost(host))) {
      throw invalid('issuer', 'must use https');
    }
  } else if (url.protocol !== 'https:') {
    throw invalid('issuer', 'must use https');
  }
  if (!allowPrivate && (isLoopbackHost(host) || isPrivateAddress(bare))) {
    throw invalid('issuer', `must not point to a loopback or private address (${host})`);
  }
  return text;
}

/**
 * `fetch` for calls to providers: a name that resolves to a private
 * address is refused (unless allowed), and no call waits for ever.
 */
function providerFetch(allowPrivate: boolean): oidc.CustomFetch {
  return async (url, options) => {
    if (!allowPrivate) {
      const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
      const addresses = isIP(host) ? [{ address: host }] : await lookup(host, { all: true });
      const bad = addresses.find((a) => isPrivateAddress(a.address));
      if (bad)
        throw new TypeError(`${host} resolves to ${bad.address}, a private address; refused`);
    }
    return fetch(url, options as RequestInit);
  };
}

const unavailable = (issuer: string, why: string) =>
  new TandemError(
    'TANDEM_SSO_PROVIDER_UNAVAILABLE',
    `The organization's identity provider (${issuer}) ${why}; try again later or tell the organization.`,
  );

/** Whether an openid-client error means the provider could not be reached or answered nonsense. */
function isProviderFault(error: unknown): boolean {
  if (error instanceof TypeError) return true;
  if (error instanceof oidc.ClientError) {
    const code = error.code ?? '';
    if (error.cause instanceof TypeError) return true;
    return [
      'OAUTH_RESPONSE_IS_NOT_CONFORM',
      'OAUTH_RESPONSE_IS_NOT_JSON',
      'OAUTH_PARSE_ERROR',
      'OAUTH_INVALID_SERVER_METADATA',
      'OAUTH_MISSING_SERVER_METADATA',
      'OAUTH_HTTP_REQUEST_FORBIDDEN',
      'OAUTH_REQUEST_PROTOCOL_FORBIDDEN',
      'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED',
      '',
    ].includes(code);
  }
  return error instanceof Error && error.name === 'TimeoutError';
}

async function discover(
  ctx: ServiceContext,
  row: SsoConfigRow,
  clientSecret: string,
): Promise<oidc.Configuration> {
  const allowPrivate = ctx.config.ssoAllowPrivateNetworks;
  try {
    return await oidc.discovery(
      new URL(row.issuer),
      row.client_id,
      clientSecret,
      oidc.ClientSecretPost(clientSecret),
      {
        timeout: PROVIDER_TIMEOUT_SECONDS,
        [oidc.customFetch]: providerFetch(allowPrivate),
        ...(allowPrivate && row.issuer.startsWith('http:')
          ? { execute: [oidc.allowInsecureRequests] }
          : {}),
      },
    );
  } catch {
    throw unavailable(row.issuer, 'cannot be reached or is not an OpenID Connect provider');
  }
}

async function organizationWithSso(ctx: ServiceContext, slug: string) {
  const organization = await findOrganization(ctx.db, slug);
  const row = await findSsoConfig(ctx.db, organization.id);
  if (!row || !row.enabled) {
    throw new TandemError(
      'TANDEM_NOT_FOUND',
      `The organization "${slug}" offers no company sign-in.`,
    );
  }
  return { organization, row };
}

const iso = (date: Date | null | undefined) => (date ? new Date(date).toISOString() : null);

/** `GET /api/organizations/{slug}/sso`: the settings, for the organization's admins. */
export async function getSsoSettings(
  ctx: ServiceContext,
  viewer: Viewer,
  slug: string,
): Promise<SsoSettings> {
  const organization = await findOrganization(ctx.db, slug);
  requireRole(viewer, organization.id, 'admin');
  const row = await findSsoConfig(ctx.db, organization.id);
  const domains = await listDomains(ctx.db, organization.id);
  return {
    configured: row !== null,
    enabled: row?.enabled ?? false,
    issuer: row?.issuer ?? null,
    clientId: row?.client_id ?? null,
    hasClientSecret: row !== null,
    memberClaim:
      row?.member_claim != null ? { name: row.member_claim, values: row.member_values } : null,
    callbackUrl: callbackUrlOf(ctx, organization.slug),
    domains: domains.map((d) => ({ domain: d.domain, verifiedAt: iso(d.verified_at) as string })),
    updatedAt: iso(row?.updated_at),
  };
}

/** `PUT /api/organizations/{slug}/sso`: sets the provider and the member rule. */
export async function putSsoSettings(
  ctx: ServiceContext,
  viewer: Viewer,
  slug: string,
  input: SsoSettingsInput,
): Promise<SsoSettings> {
  const organization = await findOrganization(ctx.db, slug);
  requireRole(viewer, organization.id, 'admin');
  const issuer = parseIssuer(input.issuer, ctx.config.ssoAllowPrivateNetworks);
  const clientId = input.clientId.trim();
  if (clientId === '') throw invalid('clientId', 'must not be empty');
  let claim: MemberClaim | null = null;
  if (input.memberClaim) {
    const name = input.memberClaim.name.trim();
    const values = [...new Set(input.memberClaim.values.map((v) => v.trim()))].filter(
      (v) => v !== '',
    );
    if (name === '') throw invalid('memberClaim.name', 'must not be empty');
    if (['iss', 'sub', 'aud', 'exp', 'iat', 'nonce'].includes(name)) {
      throw invalid('memberClaim.name', 'must be a claim about the person, not about the token');
    }
    if (values.length === 0) throw invalid('memberClaim.values', 'must hold at least one value');
    claim = { name, values };
  }
  const existing = await findSsoConfig(ctx.db, organization.id);
  const secret = input.clientSecret?.trim();
  if (secret === '') throw invalid('clientSecret', 'must not be empty');
  if (secret === undefined && !existing) {
    throw invalid('clientSecret', 'is required the first time company sign-in is configured');
  }
  // A new issuer or client keeps no secret meant for another.
  if (
    secret === undefined &&
    existing &&
    (existing.issuer !== issuer || existing.client_id !== clientId)
  ) {
    throw invalid('clientSecret', 'is required when the issuer or the client id changes');
  }
  const sealed =
    secret !== undefined
      ? ctx.keyring.seal(secret, secretContext(organization.id))
      : (existing as SsoConfigRow).sealed_client_secret;
  await saveSsoConfig(ctx.db, {
    organization_id: organization.id,
    issuer,
    client_id: clientId,
    sealed_client_secret: sealed,
    member_claim: claim?.name ?? null,
    member_values: claim?.values ?? [],
    enabled: input.enabled,
  });
  return getSsoSettings(ctx, viewer, slug);
}

/**
 * Where a sign-in may send the browser back to: a path of this site. A
 * full URL, `//host` or a backslash (which browsers read as a slash) would
 * make Tandem an open redirect.
 */
export function parseNext(raw: string | undefined): string {
  if (raw === undefined || raw === '') return '/';
  const bad = () => invalid('next', 'must be a path of this site, such as /o/acme');
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (!raw.startsWith('/') || raw.startsWith('//') || /[\\\s\u0000-\u001f\u007f]/.test(raw)) {
    throw bad();
  }
  const base = 'http://tandem.invalid';
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    throw bad();
  }
  if (url.origin !== base) throw bad();
  return `${url.pathname}${url.search}${url.hash}`;
}

/**
 * `GET /api/auth/sso/{slug}`: stores a sign-in under way and answers where
 * to send the browser (the provider's authorization endpoint) and the
 * cookie value that finds the sign-in again.
 */
export async function startSsoSignIn(
  ctx: ServiceContext,
  slug: string,
  next: string | undefined,
): Promise<{ location: string; cookie: string }> {
  const target = parseNext(next);
  const { organization, row } = await organizationWithSso(ctx, slug);
  const secret = ctx.keyring.open(row.sealed_client_secret, secretContext(organization.id));
  const configuration = await discover(ctx, row, secret);
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const verifier = oidc.randomPKCECodeVerifier();
  const cookie = newSecret();
  await insertSsoLogin(ctx.db, {
    id: hashSecret(cookie),
    organization_id: organization.id,
    state,
    nonce,
    code_verifier: verifier,
    next: target,
    expires_at: new Date(ctx.now().getTime() + SSO_LOGIN_TTL_SECONDS * 1000),
  });
  const scope = ['openid', 'email', 'profile'];
  if (row.member_claim === 'groups') scope.push('groups');
  const url = oidc.buildAuthorizationUrl(configuration, {
    redirect_uri: callbackUrlOf(ctx, organization.slug),
    response_type: 'code',
    scope: scope.join(' '),
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  return { location: url.href, cookie };
}

type Claims = Record<string, unknown>;

/** Whether the claims satisfy the member rule (no rule: every account of the provider). */
export function meetsMemberRule(claims: Claims, rule: MemberClaim | null): boolean {
  if (!rule) return true;
  const value = claims[rule.name];
  const held = Array.isArray(value) ? value : [value];
  return held.some((v) => typeof v === 'string' && rule.values.includes(v));
}

/**
 * A claim as text the database can hold: a provider is outside, and its
 * strings may carry NUL, control characters or unpaired surrogates.
 * Anything else than a storable string is no value.
 */
function storableText(value: unknown, maxLength: number): string | null {
  if (typeof value !== 'string' || hostileStringReason(value.replaceAll('\u0000', ' ')))
    return null;
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  const text = value.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  return text === '' ? null : text.slice(0, maxLength);
}

/** The fingerprint purpose of a person known only by their account at a provider. */
const SSO_IDENTITY_PURPOSE = 'sso-identity';

/**
 * The person an account signs in: the one already linked to it; else an
 * existing (or new) person with the asserted address, when the provider
 * says it is verified and its domain is verified for the organization;
 * else a new person of their own, without an address.
 */
async function personFor(
  ctx: ServiceContext,
  tx: Sql,
  organizationId: string,
  issuer: string,
  claims: Claims,
): Promise<string> {
  const subject = claims['sub'] as string;
  const known = await findSsoIdentity(tx, issuer, subject);
  if (known) return known.participant_id;
  let participantId: string | null = null;
  const email = typeof claims['email'] === 'string' ? parseEmail(claims['email']) : null;
  if (email?.ok && claims['email_verified'] === true) {
    if (await isDomainVerified(tx, organizationId, email.address.domain)) {
      participantId = (
        await upsertParticipant(tx, ctx.keyring, { email: email.address, verified: true })
      ).id;
    }
  }
  if (participantId === null) {
    const name = storableText(claims['name'], 200);
    const [row] = await tx.query<{ id: string }>(
      // A person who erased their data and comes back gets their old,
      // anonymous row again, as with an address (store/participants.ts).
      `insert into participant (id, identity_fingerprint, display_name, verified_at)
       values (?, ?, ?, now())
       on conflict (identity_fingerprint) do update set
         display_name = coalesce(excluded.display_name, participant.display_name),
         erased_at = null
       returning id`,
      [newId('ptc'), ctx.keyring.fingerprint(SSO_IDENTITY_PURPOSE, `${issuer}\n${subject}`), name],
    );
    participantId = (row as { id: string }).id;
  }
  return insertSsoIdentity(tx, { issuer, subject, participantId, organizationId });
}

export interface SsoSignedIn {
  sessionToken: string;
  participantId: string;
  expiresAt: string;
  next: string;
}

/**
 * `GET /api/auth/sso/{slug}/callback`: takes the sign-in under way (once),
 * checks `state`, trades the code (PKCE) for tokens, checks the ID token
 * (issuer, audience, `nonce`), reads the claims, applies the member rule
 * and opens a session.
 */
export async function finishSsoSignIn(
  ctx: ServiceContext,
  slug: string,
  cookie: string | undefined,
  query: Record<string, string>,
): Promise<SsoSignedIn> {
  const { organization, row } = await organizationWithSso(ctx, slug);
  const restart = (why: string) =>
    new TandemError('TANDEM_AUTH_INVALID', `${why}; start the sign-in again.`);
  if (!cookie) throw restart('This browser has no sign-in under way');
  const login = await takeSsoLogin(ctx.db, hashSecret(cookie));
  if (!login || login.organization_id !== organization.id) {
    throw restart('This sign-in is unknown, expired or already used');
  }
  if (typeof query['error'] === 'string') {
    throw new TandemError(
      'TANDEM_AUTH_FORBIDDEN',
      `The identity provider refused the sign-in (${query['error'].slice(0, 100)}).`,
    );
  }
  if (typeof query['state'] !== 'string' || query['state'] !== login.state) {
    throw restart('The answer does not belong to this sign-in (state)');
  }
  const secret = ctx.keyring.open(row.sealed_client_secret, secretContext(organization.id));
  const configuration = await discover(ctx, row, secret);
  const current = new URL(callbackUrlOf(ctx, organization.slug));
  for (const [key, value] of Object.entries(query)) current.searchParams.set(key, value);
  const issuer = configuration.serverMetadata().issuer;
  let claims: Claims;
  try {
    const tokens = await oidc.authorizationCodeGrant(configuration, current, {
      pkceCodeVerifier: login.code_verifier,
      expectedState: login.state,
      expectedNonce: login.nonce,
      idTokenExpected: true,
    });
    const idClaims = tokens.claims();
    if (!idClaims) throw restart('The provider sent no ID token');
    claims = { ...idClaims };
    if (configuration.serverMetadata().userinfo_endpoint && tokens.access_token) {
      const info = await oidc.fetchUserInfo(configuration, tokens.access_token, idClaims.sub);
      for (const [key, value] of Object.entries(info)) {
        if (!['iss', 'sub', 'aud'].includes(key) && !(key in claims)) claims[key] = value;
      }
    }
  } catch (error) {
    if (error instanceof TandemError) throw error;
    if (isProviderFault(error))
      throw unavailable(row.issuer, 'did not answer the sign-in properly');
    // openid-client wraps oauth4webapi's error, whose cause names the claim.
    let claim = '';
    for (let e: unknown = error, depth = 0; e instanceof Error && depth < 3; depth++) {
      const cause = e.cause as { claim?: unknown } | undefined;
      if (typeof cause?.claim === 'string') claim = `, claim "${cause.claim}"`;
      e = e.cause;
    }
    throw restart(
      `The provider's answer did not pass the checks (${error instanceof Error ? error.message : 'unknown error'}${claim})`,
    );
  }
  const subject = claims['sub'];
  if (
    typeof subject !== 'string' ||
    subject === '' ||
    subject.length > 255 ||
    storableText(subject, 255) !== subject
  ) {
    throw restart('The provider named no account (sub)');
  }
  const rule = row.member_claim ? { name: row.member_claim, values: row.member_values } : null;
  if (!meetsMemberRule(claims, rule)) {
    throw new TandemError(
      'TANDEM_AUTH_FORBIDDEN',
      `Your account at the identity provider does not make you a member of this organization (claim "${rule?.name}"); ask the organization.`,
    );
  }
  return ctx.db.transaction(async (tx) => {
    const participantId = await personFor(ctx, tx, organization.id, issuer, claims);
    // Member, never more: an existing higher role stays as it is.
    await tx.query(
      `insert into membership (organization_id, participant_id, role) values (?, ?, 'member')
       on conflict (organization_id, participant_id) do nothing`,
      [organization.id, participantId],
    );
    const sessionToken = newSecret();
    const expiresAt = new Date(ctx.now().getTime() + SESSION_TTL_DAYS * 86_400_000);
    await insertSession(tx, hashSecret(sessionToken), participantId, expiresAt);
    return { sessionToken, participantId, expiresAt: expiresAt.toISOString(), next: login.next };
  });
}

/** `GET /api/organizations/{slug}/domains`: the verified e-mail domains (admins). */
export async function getOrganizationDomains(
  ctx: ServiceContext,
  viewer: Viewer,
  slug: string,
): Promise<{ items: DomainView[] }> {
  const organization = await findOrganization(ctx.db, slug);
  requireRole(viewer, organization.id, 'admin');
  const rows = await listDomains(ctx.db, organization.id);
  return {
    items: rows.map((d) => ({ domain: d.domain, verifiedAt: iso(d.verified_at) as string })),
  };
}

function parseDomain(raw: string): string {
  const parsed = parseEmail(`x@${raw.trim()}`);
  if (!parsed.ok || !parsed.address.domain.includes('.')) {
    throw invalid('domain', 'must be a domain name such as example.org');
  }
  return parsed.address.domain;
}

/** `POST /api/organizations/{slug}/domains`: the platform admin verifies a domain. */
export async function verifyOrganizationDomain(
  ctx: ServiceContext,
  viewer: Viewer,
  slug: string,
  rawDomain: string,
): Promise<DomainView> {
  requirePlatformAdmin(viewer);
  const organization = await findOrganization(ctx.db, slug);
  const row = await verifyDomain(ctx.db, organization.id, parseDomain(rawDomain), 'platform-admin');
  return { domain: row.domain, verifiedAt: iso(row.verified_at) as string };
}

/** `DELETE /api/organizations/{slug}/domains/{domain}`: the platform admin withdraws it. */
export async function removeOrganizationDomain(
  ctx: ServiceContext,
  viewer: Viewer,
  slug: string,
  rawDomain: string,
): Promise<void> {
  requirePlatformAdmin(viewer);
  const organization = await findOrganization(ctx.db, slug);
  if (!(await removeDomain(ctx.db, organization.id, parseDomain(rawDomain)))) {
    throw new TandemError('TANDEM_NOT_FOUND', `The domain is not verified for "${slug}".`);
  }
}

/**
 * A refusal to read a members-only challenge (401, 403), with the
 * organization it belongs to and whether that organization offers company
 * sign-in, in `details`: the site then offers the right sign-in. Any other
 * error is given back as it is.
 */
export async function withSignInHint(
  ctx: ServiceContext,
  challengeId: string,
  error: unknown,
): Promise<unknown> {
  if (
    !(error instanceof TandemError) ||
    (error.code !== 'TANDEM_AUTH_REQUIRED' && error.code !== 'TANDEM_AUTH_FORBIDDEN')
  ) {
    return error;
  }
  const organization = await challengeOrganization(ctx.db, challengeId);
  if (!organization) return error;
  return new TandemError(error.code, error.message, [
    ...(error.details ?? []),
    {
      path: 'organization',
      message: 'the organization whose members may read this',
      organization: organization.slug,
      companySignIn: organization.company_sign_in,
    },
  ]);
}
