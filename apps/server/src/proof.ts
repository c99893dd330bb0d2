import { readFile } from 'node:fs/promises';
import {
  AttestationInvalid,
  attestationJwsOf,
  services,
  verifyAttestation,
  type Platform,
  type VerifiedAttestation,
} from '@tandem/core';

/** The sponsor's proof from the command line: `tandem verify` and `tandem keys` (ADR 0034). */

export const VERIFY_USAGE = `Usage: tandem verify <file> [--jwks <file|url>]

Checks a campaign attestation (the compact JWS, or the JSON {"jws": ...} that
GET /api/campaigns/{id}/attestation answers) against the platform's public keys:
--jwks names a JWKS file or URL; without it, <TANDEM_PUBLIC_URL>/.well-known/jwks.json.
The keys are never taken from the attestation itself.
Exits 0 when it verifies, 1 when it does not.`;

export const KEYS_USAGE = `Usage: tandem keys <rotate|list>

  rotate [--key <file>]
           make a new signing key the active one: generated, or your own
           Ed25519 private key (a JWK file with "d"); older keys stay published
           at /.well-known/jwks.json, so what they signed keeps verifying
  list     the signing keys, the active one first`;

/** What a command answers: its exit code and what it prints. */
export interface CommandResult {
  code: number;
  out: string[];
  err: string[];
}

const ok = (out: string[]): CommandResult => ({ code: 0, out, err: [] });
const failed = (message: string, code = 1): CommandResult => ({ code, out: [], err: [message] });

/**
 * Text from a signed payload made safe for a terminal: a title is typed by
 * an organizer, and control characters (escape sequences) must not reach
 * the screen of whoever checks the file.
 */
function printable(value: unknown): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  return String(value).replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
}

const number = (value: unknown): string =>
  typeof value === 'number' ? value.toLocaleString('en-US', { maximumFractionDigits: 6 }) : '?';

