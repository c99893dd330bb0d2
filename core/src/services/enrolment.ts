import { parseEmailField, type EmailAddress } from '../domain/email.js';
import { acceptsPledges } from '../domain/lifecycle.js';
import { conflict, invalid, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { loadChallenge, toChallengeState } from '../store/challenges.js';
import { requireRole } from './access.js';
import { assertPersonInAudience } from './audience.js';
import type { ServiceContext, Viewer } from './context.js';
import { findCampaign } from './organizations.js';
import {
  RESIDENT_CODE_PATTERN,
  upsertParticipant,
  upsertParticipantByCode,
} from '../store/participants.js';
import { checkPledgeData, confirmPledgeRow, type PledgeInput } from './pledges.js';

/** Who the resident is: their e-mail, or a code the agent gave them. */
export type Resident = { email: string } | { code: string };

export interface EnrolmentInput extends Omit<PledgeInput, 'email'> {
  resident: Resident;
  /** The consent the resident gave the agent, as it was read to them. */
  consent: { given: boolean; text: string; givenAt?: string };
}

export interface Enrolment {
  pledgeId: string;
  participantId: string;
  status: 'confirmed';
  /** Whether this call made the pledge count (false when it already did). */
  confirmedNow: boolean;
  /** The resident's code (upper-cased), when they were enrolled by code. */
  code?: string;
}

/**
 * Assisted enrolment: an organization's agent records a resident's pledge
 * (door to door, on a tablet). The resident's consent is recorded with the
 * pledge; the agent's attestation stands in for the e-mail round trip, so
 * the pledge counts at once. Callers mail a receipt to residents who gave
 * an address, so that someone enrolled by mistake can withdraw.
 */
export async function enrolResident(
  ctx: ServiceContext,
  viewer: Viewer,
  challengeId: string,
  input: EnrolmentInput,
): Promise<Enrolment> {
  const challenge = await loadChallenge(ctx.db, challengeId);
  if (!challenge) throw notFound('challenge', challengeId);
  requireRole(viewer, challenge.organizationId, 'agent');
  const acceptance = acceptsPledges(toChallengeState(challenge), ctx.now());
  if (!acceptance.ok)
    throw conflict(`This challenge takes no pledges: ${acceptance.reason}.`, acceptance.code);
  if (input.consent.given !== true) {
    throw invalid(
      'consent/given',
      'must be true: a pledge is recorded only with the resident’s consent',
    );
  }
  if (!input.consent.text.trim())
    throw invalid('consent/text', 'must say what the resident agreed to');
  const givenAt = input.consent.givenAt ? new Date(input.consent.givenAt) : ctx.now();
  if (Number.isNaN(givenAt.getTime()) || givenAt.getTime() > ctx.now().getTime() + 5 * 60_000) {
    throw invalid('consent/givenAt', 'must be a time that has passed');
  }
  const resident = input.resident;
  // Read once, here: the person is found by the parsed address's canonical form.
  const identity: { email: EmailAddress } | { code: string } =
    'email' in resident
      ? { email: parseEmailField(resident.email, 'resident/email') }
      : { code: resident.code };
  if ('code' in identity && !RESIDENT_CODE_PATTERN.test(identity.code)) {
    throw invalid('resident/code', 'must be 4 to 32 letters, digits or dashes');
  }
  const data = await checkPledgeData(ctx, challenge, input);
  const campaign = await findCampaign(ctx.db, challenge.campaignId);
  const recordedBy = viewer.kind === 'participant' ? viewer.participantId : null;

  const result = await ctx.db.transaction(async (tx) => {
    const participant =
      'email' in identity
        ? await upsertParticipant(tx, ctx.keyring, {
            email: identity.email,
            displayName: data.displayName,
            ...(input.locale ? { locale: input.locale } : {}),
          })
        : await upsertParticipantByCode(tx, {
            organizationId: challenge.organizationId,
            code: identity.code,
            displayName: data.displayName,
          });
    // The agent is in the audience; the resident they enrol must be too.
    await assertPersonInAudience(tx, campaign, participant);
    const confirmed = await confirmPledgeRow(tx, challenge, participant.id, data, {
      assisted: true,
    });
    await tx.query(
      `insert into consent_record (id, participant_id, challenge_id, recorded_by, text, given_at)
       values (?, ?, ?, ?, ?, ?)`,
      [newId('cns'), participant.id, challenge.id, recordedBy, input.consent.text.trim(), givenAt],
    );
    return { participantId: participant.id, ...confirmed };
  });
  return {
    pledgeId: result.id,
    participantId: result.participantId,
    status: 'confirmed',
    confirmedNow: result.confirmedNow,
    ...('code' in resident ? { code: resident.code.toUpperCase() } : {}),
  };
}
