import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { createPlatform } from './platform.js';
import { createTestClient } from './testing/client.js';
import { startTestPlatform } from './testing/platform.js';
import {
  createKeyring,
  generateSecretKey,
  isSealed,
  loadOrCreateKeyFile,
  parseSecretKey,
} from './keyring.js';

const keyring = () => createKeyring(parseSecretKey(generateSecretKey()));

describe('keyring', () => {
  it('opens what it sealed, for any text, and never shows the text', () => {
    const ring = keyring();
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string(), (text, context) => {
        const sealed = ring.seal(text, context);
        expect(isSealed(sealed)).toBe(true);
        if (text.length > 3) expect(sealed).not.toContain(text);
        expect(ring.open(sealed, context)).toBe(text);
      }),
    );
  });

  it('seals the same text differently each time', () => {
    const ring = keyring();
    expect(ring.seal('whsec_abc', 'x')).not.toBe(ring.seal('whsec_abc', 'x'));
  });

  it('refuses a value opened under another context, another key, or tampered with', () => {
    const ring = keyring();
    const sealed = ring.seal('the secret', 'webhook:whe_1');
    expect(() => ring.open(sealed, 'webhook:whe_2')).toThrow();
    expect(() => keyring().open(sealed, 'webhook:whe_1')).toThrow();
    const bytes = Buffer.from(sealed.slice(4), 'base64url');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
    expect(() => ring.open(`tk1.${bytes.toString('base64url')}`, 'webhook:whe_1')).toThrow();
    expect(() => ring.open('plain text', 'webhook:whe_1')).toThrow();
  });

  it('gives stable fingerprints that depend on the key and the purpose', () => {
    const key = parseSecretKey(generateSecretKey());
    const a = createKeyring(key);
    const b = createKeyring(Buffer.from(key));
    expect(a.fingerprint('identity', 'jane@example.org')).toBe(
      b.fingerprint('identity', 'jane@example.org'),
    );
    expect(a.fingerprint('identity', 'jane@example.org')).toMatch(/^[0-9a-f]{64}$/);
    expect(a.fingerprint('identity', 'jane@example.org')).not.toBe(
      a.fingerprint('other', 'jane@example.org'),
    );
    expect(a.fingerprint('identity', 'jane@example.org')).not.toBe(
      keyring().fingerprint('identity', 'jane@example.org'),
    );
  });

  it('reads a key as hex or base64, and names the variable when it is not 32 bytes', () => {
    const hex = 'ab'.repeat(32);
    expect(parseSecretKey(hex)).toEqual(Buffer.from(hex, 'hex'));
    const b64 = Buffer.alloc(32, 7).toString('base64');
    expect(parseSecretKey(b64)).toEqual(Buffer.alloc(32, 7));
    expect(() => parseSecretKey('too-short')).toThrow(/TANDEM_SECRET_KEY/);
    expect(() => loadConfig({ TANDEM_SECRET_KEY: 'abc' })).toThrow(/TANDEM_SECRET_KEY/);
    expect(loadConfig({ TANDEM_SECRET_KEY: hex }).secretKey).toEqual(Buffer.from(hex, 'hex'));
  });

  it('generates the embedded default key once, private to its owner, and reads it back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tandem-key-'));
    try {
      const path = join(dir, 'nested', 'secret.key');
      const first = loadOrCreateKeyFile(path);
      expect(first).toHaveLength(32);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect(loadOrCreateKeyFile(path)).toEqual(first);
      expect(parseSecretKey(await readFile(path, 'utf8'))).toEqual(first);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops start-up with a sentence when DATABASE_URL is set without a key', async () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    await expect(createPlatform({ config })).rejects.toThrow(/TANDEM_SECRET_KEY is required/);
  });

  it('refuses to start on a database written with another key, and starts with the right one', async () => {
    const platform = await startTestPlatform();
    try {
      await createTestClient(platform.app).signIn(`keyed-${Date.now()}@example.org`);
      const start = (key: string) =>
        createPlatform({
          config: loadConfig({
            DATABASE_URL: platform.config.databaseUrl,
            TANDEM_SECRET_KEY: key,
            TANDEM_DEV_MAILBOX: '1',
          }),
          runJobs: false,
        });
      await expect(start(generateSecretKey())).rejects.toThrow(/not the key this database/);
      const same = await start((platform.config.secretKey as Buffer).toString('base64'));
      await same.close();
    } finally {
      await platform.stop();
    }
  });
});
