import { Type } from '@sinclair/typebox';
import { setDeliverBy } from '../../services/challenges.js';
import type { ServiceContext } from '../../services/context.js';
import { confirmReceipt, organizationLedger } from '../../services/ledger.js';
import { access } from '../access.js';
import { AnyObject, ChallengeView, DateTime, errors, Nullable, ProofView } from '../schemas.js';
import type { App } from '../types.js';

const Id = Type.String({ minLength: 1, maxLength: 100 });
const OrganizationRef = Type.Object({ slug: Type.String(), name: Type.String() });

/** One line of an organization's public ledger. */
const LedgerEntry = Type.Object({
  challengeId: Type.String(),
  challengeTitle: Type.String(),
  challengeStatus: Type.String(),
  campaignId: Type.String(),
  tierId: Type.String(),
  rank: Type.Integer(),
  goal: AnyObject,
  // The counterpart promised; null for a tier that promises nothing.
  promised: Nullable(AnyObject),
  organizer: OrganizationRef,
  sponsor: OrganizationRef,
  beneficiary: Nullable(Type.Object({ name: Type.String() })),
  unlockedAt: Nullable(Type.String({ description: 'null while the goal is not reached' })),
  deliverBy: Nullable(Type.String({ description: 'when the counterpart is due, once unlocked' })),
  fulfilledAt: Nullable(Type.String()),
  fulfilledBy: Nullable(
    Type.Object({
      slug: Type.String(),
      name: Type.String(),
      person: Type.Optional(
        Nullable(
          Type.String({
            description:
              'who declared it, by display name: only for that organization’s admins; null when they gave none or were erased',
          }),
        ),
      ),
    }),
  ),
  proof: Nullable(ProofView),
  receivedAt: Nullable(
    Type.String({ description: 'when the beneficiary confirmed receipt through the mailed link' }),
  ),
  overdue: Type.Boolean({ description: 'unlocked, not delivered, and past `deliverBy`' }),
});

/** The sponsor's proof seen from outside: delivery dates, receipts and the ledger (ADR 0035). */
export async function ledgerRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.patch(
    '/api/challenges/:id/tiers/:tierId',
    {
      schema: {
        'x-tandem-access': access.role('admin', {
          note: "the admins of the tier's sponsor; the organizer's for a tier it sponsors itself",
        }),
        tags: ['challenges'],
        summary: 'Move the date an unlocked tier’s counterpart is due (the sponsor’s admins)',
        description:
          'Each unlocked tier has a `deliverBy`, 90 days after its unlock unless its sponsor sets another: after the unlock and within five years of it (400 `deliverBy` otherwise). A date already past is allowed and makes the tier overdue. 409 `TANDEM_TIER_NOT_UNLOCKED` before the unlock, `TANDEM_TIER_ALREADY_FULFILLED` once delivered. Each change is an event (`counterpart.deliver_by_changed`). Answers the challenge.',
        params: Type.Object({ id: Id, tierId: Id }),
        body: Type.Object({ deliverBy: DateTime }, { additionalProperties: false }),
        response: { 200: ChallengeView, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      setDeliverBy(
        ctx,
        request.viewer,
        request.params.id,
        request.params.tierId,
        request.body.deliverBy,
      ),
  );

  app.post(
    '/api/receipts/confirm',
    {
      schema: {
        'x-tandem-access': access.token('hide'),
        tags: ['challenges'],
        summary: 'Confirm receipt of a counterpart with the token mailed to the beneficiary',
        description:
          'The beneficiary of a fulfilled tier, when it has an e-mail, gets a one-time link (30 days); confirming sets the tier’s `receivedAt`, shown on the ledger. A token already used answers its first result again until it expires; an unknown or expired one is 404.',
        body: Type.Object(
          { token: Type.String({ minLength: 10, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            challengeId: Type.String(),
            tierId: Type.String(),
            receivedAt: Type.String(),
          }),
          ...errors(400, 404),
        },
      },
    },
    async (request) => confirmReceipt(ctx, request.body.token),
  );

  app.get(
    '/api/organizations/:slug/ledger',
    {
      schema: {
        'x-tandem-access': access.anyone({
          note: 'members-only campaigns’ entries show only to their organization’s members',
        }),
        tags: ['organizations'],
        summary: 'What the organization promised as organizer or sponsor, and what it delivered',
        description:
          'Every tier the organization organizes or sponsors (accepted sponsorships): the counterpart promised, the unlock, the date it is due, the delivery with its proof (a file with its SHA-256), the beneficiary’s confirmation, and whether it is overdue. Tiers of open challenges show before they unlock; in a closed challenge, tiers never unlocked were never owed and are left out. Members-only campaigns show only to members of their organization, drafts only to its agents and admins. Newest challenges first. Cacheable for a few seconds when asked anonymously.',
        params: Type.Object({ slug: Type.String({ minLength: 1, maxLength: 100 }) }),
        response: {
          200: Type.Object({ entries: Type.Array(LedgerEntry) }),
          ...errors(404),
        },
      },
    },
    async (request, reply) => {
      const ledger = await organizationLedger(ctx, request.viewer, request.params.slug);
      void reply.header(
        'cache-control',
        ledger.shareable ? 'public, max-age=5, stale-while-revalidate=30' : 'private, no-cache',
      );
      return { entries: ledger.entries };
    },
  );
}
