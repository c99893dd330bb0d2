import { MikroORM } from '@mikro-orm/postgresql';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { MigrationObject } from '@mikro-orm/core';
import { Migration, Migrator } from '@mikro-orm/migrations';
import { entities } from './entities.js';
import { migrationsList } from './migrations/index.js';
import { unitOfWork, type Sql, type TransactionRunner, type Tx } from './unit-of-work.js';

export type { Sql, Tx } from './unit-of-work.js';

/**
 * Tandem's handle on PostgreSQL: MikroORM for entities and migrations, and a
 * thin `Sql` for the hot paths where the unit of work costs more than it
 * gives (DESIGN.md, "Fast by design").
 */
export interface Database extends Sql, TransactionRunner {
  readonly orm: MikroORM;
  /** A fresh entity manager for one unit of work. */
  em(): EntityManager;
  /**
   * Adds a listener called after each commit of a unit of work that
   * appended outbox events (the relay's kick); returns its removal.
   */
  onEventsCommitted(listener: () => void): () => void;
  /** Applies pending migrations; returns the names applied. */
  migrate(): Promise<string[]>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url: string;
  /** Plugins' migrations, applied after core's (see `pluginMigrations`). */
  extraMigrations?: readonly MigrationObject[];
  /** Connections in the pool; default 10. */
  poolSize?: number;
  debug?: boolean;
  /** Called with each statement sent, `begin` and `commit` included (benchmarks count them). */
  onStatement?: (statement: string) => void;
}

/** Opens a pool on `url` (nothing is migrated; call `migrate()`). */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const orm = await MikroORM.init({
    clientUrl: options.url,
    entities,
    extensions: [Migrator],
    discovery: { warnWhenNoEntities: false },
    debug: options.onStatement ? ['query'] : (options.debug ?? false),
    ...(options.onStatement
      ? { colors: false, logger: (message: string) => options.onStatement?.(message) }
      : {}),
    pool: { min: 0, max: options.poolSize ?? 10 },
    migrations: {
      tableName: 'tandem_migrations',
      migrationsList: [...migrationsList, ...(options.extraMigrations ?? [])],
      transactional: true,
      allOrNothing: true,
      silent: true,
    },
    allowGlobalContext: false,
  });
  const root = orm.em;

  const run = async <T>(em: EntityManager, sql: string, params: readonly unknown[] = []) =>
    (await em.execute<T[]>(sql, [...params], 'all')) as T[];

  const listeners = new Set<() => void>();
  const announce = () => {
    for (const listener of listeners) listener();
  };

  return {
    orm,
    em: () => root.fork(),
    query: (sql, params) => run(root.fork(), sql, params),
    async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      let work: ReturnType<typeof unitOfWork> | undefined;
      const result = await root.fork().transactional((em) => {
        work = unitOfWork(em, (sql, params) => run(em, sql, params));
        return fn(work.tx);
      });
      work?.committed(announce);
      return result;
    },
    onEventsCommitted(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async migrate() {
      const applied = await orm.getMigrator().up();
      return applied.map((m) => m.name);
    },
    close: () => orm.close(true),
  };
}

/**
 * Turns plugins' SQL migrations into MikroORM migrations, named
 * `<pluginId>__<name>` so that two plugins never collide.
 */
export function pluginMigrations(
  plugins: readonly {
    id: string;
    migrations: readonly { name: string; up: string; down?: string }[];
  }[],
): MigrationObject[] {
  return plugins.flatMap((plugin) =>
    plugin.migrations.map((migration) => {
      class PluginMigration extends Migration {
        override up(): void {
          this.addSql(migration.up);
        }
        override down(): void {
          if (migration.down) this.addSql(migration.down);
        }
      }
      return { name: `${plugin.id}__${migration.name}`, class: PluginMigration };
    }),
  );
}
