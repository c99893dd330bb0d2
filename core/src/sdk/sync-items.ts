/**
 * Offline sync items: a device that recorded things without a network
 * sends them in one request, each under a key it generated when it recorded
 * it. The answer may be lost (the device goes back out of coverage), so it
 * sends the same items again, perhaps with new ones; each key's first result
 * is kept and handed back, and nothing is recorded twice.
 *
 * Core's `Idempotency-Key` covers a whole request and its replays expire; a
 * sync needs one key per item, kept for good, because a tablet may stay
 * offline over a long weekend. This is the machinery every plugin that
 * takes such syncs shares (ADR 0041): what identifies an item's body, the
 * claim a sync takes on a key before it records it, the result kept with
 * the key, and a few items processed side by side. Each plugin keeps the
 * rows in a table of its own, named when it calls `syncItems`, so that its
 * personal-data hooks and migrations stay its own.
 *
 * The table needs these columns (more are allowed, given on claim):
 *
 * ```sql
 * scope text not null, key text not null, fingerprint text not null,
 * result jsonb, claimed_at timestamptz not null default now(),
 * completed_at timestamptz, primary key (scope, key)
 * ```
 *
 * and, for a plugin that reserves something before it records (a code it
 * hands out), a nullable text column named by `reservedColumn`.
 */
import { createHash } from 'node:crypto';
import type { TablesCapability } from './capabilities.js';
import { TandemError, type ErrorDetail } from './errors.js';
import type { Sql, Viewer } from './people.js';

/**
 * JSON with object keys sorted at every depth and undefined fields left
 * out, so that a device that serialises the same body in another key order
 * is not taken to send another body.
 *
 * @example canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }) // '{"a":[{"c":3,"d":2}],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * What identifies an item's body under a target (a challenge id): the same
 * body in any key order gives the same fingerprint, another target another.
 */
export function syncFingerprint(target: string, body: unknown): string {
  return createHash('sha256')
    .update(`${target}\n${canonicalJson(body)}`)
    .digest('hex');
}

/**
 * Whose keys these are: the agent, not their session. A tablet whose
 * session expired signs in again and retries; its keys must still match.
 */
export function syncScope(viewer: Viewer): string {
  return viewer.kind === 'participant' ? viewer.participantId : viewer.kind;
}

/** An item that failed, as kept with its key and handed back. */
export interface SyncItemError {
  status: 'error';
  /** A catalogue code, e.g. `TANDEM_IDEMPOTENCY_MISMATCH`. */
  error: string;
  message: string;
  details?: ErrorDetail[];
}

/** One item's outcome, in the order the items came. */
export interface SyncItemOutcome<R> {
  key: string;
  /** What the plugin's `record` returned, or the item's error. */
  result: R | SyncItemError;
  /** True when this result was kept from an earlier sync of the same key. */
  replayed: boolean;
}

/** What `record` is given besides the item's body. */
export interface SyncItemClaim {
  /**
   * Where to write. With `inTransaction`, the transaction the item's result
   * is stored in: what `record` writes through it and the result commit
   * together, so a crash leaves neither.
   */
  sql: Sql;
  /** What an earlier attempt at this key reserved (`reservedColumn`), if any. */
  reserved: string | null;
  /** Keeps `value` with the key before recording, so a retry after a crash reuses it. */
  reserve(value: string): Promise<void>;
}

/** How to sync a batch of items. */
export interface SyncItemsOptions<B, R extends object> {
  /** The plugin's tables. */
  tables: TablesCapability;
  /** The plugin's table of sync items (a plain SQL identifier). */
  table: string;
  /** Whose keys: `syncScope(viewer)`. */
  scope: string;
  /** What the items are recorded against (a challenge id): part of each fingerprint. */
  target: string;
  items: readonly { key: string; body: B }[];
  /** Columns written with a new claim besides the required ones, e.g. `{ challenge_id: id }`. */
  claimColumns?: Readonly<Record<string, string | number | null>>;
  /** A nullable text column for `SyncItemClaim.reserve`. */
  reservedColumn?: string;
  /** Runs `record` and stores its result in one transaction. */
  inTransaction?: boolean;
  /**
   * Records one item. A `TandemError` with a 4xx status is the client's
   * mistake: kept as the item's result, so a replay gets the same error.
   * Anything else releases the key for the next sync.
   */
  record(body: B, claim: SyncItemClaim): Promise<R>;
  /** Says what a reused key was first used for, e.g. "another enrolment". */
  mismatchMessage?: string;
  log: { error(details: object, message: string): void };
}

/** A claim older than this with no result is taken to be from a process that died. */
export const STALE_CLAIM_SECONDS = 120;

/** Items recorded side by side: enough to hide round trips, few enough to leave the pool to others. */
export const SYNC_CONCURRENCY = 4;

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

function identifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`syncItems: "${name}" is not a plain SQL identifier`);
  return name;
}

const errorOf = (code: string, message: string, details?: ErrorDetail[]): SyncItemError => ({
  status: 'error',
  error: code,
  message,
  ...(details ? { details } : {}),
});

const isClientError = (error: unknown): error is TandemError =>
  error instanceof TandemError && error.status < 500;

/**
 * Processes a sync's items, a few at a time, and returns one outcome per
 * item in their order. An item that fails gets its error in its outcome;
 * the others go on. Two syncs of the same keys at once record each once:
 * the first claims the key, the other answers `TANDEM_IDEMPOTENCY_IN_PROGRESS`
 * for it until the first has its result.
 */
