/**
 * From events to HTTP requests: the event handler records one delivery per
 * (event, endpoint) and enqueues its job; the job signs and sends it, logs
 * the attempt, and throws on failure so the queue retries it with
 * exponential backoff.
 */
import { newId, type PluginContext, type PluginEvent } from '@tandem/core';
import { sendWebhook } from './network.js';
import { openPreviousSecret, openSecret } from './secrets.js';
import { webhookHeaders } from './signing.js';

/** Job names of this plugin (run as `webhooks.<name>` on the `webhooks` queue). */
export const WebhookJobs = {
  deliver: 'deliver-webhook',
} as const;

/** What the webhooks plugin uses of the platform. */
export type WebhooksContext = PluginContext<'tables' | 'organizations' | 'jobs' | 'secrets'>;

/** The plugin's settings once defaults are applied. */
export interface WebhookSettings {
  allowPrivateNetworks: boolean;
  timeoutMs: number;
  maxAttempts: number;
  backoffMs: number;
  /** How long a rotated-out secret still signs deliveries, unless the rotation says otherwise. */
  secretGraceMs: number;
}

/** The event type of a test delivery: not one of core's, so no real subscriber mistakes it. */
export const TEST_EVENT_TYPE = 'tandem.test';

/** The JSON body a receiver gets, as the Standard Webhooks specification shapes it. */
export interface WebhookMessage {
  type: string;
  /** When the event happened (ISO-8601), the same on every retry. */
  timestamp: string;
  data: {
    eventId: string;
    challengeId: string | null;
    organizationId: string | null;
    [key: string]: unknown;
  };
}

/** The message for one event: its type, its time, and its ids beside its payload. */
export function renderMessage(event: PluginEvent): WebhookMessage {
  // The ids come from the event itself, so a payload cannot shadow them.
  const { eventId: _e, challengeId: _c, organizationId: _o, ...payload } = event.payload;
  return {
    type: event.type,
    timestamp: event.createdAt.toISOString(),
    data: {
      eventId: event.id,
      challengeId: event.challengeId,
      organizationId: event.organizationId,
      ...payload,
    },
  };
}

/**
 * Enqueues the job that sends one delivery. The job id is deterministic
 * (`deliver-<deliveryId>`, or `deliver-<deliveryId>-replay-<n>`), so an
 * event handled twice does not send twice while its job is known.
 */
export async function enqueueDelivery(
  context: WebhooksContext,
  settings: WebhookSettings,
  deliveryId: string,
  replay = 0,
): Promise<void> {
  await context.jobs.enqueue(
    WebhookJobs.deliver,
    { deliveryId, maxAttempts: settings.maxAttempts },
    {
      jobId: replay > 0 ? `deliver-${deliveryId}-replay-${replay}` : `deliver-${deliveryId}`,
      attempts: settings.maxAttempts,
      backoffMs: settings.backoffMs,
    },
  );
}

/**
 * The `'*'` event handler. An endpoint gets the events of its own
 * organization and, when that organization sponsors a tier of a challenge
 * and accepted to, the events of that challenge (an organization merely
 * named as sponsor hears nothing); of those, the types it subscribed to.
 * Writes delivery rows only (no network call here), then enqueues one job
 * per delivery still pending, so a handler run twice sends nothing twice.
 */
export async function fanOut(
  event: PluginEvent,
  context: WebhooksContext,
  settings: WebhookSettings,
): Promise<void> {
  const endpoints = await context.tables.query<{ id: string }>(
    `select e.id from webhooks_endpoint e
      where (e.organization_id = ?
             or e.organization_id in (select t.sponsor_id from tier t
                                       where t.challenge_id = ? and t.sponsor_id is not null
                                         and t.sponsorship = 'accepted'))
        and ('*' = any (e.events) or ? = any (e.events))`,
    [event.organizationId, event.challengeId, event.type],
  );
  if (endpoints.length === 0) return;
  const body = JSON.stringify(renderMessage(event));
  const now = context.now();
  await context.tables.query(
    `insert into webhooks_delivery
       (id, endpoint_id, event_id, event_type, webhook_id, body, created_at, updated_at)
     values ${endpoints.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
     on conflict (endpoint_id, event_id) do nothing`,
    endpoints.flatMap((endpoint) => [
      newId('whd'),
      endpoint.id,
      event.id,
      event.type,
      // Stored, not derived at send time: the receiver's idempotency key.
      newId('msg'),
      body,
      now,
      now,
    ]),
  );
  const pending = await context.tables.query<{ id: string }>(
    `select id from webhooks_delivery where event_id = ? and status = 'pending'`,
    [event.id],
  );
  for (const delivery of pending) await enqueueDelivery(context, settings, delivery.id);
}

/**
 * Records a test delivery to one endpoint and enqueues it: the same row,
 * job, signing, SSRF guard, retries and log as an event's delivery, so
 * what the console shows of it is what a real event would do. Its event id
 * is made up (no outbox event stands behind it) and its body says so.
 *
 * @returns the delivery's id
 */
