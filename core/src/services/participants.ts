import { canonicalEmail } from '../domain/email.js';
import { newId } from '../ids.js';
import type { Sql } from '../store/database.js';

export interface ParticipantRef {
  id: string;
  email: string | null;
  displayName: string | null;
}

/**
 * The participant known by this e-mail (any spelling of it: API.md, "Who
 * counts"), created when new. `verified` marks that the person proved they
 * hold the address (a mailed token came back).
 */
export async function upsertParticipant(
  tx: Sql,
  input: { email: string; displayName?: string | null; verified?: boolean },
): Promise<ParticipantRef> {
  const canonical = canonicalEmail(input.email);
  const [row] = await tx.query<{ id: string; email: string | null; display_name: string | null }>(
    `insert into participant (id, canonical_email, email, display_name, verified_at)
     values (?, ?, ?, ?, ?)
     on conflict (canonical_email) do update set
       display_name = coalesce(excluded.display_name, participant.display_name),
       verified_at = coalesce(participant.verified_at, excluded.verified_at)
     returning id, email, display_name`,
    [
      newId('ptc'),
      canonical,
      input.email.trim(),
      input.displayName ?? null,
      input.verified ? new Date() : null,
    ],
  );
  if (!row) throw new Error('participant upsert returned no row');
  return { id: row.id, email: row.email, displayName: row.display_name };
}
