import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { TandemError } from './errors.js';

/** Length of `TANDEM_SECRET_KEY` once decoded: AES-256 wants 32 bytes. */
export const SECRET_KEY_BYTES = 32;

/** Marks a sealed value and its format, so a later format can sit beside it. */
const SEALED_PREFIX = 'tk1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * What Tandem does with its one secret key (`TANDEM_SECRET_KEY`): seal the
 * secrets it must use later (webhook signing secrets, replays of calls that
 * minted a secret), and compute keyed fingerprints of values it must be able
 * to recognise without keeping them (an erased person's address).
 *
 * Each use gets its own key derived from the master key (HKDF-SHA256 with a
 * purpose label), so a fingerprint can never be mistaken for, or help to
 * forge, a sealed value or another purpose's fingerprint.
 */
export interface Keyring {
  /**
   * Encrypts `plaintext` with AES-256-GCM. `context` is bound to the result
   * (as additional data): a value sealed for one row or purpose does not
   * open under another, so sealed columns cannot be swapped around.
   *
   * @example keyring.seal(secret, `webhook:${endpointId}`) // 'tk1.…'
   */
  seal(plaintext: string, context: string): string;
  /**
   * Decrypts a value from {@link Keyring.seal} with the same `context`.
   *
   * @throws Error when the value was tampered with, sealed under another
   * key or context, or is not a sealed value at all.
   */
  open(sealed: string, context: string): string;
  /**
   * A keyed fingerprint (HMAC-SHA256, hex) of `value` for `purpose`: equal
   * inputs give equal fingerprints, and without the key nobody can tell which
   * value a fingerprint stands for, even by trying every address.
   *
   * @example keyring.fingerprint('participant-identity', 'jane@example.org')
   */
  fingerprint(purpose: string, value: string): string;
}

/** Whether `value` looks like the output of {@link Keyring.seal}. */
export function isSealed(value: string): boolean {
  return value.startsWith(SEALED_PREFIX);
}

function derive(master: Buffer, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `tandem:${label}`, 32));
}

/**
 * A keyring over a 32-byte master key (see {@link parseSecretKey}).
 *
 * @example
 * const keyring = createKeyring(parseSecretKey(process.env.TANDEM_SECRET_KEY!));
 * const sealed = keyring.seal('whsec_…', 'webhook:whe_1');
 * keyring.open(sealed, 'webhook:whe_1'); // 'whsec_…'
 */
export function createKeyring(master: Buffer): Keyring {
  if (master.length !== SECRET_KEY_BYTES) {
    throw new Error(`a secret key must be ${SECRET_KEY_BYTES} bytes (got ${master.length})`);
  }
  const sealKey = derive(master, 'seal');
  const fingerprintKeys = new Map<string, Buffer>();
  const fingerprintKey = (purpose: string): Buffer => {
    let key = fingerprintKeys.get(purpose);
    if (!key) {
      key = derive(master, `fingerprint:${purpose}`);
      fingerprintKeys.set(purpose, key);
    }
    return key;
  };
  return {
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', sealKey, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return `${SEALED_PREFIX}${Buffer.concat([iv, tag, body]).toString('base64url')}`;
    },
    open(sealed, context) {
      if (!isSealed(sealed)) throw new Error('not a sealed value');
      const raw = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64url');
      if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('sealed value too short');
      const decipher = createDecipheriv('aes-256-gcm', sealKey, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const body = raw.subarray(IV_BYTES + TAG_BYTES);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    },
    fingerprint(purpose, value) {
      return createHmac('sha256', fingerprintKey(purpose)).update(value, 'utf8').digest('hex');
    },
  };
}

/**
 * Decodes `TANDEM_SECRET_KEY`: 32 bytes written as 64 hexadecimal digits or
 * as base64 / base64url (`openssl rand -base64 32`).
 *
 * @throws TandemError `TANDEM_CONFIG_INVALID` naming the variable.
 */
export function parseSecretKey(text: string, name = 'TANDEM_SECRET_KEY'): Buffer {
  const trimmed = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) key = Buffer.from(trimmed, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) key = Buffer.from(trimmed, 'base64');
  if (!key || key.length !== SECRET_KEY_BYTES) {
    throw new TandemError(
      'TANDEM_CONFIG_INVALID',
      `${name} must be ${SECRET_KEY_BYTES} random bytes, as 64 hex digits or base64 (e.g. "openssl rand -base64 32").`,
    );
  }
  return key;
}

/** A new random key, written as `TANDEM_SECRET_KEY` expects it (base64). */
export function generateSecretKey(): string {
  return randomBytes(SECRET_KEY_BYTES).toString('base64');
}

/**
 * The embedded default's key: read from `path`, or generated there (mode
 * 0600) on first start, so `npm start` needs no setting and keeps its sealed
 * data readable from one run to the next.
 */
export function loadOrCreateKeyFile(path: string): Buffer {
  try {
    return parseSecretKey(readFileSync(path, 'utf8'), path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dirname(path), { recursive: true });
  const text = generateSecretKey();
  // `wx`: two processes starting at once must not overwrite each other's key.
  try {
    writeFileSync(path, `${text}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return parseSecretKey(readFileSync(path, 'utf8'), path);
  }
  return parseSecretKey(text, path);
}
