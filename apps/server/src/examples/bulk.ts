/**
 * Loading thousands of a campaign's past pledges in a few statements, for
 * the examples whose history is that large (Médiaterre's 5,300 households).
 * One call writes one batch in one transaction: the people, their confirmed
 * pledges dated when they were made, their participation, the counters, and
 * the actions-catalogue plugin's pick counters — exactly what the pledges
 * one by one would leave, so that a recount finds nothing to repair. It
 * sends no mail and appends no event per pledge: these pledges are history,
 * not news (the example evaluates the challenge itself, which records its
 * unlocks and their events).
 */
import { newId, type Platform } from '@tandem/core';
import { ACTIONS_CATALOGUE_ID, pickedActions, slotOf } from '@tandem/plugin-actions-catalogue';

/** One past pledge: who, what, and when it was confirmed. */
export interface PastPledge {
  /** A canonical address already (the examples' synthetic ones are). */
  email: string;
  displayName: string;
  details: Record<string, unknown>;
  at: Date;
  /**
   * The partner organization (its id) the pledge came through, on a
   * federated challenge (ADR 0043); absent or null for the owner.
   */
  via?: string | null;
}

/**
 * The fingerprint purpose core keys a person's identity with
 * (`IDENTITY_PURPOSE` in core's store): the same person pledging later
 * through the API must be found again, not created twice; the examples'
 * test checks it.
 */
const IDENTITY_PURPOSE = 'participant';

/** The key of a challenge's whole counters in `progress_slot`. */
const WHOLE_CHALLENGE = '';
/** The key of a partner's share of the counters (core's `shareKey`). */
const shareKey = (organizationId: string): string => `org:${organizationId}`;

/**
 * Writes `pledges` to the challenge as confirmed pledges of new people, in
 * one transaction. Every address must be new to the challenge (a loaded
 * example's people are): one already there makes it throw, and nothing of
 * the batch is written.
 *
 * @returns how many pledges it wrote
 */
export async function writePastPledges(
  platform: Platform,
  challenge: { id: string; actionType: string },
  pledges: readonly PastPledge[],
): Promise<number> {
  if (pledges.length === 0) return 0;
  const keyring = platform.ctx.keyring;
  const rows = pledges.map((pledge) => ({
    participant: newId('ptc'),
    pledge: newId('plg'),
    fingerprint: keyring.fingerprint(IDENTITY_PURPOSE, pledge.email),
    email: pledge.email,
    name: pledge.displayName,
    details: pledge.details,
    at: pledge.at.toISOString(),
    via: pledge.via ?? null,
  }));
  return platform.db.transaction(async (tx) => {
    const people = await tx.query<{ id: string; identity_fingerprint: string }>(
      `insert into participant (id, identity_fingerprint, canonical_email, email, display_name,
                                locale, created_at)
       select r.participant, r.fingerprint, r.email, r.email, r.name, 'fr', r.at
         from jsonb_to_recordset(?::jsonb)
           as r(participant text, fingerprint text, email text, name text, at timestamptz)
       on conflict (identity_fingerprint) do update set
         display_name = coalesce(participant.display_name, excluded.display_name)
       returning id, identity_fingerprint`,
      [JSON.stringify(rows)],
    );
    const idOf = new Map(people.map((p) => [p.identity_fingerprint, p.id]));
    const written = rows.map((row) => ({ ...row, participant: idOf.get(row.fingerprint) }));
    const inserted = await tx.query<{ id: string }>(
      `with p as (
         insert into pledge (id, challenge_id, participant_id, status, details, display_name,
                             show_as, via_organization_id, created_at, confirmed_at)
         select r.pledge, ?, r.participant, 'confirmed', r.details, r.name, 'anonymous', r.via,
                r.at, r.at
           from jsonb_to_recordset(?::jsonb)
             as r(pledge text, participant text, details jsonb, name text, via text,
                  at timestamptz)
         on conflict (challenge_id, participant_id) do nothing
         returning id, participant_id, via_organization_id
       ), counted as (
         insert into participation (challenge_id, participant_id, team_id, pledged, contributions,
                                    via_organization_id)
         select ?, participant_id, ?, true, 0, via_organization_id from p
         on conflict (challenge_id, participant_id) do nothing
         returning participant_id
       )
       select p.id from p join counted using (participant_id)`,
      [challenge.id, JSON.stringify(written), challenge.id, WHOLE_CHALLENGE],
    );
    if (inserted.length !== rows.length) {
      throw new Error(
        `${rows.length - inserted.length} of these people already pledged to or acted in challenge ${challenge.id}; past pledges are for new people only.`,
      );
    }
    // The whole challenge's counter, and each partner's share (the owner's is the rest).
    const counters = new Map<string, number>([[WHOLE_CHALLENGE, inserted.length]]);
    for (const row of rows) {
      if (row.via) counters.set(shareKey(row.via), (counters.get(shareKey(row.via)) ?? 0) + 1);
    }
    await tx.query(
      `insert into progress_slot (challenge_id, team_id, slot, participants, quantity, co2e_kg)
       select ?, r.key, 0, r.n, 0, 0 from jsonb_to_recordset(?::jsonb) as r(key text, n integer)
       on conflict (challenge_id, team_id, slot)
         do update set participants = progress_slot.participants + excluded.participants`,
      [challenge.id, JSON.stringify([...counters].map(([key, n]) => ({ key, n })))],
    );
    if (challenge.actionType === ACTIONS_CATALOGUE_ID) await countPicks(tx, challenge.id, written);
    return inserted.length;
  });
}

/**
 * The actions-catalogue plugin's counters for these pledges, as its
 * `pledge.confirmed` handler would leave them: what each pledge is counted
 * for, and each action's picks in the pledge's slot.
 */
async function countPicks(
  tx: { query: Platform['db']['query'] },
  challengeId: string,
  rows: readonly { pledge: string; details: Record<string, unknown> }[],
): Promise<void> {
  const counted = rows.map((row) => ({
    pledge: row.pledge,
    actions: pickedActions(row.details),
  }));
  await tx.query(
    `insert into actions_catalogue_pledge (pledge_id, challenge_id, actions)
     select r.pledge, ?, r.actions from jsonb_to_recordset(?::jsonb) as r(pledge text, actions jsonb)`,
    [challengeId, JSON.stringify(counted)],
  );
  const picks = new Map<string, { action: string; slot: number; picks: number }>();
  for (const row of counted) {
    const slot = slotOf(row.pledge);
    for (const action of row.actions) {
      const key = `${action}/${slot}`;
      const entry = picks.get(key) ?? { action, slot, picks: 0 };
      entry.picks++;
      picks.set(key, entry);
    }
  }
  if (picks.size === 0) return;
  await tx.query(
    `insert into actions_catalogue_pick (challenge_id, action_id, slot, picks)
     select ?, r.action, r.slot, r.picks
       from jsonb_to_recordset(?::jsonb) as r(action text, slot smallint, picks integer)
     on conflict (challenge_id, action_id, slot)
       do update set picks = actions_catalogue_pick.picks + excluded.picks`,
    [challengeId, JSON.stringify([...picks.values()])],
  );
}
