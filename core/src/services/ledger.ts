/**
 * The sponsor's proof, seen from outside: the beneficiary's receipt and
 * the public ledger of what each organization promised and delivered
 * (ADR 0035).
 */
import type { Counterpart } from '../domain/types.js';
import { storedEmail } from '../domain/email.js';
import type { Mailer } from '../mail/mailer.js';
import { renderMail } from '../mail/templates.js';
import { loadChallenges, type ChallengeAggregate } from '../store/challenges.js';
import { notFound } from '../errors.js';
import type { Database } from '../store/database.js';
import { appendEvents, EventTypes } from '../store/outbox.js';
import { issueToken, markTokenUsed, takeToken } from '../store/tokens.js';
import { withinUnitOfWork, type Tx } from '../store/unit-of-work.js';
import { canSee, hasRole, type Audience } from './access.js';
import type { ServiceContext, Viewer } from './context.js';
import { isOverdue, proofView, type ProofView } from './challenges.js';
import { findOrganization } from './organizations.js';

const iso = (value: Date | null | undefined): string | null => (value ? value.toISOString() : null);

/**
 * Mails the beneficiary of a fulfilled tier a one-time link to confirm
 * receipt, when its counterpart names a beneficiary with an address. Called
 * for each `counterpart.fulfilled` event (notifications): the tier row is
 * locked, the token stored, the mail sent and `receipt_mailed_at` set in one
 * transaction, so a redelivered event sends nothing more and a failed send
 * leaves nothing behind for the retry to trip on.
 *
 * @returns whether a mail went out.
 */
export async function sendReceiptRequest(
  db: Database,
  mailer: Mailer,
  publicUrl: string,
  tierId: string,
  now: Date = new Date(),
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [row] = await tx.query<{
      challenge_id: string;
      title: string;
      fulfilled_at: Date | null;
      received_at: Date | null;
      receipt_mailed_at: Date | null;
      email: string | null;
      sponsor_name: string | null;
    }>(
      `select t.challenge_id, c.title, t.fulfilled_at, t.received_at, t.receipt_mailed_at,
              b.email, o.name as sponsor_name
         from tier t
         join challenge c on c.id = t.challenge_id
         left join beneficiary b on b.id = t.counterpart ->> 'beneficiaryId'
         left join organization o on o.id = coalesce(t.fulfilled_by, t.sponsor_id, c.organization_id)
        where t.id = ?
        for update of t`,
      [tierId],
    );
    if (!row?.fulfilled_at || row.received_at || row.receipt_mailed_at) return false;
    const email = storedEmail(row.email);
    if (!email) return false;
    const { token, expiresInMinutes } = await issueToken(
      tx,
      'receipt',
      email,
      { tierId, challengeId: row.challenge_id },
      now,
    );
    // The site's /receipt page asks for a click: only its POST confirms.
    const link = `${publicUrl}/receipt?token=${encodeURIComponent(token)}`;
    const mail = renderMail('receipt', 'fr', {
      link,
      token,
      challengeTitle: row.title,
      sponsorName: row.sponsor_name ?? '',
      expiresInMinutes,
    });
    await mailer.send({ to: email, ...mail, purpose: 'receipt', token });
    await tx.query('update tier set receipt_mailed_at = now() where id = ?', [tierId]);
    return true;
  });
}

/** What confirming a receipt answers. */
export interface ReceiptConfirmed {
  challengeId: string;
  tierId: string;
  receivedAt: string;
}

/**
 * `POST /api/receipts/confirm {token}`: the beneficiary says it received
 * the counterpart. The tier gets `receivedAt` (once: a second use of the
 * token answers the first result again until it expires); 404 for an
 * unknown or expired token.
 */
