/**
 * Endpoint secrets at rest (ADR 0016). Tandem must use a secret to sign, so
 * it cannot keep only a hash: each is sealed with core's keyring, bound to
 * its endpoint's id, and opened only to sign a delivery. A sealed secret
 * copied onto another endpoint's row does not open there.
 *
 * Rows from before sealing (and rows a process of an older version writes
 * during a rolling upgrade) hold the secret in clear: a plugin migration is
 * SQL and cannot know the key, so they are sealed at start-up and, should
 * one slip in after, the first time they are read.
 */
import type { PluginContext } from '@tandem/core';

/** What secrets at rest use of the platform. */
type SecretsContext = PluginContext<'tables' | 'secrets'>;

const sealContext = (endpointId: string) => `webhooks-endpoint:${endpointId}`;
// The secret a rotation replaced has a context of its own, so neither sealed
// value can be copied into the other's column and still open.
const previousContext = (endpointId: string) => `webhooks-endpoint:${endpointId}:previous`;

/** The value to store for `secret` on endpoint `endpointId`. */
export function sealSecret(context: SecretsContext, endpointId: string, secret: string): string {
  return context.secrets.seal(secret, sealContext(endpointId));
}

/** The value to store for `previous_secret` on endpoint `endpointId` (always sealed). */
export function sealPreviousSecret(
  context: SecretsContext,
  endpointId: string,
  secret: string,
): string {
  return context.secrets.seal(secret, previousContext(endpointId));
}

/** The secret a rotation replaced, from its stored value. */
export function openPreviousSecret(
  context: SecretsContext,
  endpointId: string,
  stored: string,
): string {
  try {
    return context.secrets.open(stored, previousContext(endpointId));
  } catch {
    throw new Error(`the previous secret of webhook endpoint ${endpointId} does not open`);
  }
}

/**
 * The secret of endpoint `endpointId` from its stored value; a value still
 * in clear is sealed in place on the way.
 */
export async function openSecret(
  context: SecretsContext,
  endpointId: string,
  stored: string,
): Promise<string> {
  if (context.secrets.isSealed(stored)) {
    try {
      return context.secrets.open(stored, sealContext(endpointId));
    } catch {
      // Another TANDEM_SECRET_KEY, or a value that is not this endpoint's.
      throw new Error(`the secret of webhook endpoint ${endpointId} does not open with this key`);
    }
  }
  // `and secret = ?`: of two processes sealing at once, the second changes nothing.
  await context.tables.query(
    'update webhooks_endpoint set secret = ? where id = ? and secret = ?',
    [sealSecret(context, endpointId, stored), endpointId, stored],
  );
  return stored;
}

/**
 * Seals every secret still stored in clear; run at start-up, safe to run
 * in several processes at once.
 *
 * @returns how many it sealed
 */
export async function sealClearSecrets(context: SecretsContext): Promise<number> {
  const rows = await context.tables.query<{ id: string; secret: string }>(
    'select id, secret from webhooks_endpoint',
  );
  const clear = rows.filter((row) => !context.secrets.isSealed(row.secret));
  for (const row of clear) await openSecret(context, row.id, row.secret);
  return clear.length;
}