export async function sendTestDelivery(
  context: WebhooksContext,
  settings: WebhookSettings,
  endpoint: { id: string; organizationId: string },
): Promise<string> {
  const now = context.now();
  const eventId = newId('evt_test');
  const message: WebhookMessage = {
    type: TEST_EVENT_TYPE,
    timestamp: now.toISOString(),
    data: {
      eventId,
      challengeId: null,
      organizationId: endpoint.organizationId,
      test: true,
      message: 'A test delivery from Tandem: if you can verify this, your endpoint is ready.',
    },
  };
  const id = newId('whd');
  await context.tables.query(
    `insert into webhooks_delivery
       (id, endpoint_id, event_id, event_type, webhook_id, body, created_at, updated_at)
     values (?, ?, ?, ?, ?, ?, ?, ?)`,
    [id, endpoint.id, eventId, TEST_EVENT_TYPE, newId('msg'), JSON.stringify(message), now, now],
  );
  await enqueueDelivery(context, settings, id);
  return id;
}

interface DeliveryToSend {
  id: string;
  endpoint_id: string;
  webhook_id: string;
  body: string;
  status: 'pending' | 'succeeded' | 'failed';
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
}

/**
 * The secrets a delivery is signed with now: the endpoint's, and the one a
 * rotation replaced while its grace period lasts. Once that period is
 * over the old secret is dropped from the row, so it cannot sign again.
 */
async function signingSecrets(
  context: WebhooksContext,
  delivery: DeliveryToSend,
  now: Date,
): Promise<{ secret: string; alsoSignWith: string[] }> {
  const secret = await openSecret(context, delivery.endpoint_id, delivery.secret);
  if (delivery.previous_secret === null) return { secret, alsoSignWith: [] };
  const expiresAt = delivery.previous_secret_expires_at;
  if (expiresAt !== null && new Date(expiresAt) > now) {
    return {
      secret,
      alsoSignWith: [openPreviousSecret(context, delivery.endpoint_id, delivery.previous_secret)],
    };
  }
  // `and previous_secret = ?`: a rotation that just wrote a new one keeps it.
  await context.tables.query(
    `update webhooks_endpoint set previous_secret = null, previous_secret_expires_at = null
      where id = ? and previous_secret = ?`,
    [delivery.endpoint_id, delivery.previous_secret],
  );
  return { secret, alsoSignWith: [] };
}

/**
 * The `deliver-webhook` job: one attempt of one delivery. A 2xx marks it
 * succeeded; anything else is logged and thrown so the queue tries again,
 * and the last attempt marks it failed. A delivery no longer pending (sent
 * by a concurrent replay, or its endpoint deleted) is left alone.
 */
export async function deliverWebhook(
  data: Record<string, unknown>,
  context: WebhooksContext & { readonly attempt: number },
  settings: WebhookSettings,
): Promise<void> {
  const deliveryId = data['deliveryId'];
  if (typeof deliveryId !== 'string') throw new Error('deliver-webhook needs a deliveryId');
  const maxAttempts =
    typeof data['maxAttempts'] === 'number' ? data['maxAttempts'] : settings.maxAttempts;
  const [delivery] = await context.tables.query<DeliveryToSend>(
    `select d.id, d.endpoint_id, d.webhook_id, d.body, d.status, e.url, e.secret,
            e.previous_secret, e.previous_secret_expires_at
       from webhooks_delivery d join webhooks_endpoint e on e.id = d.endpoint_id
      where d.id = ?`,
    [deliveryId],
  );
  if (!delivery || delivery.status !== 'pending') return;

  const startedAt = context.now();
  const { secret, alsoSignWith } = await signingSecrets(context, delivery, startedAt);
  const result = await sendWebhook({
    url: delivery.url,
    body: delivery.body,
    headers: webhookHeaders({
      id: delivery.webhook_id,
      // Each attempt is signed anew: receivers refuse timestamps over 5 minutes old.
      timestamp: Math.floor(startedAt.getTime() / 1000),
      body: delivery.body,
      secret,
      alsoSignWith,
    }),
    timeoutMs: settings.timeoutMs,
    allowPrivateNetworks: settings.allowPrivateNetworks,
  });
  const succeeded = result.error === null;
  const givingUp = !succeeded && context.attempt >= maxAttempts;
  // The queue waits backoff × 2^(attempt − 1) before the next try; kept for
  // the console, which reads the log from the table, not from the queue.
  const nextAttemptAt =
    succeeded || givingUp
      ? null
      : new Date(context.now().getTime() + settings.backoffMs * 2 ** (context.attempt - 1));

  await context.tables.transaction(async (tx) => {
    const [updated] = await tx.query<{ attempts: number }>(
      `update webhooks_delivery
          set attempts = attempts + 1,
              last_status_code = ?, last_response_ms = ?, last_error = ?, next_attempt_at = ?,
              status = case when ?::boolean then 'succeeded'
                            when ?::boolean and status = 'pending' then 'failed'
                            else status end,
              updated_at = ?
        where id = ?
        returning attempts`,
      [
        result.statusCode,
        result.responseMs,
        result.error,
        nextAttemptAt,
        succeeded,
        givingUp,
        context.now(),
        delivery.id,
      ],
    );
    if (!updated) return;
    await tx.query(
      `insert into webhooks_attempt (delivery_id, attempt, status_code, response_ms, error, at)
       values (?, ?, ?, ?, ?, ?)`,
      [
        delivery.id,
        updated.attempts,
        result.statusCode,
        result.responseMs,
        result.error,
        startedAt,
      ],
    );
  });
  if (!succeeded) {
    throw new Error(
      `webhook delivery ${delivery.id} failed (attempt ${context.attempt} of ${maxAttempts}): ${result.error}`,
    );
  }
}
