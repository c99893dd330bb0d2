/**
 * The one catalogue of core's events: each type defined once, with the
 * schema of its payload and what the platform does with it. The outbox
 * accepts only these payloads (a mismatch is a compile error, and a runtime
 * one for untyped callers); the relay, live streams, notifications and
 * integrations derive their lists from here. `docs/events.md` is generated from
 * it (`npm run docs:catalogue`; a test fails when it is stale). Plugins
 * declare their own in their manifest's `events`. See docs/decisions/0022.
 */
import { Type } from '@sinclair/typebox';
import { defineEvent, type EventDefinition } from '../sdk/events.js';

const Id = (description: string) => Type.String({ minLength: 1, description });
// A pattern rather than `format: 'date-time'`: TypeBox checks formats only
// once they are registered globally, and the SDK registers nothing.
const Instant = (description: string) =>
  Type.String({
    pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}',
    description: `${description} (ISO 8601)`,
  });

/** A challenge's counts as the event saw them. */
const ProgressSnapshot = Type.Object(
  {
    participants: Type.Integer({ minimum: 0 }),
    quantity: Type.Number(),
    co2eKg: Type.Number(),
  },
  { description: 'participants, quantity (in the action type’s unit) and kg CO2e avoided' },
);

const ChallengeStatus = Type.Union([
  Type.Literal('draft'),
  Type.Literal('open'),
  Type.Literal('succeeded'),
  Type.Literal('failed'),
  Type.Literal('fulfilled'),
]);

const ParticipantsDelta = Type.Integer({
  minimum: -1,
  maximum: 1,
  description: 'how the count of distinct participants moved: 1, 0 or -1',
});

/**
 * Core's events by name. `Events.pledgeConfirmed.type === 'pledge.confirmed'`.
 */
