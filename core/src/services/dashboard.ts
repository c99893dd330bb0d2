import { addDays, contributionWindow, isDay } from '../domain/days.js';
import { TandemError, invalid, notFound } from '../errors.js';
import { roundQuantity } from '../store/progress.js';
import { assertCanSee, hasRole } from './access.js';
import type { Audience, ServiceContext, Viewer } from './context.js';

/** One team's place in a campaign's ranking. */
export interface TeamStanding {
  team: { slug: string; name: string };
  /** Distinct people counted for the team, whatever challenges of the campaign they joined. */
  participants: number;
  /** In the ranking's `unit`; `null` when the challenges ranked measure in different units. */
  quantity: number | null;
  co2eKg: number;
  /** 1 for the first; teams level on what is ranked share a rank (1, 1, 3). */
  rank: number;
}

/** `GET /api/campaigns/{id}/ranking`. */
export interface CampaignRanking {
  campaignId: string;
  /** The one challenge ranked when the caller asked for one, else `null` (all of them). */
  challenge: string | null;
  /** The unit every ranked challenge measures in, or `null` when they differ. */
  unit: string | null;
  /** What puts a team ahead: the quantity when it has one unit, else the CO2e avoided. */
  rankedBy: 'quantity' | 'co2eKg';
  teams: TeamStanding[];
}

interface RankingContext {
  organization_id: string;
  audience: Audience;
  action_types: string[];
}

interface StandingRow {
  slug: string;
  name: string;
  participants: number;
  quantity: string;
  co2e: string;
  rank: number;
}

/**
 * The ranking of a campaign's teams, for anyone allowed to see the campaign
 * (members-only ones: 401 anonymous, 403 outsiders). Over the campaign's
 * challenges that are not drafts, or the one named by `challenge`.
 *
 * Participants are the distinct people counted for the team (a confirmed
 * pledge or a contribution, as the counters count them), so someone in two
 * challenges counts once. Quantity and CO2e are the teams' counters
 * (ADR 0003), summed over the challenges: a few rows per team and
 * challenge, whatever the number of pledges. Quantity is only summed when
 * the challenges share one unit — kilometres and kilograms do not add up —
 * and the teams are then ranked by it; otherwise by CO2e. Either way
 * participants break ties, and teams level on both share a rank.
 *
 * Two statements, whatever the number of teams and challenges: who may see
 * it with the challenges' action types, then the standings.
 */
export async function campaignRanking(
  ctx: ServiceContext,
  viewer: Viewer,
  campaignId: string,
  options: { challenge?: string } = {},
): Promise<{ ranking: CampaignRanking; audience: Audience }> {
  const only = options.challenge;
  const [campaign] = await ctx.db.query<RankingContext>(
    `select c.organization_id, c.audience,
            array(select ch.action_type from challenge ch
                   where ch.campaign_id = c.id and ch.status <> 'draft'
                     ${only === undefined ? '' : 'and ch.id = ?'}) as action_types
       from campaign c where c.id = ?`,
    only === undefined ? [campaignId] : [only, campaignId],
  );
  if (!campaign) throw notFound('campaign', campaignId);
  assertCanSee(viewer, campaign.organization_id, campaign.audience);
  if (only !== undefined && campaign.action_types.length === 0) {
    throw invalid(
      'querystring/challenge',
      "is not one of this campaign's challenges (drafts are not ranked)",
    );
  }
  const units = new Set(
    campaign.action_types.map((type) => ctx.registry.findActionType(type)?.unit ?? null),
  );
  const [first] = units;
  const unit = units.size === 1 && first ? first : null;
  const oneUnit = units.size === 0 || unit !== null;
  const rankedBy = oneUnit ? 'quantity' : 'co2eKg';
  const key = oneUnit ? 'quantity' : 'co2e';
  const rows = await ctx.db.query<StandingRow>(
    `with ranked_challenge as (
       select id from challenge
        where campaign_id = ? and status <> 'draft' ${only === undefined ? '' : 'and id = ?'}
     ), people as (
       select p.team_id, count(distinct p.participant_id)::int as participants
         from participation p join ranked_challenge r on r.id = p.challenge_id
        where p.team_id <> '' and (p.pledged or p.contributions > 0)
        group by p.team_id
     ), sums as (
       select s.team_id, sum(s.quantity) as quantity, sum(s.co2e_kg) as co2e
         from progress_slot s join ranked_challenge r on r.id = s.challenge_id
        where s.team_id <> '' and s.team_id not like 'org:%'
        group by s.team_id
     ), standing as (
       select t.slug, t.name, coalesce(p.participants, 0) as participants,
              coalesce(s.quantity, 0) as quantity, coalesce(s.co2e, 0) as co2e
         from team t
         left join people p on p.team_id = t.id
         left join sums s on s.team_id = t.id
        where t.campaign_id = ?
     )
     select slug, name, participants, quantity::text as quantity, co2e::text as co2e,
            rank() over (order by ${key} desc, participants desc)::int as rank
       from standing
      order by rank, name, slug`,
    only === undefined ? [campaignId, campaignId] : [campaignId, only, campaignId],
  );
  return {
    audience: campaign.audience,
    ranking: {
      campaignId,
      challenge: only ?? null,
      unit,
      rankedBy,
      teams: rows.map((row) => ({
        team: { slug: row.slug, name: row.name },
        participants: Number(row.participants),
        quantity: oneUnit ? roundQuantity(Number(row.quantity)) : null,
        co2eKg: roundQuantity(Number(row.co2e)),
        rank: Number(row.rank),
      })),
    },
  };
}

