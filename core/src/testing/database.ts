import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../store/embedded.js';

/** The server tests create their databases on: DATABASE_URL, or the local PostgreSQL. */
export const testServerUrl = (): string =>
  process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  /** Drops the database (or stops the embedded server). */
  drop(): Promise<void>;
}

const withDatabase = (url: string, database: string): string => {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
};

/**
 * A fresh, empty database for one test file, so files running in parallel
 * never share one. `embedded` starts Tandem's embedded PostgreSQL in a new
 * temporary folder instead, to run the same suite on it.
 */
export async function createTestDatabase(
  kind: 'external' | 'embedded' = 'external',
): Promise<TestDatabase> {
  if (kind === 'embedded') {
    const dir = await mkdtemp(join(tmpdir(), 'tandem-pg-'));
    const server = await startEmbeddedPostgres({ dataDir: join(dir, 'data'), persistent: false });
    return {
      url: server.url,
      async drop() {
        await server.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `tandem_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: testServerUrl() });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `Tests need PostgreSQL at ${testServerUrl()} (set DATABASE_URL); could not connect: ${String(error)}`,
      { cause: error },
    );
  }
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(testServerUrl(), name),
    async drop() {
      const client = new pg.Client({ connectionString: testServerUrl() });
      await client.connect();
      try {
        await client.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
