import type { Config } from '../config.js';
import type { Keyring } from '../keyring.js';
import type { RateLimiter } from '../limits/rate-limiter.js';
import type { Mailer } from '../mail/mailer.js';
import type { ActionType } from '../sdk/action-type.js';
import type { Integration } from '../sdk/integration.js';
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
  /** Asks the outbox relay to move freshly committed events along. */
  notifyCommitted: () => void;
  now: () => Date;
}
