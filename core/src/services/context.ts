import type { Config } from '../config.js';
import type { Keyring } from '../keyring.js';
import type { RateLimiter } from '../limits/rate-limiter.js';
import type { Mailer } from '../mail/mailer.js';
import type { PluginRegistry } from '../plugins/registry.js';
import type { Database } from '../store/database.js';

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
  now: () => Date;
}
