/**
 * One assisted enrolment, as both routes run it: who the resident is, the
 * pledge through core's `enrolResident` (which checks the agent's role and
 * the consent, and records both), then the audit row and the receipt mail.
 */
import { invalid, newId, type PluginContext, type Viewer } from '@tandem/core';
import type { EnrolmentBody } from './schemas.js';
import { SEND_RECEIPT_JOB, type ReceiptJob } from './receipt.js';

/** What enrolments use of the platform: the plugin's tables, core's enrolments, its jobs. */
export type EnrolContext = PluginContext<
  'tables' | 'challenges' | 'organizations' | 'enrolments' | 'jobs'
>;

/** What an enrolment did. */
export interface EnrolOutcome {
  pledgeId: string;
  /** Whether this enrolment made the resident count (false: they already did). */
  confirmedNow: boolean;
  /** The resident's code, upper-cased, when they are known by one. */
  code?: string;
}

/** The challenge being enrolled into, as the routes loaded it. */
export interface EnrolTarget {
  id: string;
  organizationId: string;
}

/** A device clock a little ahead of the server's is not a lie; five minutes is. */
const CLOCK_SKEW_MS = 5 * 60_000;

type ResidentChoice = { email: string } | { code: string } | { newCode: true };

/** The one way the body names the resident; two or none is a client mistake. */
function residentOf(body: EnrolmentBody): ResidentChoice {
  const { email, code, newCode } = body.resident;
  const given = [email, code, newCode].filter((value) => value !== undefined).length;
  if (given !== 1) {
    throw invalid('resident', 'give exactly one of email, code or newCode');
  }
  if (email !== undefined) return { email };
  if (code !== undefined) return { code };
  return { newCode: true };
}

/**
 * When the resident consented: as stated, or when the device recorded the
 * enrolment (an offline tablet syncs hours later, and the receipt must give
 * the day of the visit, not of the sync).
 */
function consentTime(body: EnrolmentBody, now: Date): string | undefined {
  const recordedAt = body.device?.recordedAt;
  if (recordedAt !== undefined && Date.parse(recordedAt) > now.getTime() + CLOCK_SKEW_MS) {
    throw invalid('device/recordedAt', 'must be a time that has passed');
  }
  return body.consent.givenAt ?? recordedAt;
}

/**
 * Records one enrolment. A `newCode` resident gets the code `issueCode`
 * returns: a fresh one for the single route, the one already reserved for a
 * sync item being retried.
 *
 * @throws TandemError 4xx for a client mistake (naming the field), a closed
 *   challenge, or a viewer without the agent role
 */
export async function enrol(
  context: EnrolContext,
  viewer: Viewer,
  challenge: EnrolTarget,
  body: EnrolmentBody,
  issueCode: () => Promise<string>,
): Promise<EnrolOutcome> {
  const choice = residentOf(body);
  const givenAt = consentTime(body, context.now());
  const resident = 'newCode' in choice ? { code: await issueCode() } : choice;
  const enrolment = await context.enrolments.enrol(viewer, challenge.id, {
    resident,
    consent: { ...body.consent, ...(givenAt !== undefined ? { givenAt } : {}) },
    displayName: body.displayName,
    location: body.location,
    team: body.team,
    details: body.details,
    locale: body.locale,
  });

  await context.tables.query(
    `insert into sorting_enrolment
       (id, challenge_id, pledge_id, agent_id, device_id, device_recorded_at, counted)
     values (?, ?, ?, ?, ?, ?, ?)`,
    [
      newId('sen'),
      challenge.id,
      enrolment.pledgeId,
      viewer.kind === 'participant' ? viewer.participantId : null,
      body.device?.id ?? null,
      body.device ? new Date(body.device.recordedAt) : null,
      enrolment.confirmedNow,
    ],
  );

  // Only a pledge this enrolment made count gets a receipt: a resident who
  // already counted learns nothing new, and a replayed sync mails no one twice.
  if (enrolment.confirmedNow && 'email' in resident) {
    const job: ReceiptJob = {
      pledgeId: enrolment.pledgeId,
      recordedAt: givenAt ?? context.now().toISOString(),
      ...(body.locale ? { locale: body.locale } : {}),
    };
    await context.jobs.enqueue(SEND_RECEIPT_JOB, { ...job });
  }

  return {
    pledgeId: enrolment.pledgeId,
    confirmedNow: enrolment.confirmedNow,
    ...(enrolment.code !== undefined ? { code: enrolment.code } : {}),
  };
}
