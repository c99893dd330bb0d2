import { isGoalReached } from '../domain/goals.js';
import { TandemError, invalid, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { loadChallenge, type ChallengeAggregate } from '../store/challenges.js';
import { applyMapPresence } from '../store/map.js';
import { appendEvents, EventTypes } from '../store/outbox.js';
import { applyParticipation } from '../store/participation.js';
import {
  bumpProgress,
  readChallengeProgress,
  roundQuantity,
  WHOLE_CHALLENGE,
} from '../store/progress.js';
import type { Sql, Tx } from '../store/unit-of-work.js';
import { requireRole } from './access.js';
import { actorOf, assertOrganizerOrSponsor, recordAudit } from './audit.js';
import type { ServiceContext, Viewer } from './context.js';
import { findCampaign } from './organizations.js';

// Integrity of a challenge's counts (ADR 0039): concentration alerts, and
// batch invalidations that take pledges (and their contributions) out of
// the counts — and put them back — exactly once.

/** What an alert groups pledges by. */
export type AlertKind = 'email-domain' | 'network' | 'agent';

/** One group holding an unusual share of a challenge. */
export interface IntegrityAlert {
  kind: AlertKind;
  /** `pledges`: share of the confirmed pledges; `quantity`: share of the quantity. */
  metric: 'pledges' | 'quantity';
  /** What to give an invalidation filter: the domain, the network range's key, the agent's id. */
  key: string;
  /** What to show: the domain, `range` and the key's start (never an address), the agent's name. */
  label: string;
  /** `count / total`, between 0 and 1. */
  share: number;
  /** Pledges (metric `pledges`) or quantity (metric `quantity`) in the group. */
  count: number;
  total: number;
  /** The share above which a group is an alert. */
  threshold: number;
  /** The fewest pledges or contributions a group needs to be an alert. */
  minCount: number;
}

interface GroupRow {
  kind: AlertKind;
  metric: 'pledges' | 'quantity';
  key: string;
  label: string | null;
  n: string;
  amount: string;
  total: string;
}

/** The most alerts of one kind and metric an answer lists (the largest groups). */
const ALERTS_PER_KIND = 5;

/**
 * `GET /api/challenges/{id}/integrity`: the groups — one e-mail domain, one
 * network range, one agent — that hold more than the configured share of
 * the challenge's counting pledges or quantity, and at least the configured
 * number of pledges or contributions. A domain the campaign's audience is
 * made of (a company's own challenge for its staff) is no alert: everyone is
 * expected to come from it.
 *
 * One statement: counting pledges and contributions are read once each and
 * grouped three ways; the largest groups come back with the totals.
 */
export async function integrityAlerts(
  ctx: ServiceContext,
  viewer: Viewer,
  challengeId: string,
): Promise<{ alerts: IntegrityAlert[]; computedAt: string; threshold: number; minCount: number }> {
  const challenge = await loadChallenge(ctx.db, challengeId);
  if (!challenge) throw notFound('challenge', challengeId);
  assertOrganizerOrSponsor(viewer, challenge);
  const campaign = await findCampaign(ctx.db, challenge.campaignId);
  const audienceDomains =
    campaign.audience.type === 'email-domain'
      ? campaign.audience.domains.map((d) => d.toLowerCase())
      : [];
  const { share: threshold, minCount } = ctx.config.integrity;
  const rows = await ctx.db.query<GroupRow>(
    `with live as (
       select pl.participant_id, pl.network_key,
              nullif(lower(split_part(pt.canonical_email, '@', 2)), '') as domain
         from pledge pl join participant pt on pt.id = pl.participant_id
        where pl.challenge_id = ? and pl.status = 'confirmed' and pl.invalidation_id is null
     ), work as (
       select k.participant_id, k.recorded_by, k.quantity,
              nullif(lower(split_part(pt.canonical_email, '@', 2)), '') as domain,
              pl.network_key
         from contribution k
         left join participant pt on pt.id = k.participant_id
         left join pledge pl on pl.challenge_id = k.challenge_id
                            and pl.participant_id = k.participant_id
        where k.challenge_id = ? and k.invalidation_id is null
     ), enrolled as (
       -- Whom an agent brought in: an enrolment's consent, or a record made for them.
       select distinct c.recorded_by as agent, c.participant_id
         from consent_record c
        where c.challenge_id = ? and c.recorded_by is not null
          and c.recorded_by <> c.participant_id
       union
       select distinct w.recorded_by, w.participant_id from work w
        where w.recorded_by is not null and w.participant_id is not null
          and w.recorded_by <> w.participant_id
     ), totals as (
       select (select count(*) from live) as pledges,
              (select coalesce(sum(quantity), 0) from work) as quantity
     ), groups as (
       select 'email-domain' as kind, 'pledges' as metric, domain as key,
              count(*) as n, count(*)::numeric as amount
         from live where domain is not null group by domain
       union all
       select 'network', 'pledges', network_key, count(*), count(*)::numeric
         from live where network_key is not null group by network_key
       union all
       select 'agent', 'pledges', e.agent, count(*), count(*)::numeric
         from enrolled e join live l on l.participant_id = e.participant_id group by e.agent
       union all
       select 'email-domain', 'quantity', domain, count(*), sum(quantity)
         from work where domain is not null group by domain
       union all
       select 'network', 'quantity', network_key, count(*), sum(quantity)
         from work where network_key is not null group by network_key
       union all
       select 'agent', 'quantity', recorded_by, count(*), sum(quantity)
         from work
        where recorded_by is not null and recorded_by is distinct from participant_id
        group by recorded_by
     ), ranked as (
       select g.*, row_number() over (partition by g.kind, g.metric order by g.amount desc, g.key)
                as place
         from groups g
         join totals t on true
        where g.n >= ?
          and g.amount > 0
          and g.amount > ? * (case when g.metric = 'pledges' then t.pledges else t.quantity end)
          and not (g.kind = 'email-domain'
                   and g.key in (select jsonb_array_elements_text(?::jsonb)))
     )
     select r.kind, r.metric, r.key, r.n::text as n, r.amount::text as amount,
            (case when r.metric = 'pledges' then t.pledges else t.quantity end)::text as total,
            case when r.kind = 'agent' then (select display_name from participant where id = r.key)
            end as label
       from ranked r join totals t on true
      where r.place <= ?
      order by r.kind, r.metric, r.amount desc, r.key`,
    [
      challengeId,
      challengeId,
      challengeId,
      minCount,
      threshold,
      JSON.stringify(audienceDomains),
      ALERTS_PER_KIND,
    ],
  );
  const alerts = rows.map((row): IntegrityAlert => {
    const count = roundQuantity(Number(row.amount));
    const total = roundQuantity(Number(row.total));
    return {
      kind: row.kind,
      metric: row.metric,
      key: row.key,
      label: labelOf(row.kind, row.key, row.label),
      share: total > 0 ? Math.round((count / total) * 1e4) / 1e4 : 0,
      count,
      total,
      threshold,
      minCount,
    };
  });
  return { alerts, computedAt: ctx.now().toISOString(), threshold, minCount };
}

/** A group's name for people: the domain, a short form of a range's key, an agent's name or id. */
function labelOf(kind: AlertKind, key: string, name: string | null): string {
  if (kind === 'network') return `range ${key.slice(0, 8)}`;
  if (kind === 'agent') return name ?? `agent ${key}`;
  return key;
}

/** Which pledges (and contributions) a batch invalidation takes. One key exactly. */
export type InvalidationFilter =
  { emailDomain: string } | { network: string } | { agent: string } | { pledgeIds: string[] };

/** One batch invalidation as the API serves it. */
export interface InvalidationView {
  id: string;
  at: string;
  by: string;
  reason: string;
  filter: InvalidationFilter;
  /** Pledges that stopped counting. */
  pledges: number;
  /** Contributions that stopped counting (the pledges' and, for an agent, the unnamed ones). */
  contributions: number;
  /** How many fewer distinct participants the challenge counts. */
  participants: number;
  quantity: number;
  co2eKg: number;
  restoredAt: string | null;
  restoredBy: string | null;
}

/** What an invalidation would take (a dry run) or took. */
export interface InvalidationEffect {
  pledges: number;
  contributions: number;
  participants: number;
  quantity: number;
  co2eKg: number;
}

/** A rollback that carries a dry run's answer out of its transaction. */
class DryRun extends Error {
  constructor(readonly effect: InvalidationEffect) {
    super('dry run');
  }
}

/** Invalidations and restorations of one challenge run one at a time. */
async function lockInvalidations(tx: Sql, challengeId: string): Promise<void> {
  await tx.query('select pg_advisory_xact_lock(hashtextextended(?, 0))', [
    `invalidation/${challengeId}`,
  ]);
}

/** The WHERE clause (on `pl`, joined to `pt`) of the counting pledges a filter names. */
function pledgeCondition(filter: InvalidationFilter): { sql: string; params: unknown[] } {
  if ('emailDomain' in filter) {
    return {
      sql: `lower(split_part(pt.canonical_email, '@', 2)) = ?`,
      params: [filter.emailDomain.trim().toLowerCase()],
    };
  }
  if ('network' in filter) return { sql: 'pl.network_key = ?', params: [filter.network] };
  if ('agent' in filter) {
    return {
      sql: `pl.participant_id <> ? and (
              exists (select 1 from consent_record c
                       where c.challenge_id = pl.challenge_id and c.participant_id = pl.participant_id
                         and c.recorded_by = ?)
              or exists (select 1 from contribution k
                          where k.challenge_id = pl.challenge_id
                            and k.participant_id = pl.participant_id and k.recorded_by = ?))`,
      params: [filter.agent, filter.agent, filter.agent],
    };
  }
  return { sql: 'pl.id in (?)', params: [filter.pledgeIds] };
}

/** Per person: what their invalidated contributions took. */
interface PersonTotals {
  contributions: number;
  quantity: number;
  co2eKg: number;
}

/** The challenge an organizer's admin acts on (sponsors read, organizers act). */
async function loadForAction(
  ctx: ServiceContext,
  viewer: Viewer,
  challengeId: string,
  sql: Sql,
): Promise<ChallengeAggregate> {
  const challenge = await loadChallenge(sql, challengeId);
  if (!challenge) throw notFound('challenge', challengeId);
  requireRole(viewer, challenge.organizationId, 'admin');
  return challenge;
}

/**
 * Unlocked tiers whose goal the counts no longer reach: they stay unlocked
 * (a sponsor may have promised money on them), and the audit says so.
 */
async function unlockedAbove(tx: Sql, challenge: ChallengeAggregate) {
  const progress = await readChallengeProgress(tx, challenge.id);
  return {
    progress,
    unlockedTiersAboveCount: challenge.tiers
      .filter((t) => t.unlockedAt !== null && !isGoalReached(t.goal, progress))
      .map((t) => t.id),
  };
}

/**
 * `POST /api/challenges/{id}/invalidations`: the counting pledges the
 * filter names, and every contribution of their people on the challenge
 * (and, for an agent, the unnamed ones they recorded), stop counting — in
 * one transaction that marks them, moves the counters down through each
 * person's participation (as a withdrawal does), takes them off the map,
 * and writes the record, its event and its audit entry. Invalidations of
 * one challenge run one at a time and take only what still counts, so the
 * same request sent twice at once takes the pledges once: the second finds
 * nothing left (409 `TANDEM_INVALIDATION_EMPTY`).
 *
 * `dryRun`: the same work, rolled back, answers what it would take.
 */
export async function invalidatePledges(
  ctx: ServiceContext,
  viewer: Viewer,
  challengeId: string,
  input: { filter: InvalidationFilter; reason: string },
  options: { dryRun?: boolean } = {},
): Promise<
  { dryRun: true; effect: InvalidationEffect } | { dryRun: false; invalidation: InvalidationView }
> {
  const reason = input.reason.trim();
  if (reason === '') throw invalid('reason', 'must not be blank');
  if ('pledgeIds' in input.filter && input.filter.pledgeIds.length === 0) {
    throw invalid('filter/pledgeIds', 'names no pledge');
  }
  let id: string;
  try {
    id = await ctx.db.transaction(async (tx) => {
      const challenge = await loadForAction(ctx, viewer, challengeId, tx);
      await lockInvalidations(tx, challengeId);
      const invalidationId = newId('inv');
      const by = viewer.kind === 'participant' ? viewer.participantId : null;
      // First, so that the marks below can name it.
      await tx.query(
        `insert into invalidation (id, challenge_id, filter, reason, created_by, pledges,
                                   contributions, participants, quantity, co2e_kg)
         values (?, ?, ?::jsonb, ?, ?, 0, 0, 0, 0, 0)`,
        [invalidationId, challengeId, JSON.stringify(input.filter), reason, by],
      );
      const condition = pledgeCondition(input.filter);
      // Only what still counts: confirmed, not already invalidated.
      const pledges = await tx.query<{
        participant_id: string;
        erased_at: Date | null;
        map_cell: string | null;
        commune_code: string | null;
      }>(
        `update pledge pl set invalidation_id = ?
           from participant pt
          where pt.id = pl.participant_id and pl.challenge_id = ?
            and pl.status = 'confirmed' and pl.invalidation_id is null
            and ${condition.sql}
          returning pl.participant_id, pl.erased_at, pl.map_cell, pl.commune_code`,
        [invalidationId, challengeId, ...condition.params],
      );
      const people = pledges.map((p) => p.participant_id);
      const agent = 'agent' in input.filter ? input.filter.agent : null;
      const contributions =
        people.length > 0 || agent !== null
          ? await tx.query<{ participant_id: string | null; quantity: string; co2e_kg: string }>(
              `update contribution set invalidation_id = ?
                where challenge_id = ? and invalidation_id is null
                  and (participant_id in (select jsonb_array_elements_text(?::jsonb))
                       or (?::text is not null and participant_id is null and recorded_by = ?))
                returning participant_id, quantity::text as quantity, co2e_kg::text as co2e_kg`,
              [invalidationId, challengeId, JSON.stringify(people), agent, agent],
            )
          : [];
      if (pledges.length === 0 && contributions.length === 0) {
        if (options.dryRun) throw new DryRun(emptyEffect());
        throw new TandemError(
          'TANDEM_INVALIDATION_EMPTY',
          'Nothing that still counts matches this filter: nothing was changed.',
        );
      }
      const effect = await moveCounts(tx, challengeId, pledges, contributions, -1);
      if (options.dryRun) throw new DryRun(effect);
      await tx.query(
        `update invalidation set pledges = ?, contributions = ?, participants = ?,
                                 quantity = ?::numeric, co2e_kg = ?::numeric
          where id = ?`,
        [
          effect.pledges,
          effect.contributions,
          effect.participants,
          effect.quantity,
          effect.co2eKg,
          invalidationId,
        ],
      );
      await appendEvents(tx, [
        {
          type: EventTypes.pledgesInvalidated,
          challengeId,
          organizationId: challenge.organizationId,
          payload: {
            invalidationId,
            pledges: effect.pledges,
            contributions: effect.contributions,
            participantsDelta: -effect.participants,
            quantityDelta: -effect.quantity,
            co2eKgDelta: -effect.co2eKg,
          },
        },
      ]);
      const after = await unlockedAbove(tx, challenge);
      await recordAudit(tx, {
        challengeId,
        organizationId: challenge.organizationId,
        actor: actorOf(viewer, challenge.organizationId),
        action: 'pledges.invalidated',
        details: {
          invalidationId,
          filter: filterKind(input.filter),
          ...effect,
          progressAfter: after.progress,
          unlockedTiersAboveCount: after.unlockedTiersAboveCount,
        },
      });
      return invalidationId;
    });
  } catch (error) {
    if (error instanceof DryRun) return { dryRun: true, effect: error.effect };
    throw error;
  }
  const [view] = await readInvalidations(ctx.db, challengeId, id);
  if (!view) throw new Error('the invalidation just written is gone');
  return { dryRun: false, invalidation: view };
}

const emptyEffect = (): InvalidationEffect => ({
  pledges: 0,
  contributions: 0,
  participants: 0,
  quantity: 0,
  co2eKg: 0,
});

/**
 * What the audit says of a filter: its kind, and the key only where it is
 * no personal data (a domain, a range's key, an agent's id; pledge ids are
 * counted, not listed).
 */
function filterKind(filter: InvalidationFilter): Record<string, unknown> {
  if ('pledgeIds' in filter) return { pledgeIds: filter.pledgeIds.length };
  return filter;
}

/**
 * Moves the counters by the pledges and contributions marked (`sign` -1)
 * or unmarked (+1): each person's participation changes once (pledged, and
 * their contributions' count and sums), which moves the challenge's and
 * their team's counters in the same statements; unnamed contributions move
 * the whole challenge's quantity; each pledge leaves (or rejoins) the map.
 */
async function moveCounts(
  tx: Tx,
  challengeId: string,
  pledges: readonly {
    participant_id: string;
    erased_at: Date | null;
    map_cell: string | null;
    commune_code: string | null;
    status?: string;
    team_id?: string | null;
  }[],
  contributions: readonly { participant_id: string | null; quantity: string; co2e_kg: string }[],
  sign: 1 | -1,
): Promise<InvalidationEffect> {
  const byPerson = new Map<string, PersonTotals>();
  let unnamed: PersonTotals = { contributions: 0, quantity: 0, co2eKg: 0 };
  const effect = emptyEffect();
  for (const row of contributions) {
    const quantity = Number(row.quantity);
    const co2eKg = Number(row.co2e_kg);
    effect.contributions++;
    effect.quantity += quantity;
    effect.co2eKg += co2eKg;
    if (row.participant_id === null) {
      unnamed = {
        contributions: unnamed.contributions + 1,
        quantity: unnamed.quantity + quantity,
        co2eKg: unnamed.co2eKg + co2eKg,
      };
      continue;
    }
    const totals = byPerson.get(row.participant_id) ?? { contributions: 0, quantity: 0, co2eKg: 0 };
    byPerson.set(row.participant_id, {
      contributions: totals.contributions + 1,
      quantity: totals.quantity + quantity,
      co2eKg: totals.co2eKg + co2eKg,
    });
  }
  const pledgeOf = new Map(pledges.map((p) => [p.participant_id, p]));
  const people = new Set([...pledgeOf.keys(), ...byPerson.keys()]);
  // A stable order, so that two batches never lock the same people in opposite orders.
  for (const person of [...people].sort()) {
    const pledge = pledgeOf.get(person);
    const totals = byPerson.get(person) ?? { contributions: 0, quantity: 0, co2eKg: 0 };
    // A restored pledge counts again only if it is still confirmed (not withdrawn meanwhile).
    const pledged = pledge ? (sign < 0 ? false : pledge.status === 'confirmed') : undefined;
    const delta = await applyParticipation(tx, challengeId, person, {
      ...(pledged !== undefined ? { pledged } : {}),
      contributions: sign * totals.contributions,
      quantity: roundQuantity(sign * totals.quantity),
      co2eKg: roundQuantity(sign * totals.co2eKg),
      ...(pledge?.team_id !== undefined ? { teamId: pledge.team_id } : {}),
    });
    effect.participants += Math.abs(delta);
  }
  if (unnamed.contributions > 0) {
    await bumpProgress(tx, challengeId, WHOLE_CHALLENGE, {
      participants: 0,
      quantity: roundQuantity(sign * unnamed.quantity),
      co2eKg: roundQuantity(sign * unnamed.co2eKg),
    });
  }
  for (const pledge of pledges) {
    // An erased pledge left the map already; a withdrawn one is not on it.
    if (pledge.erased_at !== null) continue;
    if (sign > 0 && pledge.status !== 'confirmed') continue;
    await applyMapPresence(
      tx,
      challengeId,
      { mapCell: pledge.map_cell, communeCode: pledge.commune_code },
      sign,
    );
  }
  effect.pledges = pledges.length;
  effect.quantity = roundQuantity(effect.quantity);
  effect.co2eKg = roundQuantity(effect.co2eKg);
  return effect;
}

/**
 * `POST /api/challenges/{id}/invalidations/{invId}/restore`: undoes a batch
 * — its pledges and contributions count again (a pledge withdrawn since
 * stays withdrawn), in one transaction with its event and audit entry.
 * 409 `TANDEM_INVALIDATION_RESTORED` the second time.
 */
export async function restoreInvalidation(
  ctx: ServiceContext,
  viewer: Viewer,
  challengeId: string,
  invalidationId: string,
): Promise<InvalidationView> {
  await ctx.db.transaction(async (tx) => {
    const challenge = await loadForAction(ctx, viewer, challengeId, tx);
    await lockInvalidations(tx, challengeId);
    const [record] = await tx.query<{ restored_at: Date | null }>(
      'select restored_at from invalidation where id = ? and challenge_id = ?',
      [invalidationId, challengeId],
    );
    if (!record) throw notFound('invalidation', invalidationId);
    if (record.restored_at !== null) {
      throw new TandemError(
        'TANDEM_INVALIDATION_RESTORED',
        'This invalidation was already restored.',
      );
    }
    const pledges = await tx.query<{
      participant_id: string;
      erased_at: Date | null;
      map_cell: string | null;
      commune_code: string | null;
      status: string;
      team_id: string | null;
    }>(
      `update pledge set invalidation_id = null where invalidation_id = ?
        returning participant_id, erased_at, map_cell, commune_code, status, team_id`,
      [invalidationId],
    );
    const contributions = await tx.query<{
      participant_id: string | null;
      quantity: string;
      co2e_kg: string;
    }>(
      `update contribution set invalidation_id = null where invalidation_id = ?
        returning participant_id, quantity::text as quantity, co2e_kg::text as co2e_kg`,
      [invalidationId],
    );
    const effect = await moveCounts(tx, challengeId, pledges, contributions, 1);
    await tx.query('update invalidation set restored_at = now(), restored_by = ? where id = ?', [
      viewer.kind === 'participant' ? viewer.participantId : null,
      invalidationId,
    ]);
    await appendEvents(tx, [
      {
        type: EventTypes.pledgesRestored,
        challengeId,
        organizationId: challenge.organizationId,
        payload: {
          invalidationId,
          pledges: effect.pledges,
          contributions: effect.contributions,
          participantsDelta: effect.participants,
          quantityDelta: effect.quantity,
          co2eKgDelta: effect.co2eKg,
        },
      },
    ]);
    await recordAudit(tx, {
      challengeId,
      organizationId: challenge.organizationId,
      actor: actorOf(viewer, challenge.organizationId),
      action: 'pledges.restored',
      details: { invalidationId, ...effect },
    });
  });
  const [view] = await readInvalidations(ctx.db, challengeId, invalidationId);
  if (!view) throw notFound('invalidation', invalidationId);
  return view;
}

/** `GET /api/challenges/{id}/invalidations`: newest first, for the organizer's and sponsors' admins. */
export async function listInvalidations(
  ctx: ServiceContext,
  viewer: Viewer,
  challengeId: string,
): Promise<{ invalidations: InvalidationView[] }> {
  const challenge = await loadChallenge(ctx.db, challengeId);
  if (!challenge) throw notFound('challenge', challengeId);
  assertOrganizerOrSponsor(viewer, challenge);
  return { invalidations: await readInvalidations(ctx.db, challengeId) };
}

async function readInvalidations(
  sql: Sql,
  challengeId: string,
  id?: string,
): Promise<InvalidationView[]> {
  const rows = await sql.query<{
    id: string;
    created_at: Date;
    created_by: string | null;
    by_name: string | null;
    reason: string;
    filter: InvalidationFilter;
    pledges: number;
    contributions: number;
    participants: number;
    quantity: string;
    co2e_kg: string;
    restored_at: Date | null;
    restored_by: string | null;
    restored_name: string | null;
  }>(
    `select i.id, i.created_at, i.created_by, b.display_name as by_name, i.reason, i.filter,
            i.pledges, i.contributions, i.participants, i.quantity::text as quantity,
            i.co2e_kg::text as co2e_kg, i.restored_at, i.restored_by,
            r.display_name as restored_name
       from invalidation i
       left join participant b on b.id = i.created_by
       left join participant r on r.id = i.restored_by
      where i.challenge_id = ? and (?::text is null or i.id = ?)
      order by i.created_at desc, i.id desc
      limit 500`,
    [challengeId, id ?? null, id ?? null],
  );
  const who = (participantId: string | null, name: string | null) =>
    name ?? (participantId ? `participant ${participantId}` : 'platform admin');
  return rows.map((row) => ({
    id: row.id,
    at: new Date(row.created_at).toISOString(),
    by: who(row.created_by, row.by_name),
    reason: row.reason,
    filter: row.filter,
    pledges: row.pledges,
    contributions: row.contributions,
    participants: row.participants,
    quantity: Number(row.quantity),
    co2eKg: Number(row.co2e_kg),
    restoredAt: row.restored_at ? new Date(row.restored_at).toISOString() : null,
    restoredBy: row.restored_at ? who(row.restored_by, row.restored_name) : null,
  }));
}

/** What a report shows of a challenge's invalidated pledges, by challenge. */
export async function invalidatedTotals(
  sql: Sql,
  challengeIds: readonly string[],
): Promise<Map<string, { participants: number; quantity: number; co2eKg: number }>> {
  const result = new Map<string, { participants: number; quantity: number; co2eKg: number }>();
  for (const id of challengeIds) result.set(id, { participants: 0, quantity: 0, co2eKg: 0 });
  if (challengeIds.length === 0) return result;
  const rows = await sql.query<{
    challenge_id: string;
    participants: number;
    quantity: string;
    co2e_kg: string;
  }>(
    `select c.id as challenge_id,
            (select count(*) from pledge p
              where p.challenge_id = c.id and p.invalidation_id is not null)::int as participants,
            (select coalesce(sum(k.quantity), 0) from contribution k
              where k.challenge_id = c.id and k.invalidation_id is not null)::text as quantity,
            (select coalesce(sum(k.co2e_kg), 0) from contribution k
              where k.challenge_id = c.id and k.invalidation_id is not null)::text as co2e_kg
       from challenge c where c.id in (?)`,
    [challengeIds],
  );
  for (const row of rows) {
    result.set(row.challenge_id, {
      participants: row.participants,
      quantity: roundQuantity(Number(row.quantity)),
      co2eKg: roundQuantity(Number(row.co2e_kg)),
    });
  }
  return result;
}
