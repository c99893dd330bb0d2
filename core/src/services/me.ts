import { communeOfPostcode } from '../store/communes.js';
/**
 * The signed-in person's own page: who they are, their settings
 * (`PATCH /api/me`) and their pledges with what they reported
 * (`GET /api/me/pledges`).
 */
import { TandemError, invalid } from '../errors.js';
import { roundQuantity } from '../store/progress.js';
import { requireParticipant } from './access.js';
import type { Role, ServiceContext, Viewer } from './context.js';

/** Whether the feed shows a person's name, or "someone from …". */
export type ShowAs = 'name' | 'anonymous';

/** A place as coarse as Tandem keeps it: the postcode given and its commune. */
export interface Place {
  postcode: string;
  /** The commune's INSEE code, `null` while the postcode is not resolved. */
  code: string | null;
  name: string | null;
}

/**
 * The commune a postcode stands for, or `null` when it cannot be resolved.
 * The one place that resolves postcodes for `/api/me`: the commune
 * gazetteer (`@etalab/decoupage-administratif`) is wired in here, so
 * reading and writing a place both follow it.
 */
export function placeOf(postcode: string): { code: string; name: string } | null {
  return communeOfPostcode(postcode);
}

/** `GET /api/me` for a participant. */
export interface MeAnswer {
  kind: 'participant';
  id: string;
  email: string | null;
  displayName: string | null;
  locale: 'fr' | 'en';
  showAs: ShowAs;
  mailOptOut: boolean;
  place: Place | null;
  memberships: { organization: string; name: string; role: Role }[];
}

interface ParticipantRow {
  id: string;
  email: string | null;
  display_name: string | null;
  locale: string;
  show_as: string;
  mail_opt_out: boolean;
  postcode: string | null;
  commune_code: string | null;
}

const placeFrom = (row: ParticipantRow): Place | null => {
  if (row.postcode === null) return null;
  const resolved = placeOf(row.postcode);
  return {
    postcode: row.postcode,
    code: resolved?.code ?? row.commune_code,
    name: resolved?.name ?? null,
  };
};

/** `GET /api/me`: who the session belongs to, their settings and roles. */
export async function describeMe(
  ctx: ServiceContext,
  viewer: Viewer,
): Promise<MeAnswer | { kind: 'admin'; memberships: [] }> {
  if (viewer.kind === 'anonymous') throw new TandemError('TANDEM_AUTH_REQUIRED', 'Sign in first.');
  if (viewer.kind === 'admin') return { kind: 'admin', memberships: [] };
  const [participant] = await ctx.db.query<ParticipantRow>(
    `select id, email, display_name, locale, show_as, mail_opt_out, postcode, commune_code
       from participant where id = ?`,
    [viewer.participantId],
  );
  // A session outlives no erasure (sessions end with it): a missing row is a vanished person.
  if (!participant)
    throw new TandemError('TANDEM_AUTH_INVALID', 'This session has no person left.');
  const memberships = await ctx.db.query<{ slug: string; name: string; role: Role }>(
    `select o.slug, o.name, m.role from membership m join organization o on o.id = m.organization_id
      where m.participant_id = ? order by o.slug`,
    [viewer.participantId],
  );
  return {
    kind: 'participant',
    id: participant.id,
    email: participant.email,
    displayName: participant.display_name,
    locale: participant.locale === 'en' ? 'en' : 'fr',
    showAs: participant.show_as === 'name' ? 'name' : 'anonymous',
    mailOptOut: participant.mail_opt_out,
    place: placeFrom(participant),
    memberships: memberships.map((m) => ({ organization: m.slug, name: m.name, role: m.role })),
  };
}

/** What `PATCH /api/me` may change; an absent field stays as it is. */
export interface MeChanges {
  displayName?: string | null;
  showAs?: ShowAs;
  locale?: 'fr' | 'en';
  mailOptOut?: boolean;
  postcode?: string | null;
}

const DISPLAY_NAME_MAX = 60;
// A name is shown in mails and on the feed: a line break or another control
// character in it could forge a mail line or break a page's layout.
const CONTROL = /\p{Cc}/u;

