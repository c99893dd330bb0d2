import { MAX_LEVEL, parseCellId, type CellRange } from '../domain/grid.js';
import type { Sql } from './unit-of-work.js';

/** Where a confirmed pledge shows: its finest map cell and its commune, either may be unknown. */
export interface MapPresence {
  mapCell: string | null;
  communeCode: string | null;
}

/**
 * Adds (`delta` 1) or removes (-1) one person to the map of a challenge,
 * in the caller's transaction: their cell at every level of the grid and
 * their commune. One statement, whatever it touches: the levels are one
 * multi-row upsert, the commune a second one beside it.
 */
export async function applyMapPresence(
  tx: Sql,
  challengeId: string,
  presence: MapPresence,
  delta: 1 | -1,
): Promise<void> {
  const cell = presence.mapCell === null ? null : parseCellId(presence.mapCell);
  if (presence.mapCell !== null && (!cell || cell.level !== 0)) {
    throw new Error(`a pledge holds a map cell that is no finest cell: ${presence.mapCell}`);
  }
  const parts: string[] = [];
  const params: unknown[] = [];
  if (cell) {
    parts.push(`cells as (
      insert into challenge_map_cell (challenge_id, level, x, y, people)
      select ?, l, ?::int >> l, ?::int >> l, ?::int from generate_series(0, ${MAX_LEVEL}) as l
      on conflict (challenge_id, level, x, y)
        do update set people = challenge_map_cell.people + excluded.people
      returning 1)`);
    params.push(challengeId, cell.x, cell.y, delta);
  }
  if (presence.communeCode !== null) {
    parts.push(`place as (
      insert into challenge_place (challenge_id, commune_code, people) values (?, ?, ?::int)
      on conflict (challenge_id, commune_code)
        do update set people = challenge_place.people + excluded.people
      returning 1)`);
    params.push(challengeId, presence.communeCode, delta);
  }
  if (parts.length === 0) return;
  await tx.query(`with ${parts.join(', ')} select 1`, params);
}

/** Up to this many columns, the map's query looks each column up on its own. */
const COLUMNS_ONE_BY_ONE = 512;

/** Who may see a challenge, read beside its map. */
export interface ChallengeAccessRow {
  organizationId: string;
  status: string;
  audience: { type: string } & Record<string, unknown>;
}

/** A cell of the map as stored: its column, row and true count. */
export interface StoredCell {
  x: number;
  y: number;
  people: number;
}

/**
 * A challenge's cells at one level within `range` holding at least
 * `minCount` people (at most `limit`), and who may see the challenge —
 * one statement on the primary key's index. Null when there is no such
 * challenge.
 */
export async function readMapCells(
  sql: Sql,
  challengeId: string,
  range: CellRange,
  minCount: number,
  limit: number,
): Promise<{ access: ChallengeAccessRow; cells: StoredCell[] } | null> {
  const where = ['m.challenge_id = c.id', 'm.level = ?', 'm.people >= ?'];
  const params: unknown[] = [range.level, minCount];
  if (range.x && range.x[1] - range.x[0] < COLUMNS_ONE_BY_ONE) {
    // One descent of the index per column, each bounded by the rows too:
    // a range on `x` alone would read every row of those columns, across
    // the whole country (20 times slower for a city at street zoom).
    where.push('m.x = any(array(select generate_series(?::int, ?::int)))');
    params.push(...range.x);
  } else if (range.x) {
    where.push('m.x between ? and ?');
    params.push(...range.x);
  }
  if (range.y) {
    where.push('m.y between ? and ?');
    params.push(...range.y);
  }
  const [row] = await sql.query<{
    organization_id: string;
    status: string;
    audience: ChallengeAccessRow['audience'];
    cells: [number, number, number][];
  }>(
    `select c.organization_id, c.status, k.audience,
            coalesce((select json_agg(json_build_array(m.x, m.y, m.people))
                        from (select m.x, m.y, m.people from challenge_map_cell m
                               where ${where.join(' and ')} limit ?) m), '[]'::json) as cells
       from challenge c join campaign k on k.id = c.campaign_id
      where c.id = ?`,
    [...params, limit, challengeId],
  );
  if (!row) return null;
  return {
    access: { organizationId: row.organization_id, status: row.status, audience: row.audience },
    cells: row.cells.map(([x, y, people]) => ({ x, y, people })),
  };
}

/**
 * A challenge's communes holding at least `minCount` people, biggest first,
 * and who may see the challenge — one statement. With `communeCode`, that
 * commune alone, whatever its count (the caller hides it under k).
 */
