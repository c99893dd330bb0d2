/**
 * Notifications: the mails that tell people what their pledge did. A
 * subscriber of the event dispatcher, so every mail follows an event of the
 * outbox and is delivered at least once; `notification_sent` turns that into
 * one mail per event, kind and person (see `sendOnce` for the trade-off).
 *
 * - `pledge.confirmed` → `pledge-confirmed` to the person who pledged by
 *   mail (a signed-in pledge is answered on the page, and an agent's
 *   enrolment by the enrolling plugin: no mail);
 * - `challenge.unlocked` → `challenge-unlocked` to everyone counted in the
 *   challenge, and `sponsor-unlocked` to the owners and admins of the tier's
 *   sponsor (the organizing organization when the tier names none, or names
 *   one that has not accepted);
 * - `challenge.closed` → `challenge-succeeded` or `challenge-failed` to
 *   everyone counted;
 * - `counterpart.fulfilled` → `receipt` to the tier's beneficiary, when it
 *   has an address: a one-time link to confirm it received the counterpart.
 *
 * A fan-out reads its recipients in ranges of `batchSize` people: the
 * delivery sends the first range itself and enqueues one `send-notifications`
 * job per further range, so an unlock among 10,000 people is 20 small jobs
 * that several workers share, each safe to run again. Jobs and events carry
 * ids only; addresses are read when the mail is sent.
 */
import { createHash } from 'node:crypto';
import type { Config } from '../config.js';
import type { EventDispatcher } from '../jobs/events.js';
import { loadEvent } from '../jobs/events.js';
import { Jobs, type JobQueue } from '../jobs/queue.js';
import type { Mailer } from '../mail/mailer.js';
import {
  renderNotification,
  type NotificationKind,
  type NotificationVars,
  type RenderedMail,
} from '../mail/templates.js';
import type { PluginRegistry } from '../plugins/registry.js';
import type { Database } from '../store/database.js';
import { Events, NOTIFIED_TYPES } from '../events/catalogue.js';
import { isEventOf, type TypedEvent } from '../sdk/events.js';
import type { OutboxEvent } from '../store/outbox.js';
import { readChallengeProgress } from '../store/progress.js';
import { sendReceiptRequest } from '../services/ledger.js';
import { describeTier, loadChallengeFacts, type ChallengeFacts } from './facts.js';
import {
  confirmedPledger,
  countedParticipants,
  organizationAdmins,
  planRanges,
  type RecipientRange,
} from './recipients.js';
import { sendOnce, sendToAll, type Recipient, type SendReport } from './send.js';

/** The dispatcher key of the notifications subscriber. */
export const NOTIFICATIONS_SUBSCRIBER = 'notifications';

/** The events that send mail: those the catalogue marks `notifies`. */
export const NOTIFIED_EVENTS = NOTIFIED_TYPES;

/** People per batch of a fan-out, when not given. */
export const DEFAULT_BATCH_SIZE = 500;

/** The data of a `send-notifications` job: one range of one event's recipients. */
export type SendNotificationsJob = {
  eventId: string;
  after: string | null;
  upTo: string | null;
};

/** What notifications need from the platform. */
export interface NotificationsOptions {
  dispatcher: EventDispatcher;
  queue: JobQueue;
  db: Database;
  mailer: Mailer;
  config: Pick<Config, 'publicUrl'>;
  registry: PluginRegistry;
  /** People per batch of a fan-out (default {@link DEFAULT_BATCH_SIZE}). */
  batchSize?: number;
}

/** The installed subscriber, callable directly (tests, replays). */
export interface Notifications {
  /** Sends what one event calls for; safe to call again with the same event. */
  handleEvent(event: OutboxEvent): Promise<SendReport>;
  /** Sends one range of an event's fan-out (the `send-notifications` job). */
  sendBatch(job: SendNotificationsJob): Promise<SendReport>;
}

/**
 * Subscribes notifications to the dispatcher and registers the
 * `send-notifications` job on the queue. Call once, before the queue starts.
 *
 * @example
 * installNotifications({ dispatcher, queue, db, mailer, config, registry });
 */
