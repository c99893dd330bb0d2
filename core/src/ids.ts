import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * A new opaque id such as `chl_5k2x…`: a readable prefix naming the kind of
 * thing, then 20 random base32 characters (100 bits). Never all digits and
 * free of `:`, so it is also a valid BullMQ job id.
 */
export function newId(prefix: string): string {
  const bytes = randomBytes(20);
  let out = '';
  for (const byte of bytes) out += ALPHABET[byte & 31];
  return `${prefix}_${out}`;
}

/** A secret for a mailed link or a session: 32 random bytes, base64url. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Secrets are stored only as this hash, so a database leak leaks no live token. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
