import type { Sql } from './unit-of-work.js';

/**
 * Who made a change the audit log records. A person by participant id
 * only (their label is read when the log is read, so an erasure never has
 * to rewrite the log); the platform's own processes by name.
 */
export type AuditActor =
  | { kind: 'participant' | 'admin'; participantId: string }
  | { kind: 'admin'; participantId: null; label: 'platform admin' }
  | { kind: 'system'; label: string };

/** What happened, as the log names it; new mutations add their own (ADR 0039). */
export type AuditAction =
  | 'challenge.created'
  | 'challenge.edited'
  | 'challenge.deleted'
  | 'challenge.opened'
  | 'challenge.succeeded'
  | 'challenge.closed'
  | 'tier.unlocked'
  | 'tier.fulfilled'
  | 'tier.edited'
  | 'sponsorship.accepted'
  | 'sponsorship.declined'
  | 'count.corrected'
  | 'pledges.invalidated'
  | 'pledges.restored'
  | 'partner.invited'
  | 'partner.accepted'
  | 'partner.declined'
  | 'partner.left'
  | 'partner.withdrawn'
  | 'partner.tier-added'
  | 'partner.tier-unlocked'
  | (string & {});

/** One change to record. `details` must hold no personal data (no e-mail, no name). */
export interface AuditRecord {
  challengeId: string;
  organizationId: string;
  actor: AuditActor;
  action: AuditAction;
  details?: Record<string, unknown>;
}

/**
 * Appends entries to the audit log inside the caller's transaction: they
 * commit with the change they describe, or not at all. The table refuses
 * updates and deletes (a trigger), so this is its only writer.
 */
export async function insertAuditEntries(tx: Sql, records: readonly AuditRecord[]): Promise<void> {
  if (records.length === 0) return;
  const values = records.map(() => '(?, ?, ?, ?, ?, ?, ?::jsonb)').join(', ');
  await tx.query(
    `insert into audit_entry (challenge_id, organization_id, actor_kind, actor_id, actor_label,
                              action, details)
     values ${values}`,
    records.flatMap((record) => [
      record.challengeId,
      record.organizationId,
      record.actor.kind,
      'participantId' in record.actor ? record.actor.participantId : null,
      'label' in record.actor ? record.actor.label : null,
      record.action,
      JSON.stringify(record.details ?? {}),
    ]),
  );
}