/** The display name to store: trimmed, 1 to 60 characters, or `null` to remove it. */
function displayNameOf(value: string | null): string | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (trimmed.length === 0 || [...trimmed].length > DISPLAY_NAME_MAX) {
    throw invalid(
      'displayName',
      `must be 1 to ${DISPLAY_NAME_MAX} characters once trimmed, or null`,
    );
  }
  if (CONTROL.test(trimmed)) throw invalid('displayName', 'must not hold control characters');
  return trimmed;
}

/**
 * `PATCH /api/me`: the person's own settings. `mailOptOut: true` stops every
 * notification mail (mails they ask for, such as a sign-in link, still go);
 * `postcode` is kept with the commune it resolves to, or `null` removes it.
 *
 * @returns the same answer as `GET /api/me`
 */
export async function updateMe(
  ctx: ServiceContext,
  viewer: Viewer,
  changes: MeChanges,
): Promise<MeAnswer | { kind: 'admin'; memberships: [] }> {
  const me = requireParticipant(viewer);
  const sets: string[] = [];
  const params: unknown[] = [];
  const set = (column: string, value: unknown) => {
    sets.push(`${column} = ?`);
    params.push(value);
  };
  if (changes.displayName !== undefined) set('display_name', displayNameOf(changes.displayName));
  if (changes.showAs !== undefined) set('show_as', changes.showAs);
  if (changes.locale !== undefined) set('locale', changes.locale);
  if (changes.mailOptOut !== undefined) set('mail_opt_out', changes.mailOptOut);
  if (changes.postcode !== undefined) {
    const postcode = changes.postcode;
    if (postcode !== null && !/^[0-9]{5}$/.test(postcode)) {
      throw invalid('postcode', 'must be 5 digits, or null');
    }
    // A postcode the gazetteer does not know is refused, as on a pledge.
    const place = postcode === null ? null : placeOf(postcode);
    if (postcode !== null && place === null) {
      throw invalid('postcode', `${postcode} is not a known French postcode`);
    }
    set('postcode', postcode);
    set('commune_code', place?.code ?? null);
  }
  if (sets.length > 0) {
    await ctx.db.query(`update participant set ${sets.join(', ')} where id = ?`, [
      ...params,
      me.participantId,
    ]);
  }
  return describeMe(ctx, viewer);
}

/** One contribution as `GET /api/me/pledges` lists it. */
export interface MyContribution {
  id: string;
  quantity: number;
  co2eKg: number;
  source: string | null;
  details: Record<string, unknown>;
  occurredAt: string;
  recordedAt: string;
  /** Until when its participant may correct or delete it; `null` when they may not. */
  editableUntil: string | null;
}

/** One pledge as `GET /api/me/pledges` lists it. */
export interface MyPledge {
  id: string;
  /** `invalidated`: confirmed, then taken out of the counts by the organizer (ADR 0039). */
  status: 'pending' | 'confirmed' | 'withdrawn' | 'invalidated';
  showAs: ShowAs;
  team: { slug: string; name: string } | null;
  details: Record<string, unknown>;
  createdAt: string;
  confirmedAt: string | null;
  withdrawnAt: string | null;
  challenge: {
    id: string;
    title: string;
    status: string;
    actionType: string;
    unit: string | null;
  };
  contributions: MyContribution[];
}

interface PledgeRow {
  id: string;
  status: MyPledge['status'];
  show_as: string | null;
  team_slug: string | null;
  team_name: string | null;
  details: Record<string, unknown>;
  created_at: Date;
  confirmed_at: Date | null;
  withdrawn_at: Date | null;
  challenge_id: string;
  title: string;
  challenge_status: string;
  action_type: string;
  closed_at: Date | null;
}

interface ContributionRow {
  id: string;
  challenge_id: string;
  recorded_by: string | null;
  quantity: string;
  co2e_kg: string;
  source: string | null;
  details: Record<string, unknown>;
  occurred_at: Date;
  created_at: Date;
  invalidated: boolean;
}

const iso = (value: Date | string | null): string | null =>
  value === null ? null : new Date(value).toISOString();

/**
 * Until when a contribution may be corrected by its participant (ADR 0029):
 * `TANDEM_CONTRIBUTION_EDIT_DAYS` after it was recorded, if they recorded
 * it themselves and the challenge has not closed; `null` otherwise.
 */
