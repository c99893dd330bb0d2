/**
 * From events to HTTP requests: the event handler records one delivery per
 * (event, endpoint) and enqueues its job; the job signs and sends it, logs
 * the attempt, and throws on failure so the queue retries it with
 * exponential backoff.
 */
import { newId, type PluginContext, type PluginEvent } from '@tandem/core';
import { sendWebhook } from './network.js';
import { openSecret } from './secrets.js';
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
}

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

interface DeliveryToSend {
  id: string;
  endpoint_id: string;
  webhook_id: string;
  body: string;
  status: 'pending' | 'succeeded' | 'failed';
  url: string;
  secret: string;
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
    `select d.id, d.endpoint_id, d.webhook_id, d.body, d.status, e.url, e.secret
       from webhooks_delivery d join webhooks_endpoint e on e.id = d.endpoint_id
      where d.id = ?`,
    [deliveryId],
  );
  if (!delivery || delivery.status !== 'pending') return;

  const secret = await openSecret(context, delivery.endpoint_id, delivery.secret);
  const startedAt = context.now();
  const result = await sendWebhook({
    url: delivery.url,
    body: delivery.body,
    headers: webhookHeaders({
      id: delivery.webhook_id,
      // Each attempt is signed anew: receivers refuse timestamps over 5 minutes old.
      timestamp: Math.floor(startedAt.getTime() / 1000),
      body: delivery.body,
      secret,
    }),
    timeoutMs: settings.timeoutMs,
    allowPrivateNetworks: settings.allowPrivateNetworks,
  });
  const succeeded = result.error === null;
  const givingUp = !succeeded && context.attempt >= maxAttempts;

  await context.tables.transaction(async (tx) => {
    const [updated] = await tx.query<{ attempts: number }>(
      `update webhooks_delivery
          set attempts = attempts + 1,
              last_status_code = ?, last_response_ms = ?, last_error = ?,
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