/** Reads a key set from a file, or from an http(s) URL. */
async function loadKeySet(source: string): Promise<unknown> {
  let text: string;
  if (/^https?:\/\//i.test(source)) {
    let response: Response;
    try {
      response = await fetch(source, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      throw new AttestationInvalid(
        `Could not fetch the key set at ${source} (${error instanceof Error ? error.message : String(error)}).`,
      );
    }
    if (!response.ok) {
      throw new AttestationInvalid(`The key set at ${source} answered ${response.status}.`);
    }
    text = await response.text();
  } else {
    try {
      text = await readFile(source, 'utf8');
    } catch (error) {
      throw new AttestationInvalid(
        `Could not read the key set ${source} (${(error as NodeJS.ErrnoException).code ?? String(error)}).`,
      );
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AttestationInvalid(`The key set ${source} is not JSON.`);
  }
}

/** What a verified attestation says, in a few lines. */
export function describeAttestation(verified: VerifiedAttestation, keySet: string): string[] {
  const { payload } = verified;
  const quantities = (byUnit: unknown): string =>
    typeof byUnit === 'object' && byUnit !== null
      ? Object.entries(byUnit)
          .map(([unit, value]) => `${number(value)} ${printable(unit)}`)
          .join(', ')
      : '';
  const totals = payload.totals;
  const lines = [
    `Valid attestation: signed with key ${printable(verified.kid)} of ${printable(keySet)}.`,
    `Issuer:    ${printable(payload.iss)}`,
    `Signed at: ${new Date(payload.iat * 1000).toISOString()}`,
    `Campaign:  ${printable(payload.campaign?.title)} (${printable(payload.campaignId)}), organization ${printable(payload.campaign?.organization ?? '-')}`,
    `Totals:    ${[
      `${number(totals.participants)} participants`,
      quantities(totals.quantityByUnit),
      `${number(totals.co2eKg)} kg CO2e`,
    ]
      .filter(Boolean)
      .join(', ')}`,
  ];
  for (const challenge of payload.challenges) {
    const tiers = Array.isArray(challenge.tiers) ? challenge.tiers : [];
    const unlocked = tiers.filter((tier) => tier.unlockedAt).length;
    const fulfilled = tiers.filter((tier) => tier.fulfilledAt).length;
    lines.push(
      `- ${printable(challenge.title)} (${printable(challenge.status)}): ${number(challenge.participants)} participants` +
        (challenge.unit ? `, ${number(challenge.quantity)} ${printable(challenge.unit)}` : '') +
        `, ${number(challenge.co2eKg)} kg CO2e; tiers unlocked ${unlocked}/${tiers.length}, delivered ${fulfilled}`,
    );
  }
  return lines;
}

/**
 * `tandem verify <file> [--jwks <file|url>]`. The key set comes from the
 * command line or the operator's `TANDEM_PUBLIC_URL`, never from the
 * attestation: keys named by the thing being checked would prove nothing.
 */
export async function verifyCommand(
  args: readonly string[],
  publicUrl: string | undefined,
): Promise<CommandResult> {
  let file: string | undefined;
  let jwks: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--jwks') {
      jwks = args[++i];
      if (!jwks) return failed(`--jwks needs a file or a URL.\n\n${VERIFY_USAGE}`, 2);
    } else if (arg.startsWith('--jwks=')) {
      jwks = arg.slice('--jwks='.length);
    } else if (arg === '--help' || arg === '-h') {
      return ok([VERIFY_USAGE]);
    } else if (arg.startsWith('-') || file !== undefined) {
      return failed(`Unexpected argument "${printable(arg)}".\n\n${VERIFY_USAGE}`, 2);
    } else {
      file = arg;
    }
  }
  if (!file) return failed(VERIFY_USAGE, 2);
  const source =
    jwks ?? (publicUrl ? `${publicUrl.replace(/\/+$/, '')}/.well-known/jwks.json` : '');
  if (!source) {
    return failed(
      'No key set to verify against: give --jwks <file|url> (e.g. https://tandem.example.org/.well-known/jwks.json) or set TANDEM_PUBLIC_URL.',
    );
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return failed(
      `Could not read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}).`,
    );
  }
  try {
    // The file first: a malformed one is said so before any fetch.
    const jws = attestationJwsOf(text);
    const verified = await verifyAttestation(jws, await loadKeySet(source));
    return ok(describeAttestation(verified, source));
  } catch (error) {
    if (error instanceof AttestationInvalid) return failed(`Not verified: ${error.message}`);
    throw error;
  }
}

/** `tandem keys rotate|list`, on the platform's database and master key. */
export async function keysCommand(
  platform: Platform,
  subcommand: string | undefined,
  args: readonly string[] = [],
): Promise<CommandResult> {
  switch (subcommand) {
    case 'rotate': {
      let own: unknown;
      if (args.length > 0) {
        const [flag, path] = args;
        if (flag !== '--key' || !path || args.length > 2) return failed(KEYS_USAGE, 2);
        try {
          own = JSON.parse(await readFile(path, 'utf8')) as unknown;
        } catch (error) {
          return failed(
            `Could not read a JSON key from ${path} (${(error as NodeJS.ErrnoException).code ?? 'not JSON'}).`,
          );
        }
      }
      let key: services.SigningKeyInfo;
      try {
        key = await services.rotateSigningKey(platform.ctx, own);
      } catch (error) {
        if (error instanceof services.SigningKeyInvalid) return failed(error.message);
        throw error;
      }
      const all = await services.signingKeys(platform.ctx);
      return ok([
        `New signing key ${key.kid} is active; it signs attestations from now on.`,
        `${all.length - 1} older key(s) stay published at /.well-known/jwks.json, so what they signed keeps verifying.`,
      ]);
    }
    case 'list': {
      if (args.length > 0) return failed(KEYS_USAGE, 2);
      const keys = await services.signingKeys(platform.ctx);
      if (keys.length === 0) {
        return ok(['No signing key yet: one is made when the first attestation is asked for.']);
      }
      return ok(
        keys.map(
          (key) =>
            `${key.kid}  ${key.active ? 'active ' : 'retired'}  created ${key.createdAt}` +
            (key.retiredAt ? `, retired ${key.retiredAt}` : ''),
        ),
      );
    }
    default:
      return failed(KEYS_USAGE, 2);
  }
}
