/**
 * @tandem/plugin-webhooks — signed webhooks to sponsors and partners,
 * following the Standard Webhooks specification, so a receiver verifies
 * them with the off-the-shelf `standardwebhooks` library.
 */
import { defineIntegration, type Integration } from '@tandem/core';
import { deliverWebhook, fanOut, WebhookJobs, type WebhookSettings } from './deliveries.js';
import { migrations } from './migrations.js';
import { webhookRoutes } from './routes.js';

export { generateSecret, signWebhook, webhookHeaders, type SignInput } from './signing.js';
export { isPrivateAddress } from './network.js';
export { renderMessage, TEST_EVENT_TYPE, WebhookJobs, type WebhookMessage } from './deliveries.js';

/** The plugin's id: the prefix of its tables, its jobs and its queue. */
export const WEBHOOKS_PLUGIN_ID = 'webhooks';

/** How the webhooks plugin behaves; every field has a production-safe default. */
export interface WebhooksOptions {
  /**
   * Allow endpoints on loopback, private and link-local addresses (default
   * false). Keep it false in production: endpoints are typed by
   * organization admins, and the server must not call its own network for
   * them (SSRF). Tests and single-machine demos set it to true.
   */
  allowPrivateNetworks?: boolean;
  /** Time allowed for one attempt, from connecting to the end of the answer (default 10 000 ms). */
  timeoutMs?: number;
  /** Attempts before a delivery is marked failed (default 10). */
  maxAttempts?: number;
  /**
   * Delay before the first retry, doubling after each (default 10 000 ms:
   * 10 attempts span about 85 minutes).
   */
  backoffMs?: number;
  /**
   * How long a secret replaced by a rotation still signs deliveries beside
   * the new one, unless the rotation asks for another period (default
   * 86 400 000 ms, 24 hours): time for the receiver to switch.
   */
  secretGraceMs?: number;
}

const positive = (name: string, value: number | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`webhooks(): ${name} must be a positive integer, not ${String(value)}`);
  }
  return value;
};

/**
 * The webhooks integration: organization admins register endpoints for
 * chosen event types; each event of the organization (or of a challenge it
 * sponsors) is POSTed to them, signed (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature`), retried with exponential backoff, logged, and
 * replayable, under one `webhook-id` per event and endpoint.
 *
 * @param options - SSRF guard, timeout and retry policy
 * @returns the integration to list in `tandem.config.ts`
 * @throws RangeError when a number option is not a positive integer
 *
 * @example
 * // apps/server/src/tandem.config.ts
 * export const plugins: Plugin[] = [webhooks()];
 * // tests, with a receiver on 127.0.0.1:
 * webhooks({ allowPrivateNetworks: true, backoffMs: 20, maxAttempts: 3 });
 */
export function webhooks(options: WebhooksOptions = {}): Integration {
  const settings: WebhookSettings = {
    allowPrivateNetworks: options.allowPrivateNetworks ?? false,
    timeoutMs: positive('timeoutMs', options.timeoutMs, 10_000),
    maxAttempts: positive('maxAttempts', options.maxAttempts, 10),
    backoffMs: positive('backoffMs', options.backoffMs, 10_000),
    secretGraceMs: positive('secretGraceMs', options.secretGraceMs, 24 * 60 * 60 * 1000),
  };
  return defineIntegration({
    id: WEBHOOKS_PLUGIN_ID,
    version: '0.1.0',
    coreRange: '^0.1.0',
    title: { fr: 'Webhooks signés', en: 'Signed webhooks' },
    description: {
      fr: 'Envoie les événements choisis aux adresses des organisations, signés selon Standard Webhooks.',
      en: "Sends chosen events to organizations' endpoints, signed per Standard Webhooks.",
    },
    capabilities: ['tables', 'organizations', 'jobs', 'secrets'],
    routes: (router, context) => webhookRoutes(router, context, settings),
    on: { '*': (event, context) => fanOut(event, context, settings) },
    jobs: { [WebhookJobs.deliver]: (data, context) => deliverWebhook(data, context, settings) },
    migrations,
    // Its tables hold endpoints (an organization's) and event bodies, which
    // name people by participant id only: nothing that says who they are.
    personalData: 'none',
  });
}

/** The integration with its production defaults (private networks refused). */
export const webhooksPlugin: Integration = webhooks();
