import { TandemError, notFound } from '../errors.js';
import { insertAuditEntries, type AuditActor, type AuditRecord } from '../store/audit.js';
import { loadChallenge, type ChallengeAggregate } from '../store/challenges.js';
import type { Sql } from '../store/unit-of-work.js';
import { hasRole } from './access.js';
import type { ServiceContext, Viewer } from './context.js';

export type { AuditAction, AuditActor, AuditRecord } from '../store/audit.js';

/**
 * Records one change to a challenge, its tiers or its counts in the audit
 * log, inside the caller's transaction (ADR 0039). Every service that
 * changes a challenge calls it in the transaction that makes the change;
 * `details` holds ids and figures, never an e-mail or a name.
 */
export function recordAudit(tx: Sql, record: AuditRecord): Promise<void> {
  return insertAuditEntries(tx, [record]);
}

/**
 * The actor a viewer is in the log: the platform admin token, a person
 * acting with the admin role of `organizationId`, or a participant.
 */
export function actorOf(viewer: Viewer, organizationId: string): AuditActor {
  if (viewer.kind === 'admin')
    return { kind: 'admin', participantId: null, label: 'platform admin' };
  if (viewer.kind === 'participant') {
    return {
      kind: hasRole(viewer, organizationId, 'admin') ? 'admin' : 'participant',
      participantId: viewer.participantId,
    };
  }
  return { kind: 'system', label: 'anonymous' };
}

/**
 * Whether the viewer may read a challenge's integrity records (its audit
 * log, its alerts, its invalidations): the organizer's admins and the admins
 * of an organization that accepted to sponsor one of its tiers — those who
 * answer for the count and those who pay on it. 401 / 403 otherwise; a
 * draft stays hidden (404) from outsiders, as everywhere.
 */
export function assertOrganizerOrSponsor(viewer: Viewer, challenge: ChallengeAggregate): void {
  if (hasRole(viewer, challenge.organizationId, 'admin')) return;
  const sponsors = challenge.tiers.flatMap((t) =>
    t.sponsorId && t.sponsorship === 'accepted' ? [t.sponsorId] : [],
  );
  if (sponsors.some((id) => hasRole(viewer, id, 'admin'))) return;
  if (challenge.status === 'draft' && !hasRole(viewer, challenge.organizationId, 'agent')) {
    throw notFound('challenge', challenge.id);
  }
  if (viewer.kind === 'anonymous') {
    throw new TandemError('TANDEM_AUTH_REQUIRED', 'Sign in to read this.');
  }
  throw new TandemError(
    'TANDEM_AUTH_FORBIDDEN',
    "This is for the organizer's admins and the sponsors' admins.",
  );
}

/** One line of the audit log as the API serves it. */
export interface AuditEntryView {
  id: string;
  at: string;
  actor: { kind: 'participant' | 'admin' | 'system'; label: string };
  action: string;
  details: Record<string, unknown>;
}

/** The most entries one page holds. */
export const AUDIT_PAGE_MAX = 200;

/**
 * `GET /api/challenges/{id}/audit`: the challenge's audit log, newest
 * first, `limit` entries older than the cursor `before` (an entry's id);
 * `next` is the cursor of the following page, `null` on the last.
 *
 * A person's label is read now, not stored: their display name while they
 * have one, else "participant" and their id — never an address.
 */
export async function readAudit(
  ctx: ServiceContext,
  viewer: Viewer,
  challengeId: string,
  page: { before?: string; limit?: number } = {},
): Promise<{ entries: AuditEntryView[]; next: string | null }> {
  const challenge = await loadChallenge(ctx.db, challengeId);
  if (!challenge) throw notFound('challenge', challengeId);
  assertOrganizerOrSponsor(viewer, challenge);
  const limit = Math.min(Math.max(page.limit ?? 50, 1), AUDIT_PAGE_MAX);
  const before = page.before ?? null;
  const rows = await ctx.db.query<{
    seq: string;
    at: Date;
    actor_kind: AuditEntryView['actor']['kind'];
    actor_id: string | null;
    actor_label: string | null;
    display_name: string | null;
    action: string;
    details: Record<string, unknown>;
  }>(
    `select a.seq::text as seq, a.at, a.actor_kind, a.actor_id, a.actor_label, p.display_name,
            a.action, a.details
       from audit_entry a
       left join participant p on p.id = a.actor_id
      where a.challenge_id = ? and (?::bigint is null or a.seq < ?::bigint)
      order by a.seq desc
      limit ?`,
    [challengeId, before, before, limit + 1],
  );
  const entries = rows.slice(0, limit).map((row) => ({
    id: row.seq,
    at: new Date(row.at).toISOString(),
    actor: {
      kind: row.actor_kind,
      label:
        row.actor_label ??
        row.display_name ??
        (row.actor_id ? `participant ${row.actor_id}` : row.actor_kind),
    },
    action: row.action,
    details: row.details,
  }));
  return {
    entries,
    next: rows.length > limit ? (entries.at(-1)?.id ?? null) : null,
  };
}
