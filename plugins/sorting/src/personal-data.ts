/**
 * What the sorting plugin holds about a person: the audit rows of the
 * enrolments agents recorded for them, and the offline-sync items that
 * carried those enrolments (their fingerprint is a hash of the body the
 * tablet sent, address and name included). The pledge and the consent
 * themselves are core's, exported and erased by core.
 */
import type { PersonalDataHooks } from '@tandem/core';

/** Pledges of the person, as a subquery on their participant id. */
const THEIR_PLEDGES = 'select id from pledge where participant_id = ?';

/** The `personalData` hooks of the sorting action type. */
export const sortingPersonalData: PersonalDataHooks = {
  async export({ subject, sql }) {
    const enrolments = await sql.query<{
      challenge_id: string;
      pledge_id: string;
      device_id: string | null;
      device_recorded_at: Date | null;
      counted: boolean;
      created_at: Date;
    }>(
      `select challenge_id, pledge_id, device_id, device_recorded_at, counted, created_at
         from sorting_enrolment where pledge_id in (${THEIR_PLEDGES}) order by created_at, id`,
      [subject.participantId],
    );
    const synced = await sql.query<{ key: string; challenge_id: string; code: string | null }>(
      `select key, challenge_id, code from sorting_sync_item
        where result ->> 'pledgeId' in (${THEIR_PLEDGES}) order by claimed_at, key`,
      [subject.participantId],
    );
    if (enrolments.length === 0 && synced.length === 0) return null;
    return {
      enrolments: enrolments.map((row) => ({
        challengeId: row.challenge_id,
        pledgeId: row.pledge_id,
        deviceId: row.device_id,
        deviceRecordedAt: row.device_recorded_at
          ? new Date(row.device_recorded_at).toISOString()
          : null,
        counted: row.counted,
        recordedAt: new Date(row.created_at).toISOString(),
      })),
      syncedItems: synced.map((row) => ({
        key: row.key,
        challengeId: row.challenge_id,
        ...(row.code !== null ? { code: row.code } : {}),
      })),
    };
  },

  async erase({ subject, sql }) {
    // The pledge stays (anonymous, still counted); who recorded it from
    // which tablet, and the synced body's fingerprint, go with the person.
    // A tablet that syncs one of these items again re-enrols the resident
    // it names: that is a new pledge by a person who came back, counted once.
    await sql.query(
      `delete from sorting_sync_item where result ->> 'pledgeId' in (${THEIR_PLEDGES})`,
      [subject.participantId],
    );
    await sql.query(`delete from sorting_enrolment where pledge_id in (${THEIR_PLEDGES})`, [
      subject.participantId,
    ]);
  },
};
