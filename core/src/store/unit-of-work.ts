import type { EntityManager } from '@mikro-orm/postgresql';

/** Runs one SQL statement with `?` placeholders and returns its rows. */
export interface Sql {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

/**
 * A unit of work: one open transaction that a use case and everything it
 * calls share. Services take one as an optional last argument and run
 * inside it instead of opening their own, so a caller (a plugin recording a
 * contribution beside its own rows) commits or rolls back the whole at once.
 *
 * Events appended to the outbox inside it are announced when it commits,
 * never before and never when it rolls back: the commit itself wakes the
 * relay (docs/decisions/0021-unit-of-work.md).
 */
export interface Tx extends Sql {
  /** MikroORM's entity manager bound to this transaction. */
  readonly em: EntityManager;
  /** Runs `fn` once this unit of work has committed; never if it rolls back. */
  afterCommit(fn: () => void): void;
  /** Called by `appendEvents`: the commit will announce new outbox events. */
  eventsAppended(): void;
}

/** Whatever opens units of work (the database). */
export interface TransactionRunner {
  /** Runs `fn` in one transaction; it commits when `fn` resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
}

/**
 * Runs `fn` in the caller's unit of work when there is one (`tx`), or in a
 * new transaction of `db` otherwise. The way a service joins its caller.
 */
export function withinUnitOfWork<T>(
  db: TransactionRunner,
  tx: Tx | undefined,
  fn: (tx: Tx) => Promise<T>,
): Promise<T> {
  return tx ? fn(tx) : db.transaction(fn);
}

/**
 * Makes the `Tx` of one transaction and the function to call once it has
 * committed. `announce` is called after the commit when events were
 * appended (the relay's kick); `afterCommit` callbacks follow.
 */
export function unitOfWork(
  em: EntityManager,
  query: Sql['query'],
): { tx: Tx; committed(announce: () => void): void } {
  const callbacks: Array<() => void> = [];
  let events = false;
  const tx: Tx = {
    em,
    query,
    afterCommit: (fn) => {
      callbacks.push(fn);
    },
    eventsAppended: () => {
      events = true;
    },
  };
  return {
    tx,
    committed(announce) {
      if (events) announce();
      for (const fn of callbacks) {
        try {
          fn();
        } catch (error) {
          // The transaction is committed; a listener's failure must not turn it into an error.
          console.error('an after-commit callback failed', error);
        }
      }
    },
  };
}
