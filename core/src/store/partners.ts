import type { Progress } from '../domain/types.js';
import type { Sql } from './database.js';
import { roundQuantity, SHARE_PREFIX } from './progress.js';

/** Who may write through a partner's pages: the shape of a campaign's audience. */
export type PartnerAudience =
  { type: 'public' } | { type: 'members' } | { type: 'email-domain'; domains: string[] };

/** Where a partner stands in a federated challenge (ADR 0043). */
export type PartnerStatus = 'invited' | 'accepted' | 'declined' | 'left';

/** One partner row with its organization. */
export interface PartnerRecord {
  challengeId: string;
  organizationId: string;
  slug: string;
  name: string;
  status: PartnerStatus;
  audience: PartnerAudience;
  invitedAt: Date;
  decidedAt: Date | null;
}

interface PartnerRow {
  challenge_id: string;
  organization_id: string;
  slug: string;
  name: string;
  status: PartnerStatus;
  audience: PartnerAudience;
  invited_at: Date;
  decided_at: Date | null;
}

const toRecord = (row: PartnerRow): PartnerRecord => ({
  challengeId: row.challenge_id,
  organizationId: row.organization_id,
  slug: row.slug,
  name: row.name,
  status: row.status,
  audience: row.audience,
  invitedAt: new Date(row.invited_at),
  decidedAt: row.decided_at ? new Date(row.decided_at) : null,
});

const PARTNER_COLUMNS = `cp.challenge_id, cp.organization_id, o.slug, o.name, cp.status, cp.audience,
       cp.invited_at, cp.decided_at`;

/** A challenge's partners, oldest invitation first. */
export async function listPartners(sql: Sql, challengeId: string): Promise<PartnerRecord[]> {
  const rows = await sql.query<PartnerRow>(
    `select ${PARTNER_COLUMNS}
       from challenge_partner cp join organization o on o.id = cp.organization_id
      where cp.challenge_id = ?
      order by cp.invited_at, o.slug`,
    [challengeId],
  );
  return rows.map(toRecord);
}

/** One partner of a challenge by its organization's slug, locked when asked. */
export async function findPartner(
  sql: Sql,
  challengeId: string,
  slug: string,
  options: { lock?: boolean } = {},
): Promise<PartnerRecord | undefined> {
  const [row] = await sql.query<PartnerRow>(
    `select ${PARTNER_COLUMNS}
       from challenge_partner cp join organization o on o.id = cp.organization_id
      where cp.challenge_id = ? and o.slug = ?
      ${options.lock ? 'for update of cp' : ''}`,
    [challengeId, slug],
  );
  return row ? toRecord(row) : undefined;
}

/** One organization's share of a federated challenge, as answers show it. */
export interface ShareView {
  /** The organization's slug. */
  organization: string;
  name: string;
  participants: number;
  quantity: number;
  co2eKg: number;
}

/** Whether a challenge is federated, and its shares (`[]` when it is not). */
export interface Federation {
  federated: boolean;
  shares: ShareView[];
}

const NOT_FEDERATED: Federation = { federated: false, shares: [] };

/**
 * The progress and shares of several challenges, in two statements whatever
 * their number and their partners' (ADR 0043): the organizations (the owner
 * and every partner) of the federated ones among them, and the counters —
 * the whole and the partners' — in one snapshot.
 * A partner's share is the sum of its `org:` slots; the owner's is the
 * whole less the partners', so the shares add up to the whole exactly.
 * Shown: the owner, every accepted partner, and any other that holds a
 * share (one that counted before it left the record); sorted by
 * participants, then name.
 */
