/**
 * What the actions-catalogue plugin holds about a person: which actions
 * each of their pledges is counted for. On erasure core blanks the pledge's
 * details; this plugin's record of what the pledge counts for stays, with
 * no name attached, so that the pick counters stay true — and move right
 * if the person comes back and picks other actions (see picks.ts).
 */
import type { PersonalDataHooks } from '@tandem/core';

/** The `personalData` hooks of the actions-catalogue action type. */
export const actionsCataloguePersonalData: PersonalDataHooks = {
  async export({ subject, sql }) {
    const rows = await sql.query<{ pledge_id: string; challenge_id: string; actions: unknown }>(
      `select c.pledge_id, c.challenge_id, c.actions from actions_catalogue_pledge c
         join pledge p on p.id = c.pledge_id
        where p.participant_id = ? order by c.updated_at, c.pledge_id`,
      [subject.participantId],
    );
    if (rows.length === 0) return null;
    return {
      picks: rows.map((row) => ({
        pledgeId: row.pledge_id,
        challengeId: row.challenge_id,
        actions: row.actions,
      })),
    };
  },
  // Anonymous counts only: nothing left that names the person.
  erase: () => undefined,
};
