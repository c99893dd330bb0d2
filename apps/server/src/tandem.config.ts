import type { Plugin } from '@tandem/core';
import { actionsCatalogue } from '@tandem/plugin-actions-catalogue';
import { collection } from '@tandem/plugin-collection';
import { commute } from '@tandem/plugin-commute';
import { ecoDriving } from '@tandem/plugin-eco-driving';
import { elearning } from '@tandem/plugin-elearning';
import { sorting } from '@tandem/plugin-sorting';
import { webhooks } from '@tandem/plugin-webhooks';

/**
 * `TANDEM_WEBHOOKS_ALLOW_PRIVATE_NETWORKS=1` lets webhook endpoints on
 * loopback and private addresses be registered and called: for browser
 * tests with a local receiver and a single-machine demo, never production
 * (SSRF). Unset or `0`: refused. Anything else stops the process.
 */
function webhooksOnPrivateNetworks(
  value = process.env['TANDEM_WEBHOOKS_ALLOW_PRIVATE_NETWORKS'],
): boolean {
  if (value === undefined || value === '' || value === '0') return false;
  if (value === '1') return true;
  throw new Error(`TANDEM_WEBHOOKS_ALLOW_PRIVATE_NETWORKS must be 0 or 1, not "${value}"`);
}

/**
 * The plugins this Tandem runs with, registered in this order before
 * anything starts. The built-in `pledge-only` action type is always there.
 */
export const plugins: Plugin[] = [
  commute,
  collection,
  sorting,
  ecoDriving,
  actionsCatalogue,
  elearning,
  // Production defaults: endpoints on private or loopback addresses are refused (SSRF).
  webhooks({ allowPrivateNetworks: webhooksOnPrivateNetworks() }),
];
