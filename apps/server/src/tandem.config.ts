import type { Plugin } from '@tandem/core';
import { actionsCatalogue } from '@tandem/plugin-actions-catalogue';
import { collection } from '@tandem/plugin-collection';
import { commute } from '@tandem/plugin-commute';
import { ecoDriving } from '@tandem/plugin-eco-driving';
import { elearning } from '@tandem/plugin-elearning';
import { sorting } from '@tandem/plugin-sorting';
import { webhooks } from '@tandem/plugin-webhooks';

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
  webhooks(),
];
