import type { Config } from '../config.js';
import type { Keyring } from '../keyring.js';
import type { RateLimiter } from '../limits/rate-limiter.js';
import type { Mailer } from '../mail/mailer.js';
import type { ActionType } from '../sdk/action-type.js';
import type { Integration } from '../sdk/integration.js';
import type { Database } from '../store/database.js';
import type { Viewer } from '../sdk/people.js';
import type { ViewCache } from './view-cache.js';

/** Campaign audiences (API.md). */
export type Audience =
  { type: 'public' } | { type: 'members' } | { type: 'email-domain'; domains: string[] };

// Who asks, and their roles: one definition, the SDK's, which plugins see too.
export type { Role, Viewer } from '../sdk/people.js';

export const anonymous: Viewer = Object.freeze({ kind: 'anonymous' });

/**
 * What services ask of the plugin registry: lookups only. The registry
 * itself (registration, freezing) belongs to the composition root; naming
 * this narrow view keeps `services/` from importing it (docs/decisions/0020).
 */
export interface PluginLookup {
  /**
   * The action type with this id, as an API request names it.
   *
   * @throws TandemError `TANDEM_REQUEST_INVALID` on path `actionType`, listing the known ids
   */
  actionType(id: string): ActionType;
  /** The action type with this id, or `undefined`. */
  findActionType(id: string): ActionType | undefined;
  /** Every action type, in registration order. */
  actionTypes(): readonly ActionType[];
  /** Every integration, in registration order. */
  integrations(): readonly Integration[];
}

/** What the application services need; built once by the platform. */
export interface ServiceContext {
  config: Config;
  db: Database;
  registry: PluginLookup;
  mailer: Mailer;
  limiter: RateLimiter;
  /** Seals stored secrets and keys fingerprints (`TANDEM_SECRET_KEY`). */
  keyring: Keyring;
  now: () => Date;
  /**
   * Answers of public reads (challenge and campaign views) kept between
   * requests, dropped by committed events and local writes (ADR 0023);
   * absent, every read goes to the database.
   */
  views?: ViewCache<CachedView>;
}

/**
 * A cached read: the answer as sent (the same for every viewer allowed to
 * see it) and what deciding who is allowed needs, checked on every request.
 */
export interface CachedView {
  body: string;
  /** The organization whose roles count (drafts, members-only campaigns). */
  organizationId: string;
  /** A draft: only the organization's agents and admins see it. */
  isDraft: boolean;
  audience: Audience;
}