export async function readPlaces(
  sql: Sql,
  challengeId: string,
  minCount: number,
  communeCode?: string,
): Promise<{ access: ChallengeAccessRow; places: { code: string; people: number }[] } | null> {
  const filter = communeCode === undefined ? 'p.people >= ?' : 'p.commune_code = ?';
  const [row] = await sql.query<{
    organization_id: string;
    status: string;
    audience: ChallengeAccessRow['audience'];
    places: [string, number][];
  }>(
    `select c.organization_id, c.status, k.audience,
            coalesce((select json_agg(json_build_array(p.commune_code, p.people)
                                      order by p.people desc, p.commune_code)
                        from challenge_place p
                       where p.challenge_id = c.id and ${filter}), '[]'::json) as places
       from challenge c join campaign k on k.id = c.campaign_id
      where c.id = ?`,
    [communeCode ?? minCount, challengeId],
  );
  if (!row) return null;
  return {
    access: { organizationId: row.organization_id, status: row.status, audience: row.audience },
    places: row.places.map(([code, people]) => ({ code, people })),
  };
}

/** An event of a challenge's feed, with what its pledge lets show of the person now. */
export interface FeedRow {
  type: string;
  createdAt: Date;
  tierId: string | null;
  quantity: number | null;
  name: string | null;
  communeCode: string | null;
}

/**
 * A challenge's newest pledges, contributions, milestones and unlocks,
 * newest first, with who may see the challenge — one statement over the
 * outbox's `(challenge_id, seq)` index.
 *
 * Each event is joined at read time to the pledge it concerns (by id for a
 * pledge, by person for a contribution), so what the person chose holds at
 * once: a withdrawn pledge's event goes; an erased pledge has no name nor
 * commune left; `show_as = 'anonymous'` keeps the name out. A deleted
 * contribution goes, and an edited one shows its quantity as it is now; an
 * invalidated pledge or contribution (ADR 0039) goes as a withdrawn one does.
 */
export async function readFeed(
  sql: Sql,
  challengeId: string,
  limit: number,
  minCount: number,
): Promise<{ access: ChallengeAccessRow; actionType: string; items: FeedRow[] } | null> {
  const [row] = await sql.query<{
    organization_id: string;
    action_type: string;
    status: string;
    audience: ChallengeAccessRow['audience'];
    items: {
      type: string;
      at: string;
      tier: string | null;
      quantity: string | number | null;
      name: string | null;
      commune: string | null;
    }[];
  }>(
    `select c.organization_id, c.status, c.action_type, k.audience,
            coalesce((
              select json_agg(f order by f.seq desc) from (
                select e.seq, e.type, e.created_at as at, e.payload ->> 'tierId' as tier,
                       k2.quantity,
                       case when p.show_as = 'name' and p.erased_at is null
                            then coalesce(p.display_name, who.display_name) end as name,
                       case when p.erased_at is null
                             and (p.show_as = 'name' or place.people >= ?)
                            then p.commune_code end as commune
                  from outbox_event e
                  left join pledge p
                    on (e.type = 'pledge.confirmed' and p.id = e.payload ->> 'pledgeId')
                    or (e.type = 'contribution.recorded' and p.challenge_id = e.challenge_id
                        and p.participant_id = e.payload ->> 'participantId')
                  left join participant who on who.id = p.participant_id
                  left join challenge_place place
                    on place.challenge_id = c.id and place.commune_code = p.commune_code
                  left join contribution k2
                    on e.type = 'contribution.recorded' and k2.id = e.payload ->> 'contributionId'
                 where e.challenge_id = c.id
                   and e.type in ('pledge.confirmed', 'contribution.recorded',
                                  'challenge.milestone', 'challenge.unlocked')
                   and (e.type <> 'pledge.confirmed'
                        or (p.status = 'confirmed' and p.invalidation_id is null))
                   and (e.type <> 'contribution.recorded'
                        or (k2.id is not null and k2.invalidation_id is null))
                 order by e.seq desc
                 limit ?) f), '[]'::json) as items
       from challenge c join campaign k on k.id = c.campaign_id
      where c.id = ?`,
    [minCount, limit, challengeId],
  );
  if (!row) return null;
  return {
    access: { organizationId: row.organization_id, status: row.status, audience: row.audience },
    actionType: row.action_type,
    items: row.items.map((item) => ({
      type: item.type,
      createdAt: new Date(item.at),
      tierId: item.tier,
      quantity: item.quantity === null ? null : Number(item.quantity),
      name: item.name,
      communeCode: item.commune,
    })),
  };
}
