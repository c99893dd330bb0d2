import type { ChallengeStatus, Tier } from '../domain/types.js';
import { loadChallenge, type ChallengeRecord } from './challenges.js';
import type { Sql } from './unit-of-work.js';

/**
 * What never changes once a challenge is open: its identity, action type
 * and settings, and its tiers' goals and counterparts. Status, deadline and
 * closing, unlocks and fulfilments change, and are always read.
 */
export interface ChallengeDefinition {
  readonly id: string;
  readonly campaignId: string;
  readonly organizationId: string;
  readonly title: string;
  readonly description: string | null;
  readonly actionType: string;
  readonly actionSettings: Readonly<Record<string, unknown>>;
  readonly openedAt: Date | null;
  readonly createdAt: Date;
  readonly tiers: readonly Tier[];
}

/**
 * The write path's memory of challenge definitions (and of other rows that
 * never change, such as campaigns), one per database handle, in this
 * process. Nothing is remembered of a draft: it may still be edited, and
 * opening it is what freezes it. Since what is remembered never changes, no
 * other process has anything to tell this one; a deleted challenge is
 * noticed when its state row is missing.
 */
export interface DefinitionCache {
  /** The definition of an open (or closed) challenge, loaded once. */
  challenge(sql: Sql, id: string): Promise<ChallengeDefinition | undefined>;
  /** A row that never changes once written (a campaign), loaded once by `load`. */
  remember<T>(key: string, load: () => Promise<T>): Promise<T>;
  /** Forgets a challenge (it was deleted). */
  forget(id: string): void;
}

/** The most entries kept; past it the memory starts afresh. */
const CAPACITY = 10_000;

const caches = new WeakMap<object, DefinitionCache>();

/** The definition cache of a database handle (one per `Database`). */
export function definitionsOf(db: object): DefinitionCache {
  let cache = caches.get(db);
  if (!cache) {
    cache = createDefinitionCache();
    caches.set(db, cache);
  }
  return cache;
}

async function loadDefinition(
  sql: Sql,
  id: string,
): Promise<{ definition: ChallengeDefinition; draft: boolean } | undefined> {
  const challenge = await loadChallenge(sql, id);
  if (!challenge) return undefined;
  const definition: ChallengeDefinition = Object.freeze({
    id: challenge.id,
    campaignId: challenge.campaignId,
    organizationId: challenge.organizationId,
    title: challenge.title,
    description: challenge.description,
    actionType: challenge.actionType,
    actionSettings: challenge.actionSettings,
    openedAt: challenge.openedAt,
    createdAt: challenge.createdAt,
    tiers: challenge.tiers.map((tier) => {
      const frozen: Tier = { id: tier.id, rank: tier.rank, goal: tier.goal };
      if (tier.counterpart) frozen.counterpart = tier.counterpart;
      if (tier.sponsorId) frozen.sponsorId = tier.sponsorId;
      return frozen;
    }),
  });
  return { definition, draft: challenge.status === 'draft' };
}

export function createDefinitionCache(): DefinitionCache {
  const entries = new Map<string, unknown>();
  const keep = (key: string, value: unknown) => {
    if (entries.size >= CAPACITY) entries.clear();
    entries.set(key, value);
  };
  return {
    challenge(sql, id) {
      const key = `challenge/${id}`;
      // The promise is kept: twenty pledges arriving at once load it once.
      const known = entries.get(key) as Promise<ChallengeDefinition | undefined> | undefined;
      if (known) return known;
      const loading = loadDefinition(sql, id).then(
        (loaded) => {
          // A draft may still change: only an opened challenge is remembered.
          if (!loaded || loaded.draft) entries.delete(key);
          return loaded?.definition;
        },
        (error: unknown) => {
          entries.delete(key);
          throw error;
        },
      );
      keep(key, loading);
      return loading;
    },
    async remember(key, load) {
      if (entries.has(key)) return entries.get(key) as Awaited<ReturnType<typeof load>>;
      const value = await load();
      keep(key, value);
      return value;
    },
    forget(id) {
      entries.delete(`challenge/${id}`);
    },
  };
}

/** What changes on a challenge after it opens, read on every write. */
export interface ChallengeLiveState {
  status: ChallengeStatus;
  deadline: Date | null;
  openedAt: Date | null;
  closedAt: Date | null;
}

/**
 * A challenge for the write path: its definition (remembered) and its live
 * state (read now, one short statement once the definition is known).
 */
export async function loadChallengeForWrite(
  sql: Sql,
  cache: DefinitionCache,
  id: string,
): Promise<ChallengeRecord | undefined> {
  const definition = await cache.challenge(sql, id);
  if (!definition) return undefined;
  const [row] = await sql.query<{
    status: ChallengeStatus;
    deadline: Date | null;
    opened_at: Date | null;
    closed_at: Date | null;
  }>('select status, deadline, opened_at, closed_at from challenge where id = ?', [id]);
  if (!row) {
    cache.forget(id);
    return undefined;
  }
  const date = (value: Date | string | null) => (value === null ? null : new Date(value));
  return {
    id: definition.id,
    campaignId: definition.campaignId,
    organizationId: definition.organizationId,
    title: definition.title,
    description: definition.description,
    actionType: definition.actionType,
    actionSettings: definition.actionSettings as Record<string, unknown>,
    status: row.status,
    deadline: date(row.deadline),
    openedAt: date(row.opened_at),
    closedAt: date(row.closed_at),
    createdAt: definition.createdAt,
  };
}