/** One day of a challenge's series. */
export interface SeriesDay {
  /** `YYYY-MM-DD`, in the organization's time zone. */
  day: string;
  /** People who started counting that day (a confirmed pledge or a first contribution). */
  participants: number;
  /** People counted at the end of that day. */
  participantsTotal: number;
  quantity: number;
  quantityTotal: number;
  co2eKg: number;
  co2eKgTotal: number;
}

/** `GET /api/challenges/{id}/series`. */
export interface ChallengeSeries {
  challengeId: string;
  /** The team's slug when the series is one team's, else `null`. */
  team: string | null;
  timeZone: string;
  from: string;
  to: string;
  days: SeriesDay[];
}

/** The longest series served at once: two years of days is already a dense chart. */
export const MAX_SERIES_DAYS = 731;

interface SeriesContext {
  organization_id: string;
  status: string;
  opened_at: Date | null;
  closed_at: Date | null;
  deadline: Date | null;
  starts_at: Date | null;
  ends_at: Date | null;
  time_zone: string;
  sponsors: string[];
  team_id: string | null;
}

interface SeriesRow {
  day: string;
  participants: number;
  participants_total: number;
  quantity: string;
  quantity_total: string;
  co2e: string;
  co2e_total: string;
}

const toDate = (value: Date | string | null): Date | null =>
  value === null ? null : new Date(value);

/**
 * A challenge's daily series for its dashboard: for each day of the
 * campaign's window so far (from its start, or the challenge's opening, to
 * today or the last day it takes reports for), the people who started
 * counting that day and the quantity and CO2e reported for it, with running
 * totals — days without anything included, as zeros, so a chart needs no
 * gap filling. Days are the organization's calendar days: a contribution's
 * stored day, a pledge's confirmation time in the organization's zone.
 *
 * What counts is what the counters count (API.md, "Who counts", and the
 * recount): people with a confirmed pledge or a contribution — a withdrawn
 * pledge without contributions no longer counts, on any day, nor does an
 * invalidated one (ADR 0039) — and the sum
 * of the contribution rows. A person counts from the first of their pledge's
 * confirmation day and their first contribution's day. With `team`, only
 * the people of that team (as their participation records it now) and
 * their contributions; unnamed contributions belong to no team.
 *
 * For the organizer's agents and up, and the admins of an organization
 * sponsoring one of its tiers: the dashboard is theirs; a citizen sees the
 * challenge's counters, not its history day by day.
 *
 * Two statements: who may read it with what the range needs, then the
 * series (one `generate_series` joined with per-day sums).
 */
