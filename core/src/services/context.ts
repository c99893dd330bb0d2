import type { Config } from '../config.js';
import type { Keyring } from '../keyring.js';
import type { RateLimiter } from '../limits/rate-limiter.js';
import type { Mailer } from '../mail/mailer.js';
import type { PluginRegistry } from '../plugins/registry.js';
import type { Database } from '../store/database.js';
import type { ViewCache } from './view-cache.js';

/** Campaign audiences (API.md). */
export type Audience =
  { type: 'public' } | { type: 'members' } | { type: 'email-domain'; domains: string[] };

/** Roles a person can hold in an organization, strongest first. */
export type Role = 'owner' | 'admin' | 'agent' | 'member';

/** Who is asking. Resolved once per request from its credentials. */
export type Viewer =
  | { kind: 'anonymous' }
  | { kind: 'admin' }
  | {
      kind: 'participant';
      participantId: string;
      /** The person's canonical address as stored (`null` for a resident known by a code). */
      email: string | null;
      /** organizationId → role */
      roles: ReadonlyMap<string, Role>;
    };

export const anonymous: Viewer = Object.freeze({ kind: 'anonymous' });

/** What the application services need; built once by the platform. */
export interface ServiceContext {
  config: Config;
  db: Database;
  registry: PluginRegistry;
  mailer: Mailer;
  limiter: RateLimiter;
  /** Seals stored secrets and keys fingerprints (`TANDEM_SECRET_KEY`). */
  keyring: Keyring;
  /** Asks the outbox relay to move freshly committed events along. */
  notifyCommitted: () => void;
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