export async function confirmReceipt(
  ctx: ServiceContext,
  token: string,
  tx?: Tx,
): Promise<ReceiptConfirmed> {
  return withinUnitOfWork(ctx.db, tx, async (tx) => {
    const stored = await takeToken(tx, 'receipt', token, ctx.now());
    if (stored.usedAt && stored.result) return stored.result as unknown as ReceiptConfirmed;
    const { tierId, challengeId } = stored.payload as { tierId: string; challengeId: string };
    const [tier] = await tx.query<{ received_at: Date; organization_id: string }>(
      `update tier t set received_at = coalesce(t.received_at, now())
         from challenge c
        where t.id = ? and c.id = t.challenge_id
        returning t.received_at, c.organization_id`,
      [tierId],
    );
    // The challenge was deleted since: the link proves nothing any more.
    if (!tier) throw notFound('tier', tierId);
    const answer: ReceiptConfirmed = {
      challengeId,
      tierId,
      receivedAt: new Date(tier.received_at).toISOString(),
    };
    await appendEvents(tx, [
      {
        type: EventTypes.counterpartReceived,
        challengeId,
        organizationId: tier.organization_id,
        payload: { tierId },
      },
    ]);
    await markTokenUsed(tx, stored.hash, { ...answer });
    return answer;
  });
}

/** One line of an organization's ledger. */
export interface LedgerEntry {
  challengeId: string;
  challengeTitle: string;
  challengeStatus: string;
  campaignId: string;
  tierId: string;
  rank: number;
  goal: Record<string, unknown>;
  /** The counterpart promised, or null for a tier that promises nothing. */
  promised: Counterpart | null;
  organizer: { slug: string; name: string };
  sponsor: { slug: string; name: string };
  beneficiary: { name: string } | null;
  unlockedAt: string | null;
  deliverBy: string | null;
  fulfilledAt: string | null;
  /** Who declared it delivered; `person` only for that organization's admins. */
  fulfilledBy: { slug: string; name: string; person?: string | null } | null;
  proof: ProofView | null;
  receivedAt: string | null;
  overdue: boolean;
}

/** What the ledger answers, and whether the answer may be shared by caches. */
export interface Ledger {
  entries: LedgerEntry[];
  /** No entry depends on who asked: true for an anonymous caller. */
  shareable: boolean;
}

/**
 * `GET /api/organizations/{slug}/ledger`: every tier the organization
 * organizes or sponsors that was promised in public — what was promised,
 * when it unlocked, when it is due, when and how it was delivered, whether
 * the beneficiary confirmed, whether it is late. Tiers of open challenges
 * show before they unlock; tiers that never unlocked in a closed challenge
 * were never owed and do not show. Members-only campaigns show only to the
 * members of their organization, drafts only to its agents and admins, and
 * a tier proposed to (or declined by) a sponsor is no promise of it yet.
 * Newest challenges first, tiers lowest first.
 */
export async function organizationLedger(
  ctx: ServiceContext,
  viewer: Viewer,
  slug: string,
): Promise<Ledger> {
  const organization = await findOrganization(ctx.db, slug);
  const rows = await ctx.db.query<{ id: string; audience: Audience }>(
    `select distinct c.id, cp.audience, c.created_at
       from challenge c
       join campaign cp on cp.id = c.campaign_id
       join tier t on t.challenge_id = c.id
      where c.organization_id = ?
         or (t.sponsor_id = ? and t.sponsorship = 'accepted')
      order by c.created_at desc, c.id`,
    [organization.id, organization.id],
  );
  const challenges = await loadChallenges(
    ctx.db,
    rows.map((r) => r.id),
  );
  const audiences = new Map(rows.map((r) => [r.id, r.audience]));
  const visible = challenges
    .filter((c) => {
      const audience = audiences.get(c.id);
      if (!audience || !canSee(viewer, c.organizationId, audience)) return false;
      return c.status !== 'draft' || hasRole(viewer, c.organizationId, 'agent');
    })
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || a.id.localeCompare(b.id));
  const entries = await ledgerEntries(ctx, viewer, visible, organization.id);
  return { entries, shareable: viewer.kind === 'anonymous' };
}