export async function challengeSeries(
  ctx: ServiceContext,
  viewer: Viewer,
  challengeId: string,
  query: { team?: string; from?: string; to?: string } = {},
): Promise<ChallengeSeries> {
  const [row] = await ctx.db.query<SeriesContext>(
    `select ch.organization_id, ch.status, ch.opened_at, ch.closed_at, ch.deadline,
            cp.starts_at, cp.ends_at, o.time_zone,
            array(select t.sponsor_id from tier t
                   where t.challenge_id = ch.id and t.sponsor_id is not null
                     and t.sponsorship = 'accepted') as sponsors,
            (select tm.id from team tm where tm.campaign_id = ch.campaign_id and tm.slug = ?)
              as team_id
       from challenge ch
       join campaign cp on cp.id = ch.campaign_id
       join organization o on o.id = ch.organization_id
      where ch.id = ?`,
    [query.team ?? '', challengeId],
  );
  if (!row) throw notFound('challenge', challengeId);
  const allowed =
    hasRole(viewer, row.organization_id, 'agent') ||
    row.sponsors.some((sponsor) => hasRole(viewer, sponsor, 'admin'));
  if (!allowed) {
    if (viewer.kind === 'anonymous') {
      throw new TandemError('TANDEM_AUTH_REQUIRED', 'Sign in to read this dashboard.');
    }
    throw new TandemError(
      'TANDEM_AUTH_FORBIDDEN',
      "The series is for the organizer's agents and admins and the sponsors' admins.",
    );
  }
  if (query.team !== undefined && row.team_id === null) {
    throw invalid('querystring/team', `no team "${query.team}" in this campaign`);
  }
  const now = ctx.now();
  const window = contributionWindow(
    {
      startsAt: toDate(row.starts_at),
      openedAt: toDate(row.opened_at),
      closedAt: toDate(row.closed_at),
      deadline: toDate(row.deadline),
      endsAt: toDate(row.ends_at),
    },
    now,
    row.time_zone,
  );
  const from = checkedDay('from', query.from) ?? window.first;
  // A window that has not started (a campaign starting later) ends where it starts.
  const to = checkedDay('to', query.to) ?? (window.last < from ? from : window.last);
  if (from > to) throw invalid('querystring/from', `${from} is after to (${to})`);
  if (addDays(from, MAX_SERIES_DAYS - 1) < to) {
    throw invalid('querystring/to', `a series covers at most ${MAX_SERIES_DAYS} days`);
  }
  const team = row.team_id;
  const teamOfPeople = team === null ? '' : 'and p.team_id = ?';
  const teamOfActs =
    team === null
      ? ''
      : `join participation p on p.challenge_id = c.challenge_id
                                and p.participant_id = c.participant_id and p.team_id = ?`;
  const rows = await ctx.db.query<SeriesRow>(
    `with days as (
       select d::date as day from generate_series(?::date, ?::date, interval '1 day') as d
     ), people as (
       select least(
                case when p.pledged then
                  (select (coalesce(pl.confirmed_at, pl.created_at) at time zone ?)::date
                     from pledge pl
                    where pl.challenge_id = p.challenge_id and pl.participant_id = p.participant_id)
                end,
                case when p.contributions > 0 then
                  (select min(c.day) from contribution c
                    where c.challenge_id = p.challenge_id and c.participant_id = p.participant_id
                      and c.invalidation_id is null)
                end) as day
         from participation p
        where p.challenge_id = ? and (p.pledged or p.contributions > 0) ${teamOfPeople}
     ), joined as (
       select coalesce(day, ?::date) as day, count(*)::int as n from people group by 1
     ), acts as (
       select c.day, sum(c.quantity) as quantity, sum(c.co2e_kg) as co2e
         from contribution c ${teamOfActs}
        where c.challenge_id = ? and c.invalidation_id is null
        group by c.day
     ), before as (
       select (select coalesce(sum(n), 0) from joined where day < ?::date) as n,
              (select coalesce(sum(quantity), 0) from acts where day < ?::date) as quantity,
              (select coalesce(sum(co2e), 0) from acts where day < ?::date) as co2e
     )
     select to_char(d.day, 'YYYY-MM-DD') as day,
            coalesce(j.n, 0)::int as participants,
            (b.n + sum(coalesce(j.n, 0)) over w)::int as participants_total,
            coalesce(a.quantity, 0)::text as quantity,
            (b.quantity + sum(coalesce(a.quantity, 0)) over w)::text as quantity_total,
            coalesce(a.co2e, 0)::text as co2e,
            (b.co2e + sum(coalesce(a.co2e, 0)) over w)::text as co2e_total
       from days d
       cross join before b
       left join joined j on j.day = d.day
       left join acts a on a.day = d.day
     window w as (order by d.day)
      order by d.day`,
    [
      from,
      to,
      row.time_zone,
      challengeId,
      ...(team === null ? [] : [team]),
      from,
      ...(team === null ? [] : [team]),
      challengeId,
      from,
      from,
      from,
    ],
  );
  return {
    challengeId,
    team: team === null ? null : (query.team ?? null),
    timeZone: row.time_zone,
    from,
    to,
    days: rows.map((r) => ({
      day: r.day,
      participants: Number(r.participants),
      participantsTotal: Number(r.participants_total),
      quantity: roundQuantity(Number(r.quantity)),
      quantityTotal: roundQuantity(Number(r.quantity_total)),
      co2eKg: roundQuantity(Number(r.co2e)),
      co2eKgTotal: roundQuantity(Number(r.co2e_total)),
    })),
  };
}

/** A query's day, checked beyond its pattern (no 2026-02-30). */
function checkedDay(field: 'from' | 'to', value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!isDay(value)) throw invalid(`querystring/${field}`, 'must be a calendar day, YYYY-MM-DD');
  return value;
}
