/**
 * Who asks and what they may do, as a plugin sees it. The engine's own
 * `Viewer` has this shape (checked where the engine adapts it, ADR 0019).
 */

/** Roles a person can hold in an organization, strongest first. */
export type Role = 'owner' | 'admin' | 'agent' | 'member';

/** Who is asking: nobody signed in, the platform admin, or a participant with their roles. */
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

/**
 * A SQL handle: `?` placeholders, rows as plain objects. Inside a
 * transaction every query runs in it.
 */
export interface Sql {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}