async function ledgerEntries(
  ctx: ServiceContext,
  viewer: Viewer,
  challenges: ChallengeAggregate[],
  organizationId: string,
): Promise<LedgerEntry[]> {
  const tiers = challenges.flatMap((challenge) =>
    challenge.tiers
      .filter((tier) => {
        const sponsorId = tier.sponsorId ?? challenge.organizationId;
        const ours = challenge.organizationId === organizationId || sponsorId === organizationId;
        // A tier another organization has not accepted is nobody's promise yet,
        // and a tier without a counterpart promises nothing to keep.
        if (!ours || tier.sponsorship !== 'accepted' || !tier.counterpart) return false;
        // Once a challenge is closed, what never unlocked was never owed;
        // until then (open, or succeeded with higher tiers ahead) it is promised.
        return tier.unlockedAt !== null || challenge.closedAt === null;
      })
      .map((tier) => ({ challenge, tier })),
  );
  const organizationIds = [
    ...new Set(
      tiers.flatMap(({ challenge, tier }) =>
        [challenge.organizationId, tier.sponsorId, tier.fulfilledBy].filter(
          (v): v is string => !!v,
        ),
      ),
    ),
  ];
  const beneficiaryIds = [
    ...new Set(
      tiers.flatMap(({ tier }) =>
        tier.counterpart && tier.counterpart.kind !== 'act' ? [tier.counterpart.beneficiaryId] : [],
      ),
    ),
  ];
  // A person's name only for the admins of the organization they acted for.
  const peopleIds = [
    ...new Set(
      tiers.flatMap(({ tier }) =>
        tier.fulfilledByParticipant &&
        tier.fulfilledBy &&
        hasRole(viewer, tier.fulfilledBy, 'admin')
          ? [tier.fulfilledByParticipant]
          : [],
      ),
    ),
  ];
  const [organizations, beneficiaries, people] = await Promise.all([
    organizationIds.length === 0
      ? []
      : ctx.db.query<{ id: string; slug: string; name: string }>(
          'select id, slug, name from organization where id in (?)',
          [organizationIds],
        ),
    beneficiaryIds.length === 0
      ? []
      : ctx.db.query<{ id: string; name: string }>(
          'select id, name from beneficiary where id in (?)',
          [beneficiaryIds],
        ),
    peopleIds.length === 0
      ? []
      : ctx.db.query<{ id: string; display_name: string | null }>(
          'select id, display_name from participant where id in (?)',
          [peopleIds],
        ),
  ]);
  const orgs = new Map(organizations.map((o) => [o.id, { slug: o.slug, name: o.name }]));
  const names = new Map(beneficiaries.map((b) => [b.id, b.name]));
  const persons = new Map(people.map((p) => [p.id, p.display_name]));
  const now = ctx.now();
  const unknown = { slug: '', name: '' };
  return tiers.map(({ challenge, tier }): LedgerEntry => {
    const by = tier.fulfilledBy ? orgs.get(tier.fulfilledBy) : undefined;
    const beneficiaryId =
      tier.counterpart && tier.counterpart.kind !== 'act' ? tier.counterpart.beneficiaryId : null;
    const beneficiaryName = beneficiaryId ? names.get(beneficiaryId) : undefined;
    return {
      challengeId: challenge.id,
      challengeTitle: challenge.title,
      challengeStatus: challenge.status,
      campaignId: challenge.campaignId,
      tierId: tier.id,
      rank: tier.rank,
      goal: tier.goal as unknown as Record<string, unknown>,
      promised: tier.counterpart ?? null,
      organizer: orgs.get(challenge.organizationId) ?? unknown,
      sponsor: orgs.get(tier.sponsorId ?? challenge.organizationId) ?? unknown,
      beneficiary: beneficiaryName !== undefined ? { name: beneficiaryName } : null,
      unlockedAt: iso(tier.unlockedAt),
      deliverBy: tier.unlockedAt ? iso(tier.deliverBy) : null,
      fulfilledAt: iso(tier.fulfilledAt),
      fulfilledBy: by
        ? {
            ...by,
            ...(tier.fulfilledByParticipant && persons.has(tier.fulfilledByParticipant)
              ? { person: persons.get(tier.fulfilledByParticipant) ?? null }
              : {}),
          }
        : null,
      proof: proofView(tier.proof),
      receivedAt: iso(tier.receivedAt),
      overdue: isOverdue(tier, now),
    };
  });
}
