/**
 * What the collection plugin holds about a person. Its own table holds the
 * organizations' collection points, nobody's data; weigh-ins are core's
 * contributions, exported and kept by core (their weight counts). What a
 * weigh-in may say about the person is its free-text `note`, removed here.
 */
import type { PersonalDataHooks } from '@tandem/core';
import { COLLECTION_ID } from './routes.js';

/** The `personalData` hooks of the collection action type. */
export const collectionPersonalData: PersonalDataHooks = {
  // Nothing beyond the weigh-ins core exports as the person's contributions.
  export: () => null,
  async erase({ subject, sql }) {
    await sql.query(
      `update contribution set details = details - 'note'
        where participant_id = ? and jsonb_exists(details, 'note')
          and challenge_id in (select id from challenge where action_type = ?)`,
      [subject.participantId, COLLECTION_ID],
    );
  },
};