export async function syncItems<B, R extends object>(
  options: SyncItemsOptions<B, R>,
): Promise<SyncItemOutcome<R>[]> {
  const table = identifier(options.table);
  const reservedColumn =
    options.reservedColumn === undefined ? null : identifier(options.reservedColumn);
  const extra = Object.entries(options.claimColumns ?? {}).map(
    ([name, value]) => [identifier(name), value] as const,
  );
  const { tables, scope, items } = options;
  const outcomes = new Array<SyncItemOutcome<R>>(items.length);

  const runOne = async (key: string, body: B): Promise<SyncItemOutcome<R>> => {
    try {
      return { key, ...(await syncOne(key, body)) };
    } catch (error) {
      // Not the client's mistake: the key is released for the next sync.
      options.log.error({ err: error, key }, `${table}: a sync item failed`);
      await tables.query(`delete from ${table} where scope = ? and key = ? and result is null`, [
        scope,
        key,
      ]);
      const failure =
        error instanceof TandemError && error.status >= 500
          ? errorOf(error.code, error.message)
          : errorOf('TANDEM_INTERNAL', 'Something went wrong on our side; sync this item again.');
      return { key, result: failure, replayed: false };
    }
  };

  const syncOne = async (
    key: string,
    body: B,
  ): Promise<{ result: R | SyncItemError; replayed: boolean }> => {
    const fingerprint = syncFingerprint(options.target, body);
    const columns = ['scope', 'key', 'fingerprint', ...extra.map(([name]) => name)];
    const returning = reservedColumn ?? 'null';
    const claimed = await tables.query<{ reserved: string | null }>(
      `insert into ${table} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})
       on conflict (scope, key) do nothing returning ${returning} as reserved`,
      [scope, key, fingerprint, ...extra.map(([, value]) => value)],
    );
    let reserved: string | null = null;
    if (claimed.length === 0) {
      const [row] = await tables.query<{
        fingerprint: string;
        result: R | SyncItemError | null;
      }>(`select fingerprint, result from ${table} where scope = ? and key = ?`, [scope, key]);
      if (!row) {
        // Released by a failed attempt between our insert and this read.
        return {
          result: errorOf('TANDEM_IDEMPOTENCY_IN_PROGRESS', 'Sync this item again.'),
          replayed: false,
        };
      }
      if (row.fingerprint !== fingerprint) {
        return {
          result: errorOf(
            'TANDEM_IDEMPOTENCY_MISMATCH',
            `The key "${key}" was synced with ${options.mismatchMessage ?? 'another body'}; give each record its own key.`,
          ),
          replayed: false,
        };
      }
      if (row.result) return { result: row.result, replayed: true };
      // No result yet: either another sync is on it right now, or the
      // process that claimed it died. Only a stale claim is taken over, by one sync.
      const [retaken] = await tables.query<{ reserved: string | null }>(
        `update ${table} set claimed_at = now()
          where scope = ? and key = ? and result is null
            and claimed_at < now() - make_interval(secs => ?)
          returning ${returning} as reserved`,
        [scope, key, STALE_CLAIM_SECONDS],
      );
      if (!retaken) {
        return {
          result: errorOf(
            'TANDEM_IDEMPOTENCY_IN_PROGRESS',
            'Another sync is recording this item; sync it again shortly.',
          ),
          replayed: false,
        };
      }
      reserved = retaken.reserved;
    }

    const store = (sql: Sql, result: R | SyncItemError) =>
      sql.query(
        `update ${table} set result = ?::jsonb, completed_at = now() where scope = ? and key = ?`,
        [JSON.stringify(result), scope, key],
      );
    const claimOn = (sql: Sql): SyncItemClaim => ({
      sql,
      reserved,
      reserve: async (value) => {
        if (reservedColumn === null) throw new Error(`${table}: no reservedColumn to reserve in`);
        reserved = value;
        // Outside the item's transaction on purpose: a reservation must
        // survive a crash, which is what it is for.
        await tables.query(
          `update ${table} set ${reservedColumn} = ? where scope = ? and key = ?`,
          [value, scope, key],
        );
      },
    });

    try {
      const result = options.inTransaction
        ? await tables.transaction(async (tx) => {
            const recorded = await options.record(body, claimOn(tx));
            await store(tx, recorded);
            return recorded;
          })
        : await options.record(body, claimOn(tables)).then(async (recorded) => {
            await store(tables, recorded);
            return recorded;
          });
      return { result, replayed: false };
    } catch (error) {
      // A client's mistake is an answer, kept like any other: the same item
      // synced again gets the same error. Anything else is for the caller.
      if (!isClientError(error)) throw error;
      const failure = errorOf(error.code, error.message, error.details);
      await store(tables, failure);
      return { result: failure, replayed: false };
    }
  };

  // A key may come twice (an item queued twice on the device): the second
  // waits for the first, then finds its result rather than a claim in progress.
  const lastRunOfKey = new Map<string, Promise<unknown>>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      const { key, body } = items[index] as { key: string; body: B };
      const before = lastRunOfKey.get(key);
      const run = (async () => {
        await before;
        outcomes[index] = await runOne(key, body);
      })();
      lastRunOfKey.set(key, run);
      await run;
    }
  };
  await Promise.all(Array.from({ length: Math.min(SYNC_CONCURRENCY, items.length) }, worker));
  return outcomes;
}
