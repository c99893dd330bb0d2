import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plugins } from '../src/tandem.config.js';
import {
  createTestClient,
  openChallenge,
  startTestPlatform,
  unique,
  type TestClient,
  type TestPlatform,
} from '@tandem/core/testing';
import { keysCommand, verifyCommand } from '../src/proof.js';
import { repoRoot, testSecretKey } from './process.js';

/**
 * `tandem verify` and `tandem keys`, run as the real command (from its
 * sources) against a platform on a real database: an attestation fetched
 * from the API verifies, a tampered copy does not, and after
 * `tandem keys rotate` the old attestation still verifies (ADR 0034).
 */

let platform: TestPlatform;
let client: TestClient;
let admin: { token: string };
let dir: string;
let baseUrl: string;

beforeAll(async () => {
  // The command shares the database (its plugins' tables too), so it must
  // share the master key.
  platform = await startTestPlatform({ plugins, env: { TANDEM_SECRET_KEY: testSecretKey } });
  client = createTestClient(platform.app);
  admin = { token: platform.adminToken };
  baseUrl = await platform.app.listen({ port: 0, host: '127.0.0.1' });
  dir = await mkdtemp(join(tmpdir(), 'tandem-proof-'));
});
afterAll(async () => {
  await platform?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs `tandem <args>` from its sources; resolves with its exit code and output. */
function tandem(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const { TANDEM_PUBLIC_URL: _ignored, ...inherited } = process.env;
    const child = spawn(
      process.execPath,
      ['--conditions=tandem-source', '--import', 'tsx', 'apps/server/src/cli.ts', ...args],
      {
        cwd: repoRoot,
        env: {
          ...inherited,
          TANDEM_LOG_LEVEL: 'silent',
          TANDEM_SECRET_KEY: testSecretKey,
          DATABASE_URL: platform.config.databaseUrl as string,
          ...env,
        },
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

async function campaignAttestation(): Promise<{ campaignId: string; body: { jws: string } }> {
  const slug = unique('cli');
  await client.post('/api/organizations', { slug, name: 'Cli Co', kind: 'company' }, admin);
  const campaignId = (
    await client.post(`/api/organizations/${slug}/campaigns`, { title: 'Défi CLI' }, admin)
  ).body.id as string;
  const { challengeId } = await openChallenge(
    client,
    admin.token,
    { title: 'Promesses', actionType: 'pledge-only', goal: { participants: 2 } },
    { campaignId, open: true },
  );
  await client.pledgeAndConfirm(challengeId, `p-${unique()}@example.org`);
  await platform.settle();
  const answer = await client.get(`/api/campaigns/${campaignId}/attestation`, admin);
  expect(answer.status).toBe(200);
  return { campaignId, body: answer.body };
}

/** Writes `content` to a file of the test folder; returns its path. */
async function file(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

const jwksUrl = () => `${baseUrl}/.well-known/jwks.json`;

describe('tandem verify', () => {
  it('exits 0 on an attestation from the API, 1 on a tampered copy', async () => {
    const { campaignId, body } = await campaignAttestation();
    const saved = await file('attestation.json', JSON.stringify(body));
    const jwks = await file(
      'jwks.json',
      JSON.stringify((await client.get('/.well-known/jwks.json')).body),
    );

    // The bare compact JWS, and a key set fetched by URL, do as well.
    const bare = await file('attestation.jws', `${body.jws}\n`);
    // One more participant claimed in the payload, the signature kept.
    const [header, payload, signature] = body.jws.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    claims.totals.participants += 1;
    const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    const forgedFile = await file('tampered.json', JSON.stringify({ jws: forged }));

    const [byFile, byUrl, tampered] = await Promise.all([
      tandem(['verify', saved, '--jwks', jwks]),
      tandem(['verify', bare, `--jwks=${jwksUrl()}`]),
      tandem(['verify', forgedFile, '--jwks', jwks]),
    ]);
    expect(byFile.code, byFile.out + byFile.err).toBe(0);
    expect(byFile.out).toContain('Valid attestation');
    expect(byFile.out).toContain(campaignId);
    expect(byFile.out).toContain('Défi CLI');
    expect(byFile.out).toContain('Promesses (open): 1 participants');
    expect(byUrl.code, byUrl.out + byUrl.err).toBe(0);
    expect(tampered.code).toBe(1);
    expect(tampered.err).toContain('Not verified: The signature does not match');
    expect(tampered.out).toBe('');
  }, 180_000);

  it('exits 1 on a malformed file, an unknown key, a missing key set', async () => {
    const { body } = await campaignAttestation();
    const saved = await file('good.json', JSON.stringify(body));
    const malformedFile = await file('malformed.txt', 'hello.world');
    const emptyKeySet = await file('empty-jwks.json', JSON.stringify({ keys: [] }));
    // The command's own function, in this process: each spawn of the
    // command costs seconds, and the exit codes are checked by spawns above.
    const [malformed, unknownKey, missingFile, noKeys, byPublicUrl, usage] = await Promise.all([
      verifyCommand([malformedFile, '--jwks', jwksUrl()], undefined),
      verifyCommand([saved, '--jwks', emptyKeySet], undefined),
      verifyCommand([join(dir, 'nope.json'), '--jwks', jwksUrl()], undefined),
      // The key set is never taken from the attestation: without --jwks and
      // TANDEM_PUBLIC_URL there is nothing to verify against.
      verifyCommand([saved], undefined),
      // TANDEM_PUBLIC_URL names where the keys are.
      verifyCommand([saved], baseUrl),
      verifyCommand([], undefined),
    ]);
    expect(malformed.code).toBe(1);
    expect(malformed.err.join('\n')).toContain('does not hold a compact JWS');
    expect(unknownKey.code).toBe(1);
    expect(unknownKey.err.join('\n')).toContain(
      "No key of the key set matches the attestation's key id",
    );
    expect(missingFile.code).toBe(1);
    expect(missingFile.err.join('\n')).toContain('ENOENT');
    expect(noKeys.code).toBe(1);
    expect(noKeys.err.join('\n')).toContain('No key set to verify against');
    expect(byPublicUrl.code, byPublicUrl.err.join('\n')).toBe(0);
    expect(usage.code).toBe(2);
    expect(usage.err.join('\n')).toContain('Usage: tandem verify <file>');
  });
});

describe('tandem keys', () => {
  it('rotate makes a new active key; the old attestation still verifies', async () => {
    const { campaignId, body: before } = await campaignAttestation();
    const oldKid = JSON.parse(
      Buffer.from(before.jws.split('.')[0] as string, 'base64url').toString(),
    ).kid as string;

    const rotated = await tandem(['keys', 'rotate']);
    expect(rotated.code, rotated.out + rotated.err).toBe(0);
    const newKid = /New signing key (\S+) is active/.exec(rotated.out)?.[1];
    expect(newKid).toBeDefined();
    expect(newKid).not.toBe(oldKid);

    // The operator's own key, from a JWK file (in this process: the spawns above cover the command).
    const own = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
    const imported = await keysCommand(platform, 'rotate', [
      '--key',
      await file('own-key.json', JSON.stringify(own)),
    ]);
    expect(imported.code, imported.err.join('\n')).toBe(0);
    const ownKid = /New signing key (\S+) is active/.exec(imported.out.join('\n'))?.[1];
    const publicOnly = await keysCommand(platform, 'rotate', [
      '--key',
      await file('public-key.json', JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: own.x })),
    ]);
    expect(publicOnly.code).toBe(1);
    expect(publicOnly.err.join('\n')).toContain('private half');
    expect((await keysCommand(platform, 'rotate', ['--key'])).code).toBe(2);

    const listed = await tandem(['keys', 'list']);
    const usage = await keysCommand(platform, 'burn');
    expect(usage.code).toBe(2);
    expect(usage.err.join('\n')).toContain('Usage: tandem keys <rotate|list>');
    expect(listed.code, listed.out + listed.err).toBe(0);
    const lines = listed.out.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${ownKid}\\s+active`));
    expect(listed.out).toMatch(new RegExp(`${newKid}\\s+retired`));
    expect(listed.out).toMatch(new RegExp(`${oldKid}\\s+retired`));

    // The API process signs with the new key at once: it reads which key is active.
    const after = (await client.get(`/api/campaigns/${campaignId}/attestation`, admin)).body;
    const afterKid = JSON.parse(Buffer.from(after.jws.split('.')[0], 'base64url').toString()).kid;
    expect(afterKid).toBe(ownKid);
    const keys = (await client.get('/.well-known/jwks.json')).body.keys.map(
      (key: { kid: string }) => key.kid,
    );
    expect(keys).toEqual(expect.arrayContaining([oldKid, newKid, ownKid]));

    const beforeRun = await tandem([
      'verify',
      await file('before.json', JSON.stringify(before)),
      '--jwks',
      jwksUrl(),
    ]);
    expect(beforeRun.code, beforeRun.out + beforeRun.err).toBe(0);
    expect(beforeRun.out).toContain(`signed with key ${oldKid}`);
    const afterRun = await verifyCommand(
      [await file('after.json', JSON.stringify(after)), '--jwks', jwksUrl()],
      undefined,
    );
    expect(afterRun.code, afterRun.err.join('\n')).toBe(0);
    expect(afterRun.out.join('\n')).toContain(`signed with key ${ownKid}`);
  }, 180_000);
});
