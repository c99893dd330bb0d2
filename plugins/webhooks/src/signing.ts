/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): what a
 * receiver checks with the off-the-shelf `standardwebhooks` library.
 */
import { createHmac, randomBytes } from 'node:crypto';

/** The prefix of every endpoint secret, as the specification names it. */
export const SECRET_PREFIX = 'whsec_';

/** Bytes of key material in a new secret (the specification asks for 24 to 64). */
const SECRET_BYTES = 32;

/**
 * A new endpoint secret: `whsec_` followed by the base64 of 32 random bytes.
 *
 * @example
 * const secret = generateSecret(); // 'whsec_q3Jk…'
 */
export function generateSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;
}

/** What is signed: one message to one endpoint at one moment. */
export interface SignInput {
  /** The message id, the same on every retry and replay (`webhook-id`). */
  id: string;
  /** Unix time in seconds of this attempt (`webhook-timestamp`). */
  timestamp: number;
  /** The exact bytes of the request body, as a string. */
  body: string;
  /** The endpoint's secret, `whsec_<base64>`. */
  secret: string;
}

/**
 * The `webhook-signature` value: `v1,` and the base64 HMAC-SHA256 of
 * `<id>.<timestamp>.<body>`, keyed with the bytes the secret's base64 part
 * decodes to (not the text of the secret).
 *
 * @example
 * signWebhook({ id: 'msg_1', timestamp: 1700000000, body: '{}', secret }); // 'v1,K5o…'
 */
export function signWebhook(input: SignInput): string {
  const encoded = input.secret.startsWith(SECRET_PREFIX)
    ? input.secret.slice(SECRET_PREFIX.length)
    : input.secret;
  const key = Buffer.from(encoded, 'base64');
  if (key.length === 0) throw new Error('A webhook secret must hold key bytes after "whsec_".');
  const mac = createHmac('sha256', key)
    .update(`${input.id}.${input.timestamp}.${input.body}`)
    .digest('base64');
  return `v1,${mac}`;
}

/**
 * The three headers of a signed delivery. During a secret's grace period
 * (`alsoSignWith` holds the secret it replaced) the signature header
 * carries one `v1,…` entry per secret, separated by spaces, as the
 * specification allows: a receiver still on the old secret and one already
 * on the new both verify it.
 *
 * @example
 * const headers = webhookHeaders({ id, timestamp: Math.floor(Date.now() / 1000), body, secret });
 * // new Webhook(secret).verify(body, headers) accepts them
 */
export function webhookHeaders(input: SignInput & { alsoSignWith?: readonly string[] }): {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
} {
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(input.timestamp),
    'webhook-signature': [input.secret, ...(input.alsoSignWith ?? [])]
      .map((secret) => signWebhook({ ...input, secret }))
      .join(' '),
  };
}