export const Events = {
  pledgeConfirmed: defineEvent(
    'pledge.confirmed',
    Type.Object({
      pledgeId: Id('the pledge'),
      participantId: Id('who pledged'),
      teamId: Type.Union([Type.String(), Type.Null()], { description: 'their team, if any' }),
      participantsDelta: ParticipantsDelta,
      assisted: Type.Optional(
        Type.Literal(true, { description: 'recorded by an agent; the plugin sends the receipt' }),
      ),
      signedIn: Type.Optional(
        Type.Literal(true, {
          description: 'pledged while signed in: the answer said it counted, so no mail is sent',
        }),
      ),
    }),
    {
      description: 'A pledge was confirmed and counts from now on.',
      evaluates: true,
      notifies: true,
    },
  ),
  pledgeWithdrawn: defineEvent(
    'pledge.withdrawn',
    Type.Object({
      pledgeId: Id('the pledge'),
      participantId: Id('who withdrew'),
      participantsDelta: ParticipantsDelta,
    }),
    { description: 'A confirmed pledge was withdrawn and no longer counts.', evaluates: true },
  ),
  contributionRecorded: defineEvent(
    'contribution.recorded',
    Type.Object({
      contributionId: Id('the contribution'),
      participantId: Type.Union([Type.String(), Type.Null()], {
        description: 'who acted; null for an unnamed weigh-in',
      }),
      quantity: Type.Number({ minimum: 0, description: 'in the action type’s unit' }),
      co2eKg: Type.Number({ minimum: 0 }),
      participantsDelta: ParticipantsDelta,
    }),
    { description: 'A measured contribution was recorded.', evaluates: true },
  ),
  contributionCorrected: defineEvent(
    'contribution.corrected',
    Type.Object({
      contributionId: Id('the contribution'),
      participantId: Id('who corrected their own contribution'),
      quantity: Type.Number({ minimum: 0, description: 'the corrected quantity' }),
      co2eKg: Type.Number({ minimum: 0, description: 'the corrected kg CO2e' }),
      quantityDelta: Type.Number({ description: 'how the challenge’s quantity moved' }),
      co2eKgDelta: Type.Number({ description: 'how the challenge’s kg CO2e moved' }),
    }),
    {
      description:
        'A participant corrected their contribution within the correction window; the counters moved by the difference (an unlock already reached stays).',
      evaluates: true,
    },
  ),
  contributionDeleted: defineEvent(
    'contribution.deleted',
    Type.Object({
      contributionId: Id('the contribution, now gone'),
      participantId: Id('who deleted their own contribution'),
      quantity: Type.Number({ minimum: 0, description: 'the quantity taken off the challenge' }),
      co2eKg: Type.Number({ minimum: 0, description: 'the kg CO2e taken off the challenge' }),
      participantsDelta: ParticipantsDelta,
    }),
    {
      description:
        'A participant deleted their contribution within the correction window; the counters lost it (an unlock already reached stays).',
      evaluates: true,
    },
  ),
  challengeOpened: defineEvent('challenge.opened', Type.Object({ status: ChallengeStatus }), {
    description: 'A draft challenge was opened to pledges.',
    liveFrame: 'status',
  }),
  challengeMilestone: defineEvent(
    'challenge.milestone',
    Type.Object({
      tierId: Id('the tier'),
      percent: Type.Integer({ minimum: 1, maximum: 100, description: 'of the tier’s goal' }),
      progress: ProgressSnapshot,
    }),
    {
      description: 'A challenge reached a share (25, 50, 75 or 100 %) of a tier’s goal.',
      liveFrame: 'milestone',
    },
  ),
  challengeUnlocked: defineEvent(
    'challenge.unlocked',
    Type.Object({
      tierId: Id('the tier'),
      unlockedAt: Instant('when it was reached'),
      progress: ProgressSnapshot,
    }),
    {
      description: 'A tier’s goal was reached: its counterpart is owed (written once per tier).',
      liveFrame: 'unlocked',
      notifies: true,
    },
  ),
  challengeSucceeded: defineEvent(
    'challenge.succeeded',
    Type.Object({ status: Type.Literal('succeeded') }),
    { description: 'A challenge’s first tier unlocked: it succeeded.', liveFrame: 'status' },
  ),
  challengeClosed: defineEvent(
    'challenge.closed',
    Type.Object({
      status: ChallengeStatus,
      closedAt: Type.Optional(Instant('when it closed')),
      progress: ProgressSnapshot,
    }),
    {
      description: 'A challenge closed (its deadline, or its organizer): succeeded or failed.',
      liveFrame: 'status',
      notifies: true,
    },
  ),
  counterpartFulfilled: defineEvent(
    'counterpart.fulfilled',
    Type.Object({ tierId: Id('the tier whose counterpart was delivered') }),
    {
      description:
        'A sponsor showed that an unlocked tier’s counterpart was delivered; a beneficiary with an e-mail is asked to confirm receipt.',
      notifies: true,
    },
  ),
  counterpartDeliverByChanged: defineEvent(
    'counterpart.deliver_by_changed',
    Type.Object({
      tierId: Id('the tier whose delivery date moved'),
      deliverBy: Instant('the new date'),
      previous: Type.Union([Instant('the date before'), Type.Null()]),
    }),
    { description: 'A sponsor moved the date an unlocked tier’s counterpart is due.' },
  ),
  counterpartReceived: defineEvent(
    'counterpart.received',
    Type.Object({ tierId: Id('the tier whose counterpart the beneficiary received') }),
    {
      description:
        'The beneficiary confirmed, through the mailed link, that it received the counterpart.',
    },
  ),
  pledgesInvalidated: defineEvent(
    'pledges.invalidated',
    Type.Object({
      invalidationId: Id('the batch invalidation'),
      pledges: Type.Integer({ minimum: 0, description: 'pledges that stopped counting' }),
      contributions: Type.Integer({
        minimum: 0,
        description: 'contributions that stopped counting',
      }),
      participantsDelta: Type.Integer({
        maximum: 0,
        description: 'how the count of distinct participants moved',
      }),
      quantityDelta: Type.Number({ maximum: 0, description: 'how the challenge’s quantity moved' }),
      co2eKgDelta: Type.Number({ maximum: 0, description: 'how the challenge’s kg CO2e moved' }),
    }),
    {
      description:
        'An organizer invalidated a batch of pledges and their contributions (ADR 0039); the counters lost them (an unlock already reached stays).',
    },
  ),
  pledgesRestored: defineEvent(
    'pledges.restored',
    Type.Object({
      invalidationId: Id('the batch invalidation undone'),
      pledges: Type.Integer({ minimum: 0, description: 'pledges that count again' }),
      contributions: Type.Integer({ minimum: 0, description: 'contributions that count again' }),
      participantsDelta: Type.Integer({
        minimum: 0,
        description: 'how the count of distinct participants moved',
      }),
      quantityDelta: Type.Number({ minimum: 0, description: 'how the challenge’s quantity moved' }),
      co2eKgDelta: Type.Number({ minimum: 0, description: 'how the challenge’s kg CO2e moved' }),
    }),
    {
      description: 'An organizer restored a batch invalidation; its pledges count again.',
      evaluates: true,
    },
  ),
  progressMismatch: defineEvent(
    'progress.mismatch',
    Type.Object({ expected: ProgressSnapshot, found: ProgressSnapshot }),
    { description: 'The nightly recount found counters that disagreed and corrected them.' },
  ),
} as const;

/** One of core's event definitions. */
export type CoreEventDefinition = (typeof Events)[keyof typeof Events];

/** A type of core's events. */
export type CoreEventType = CoreEventDefinition['type'];

/** Core's event definitions, in catalogue order. */
export const coreEvents: readonly CoreEventDefinition[] = Object.freeze(Object.values(Events));

const byType: ReadonlyMap<string, EventDefinition> = new Map(coreEvents.map((e) => [e.type, e]));

/** Core's definition of `type`, or `undefined` (a plugin's event, or none). */
export function coreEventDefinition(type: string): EventDefinition | undefined {
  return byType.get(type);
}

/** The types after which a challenge's goals are evaluated again. */
export const EVALUATED_TYPES: ReadonlySet<string> = new Set(
  coreEvents.filter((e) => e.evaluates).map((e) => e.type),
);

/** The types the notifications feature mails about. */
export const NOTIFIED_TYPES: readonly CoreEventType[] = coreEvents
  .filter((e) => e.notifies)
  .map((e) => e.type);
