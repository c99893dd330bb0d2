/**
 * Factor versions kept with contributions (ADR 0045): the rows of
 * `emission_factor`, written the first time a contribution cites a version
 * and never changed, and read back for reports.
 */
import type { FactorVersion } from '../sdk/action-type.js';
import type { Sql } from './unit-of-work.js';

/**
 * Ids of factor rows this process has seen committed, per database: for
 * them the insert is skipped. An id the current transaction itself inserted
 * is not remembered (that transaction may yet roll back).
 */
const committed = new WeakMap<object, Set<string>>();

/**
 * Makes sure a row exists for each factor version a contribution cites,
 * inside the contribution's transaction, and returns their ids in the
 * order given. Rows are keyed by their fingerprint id, so two processes
 * writing the same version at once write one row; an existing row is never
 * touched (`do nothing` takes no lock on it, so the path stays free of
 * hot rows).
 *
 * @param scope - the database the transaction belongs to (the cache's key)
 */
export async function keepFactorVersions(
  tx: Sql,
  scope: object,
  factors: readonly FactorVersion[],
): Promise<string[]> {
  const ids = factors.map((f) => f.id);
  let known = committed.get(scope);
  if (!known) {
    known = new Set();
    committed.set(scope, known);
  }
  const missing = factors.filter((f) => !known.has(f.id));
  if (missing.length === 0) return ids;
  const params: unknown[] = [];
  const values = missing.map((f) => {
    params.push(
      f.id,
      f.actionType,
      f.key,
      f.label,
      f.value,
      f.unit,
      f.source,
      f.datasetId,
      f.versionDate,
      f.note ?? null,
    );
    return '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
  });
  const inserted = await tx.query<{ id: string }>(
    `insert into emission_factor (id, action_type, key, label, value, unit, source, dataset_id, version_date, note)
     values ${values.join(', ')}
     on conflict (id) do nothing
     returning id`,
    params,
  );
  const ours = new Set(inserted.map((row) => row.id));
  for (const f of missing) if (!ours.has(f.id)) known.add(f.id);
  return ids;
}

/**
 * Factor ids as a PostgreSQL array literal, for a `?::text[]` parameter (the
 * driver would spread a JavaScript array into a list). The ids are
 * fingerprints (`fct_` and hex), so nothing in them needs quoting.
 */
export function factorIdsLiteral(ids: readonly string[]): string {
  for (const id of ids) {
    if (!/^fct_[0-9a-f]{32}$/.test(id)) throw new Error(`not a factor id: ${id}`);
  }
  return `{${ids.join(',')}}`;
}

/** One factor version as a report lists it, with how many contributions rest on it. */
export interface UsedFactor {
  id: string;
  actionType: string;
  key: string;
  label: string;
  value: number;
  unit: string;
  source: string;
  datasetId: string;
  versionDate: string;
  note: string | null;
  /** Contributions of the report's challenges computed with this version. */
  contributions: number;
}

/**
 * The factor versions the contributions of these challenges were computed
 * with, whatever the plugins declare today: by action type, key, then
 * version date.
 */
export async function usedFactors(db: Sql, challengeIds: readonly string[]): Promise<UsedFactor[]> {
  if (challengeIds.length === 0) return [];
  const rows = await db.query<{
    id: string;
    action_type: string;
    key: string;
    label: string;
    value: number;
    unit: string;
    source: string;
    dataset_id: string;
    version_date: string;
    note: string | null;
    contributions: number;
  }>(
    `select f.id, f.action_type, f.key, f.label, f.value, f.unit, f.source, f.dataset_id,
            f.version_date, f.note, u.contributions
       from (select fid, count(*)::int as contributions
               from contribution c, unnest(c.factor_ids) as fid
              where c.challenge_id in (?)
              group by fid) u
       join emission_factor f on f.id = u.fid
      order by f.action_type, f.key, f.version_date, f.id`,
    [challengeIds],
  );
  return rows.map((r) => ({
    id: r.id,
    actionType: r.action_type,
    key: r.key,
    label: r.label,
    value: Number(r.value),
    unit: r.unit,
    source: r.source,
    datasetId: r.dataset_id,
    versionDate: r.version_date,
    note: r.note,
    contributions: r.contributions,
  }));
}
