/**
 * What the collection plugin holds about a person. Its own table holds the
 * organizations' collection points, nobody's data; weigh-ins are core's
 * contributions, exported and kept by core (their weight counts). What a
 * weigh-in may say about the person is its free-text `note`, removed here.
 * A synced weigh-in's row in `collection_sync_item` names the agent (its
 * scope) and, through its fingerprint, a hash of the body that may hold the
 * resident's address.
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
    // The fingerprint goes; the key stays, so that a tablet syncing it again
    // is refused (a mismatch) rather than counting the weigh-in a second time.
    await sql.query(
      `update collection_sync_item set fingerprint = 'erased'
        where result ->> 'weighInId' in (select id from contribution where participant_id = ?)`,
      [subject.participantId],
    );
    // An agent's own keys: who synced what is theirs.
    await sql.query('delete from collection_sync_item where scope = ?', [subject.participantId]);
  },
};
