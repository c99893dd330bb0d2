/**
 * The tablet's queue of records (browser only): each enrolment or weigh-in
 * is written to IndexedDB the moment it is recorded, under a key made then
 * (`crypto.randomUUID()`), and sent with that key through the API's sync
 * routes whenever the network allows. The API keeps every key for good
 * (ADR 0041), so sending a record twice — the answer was lost, two tabs
 * synced at once — still counts it once.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { EnrolmentBody, WeighInBody } from './records';

/** Where a record is: waiting to be sent, counted, or refused by the API. */
export type RecordState = 'pending' | 'synced' | 'refused';

/** What the queue keeps of a record. */
export interface QueuedRecord {
  key: string;
  organization: string;
  challengeId: string;
  challengeTitle: string;
  recordedAt: string;
  state: RecordState;
  /** What the agent sees of it, without the resident's address. */
  summary: { kg?: number; pointName?: string; named: boolean };
  /** The API body; dropped once synced, since the API then holds it. */
  record:
    | { kind: 'enrolment'; body: EnrolmentBody | null }
    | { kind: 'weighIn'; body: WeighInBody | null };
  /** What came back: the resident's code or the weigh-in's id, or why it was refused. */
  outcome?: { code?: string; id?: string; error?: string; message?: string };
}

interface AgentDb extends DBSchema {
  records: { key: string; value: QueuedRecord; indexes: { organization: string } };
  device: { key: string; value: string };
}

let opened: Promise<IDBPDatabase<AgentDb>> | null = null;

function db(): Promise<IDBPDatabase<AgentDb>> {
  opened ??= openDB<AgentDb>('tandem-agent', 1, {
    upgrade(database) {
      const records = database.createObjectStore('records', { keyPath: 'key' });
      records.createIndex('organization', 'organization');
      database.createObjectStore('device');
    },
  });
  return opened;
}

/** This tablet's id, made once, sent with enrolments for the organization's audit. */
export async function deviceId(): Promise<string> {
  const database = await db();
  const known = await database.get('device', 'id');
  if (known) return known;
  const made = crypto.randomUUID();
  await database.put('device', made, 'id');
  return made;
}

/** Adds a record to the queue, pending. */
export async function enqueue(record: QueuedRecord): Promise<void> {
  await (await db()).put('records', record);
}

/** The organization's records, newest first. */
export async function recordsOf(organization: string): Promise<QueuedRecord[]> {
  const all = await (await db()).getAllFromIndex('records', 'organization', organization);
  return all.sort((a, b) => (a.recordedAt < b.recordedAt ? 1 : -1));
}

/** Forgets a record the agent discarded (a refused one). */
export async function discard(key: string): Promise<void> {
  await (await db()).delete('records', key);
}

/** One item's answer from a sync route (enrolments or weigh-ins). */
interface ItemResult {
  key: string;
  status: string;
  code?: string;
  pledgeId?: string;
  weighInId?: string;
  error?: string;
  message?: string;
}

/**
 * Answers that say "not now" rather than "no": the item stays pending and
 * goes again with the next sync.
 */
const RETRY_LATER = new Set(['TANDEM_IDEMPOTENCY_IN_PROGRESS', 'TANDEM_INTERNAL']);

/** How a sync went, for the page to say. */
export interface SyncReport {
  /** False when the API could not be reached (or answered 5xx): records stay pending. */
  reached: boolean;
  /** True when the API wants the agent to sign in again. */
  signedOut: boolean;
}

const MAX_BATCH = 200;

/**
 * Sends the organization's pending records, one request per challenge and
 * kind, from this page (never from the service worker), with the session
 * cookie. Each item's answer updates its record; an unreachable API or a
 * 5xx leaves everything pending.
 */
export async function syncPending(organization: string): Promise<SyncReport> {
  const report: SyncReport = { reached: true, signedOut: false };
  const pending = (await recordsOf(organization)).filter((record) => record.state === 'pending');
  const batches = new Map<string, QueuedRecord[]>();
  for (const record of pending.reverse()) {
    const batchKey = `${record.record.kind} ${record.challengeId}`;
    batches.set(batchKey, [...(batches.get(batchKey) ?? []), record]);
  }
  for (const records of batches.values()) {
    for (let start = 0; start < records.length; start += MAX_BATCH) {
      const batch = records.slice(start, start + MAX_BATCH);
      const first = batch[0] as QueuedRecord;
      const enrolments = first.record.kind === 'enrolment';
      const path = `/api/challenges/${encodeURIComponent(first.challengeId)}/${
        enrolments ? 'enrolments' : 'weigh-ins'
      }/sync`;
      const items = batch.map((record) =>
        enrolments
          ? { key: record.key, enrolment: record.record.body }
          : { key: record.key, weighIn: record.record.body },
      );
      let answer: Response;
      try {
        answer = await fetch(path, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ items }),
        });
      } catch {
        return { reached: false, signedOut: false };
      }
      if (answer.status === 401) return { reached: true, signedOut: true };
      if (!answer.ok) {
        // A 4xx on the whole batch (the challenge went away, the agent lost
        // their role) refuses each of its records with the API's words.
        if (answer.status >= 500) return { reached: false, signedOut: false };
        const refusal = (await answer.json().catch(() => ({}))) as {
          error?: string;
          message?: string;
        };
        for (const record of batch) {
          await settle(record, {
            key: record.key,
            status: 'error',
            ...(refusal.error ? { error: refusal.error } : {}),
            message: refusal.message ?? answer.statusText,
          });
        }
        continue;
      }
      const { results } = (await answer.json()) as { results: ItemResult[] };
      for (const result of results) {
        const record = batch.find((one) => one.key === result.key);
        if (record) await settle(record, result);
      }
    }
  }
  return report;
}

async function settle(record: QueuedRecord, result: ItemResult): Promise<void> {
  if (result.status === 'error') {
    if (result.error && RETRY_LATER.has(result.error)) return;
    await enqueue({
      ...record,
      state: 'refused',
      outcome: {
        ...(result.error ? { error: result.error } : {}),
        message: result.message ?? '',
      },
    });
    return;
  }
  await enqueue({
    ...record,
    state: 'synced',
    // The API holds the resident's details now; the tablet need not.
    record: { kind: record.record.kind, body: null } as QueuedRecord['record'],
    outcome: {
      ...(result.code ? { code: result.code } : {}),
      ...(result.pledgeId || result.weighInId
        ? { id: (result.weighInId ?? result.pledgeId) as string }
        : {}),
    },
  });
}