export function editableUntil(
  contribution: { recordedBy: string | null; participantId: string; recordedAt: Date },
  challengeClosedAt: Date | null,
  editDays: number,
): Date | null {
  if (contribution.recordedBy !== contribution.participantId) return null;
  if (challengeClosedAt !== null || editDays === 0) return null;
  return new Date(contribution.recordedAt.getTime() + editDays * 86_400_000);
}

/**
 * `GET /api/me/pledges`: every pledge of the signed-in person, newest first,
 * each with the contributions they reported on its challenge, and their
 * kg CO2e avoided in all. Two queries whatever the number of pledges.
 *
 * A contribution's `source` is the one its action type's `impact` gave when
 * it was recorded, kept with it (`contribution.impact`): the figure shown is
 * the figure counted, even after the plugin's factors change.
 */
export async function listMyPledges(
  ctx: ServiceContext,
  viewer: Viewer,
): Promise<{ pledges: MyPledge[]; totals: { co2eKg: number } }> {
  const me = requireParticipant(viewer);
  const pledges = await ctx.db.query<PledgeRow>(
    `select pl.id,
            case when pl.invalidation_id is not null and pl.status = 'confirmed'
                 then 'invalidated' else pl.status end as status,
            pl.show_as,
            t.slug as team_slug, t.name as team_name, pl.details, pl.created_at,
            pl.confirmed_at, pl.withdrawn_at, c.id as challenge_id, c.title,
            c.status as challenge_status, c.action_type, c.closed_at
       from pledge pl
       join participant pt on pt.id = pl.participant_id
       join challenge c on c.id = pl.challenge_id
       left join team t on t.id = pl.team_id
      where pl.participant_id = ?
      order by pl.created_at desc, pl.id desc`,
    [me.participantId],
  );
  const contributions = await ctx.db.query<ContributionRow>(
    `select id, challenge_id, recorded_by, quantity::text as quantity, co2e_kg::text as co2e_kg,
            impact ->> 'source' as source, details, occurred_at, created_at,
            invalidation_id is not null as invalidated
       from contribution
      where participant_id = ?
      order by occurred_at desc, id desc`,
    [me.participantId],
  );
  const closedAt = new Map(pledges.map((p) => [p.challenge_id, p.closed_at]));
  const byChallenge = new Map<string, MyContribution[]>();
  let total = 0;
  for (const row of contributions) {
    const co2eKg = Number(row.co2e_kg);
    // What the organizer invalidated no longer counts, for them either.
    if (!row.invalidated) total += co2eKg;
    const closed = closedAt.get(row.challenge_id) ?? null;
    const until = editableUntil(
      {
        recordedBy: row.recorded_by,
        participantId: me.participantId,
        recordedAt: new Date(row.created_at),
      },
      closed === null ? null : new Date(closed),
      ctx.config.contributionEditDays,
    );
    const list = byChallenge.get(row.challenge_id) ?? [];
    list.push({
      id: row.id,
      quantity: Number(row.quantity),
      co2eKg,
      source: row.source,
      details: row.details,
      occurredAt: iso(row.occurred_at) as string,
      recordedAt: iso(row.created_at) as string,
      editableUntil: iso(until),
    });
    byChallenge.set(row.challenge_id, list);
  }
  return {
    pledges: pledges.map((p) => ({
      id: p.id,
      status: p.status,
      showAs: p.show_as === 'name' ? 'name' : 'anonymous',
      team: p.team_slug !== null ? { slug: p.team_slug, name: p.team_name ?? p.team_slug } : null,
      details: p.details,
      createdAt: iso(p.created_at) as string,
      confirmedAt: iso(p.confirmed_at),
      withdrawnAt: iso(p.withdrawn_at),
      challenge: {
        id: p.challenge_id,
        title: p.title,
        status: p.challenge_status,
        actionType: p.action_type,
        unit: ctx.registry.findActionType(p.action_type)?.unit ?? null,
      },
      contributions: byChallenge.get(p.challenge_id) ?? [],
    })),
    totals: { co2eKg: roundQuantity(total) },
  };
}
