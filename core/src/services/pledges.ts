import { parseEmailField } from '../domain/email.js';
import { acceptsPledges } from '../domain/lifecycle.js';
import { mapCellOf, parseLocation, type LocationInput } from '../domain/location.js';
import type { ChallengeState, GeoPoint } from '../domain/types.js';
import { conflict, invalid, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { renderMail } from '../mail/templates.js';
import { definitionsOf, loadChallengeForWrite } from '../store/challenge-definitions.js';
import { loadChallenge, toChallengeState, type ChallengeRecord } from '../store/challenges.js';
import type { Sql } from '../store/database.js';
import { withinUnitOfWork, type Tx } from '../store/unit-of-work.js';
import { appendEvents, EventTypes } from '../store/outbox.js';
import { hasRole, requireParticipant } from './access.js';
import { assertAudienceEmail, assertViewerInAudience } from './audience.js';
import type { ServiceContext, Viewer } from './context.js';
import { enforceMailLimit } from './mail-limit.js';
import { findCampaign, type CampaignRecord } from './organizations.js';
import type { PartnerStatus } from '../store/partners.js';
import type { Audience } from './context.js';
import { applyParticipation } from '../store/participation.js';
import { communeOfPostcode } from '../store/communes.js';
import { applyMapPresence } from '../store/map.js';
import { networkKeyOf } from './network.js';
import {
  setParticipantLocale,
  upsertParticipant,
  type ParticipantLocale,
} from '../store/participants.js';
import { TOKEN_TTL_MINUTES, issueToken, markTokenUsed, takeToken } from '../store/tokens.js';

export interface PledgeInput {
  /** The address as the client typed it; read once by {@link pledge}. */
  email?: string;
  displayName?: string;
  /** A postcode, a point (rounded by the browser), or both; kept only as a commune and a map cell. */
  location?: LocationInput;
  /** Whether the feed may show `displayName`; anonymous by default. */
  showAs?: ShowAs;
  team?: string;
  details?: Record<string, unknown>;
  locale?: 'fr' | 'en';
  /**
   * The slug of the organization whose pages the pledge came through: the
   * owner's or an accepted partner's (ADR 0043); the owner when absent.
   */
  via?: string;
}

/** How the feed shows a pledge's person: by name, or as "someone from" their commune. */
export type ShowAs = 'name' | 'anonymous';

/**
 * What a pledge holds besides who made it, checked and ready to store.
 * Where it was made is kept as coarse as the map needs (docs/privacy.md):
 * a 200 m grid cell and a commune, never coordinates.
 */
export interface PledgeData {
  details: Record<string, unknown>;
  displayName: string | null;
  mapCell: string | null;
  communeCode: string | null;
  showAs: ShowAs;
  teamId: string | null;
  /**
   * The partner organization the pledge came through (ADR 0043); null or
   * absent for the owner. Kept on a pending pledge and in its link, so
   * that it survives the mailed confirmation.
   */
  viaOrganizationId?: string | null;
  /**
   * A keyed hash of the network range the pledge was made from (ADR 0039),
   * never the address; absent when an agent recorded it.
   */
  networkKey?: string | null;
}

/**
 * Pledge data as a confirmation link carried it. Links minted before the
 * map grid carried a rounded point (`location`) instead of a cell; they
 * still confirm, the point becoming its cell.
 */
export function pledgeDataOf(
  stored: Omit<PledgeData, 'mapCell' | 'communeCode' | 'showAs'> &
    Partial<Pick<PledgeData, 'mapCell' | 'communeCode' | 'showAs'>> & {
      location?: GeoPoint | null;
    },
): PledgeData {
  const { location, ...data } = stored;
  return {
    ...data,
    mapCell: data.mapCell ?? (location ? mapCellOf(location) : null),
    communeCode: data.communeCode ?? null,
    showAs: data.showAs ?? 'anonymous',
  };
}

/** The organization a pledge came through: null for the owner (ADR 0043). */
export interface ResolvedVia {
  organizationId: string | null;
  /** The partner's own audience rule; absent for the owner, whose campaign's applies. */
  audience?: Audience;
}

/**
 * Reads a pledge's `via`: the owner's slug (or none) is the owner; an
 * accepted partner's is that partner, with its audience rule. Anything
 * else — an unknown slug, a partner invited but not accepted, one that
 * declined or left — is a 400 naming `via`.
 */
export async function resolveVia(
  sql: Sql,
  challenge: Pick<ChallengeRecord, 'id' | 'organizationId'>,
  slug: string | undefined,
): Promise<ResolvedVia> {
  if (slug === undefined) return { organizationId: null };
  const [row] = await sql.query<{
    id: string;
    status: PartnerStatus | null;
    audience: Audience | null;
  }>(
    `select o.id, cp.status, cp.audience
       from organization o
       left join challenge_partner cp on cp.organization_id = o.id and cp.challenge_id = ?
      where o.slug = ?`,
    [challenge.id, slug],
  );
  if (row && row.id === challenge.organizationId) return { organizationId: null };
  if (!row || row.status !== 'accepted' || !row.audience) {
    throw invalid('via', `"${slug}" is not an organization that feeds this challenge`);
  }
  return { organizationId: row.id, audience: row.audience };
}

/** Whose audience rule a write through `via` answers to: the partner's, else the campaign's. */
const audienceOf = (
  campaign: CampaignRecord,
  via: ResolvedVia,
): Pick<CampaignRecord, 'organizationId' | 'audience'> =>
  via.organizationId !== null && via.audience
    ? { organizationId: via.organizationId, audience: via.audience }
    : campaign;

export type PledgeAnswer =
  | { status: 201 | 200; body: { id: string; status: 'confirmed' } }
  | { status: 202; body: { status: 'pending' } };

/** What `acceptsPledges` reads: the live state alone (no tier matters to it). */
const liveState = (challenge: ChallengeRecord): ChallengeState => ({
  status: challenge.status,
  tiers: [],
  unlocked: {},
  fulfilled: [],
  deadline: challenge.deadline,
  closedAt: challenge.closedAt,
});

/**
 * The challenge, if it takes pledges now. A draft is invisible (404) to
 * whoever may not see drafts, as everywhere; to its organization's agents
 * and admins, who can see it, it is a state problem (409).
 */
async function loadPledgeable(
  ctx: ServiceContext,
  viewer: Viewer,
  challengeId: string,
  sql: Sql = ctx.db,
  /** The slug a pledge names as `via`: a partner's audience rule then applies instead of the campaign's. */
  via?: string,
): Promise<{ challenge: ChallengeRecord; campaign: CampaignRecord; via: ResolvedVia }> {
  // The definition and the campaign are remembered once the challenge is
  // open; only its state (status, deadline, closing) is read every time.
  const definitions = definitionsOf(ctx.db);
  const challenge = await loadChallengeForWrite(sql, definitions, challengeId);
  if (!challenge) throw notFound('challenge', challengeId);
  if (challenge.status === 'draft' && !hasRole(viewer, challenge.organizationId, 'agent')) {
    throw notFound('challenge', challengeId);
  }
  const campaign = await definitions.remember(`campaign/${challenge.campaignId}`, () =>
    findCampaign(sql, challenge.campaignId),
  );
  // Once a challenge is open, an accepted partner stays accepted with its
  // audience (answers come only from `invited`, leaving only before the
  // opening): its answer is remembered too. A refusal throws and is not.
  const resolved =
    via === undefined || challenge.status === 'draft'
      ? await resolveVia(sql, challenge, via)
      : await definitions.remember(`via/${challenge.id}/${via}`, () =>
          resolveVia(sql, challenge, via),
        );
  // The audience before the state: an outsider gets 403, whatever the challenge's state.
  assertViewerInAudience(viewer, audienceOf(campaign, resolved));
  const acceptance = acceptsPledges(liveState(challenge), ctx.now());
  if (!acceptance.ok)
    throw conflict(`This challenge takes no pledges: ${acceptance.reason}.`, acceptance.code);
  return { challenge, campaign, via: resolved };
}

export async function checkPledgeData(
  ctx: ServiceContext,
  challenge: ChallengeRecord,
  input: PledgeInput,
): Promise<PledgeData> {
  const actionType = ctx.registry.actionType(challenge.actionType);
  const details = actionType.validatePledge(input.details, challenge.actionSettings);
  let mapCell: string | null = null;
  let communeCode: string | null = null;
  if (input.location !== undefined) {
    const location = parseLocation(input.location, 'location');
    if (location.postcode !== null) {
      const commune = communeOfPostcode(location.postcode);
      if (!commune) throw invalid('location/postcode', 'is no French postcode we know');
      communeCode = commune.code;
    }
    if (location.point) mapCell = mapCellOf(location.point, 'location');
  }
  let teamId: string | null = null;
  if (input.team !== undefined) {
    const [team] = await ctx.db.query<{ id: string }>(
      'select id from team where campaign_id = ? and (slug = ? or id = ?)',
      [challenge.campaignId, input.team, input.team],
    );
    if (!team) throw invalid('team', `no team "${input.team}" in this campaign`);
    teamId = team.id;
  }
  return {
    details,
    displayName: input.displayName?.trim() || null,
    mapCell,
    communeCode,
    showAs: input.showAs ?? 'anonymous',
    teamId,
    viaOrganizationId:
      input.via === undefined
        ? null
        : (await resolveVia(ctx.db, challenge, input.via)).organizationId,
  };
}

/**
 * Makes (or revives, or confirms) the person's one live pledge and counts
 * them, in the caller's transaction. A pledge whose person erased their data
 * and came back is revived too: it takes the new details, and since it
 * still counted, the count does not move. A pledge an organizer
 * invalidated (ADR 0039) is never revived this way: it stays out of the
 * counts until its batch is restored.
 *
 * @returns the pledge id and whether it just became confirmed
 */
export async function confirmPledgeRow(
  tx: Tx,
  challenge: Pick<ChallengeRecord, 'id' | 'organizationId'>,
  participantId: string,
  data: PledgeData,
  options: { assisted?: boolean; signedIn?: boolean } = {},
): Promise<{ id: string; confirmedNow: boolean }> {
  const rows = await tx.query<{ id: string }>(
    `insert into pledge (id, challenge_id, participant_id, status, details, display_name,
                         map_cell, commune_code, show_as, team_id, network_key,
                         via_organization_id, confirmed_at)
     values (?, ?, ?, 'confirmed', ?::jsonb, ?, ?, ?, ?, ?, ?, ?, now())
     on conflict (challenge_id, participant_id) do update set
       status = 'confirmed', details = excluded.details, display_name = excluded.display_name,
       map_cell = excluded.map_cell, commune_code = excluded.commune_code,
       show_as = excluded.show_as, team_id = excluded.team_id,
       via_organization_id = excluded.via_organization_id,
       network_key = coalesce(excluded.network_key, pledge.network_key),
       confirmed_at = now(), withdrawn_at = null, erased_at = null
     where (pledge.status <> 'confirmed' or pledge.erased_at is not null)
       and pledge.invalidation_id is null
     returning id`,
    [
      newId('plg'),
      challenge.id,
      participantId,
      JSON.stringify(data.details),
      data.displayName,
      data.mapCell,
      data.communeCode,
      data.showAs,
      data.teamId,
      data.networkKey ?? null,
      data.viaOrganizationId ?? null,
    ],
  );
  const confirmed = rows[0];
  if (!confirmed) {
    const [existing] = await tx.query<{ id: string }>(
      'select id from pledge where challenge_id = ? and participant_id = ?',
      [challenge.id, participantId],
    );
    if (!existing) throw new Error('pledge neither inserted nor found');
    return { id: existing.id, confirmedNow: false };
  }
  // A person already counting keeps the share they first counted in.
  const delta = await applyParticipation(tx, challenge.id, participantId, {
    pledged: true,
    teamId: data.teamId,
    via: data.viaOrganizationId ?? null,
  });
  // Whatever it was before (new, pending, withdrawn, erased), the pledge
  // was off the map: it joins it now, where it says it is.
  await applyMapPresence(tx, challenge.id, data, 1);
  await appendEvents(tx, [
    {
      type: EventTypes.pledgeConfirmed,
      challengeId: challenge.id,
      organizationId: challenge.organizationId,
      payload: {
        pledgeId: confirmed.id,
        participantId,
        teamId: data.teamId,
        participantsDelta: delta,
        // Recorded by an agent (door to door): the plugin that enrolled them sends its own receipt.
        ...(options.assisted ? { assisted: true } : {}),
        // Pledged with a session: the answer told them, no mail follows.
        ...(options.signedIn ? { signedIn: true } : {}),
      },
    },
  ]);
  return { id: confirmed.id, confirmedNow: true };
}

/**
 * `POST /api/challenges/{id}/pledges`. Signed in: the pledge is confirmed at
 * once (201, or 200 with the existing one). Anonymous: a confirmation mail
 * goes out and the answer is 202 whether or not the address already pledged,
 * so nobody can probe who pledged.
 */
export async function pledge(
  ctx: ServiceContext,
  viewer: Viewer,
  challengeId: string,
  input: PledgeInput,
  /** Where the request came from: only a keyed hash of its range is kept (ADR 0039). */
  origin: { address?: string } = {},
): Promise<PledgeAnswer> {
  const { challenge, campaign, via } = await loadPledgeable(
    ctx,
    viewer,
    challengeId,
    ctx.db,
    input.via,
  );
  const { via: _named, ...rest } = input;
  const data: PledgeData = {
    ...(await checkPledgeData(ctx, challenge, rest)),
    viaOrganizationId: via.organizationId,
    networkKey: networkKeyOf(ctx.keyring, origin.address),
  };

  // A participant's own address was held to the audience by loadPledgeable.
  if (viewer.kind === 'participant') {
    const result = await ctx.db.transaction(async (tx) => {
      // Before the pledge: the mails its event triggers read the language.
      if (input.locale) await setParticipantLocale(tx, viewer.participantId, input.locale);
      return confirmPledgeRow(tx, challenge, viewer.participantId, data, { signedIn: true });
    });
    return {
      status: result.confirmedNow ? 201 : 200,
      body: { id: result.id, status: 'confirmed' },
    };
  }

  if (input.email === undefined) throw invalid('email', 'is required when not signed in');
  // Read once: the audience rule, the limit, the person, the token and the
  // mail all take this value, and the mail goes to its canonical form.
  const email = parseEmailField(input.email, 'email');
  assertAudienceEmail(audienceOf(campaign, via).audience, email, false);
  await enforceMailLimit(ctx, email);
  const { token, expiresInMinutes } = await ctx.db.transaction(async (tx) => {
    const participant = await upsertParticipant(tx, ctx.keyring, { email });
    // `confirm_by` follows the newest link, so the purge never takes a
    // pending pledge whose confirmation could still come.
    await tx.query(
      `insert into pledge (id, challenge_id, participant_id, status, details, display_name,
                           map_cell, commune_code, show_as, team_id, network_key,
                           via_organization_id, confirm_by)
       values (?, ?, ?, 'pending', ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?)
       on conflict (challenge_id, participant_id) do update set confirm_by = excluded.confirm_by
         where pledge.status = 'pending'`,
      [
        newId('plg'),
        challenge.id,
        participant.id,
        JSON.stringify(data.details),
        data.displayName,
        data.mapCell,
        data.communeCode,
        data.showAs,
        data.teamId,
        data.networkKey ?? null,
        data.viaOrganizationId ?? null,
        new Date(ctx.now().getTime() + TOKEN_TTL_MINUTES['pledge-confirmation'] * 60_000),
      ],
    );
    return issueToken(
      tx,
      'pledge-confirmation',
      email,
      // The language travels with the token and is stored on confirmation
      // only: whoever types an address must not change that person's mails.
      { challengeId: challenge.id, ...data, ...(input.locale ? { locale: input.locale } : {}) },
      ctx.now(),
    );
  });
  // The site's /confirm page asks for a click (only its POST confirms) and
  // then leads back to the challenge it names.
  const link = `${ctx.config.publicUrl}/confirm?token=${encodeURIComponent(token)}&challenge=${encodeURIComponent(challenge.id)}`;
  const mail = renderMail('pledge-confirmation', input.locale ?? 'fr', {
    link,
    token,
    challengeTitle: challenge.title,
    expiresInMinutes,
    ...(data.displayName ? { displayName: data.displayName } : {}),
  });
  await ctx.mailer.send({ to: email, ...mail, purpose: 'pledge-confirmation', token });
  return { status: 202, body: { status: 'pending' } };
}

/**
 * `POST /api/pledges/confirm`: the mailed token comes back. A token already
 * used answers its first result again until it expires.
 */
export async function confirmPledge(
  ctx: ServiceContext,
  token: string,
  /** The caller's unit of work to join. */
  tx?: Tx,
): Promise<{ id: string; status: 'confirmed' }> {
  const result = await withinUnitOfWork(ctx.db, tx, async (tx) => {
    const stored = await takeToken(tx, 'pledge-confirmation', token, ctx.now());
    if (stored.usedAt && stored.result) {
      return { answer: stored.result as { id: string; status: 'confirmed' }, confirmedNow: false };
    }
    const payload = stored.payload as unknown as Parameters<typeof pledgeDataOf>[0] & {
      challengeId: string;
      locale?: ParticipantLocale;
    };
    const challenge = await loadChallenge(tx, payload.challengeId);
    if (!challenge) throw notFound('challenge', payload.challengeId);
    const acceptance = acceptsPledges(toChallengeState(challenge), ctx.now());
    if (!acceptance.ok)
      throw conflict(`This challenge takes no pledges: ${acceptance.reason}.`, acceptance.code);
    const participant = await upsertParticipant(tx, ctx.keyring, {
      email: stored.email,
      displayName: payload.displayName,
      verified: true,
      locale: payload.locale,
    });
    const confirmed = await confirmPledgeRow(
      tx,
      challenge,
      participant.id,
      pledgeDataOf({
        details: payload.details,
        displayName: payload.displayName,
        teamId: payload.teamId,
        mapCell: payload.mapCell,
        communeCode: payload.communeCode,
        showAs: payload.showAs,
        networkKey: payload.networkKey ?? null,
        viaOrganizationId: payload.viaOrganizationId ?? null,
        location: payload.location,
      }),
    );
    const answer = { id: confirmed.id, status: 'confirmed' as const };
    await markTokenUsed(tx, stored.hash, answer);
    return { answer, confirmedNow: confirmed.confirmedNow };
  });
  return result.answer;
}

/** `DELETE /api/pledges/{id}`: the participant withdraws; they stop counting unless they reported. */
export async function withdrawPledge(
  ctx: ServiceContext,
  viewer: Viewer,
  pledgeId: string,
  /** The caller's unit of work to join. */
  tx?: Tx,
): Promise<{ id: string; status: 'withdrawn' }> {
  const me = requireParticipant(viewer);
  await withinUnitOfWork(ctx.db, tx, async (tx) => {
    const [row] = await tx.query<{
      challenge_id: string;
      participant_id: string;
      status: string;
      erased_at: Date | null;
      map_cell: string | null;
      commune_code: string | null;
      organization_id: string;
      closed_at: Date | null;
      invalidation_id: string | null;
    }>(
      `select p.challenge_id, p.participant_id, p.status, p.erased_at, p.map_cell, p.commune_code,
              c.organization_id, c.closed_at, p.invalidation_id
         from pledge p join challenge c on c.id = p.challenge_id
        where p.id = ? for update of p`,
      [pledgeId],
    );
    // Someone else's pledge is not found: its existence is not theirs to know.
    if (!row || row.participant_id !== me.participantId) throw notFound('pledge', pledgeId);
    if (row.status === 'withdrawn') return false;
    if (row.closed_at)
      throw conflict(
        'The challenge is closed; its pledges stay as they were.',
        'TANDEM_CHALLENGE_CLOSED',
      );
    await tx.query(`update pledge set status = 'withdrawn', withdrawn_at = now() where id = ?`, [
      pledgeId,
    ]);
    if (row.status !== 'confirmed') return false;
    const delta = await applyParticipation(tx, row.challenge_id, me.participantId, {
      pledged: false,
    });
    // An erased pledge left the map when it was erased, an invalidated one
    // when it was invalidated (and its participation was already taken off).
    if (row.erased_at === null && row.invalidation_id === null) {
      await applyMapPresence(
        tx,
        row.challenge_id,
        { mapCell: row.map_cell, communeCode: row.commune_code },
        -1,
      );
    }
    await appendEvents(tx, [
      {
        type: EventTypes.pledgeWithdrawn,
        challengeId: row.challenge_id,
        organizationId: row.organization_id,
        payload: { pledgeId, participantId: me.participantId, participantsDelta: delta },
      },
    ]);
    return true;
  });
  return { id: pledgeId, status: 'withdrawn' };
}

export { loadPledgeable };
