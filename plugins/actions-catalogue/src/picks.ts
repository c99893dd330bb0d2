/**
 * How many people picked each action, kept as counters so the catalogue
 * route never scans pledges (DESIGN.md, "Fast by design").
 *
 * The handler does not apply "+1 on confirmed, −1 on withdrawn": events come
 * at least once and in no guaranteed order, and a revived pledge may pick
 * other actions than before. Instead it reconciles. For the pledge an event
 * names, it remembers which actions it currently counts
 * (`actions_catalogue_pledge`), reads what the pledge holds now (its picks
 * if confirmed, nothing otherwise), and moves the counters by the
 * difference. Replaying any event, or handling them out of order, changes
 * nothing more: the counters always end at what the pledges hold.
 *
 * Each counter is split in slots (a pledge always lands in the same one),
 * so that a burst of pledges on the most popular action does not queue on
 * a single row; a read sums at most slots × actions small rows.
 */
import { Events, isEventOf, type PluginContext, type PluginEvent, type Sql } from '@tandem/core';

/** What the pick counters use of the platform: the plugin's tables. */
export type PicksContext = PluginContext<'tables'>;
import { ACTIONS_CATALOGUE_ID } from './ids.js';

/** Counter slots per action; a read sums at most this many rows per action. */
export const PICK_SLOTS = 8;

/** The slot a pledge's picks land in: a stable hash of its id. */
export function slotOf(pledgeId: string): number {
  let hash = 0;
  for (let i = 0; i < pledgeId.length; i++) hash = (hash * 31 + pledgeId.charCodeAt(i)) >>> 0;
  return hash % PICK_SLOTS;
}

/** The action ids a pledge's details pick, distinct and sorted; [] when there are none. */
export function pickedActions(details: unknown): string[] {
  const actions = (details as { actions?: unknown } | null)?.actions;
  if (!Array.isArray(actions)) return [];
  return [...new Set(actions.filter((a): a is string => typeof a === 'string'))].sort();
}

/** What moves each counter to go from `had` to `wanted`, by action id, sorted (a stable lock order). */
export function pickDelta(had: readonly string[], wanted: readonly string[]): [string, number][] {
  const delta = new Map<string, number>();
  for (const id of had) delta.set(id, (delta.get(id) ?? 0) - 1);
  for (const id of wanted) delta.set(id, (delta.get(id) ?? 0) + 1);
  return [...delta.entries()].filter(([, n]) => n !== 0).sort(([a], [b]) => (a < b ? -1 : 1));
}

/**
 * Brings one pledge's share of the counters in line with the pledge as it
 * is now. Idempotent; safe under replays, reordering and concurrency.
 */
export async function reconcilePledge(
  context: PicksContext,
  challengeId: string,
  pledgeId: string,
): Promise<void> {
  await context.tables.transaction(async (tx) => {
    await tx.query(
      `insert into actions_catalogue_pledge (pledge_id, challenge_id) values (?, ?)
       on conflict (pledge_id) do nothing`,
      [pledgeId, challengeId],
    );
    // This row lock serializes every reconciliation of one pledge. A change
    // to the pledge committed after our read below has its own event, whose
    // handler waits here and then reads that change.
    const [counted] = await tx.query<{ actions: unknown }>(
      'select actions from actions_catalogue_pledge where pledge_id = ? for update',
      [pledgeId],
    );
    const [pledge] = await tx.query<{ status: string; details: unknown; erased: boolean }>(
      `select status, details, erased_at is not null as erased from pledge
        where id = ? and challenge_id = ?`,
      [pledgeId, challengeId],
    );
    // An erased pledge's details are blank, yet it still counts: it keeps
    // the actions it was counted for until the person comes back.
    if (pledge?.erased) return;
    const wanted = pledge?.status === 'confirmed' ? pickedActions(pledge.details) : [];
    const delta = pickDelta(pickedActions({ actions: counted?.actions }), wanted);
    if (delta.length === 0) return;
    await bumpPicks(tx, challengeId, slotOf(pledgeId), delta);
    await tx.query(
      `update actions_catalogue_pledge set actions = ?::jsonb, updated_at = now() where pledge_id = ?`,
      [JSON.stringify(wanted), pledgeId],
    );
  });
}

async function bumpPicks(
  tx: Sql,
  challengeId: string,
  slot: number,
  delta: readonly [string, number][],
): Promise<void> {
  await tx.query(
    `insert into actions_catalogue_pick (challenge_id, action_id, slot, picks)
     values ${delta.map(() => '(?, ?, ?, ?)').join(', ')}
     on conflict (challenge_id, action_id, slot)
     do update set picks = actions_catalogue_pick.picks + excluded.picks`,
    delta.flatMap(([actionId, n]) => [challengeId, actionId, slot, n]),
  );
}

/**
 * The `pledge.confirmed` / `pledge.withdrawn` handler: reconciles the pledge
 * the event names, if it belongs to an actions-catalogue challenge.
 */
export async function onPledgeEvent(event: PluginEvent, context: PicksContext): Promise<void> {
  if (!isEventOf(event, Events.pledgeConfirmed) && !isEventOf(event, Events.pledgeWithdrawn))
    return;
  const { pledgeId } = event.payload;
  const challengeId = event.challengeId;
  if (typeof pledgeId !== 'string' || challengeId === null) return;
  // Every challenge's pledge events come here; most are other action types'.
  const [challenge] = await context.tables.query<{ action_type: string }>(
    'select action_type from challenge where id = ?',
    [challengeId],
  );
  if (challenge?.action_type !== ACTIONS_CATALOGUE_ID) return;
  await reconcilePledge(context, challengeId, pledgeId);
}

/** How many people picked each action of a challenge: one indexed query, whatever the pledge count. */
export async function readPicks(sql: Sql, challengeId: string): Promise<Map<string, number>> {
  const rows = await sql.query<{ action_id: string; picks: number }>(
    `select action_id, sum(picks)::int as picks from actions_catalogue_pick
      where challenge_id = ? group by action_id`,
    [challengeId],
  );
  return new Map(rows.map((row) => [row.action_id, Number(row.picks)]));
}