export function installNotifications(options: NotificationsOptions): Notifications {
  const notifications = createNotifications(options);
  options.dispatcher.subscribe(NOTIFICATIONS_SUBSCRIBER, NOTIFIED_EVENTS, async (event) => {
    await notifications.handleEvent(event);
  });
  options.queue.handle<SendNotificationsJob>(Jobs.sendNotifications, async (job) => {
    await notifications.sendBatch(job);
  });
  return notifications;
}

/** One kind of mail to a group of people, rendered per recipient. */
interface Fanout {
  kind: NotificationKind;
  /** The vars every recipient shares; the name is added per recipient. */
  vars: NotificationVars;
}

const nothing = (): SendReport => ({ sent: 0, skipped: 0, failed: 0 });

const add = (a: SendReport, b: SendReport): SendReport => ({
  sent: a.sent + b.sent,
  skipped: a.skipped + b.skipped,
  failed: a.failed + b.failed,
});

const numberOr = (value: unknown, fallback: number): number =>
  typeof value === 'number' && Number.isFinite(value) ? value : fallback;

/** The notifications logic without its wiring; see {@link installNotifications}. */
export function createNotifications(options: NotificationsOptions): Notifications {
  const { db, mailer, queue, registry } = options;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`Notification batch size must be a positive integer, not ${batchSize}.`);
  }
  const challengeUrl = (id: string) => `${options.config.publicUrl}/c/${encodeURIComponent(id)}`;

  const render =
    (kind: NotificationKind, vars: NotificationVars) =>
    (recipient: Recipient): RenderedMail =>
      renderNotification(kind, recipient.locale, {
        ...vars,
        ...(recipient.displayName ? { displayName: recipient.displayName } : {}),
      });

  /**
   * The participants' mail an event calls for, or undefined when it calls
   * for none (or its challenge is gone). Read from the event's payload where
   * it holds the numbers of the moment (the count that unlocked), from the
   * database otherwise.
   */
  const participantsFanout = (event: OutboxEvent, facts: ChallengeFacts): Fanout | undefined => {
    const snapshot = (event.payload['progress'] ?? {}) as Record<string, unknown>;
    const progress = {
      participants: numberOr(snapshot['participants'], 0),
      quantity: numberOr(snapshot['quantity'], 0),
    };
    const base = {
      challengeTitle: facts.title,
      challengeUrl: challengeUrl(facts.id),
      unit: facts.unit,
      progress,
    };
    if (isEventOf(event, Events.challengeUnlocked)) {
      const tier = facts.tiers.find((t) => t.id === event.payload.tierId);
      if (!tier) return undefined;
      return {
        kind: 'challenge-unlocked',
        vars: { ...base, promise: describeTier(facts, tier) },
      };
    }
    if (isEventOf(event, Events.challengeClosed)) {
      if (event.payload.status === 'failed') {
        const first = facts.tiers[0];
        return {
          kind: 'challenge-failed',
          vars: { ...base, ...(first ? { promise: describeTier(facts, first) } : {}) },
        };
      }
      return {
        kind: 'challenge-succeeded',
        vars: {
          ...base,
          unlocked: facts.tiers.filter((t) => t.unlocked).map((t) => describeTier(facts, t)),
        },
      };
    }
    return undefined;
  };

  const sendRange = async (
    event: OutboxEvent,
    facts: ChallengeFacts,
    fanout: Fanout,
    range: RecipientRange,
  ): Promise<SendReport> => {
    const recipients = await countedParticipants(db, facts.id, range);
    return sendToAll(
      db,
      mailer,
      event.id,
      fanout.kind,
      recipients,
      render(fanout.kind, fanout.vars),
    );
  };

  const jobId = (eventId: string, range: RecipientRange) =>
    // The range is part of the id: a redelivery that cut other ranges (people
    // joined meanwhile) enqueues its own, so its plan is complete on its own.
    `ntf-${eventId}-${createHash('sha256')
      .update(`${range.after ?? ''}|${range.upTo ?? ''}`)
      .digest('hex')
      .slice(0, 16)}`;

  const fanOut = async (
    event: OutboxEvent,
    facts: ChallengeFacts,
    fanout: Fanout,
  ): Promise<SendReport> => {
    const [first, ...rest] = await planRanges(db, facts.id, batchSize);
    for (const range of rest) {
      const job: SendNotificationsJob = { eventId: event.id, ...range };
      await queue.enqueue(Jobs.sendNotifications, job, { jobId: jobId(event.id, range) });
    }
    return first ? sendRange(event, facts, fanout, first) : nothing();
  };

  const sponsorMails = async (
    event: OutboxEvent & TypedEvent<typeof Events.challengeUnlocked>,
    facts: ChallengeFacts,
  ): Promise<SendReport> => {
    const tier = facts.tiers.find((t) => t.id === event.payload.tierId);
    if (!tier) return nothing();
    const snapshot = (event.payload['progress'] ?? {}) as Record<string, unknown>;
    const progress = {
      participants: numberOr(snapshot['participants'], 0),
      quantity: numberOr(snapshot['quantity'], 0),
    };
    const vars: NotificationVars = {
      challengeTitle: facts.title,
      challengeUrl: challengeUrl(facts.id),
      unit: facts.unit,
      progress,
      promise: describeTier(facts, tier, progress.quantity),
    };
    const admins = await organizationAdmins(db, tier.sponsorId);
    return sendToAll(
      db,
      mailer,
      event.id,
      'sponsor-unlocked',
      admins,
      render('sponsor-unlocked', vars),
    );
  };

  const pledgeMail = async (
    event: OutboxEvent & TypedEvent<typeof Events.pledgeConfirmed>,
  ): Promise<SendReport> => {
    const { pledgeId } = event.payload;
    if (typeof pledgeId !== 'string') return nothing();
    // An agent's enrolment is acknowledged by the enrolling plugin's own receipt.
    if (event.payload.assisted === true) return nothing();
    // Signed in, they saw it counted in the answer: a mail would tell them nothing new.
    if (event.payload.signedIn === true) return nothing();
    const pledger = await confirmedPledger(db, pledgeId);
    if (!pledger) return nothing();
    const facts = await loadChallengeFacts(db, registry, pledger.challengeId);
    if (!facts) return nothing();
    const progress = await readChallengeProgress(db, facts.id);
    const first = facts.tiers[0];
    const vars: NotificationVars = {
      challengeTitle: facts.title,
      challengeUrl: challengeUrl(facts.id),
      unit: facts.unit,
      progress,
      ...(first ? { promise: describeTier(facts, first) } : {}),
    };
    const key = {
      eventId: event.id,
      kind: 'pledge-confirmed' as const,
      participantId: pledger.participantId,
    };
    const sent = await sendOnce(
      db,
      mailer,
      key,
      pledger.email,
      render('pledge-confirmed', vars)(pledger),
    );
    return { sent: sent ? 1 : 0, skipped: sent ? 0 : 1, failed: 0 };
  };

  return {
    async handleEvent(event) {
      if (isEventOf(event, Events.pledgeConfirmed)) return pledgeMail(event);
      if (isEventOf(event, Events.counterpartFulfilled)) {
        const sent = await sendReceiptRequest(
          db,
          mailer,
          options.config.publicUrl,
          event.payload.tierId,
        );
        return { sent: sent ? 1 : 0, skipped: sent ? 0 : 1, failed: 0 };
      }
      if (!event.challengeId) return nothing();
      const facts = await loadChallengeFacts(db, registry, event.challengeId);
      if (!facts) return nothing();
      const fanout = participantsFanout(event, facts);
      if (!fanout) return nothing();
      let report = nothing();
      let failure: unknown;
      // The sponsor is told even when a participants' batch failed; the
      // delivery is then retried, and sends only what did not go out.
      try {
        report = add(report, await fanOut(event, facts, fanout));
      } catch (error) {
        failure = error;
      }
      if (isEventOf(event, Events.challengeUnlocked)) {
        report = add(report, await sponsorMails(event, facts));
      }
      if (failure !== undefined) throw failure;
      return report;
    },

    async sendBatch(job) {
      const event = await loadEvent(db, job.eventId);
      if (!event?.challengeId) return nothing();
      const facts = await loadChallengeFacts(db, registry, event.challengeId);
      if (!facts) return nothing();
      const fanout = participantsFanout(event, facts);
      if (!fanout) return nothing();
      return sendRange(event, facts, fanout, { after: job.after, upTo: job.upTo });
    },
  };
}