export async function readProgressAndShares(
  sql: Sql,
  challengeIds: readonly string[],
): Promise<Map<string, Federation & { progress: Progress }>> {
  const result = new Map<string, Federation & { progress: Progress }>();
  const nothing = (): Progress => ({ participants: 0, quantity: 0, co2eKg: 0 });
  for (const id of challengeIds) result.set(id, { ...NOT_FEDERATED, progress: nothing() });
  if (challengeIds.length === 0) return result;
  const [organizations, sums] = await Promise.all([
    sql.query<{
      challenge_id: string;
      organization_id: string;
      slug: string;
      name: string;
      status: PartnerStatus | 'owner';
    }>(
      `select cp.challenge_id, o.id as organization_id, o.slug, o.name, cp.status
         from challenge_partner cp join organization o on o.id = cp.organization_id
        where cp.challenge_id in (?)
       union all
       select c.id, o.id, o.slug, o.name, 'owner'
         from challenge c join organization o on o.id = c.organization_id
        where c.id in (?)
          and exists (select 1 from challenge_partner cp where cp.challenge_id = c.id)`,
      [challengeIds, challengeIds],
    ),
    sql.query<{
      challenge_id: string;
      team_id: string;
      participants: string | number;
      quantity: string | number;
      co2e_kg: string | number;
    }>(
      `select challenge_id, team_id, sum(participants) as participants, sum(quantity) as quantity,
              sum(co2e_kg) as co2e_kg
         from progress_slot
        where challenge_id in (?) and (team_id = '' or team_id like 'org:%')
        group by challenge_id, team_id`,
      [challengeIds],
    ),
  ]);
  // The whole and the partners' counters come from one statement, one
  // snapshot: the owner's share, their difference, is never off by a
  // pledge counted between two reads.
  const counted = new Map<string, Progress>();
  for (const row of sums) {
    const figures = {
      participants: Number(row.participants),
      quantity: Number(row.quantity),
      co2eKg: Number(row.co2e_kg),
    };
    if (row.team_id === '') {
      const entry = result.get(row.challenge_id);
      if (entry) {
        entry.progress = {
          participants: figures.participants,
          quantity: roundQuantity(figures.quantity),
          co2eKg: roundQuantity(figures.co2eKg),
        };
      }
      continue;
    }
    counted.set(`${row.challenge_id}/${row.team_id.slice(SHARE_PREFIX.length)}`, figures);
  }
  const byChallenge = new Map<string, typeof organizations>();
  for (const row of organizations) {
    const list = byChallenge.get(row.challenge_id) ?? [];
    list.push(row);
    byChallenge.set(row.challenge_id, list);
  }
  for (const [challengeId, rows] of byChallenge) {
    const entry = result.get(challengeId);
    if (!entry) continue;
    const whole = entry.progress;
    const partners: ShareView[] = [];
    let owner: ShareView | null = null;
    const rest = { ...whole };
    for (const row of rows) {
      if (row.status === 'owner') {
        owner = { organization: row.slug, name: row.name, participants: 0, quantity: 0, co2eKg: 0 };
        continue;
      }
      const share = counted.get(`${challengeId}/${row.organization_id}`);
      if (row.status !== 'accepted' && !share) continue;
      const figures = share ?? { participants: 0, quantity: 0, co2eKg: 0 };
      rest.participants -= figures.participants;
      rest.quantity -= figures.quantity;
      rest.co2eKg -= figures.co2eKg;
      partners.push({
        organization: row.slug,
        name: row.name,
        participants: figures.participants,
        quantity: roundQuantity(figures.quantity),
        co2eKg: roundQuantity(figures.co2eKg),
      });
    }
    const shares = owner
      ? [
          {
            ...owner,
            participants: rest.participants,
            quantity: roundQuantity(rest.quantity),
            co2eKg: roundQuantity(rest.co2eKg),
          },
          ...partners,
        ]
      : partners;
    shares.sort(
      (a, b) =>
        b.participants - a.participants ||
        a.name.localeCompare(b.name) ||
        a.organization.localeCompare(b.organization),
    );
    result.set(challengeId, { federated: true, shares, progress: whole });
  }
  return result;
}
