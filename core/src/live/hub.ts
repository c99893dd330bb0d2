import type { Progress } from '../domain/types.js';
import { TandemError } from '../errors.js';
import { redactError } from '../logging.js';
import type { Sql } from '../store/database.js';
import { readProgressAndShares, type ShareView } from '../store/partners.js';
import type { LiveBus } from './bus.js';
import { DISCRETE_TYPES, discreteFrameOf, type LiveMessage } from './messages.js';

/** Where a live connection's frames go (an HTTP response, in practice). */
export interface LiveSink {
  /** Writes one chunk; never throws. */
  write(chunk: string): void;
  /** Ends the stream (idempotent). */
  end(): void;
  /** Bytes written but not yet taken by the client. */
  buffered(): number;
}

export interface LiveHubOptions {
  db: Sql;
  bus: LiveBus;
  /** The shortest time between two progress reads of one challenge (default 250 ms). */
  coalesceMs?: number;
  /** How often a `: heartbeat` comment goes to every connection (default 15 s). */
  heartbeatMs?: number;
  /** The most unlock, milestone and status events a reconnection replays (default 100). */
  replayLimit?: number;
  /** A connection whose client lets this many bytes pile up is dropped (default 1 MiB); it reconnects. */
  maxBufferedBytes?: number;
}

/** Counters for tests and operations. */
export interface LiveHubStats {
  /** Open connections. */
  connections: number;
  /** Challenges with at least one open connection. */
  challenges: number;
  /** Progress reads made so far (snapshots and coalesced refreshes). */
  progressReads: number;
  /** Progress frames written so far, all connections counted once per frame. */
  progressBroadcasts: number;
}

/** A live page's subscription; `close()` when the client goes. */
export interface LiveConnection {
  close(): void;
}

/**
 * Keeps the live connections of this process, per challenge, and feeds them
 * from the bus. Progress is coalesced: whatever the number of events and
 * of open pages, a challenge costs at most one progress read per
 * `coalesceMs`, and every page of it gets the same frame.
 */
export interface LiveHub {
  /** Subscribes to the bus (once); rejects with 503 when it cannot. */
  ready(): Promise<void>;
  /**
   * Opens a connection: replays what came after `lastEventId` (unlocks,
   * milestones, status changes, from the outbox), writes a progress
   * snapshot, then live frames until `close()`.
   */
  connect(
    challengeId: string,
    sink: LiveSink,
    options?: { lastEventId?: number },
  ): Promise<LiveConnection>;
  /** Handles one bus message (the hub's bus subscription calls it). */
  receive(message: LiveMessage): void;
  /** Catches up every open challenge from the outbox after messages may have been lost. */
  resync(): Promise<void>;
  stats(): LiveHubStats;
  /** Ends every stream and stops; idempotent. */
  close(): Promise<void>;
}

interface Frame {
  text: string;
  /** The challenge event number of an unlock, milestone or status frame; null for progress. */
  seq: number | null;
}

interface Connection {
  sink: LiveSink;
  /** Frames that arrived while the replay and snapshot were being written. */
  pending: Frame[] | null;
  replayed: Set<number>;
}

/**
 * What a `progress` frame carries: the counters, and on a federated
 * challenge each organization's share of them (ADR 0043).
 */
export type LiveProgress = Progress & { shares?: ShareView[] };

/** The counters (and shares) of one challenge, read in one snapshot. */
async function readLiveProgress(db: Sql, challengeId: string): Promise<LiveProgress> {
  const read = (await readProgressAndShares(db, [challengeId])).get(challengeId);
  const progress = read?.progress ?? { participants: 0, quantity: 0, co2eKg: 0 };
  return read?.federated ? { ...progress, shares: read.shares } : progress;
}

interface Snapshot {
  progress: LiveProgress;
  seq: number;
  /** When the read started (ms). */
  at: number;
}

interface Channel {
  challengeId: string;
  connections: Set<Connection>;
  /** The highest seq seen for this challenge (bus and reads). */
  lastSeq: number;
  /** Seqs of unlock, milestone and status frames already broadcast. */
  sent: Set<number>;
  dirty: boolean;
  timer: NodeJS.Timeout | null;
  refreshing: boolean;
  lastRefreshAt: number;
  snapshot: Snapshot | null;
  snapshotRead: Promise<Snapshot> | null;
}

const DISCRETE_EVENT_TYPES = Object.keys(DISCRETE_TYPES);

/** One SSE frame. */
export const sseFrame = (id: number, event: string, data: unknown): string =>
  `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** Creates a hub; nothing is subscribed until the first `ready()` or `connect()`. */
export function createLiveHub(options: LiveHubOptions): LiveHub {
  const coalesceMs = options.coalesceMs ?? 250;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const replayLimit = options.replayLimit ?? 100;
  const maxBuffered = options.maxBufferedBytes ?? 1024 * 1024;
  const channels = new Map<string, Channel>();
  let subscribed: Promise<void> | null = null;
  let heartbeat: NodeJS.Timeout | null = null;
  let closed = false;
  let connections = 0;
  let progressReads = 0;
  let progressBroadcasts = 0;

  const write = (channel: Channel, connection: Connection, frame: Frame) => {
    if (connection.pending) {
      connection.pending.push(frame);
      return;
    }
    if (frame.seq !== null && connection.replayed.has(frame.seq)) return;
    connection.sink.write(frame.text);
    if (connection.sink.buffered() > maxBuffered) drop(channel, connection);
  };

  const broadcast = (channel: Channel, frame: Frame) => {
    for (const connection of channel.connections) write(channel, connection, frame);
  };

  const drop = (channel: Channel, connection: Connection) => {
    if (!channel.connections.delete(connection)) return;
    connections--;
    connection.sink.end();
    if (channel.connections.size === 0) {
      if (channel.timer) clearTimeout(channel.timer);
      channel.timer = null;
      if (channels.get(channel.challengeId) === channel) channels.delete(channel.challengeId);
    }
    if (connections === 0 && heartbeat) {
      clearInterval(heartbeat);
      heartbeat = null;
    }
  };

  const readSnapshot = async (channel: Channel): Promise<Snapshot> => {
    const at = Date.now();
    progressReads++;
    const [progress, rows] = await Promise.all([
      readLiveProgress(options.db, channel.challengeId),
      options.db.query<{ seq: string | number | null }>(
        `select max(challenge_seq) as seq from outbox_event
          where challenge_id = ? and challenge_seq is not null`,
        [channel.challengeId],
      ),
    ]);
    const snapshot = { progress, seq: Number(rows[0]?.seq ?? 0), at };
    channel.lastSeq = Math.max(channel.lastSeq, snapshot.seq);
    if (!channel.snapshot || channel.snapshot.at <= at) channel.snapshot = snapshot;
    return snapshot;
  };

  /** A snapshot no older than one tick, shared by the connections opening meanwhile. */
  const currentSnapshot = (channel: Channel): Promise<Snapshot> => {
    if (channel.snapshot && Date.now() - channel.snapshot.at < coalesceMs) {
      return Promise.resolve(channel.snapshot);
    }
    if (!channel.snapshotRead) {
      channel.snapshotRead = readSnapshot(channel).finally(() => {
        channel.snapshotRead = null;
      });
    }
    return channel.snapshotRead;
  };

  const schedule = (channel: Channel) => {
    if (closed || channel.timer || channel.refreshing || channel.connections.size === 0) return;
    const wait = Math.max(0, channel.lastRefreshAt + coalesceMs - Date.now());
    channel.timer = setTimeout(() => {
      channel.timer = null;
      void refresh(channel);
    }, wait);
  };

  const refresh = async (channel: Channel) => {
    channel.dirty = false;
    channel.refreshing = true;
    channel.lastRefreshAt = Date.now();
    const seq = channel.lastSeq;
    try {
      progressReads++;
      const progress = await readLiveProgress(options.db, channel.challengeId);
      const snapshot = { progress, seq, at: channel.lastRefreshAt };
      if (!channel.snapshot || channel.snapshot.at <= snapshot.at) channel.snapshot = snapshot;
      if (!closed && channel.connections.size > 0) {
        progressBroadcasts++;
        broadcast(channel, { text: sseFrame(seq, 'progress', progress), seq: null });
      }
    } catch (error) {
      console.error(
        `live progress of ${channel.challengeId} could not be read`,
        redactError(error),
      );
      channel.dirty = true; // try again at the next tick
    } finally {
      channel.refreshing = false;
      if (channel.dirty) schedule(channel);
    }
  };

  const touch = (channel: Channel) => {
    channel.dirty = true;
    schedule(channel);
  };

  const announce = (
    channel: Channel,
    type: string,
    seq: number,
    payload: Record<string, unknown>,
  ) => {
    channel.lastSeq = Math.max(channel.lastSeq, seq);
    const frame = discreteFrameOf(type, payload);
    if (frame && !channel.sent.has(seq)) {
      channel.sent.add(seq);
      broadcast(channel, { text: sseFrame(seq, frame.event, frame.data), seq });
    }
    touch(channel);
  };

  interface ReplayRow {
    seq: string | number;
    type: string;
    payload: Record<string, unknown>;
  }

  /** Unlock, milestone and status events after `afterSeq`, oldest first (the latest `replayLimit`). */
  const readReplay = async (challengeId: string, afterSeq: number) => {
    const rows = await options.db.query<ReplayRow>(
      `select challenge_seq as seq, type, payload from outbox_event
        where challenge_id = ? and challenge_seq > ? and type in (?)
        order by challenge_seq desc
        limit ?`,
      [challengeId, afterSeq, DISCRETE_EVENT_TYPES, replayLimit],
    );
    return rows.map((row) => ({ ...row, seq: Number(row.seq) })).reverse();
  };

  const subscriber = {
    message: (message: LiveMessage) => hub.receive(message),
    gap: () => {
      hub.resync().catch((error: unknown) => console.error('live resync failed', error));
    },
  };

  const hub: LiveHub = {
    ready() {
      if (closed) {
        return Promise.reject(new TandemError('TANDEM_UNAVAILABLE', 'The server is closing.'));
      }
      if (!subscribed) {
        subscribed = options.bus.subscribe(subscriber).catch((error: unknown) => {
          subscribed = null;
          throw new TandemError(
            'TANDEM_UNAVAILABLE',
            `Live updates are unavailable for now: ${String(error)}`,
          );
        });
      }
      return subscribed;
    },

    async connect(challengeId, sink, connectOptions = {}) {
      await hub.ready();
      if (closed) {
        sink.end();
        return { close: () => undefined };
      }
      let channel = channels.get(challengeId);
      if (!channel) {
        channel = {
          challengeId,
          connections: new Set(),
          lastSeq: 0,
          sent: new Set(),
          dirty: false,
          timer: null,
          refreshing: false,
          lastRefreshAt: 0,
          snapshot: null,
          snapshotRead: null,
        };
        channels.set(challengeId, channel);
      }
      const own = channel;
      // Registered before reading, so nothing relayed meanwhile is missed;
      // what arrives waits in `pending` until the snapshot is written.
      const connection: Connection = { sink, pending: [], replayed: new Set() };
      own.connections.add(connection);
      connections++;
      heartbeat ??= setInterval(() => {
        for (const each of channels.values()) {
          for (const open of each.connections) {
            if (!open.pending) open.sink.write(': heartbeat\n\n');
          }
        }
      }, heartbeatMs);
      const handle = { close: () => drop(own, connection) };
      try {
        let lastId = 0;
        if (connectOptions.lastEventId !== undefined) {
          lastId = connectOptions.lastEventId;
          for (const row of await readReplay(challengeId, connectOptions.lastEventId)) {
            const frame = discreteFrameOf(row.type, row.payload);
            if (!frame) continue;
            connection.replayed.add(row.seq);
            lastId = Math.max(lastId, row.seq);
            sink.write(sseFrame(row.seq, frame.event, frame.data));
          }
        }
        const snapshot = await currentSnapshot(own);
        if (!own.connections.has(connection)) return handle; // gone meanwhile
        sink.write(sseFrame(Math.max(snapshot.seq, lastId), 'progress', snapshot.progress));
        const pending = connection.pending ?? [];
        connection.pending = null;
        for (const frame of pending) write(own, connection, frame);
      } catch (error) {
        drop(own, connection);
        throw error;
      }
      return handle;
    },

    receive(message) {
      const channel = channels.get(message.challengeId);
      if (!channel || closed) return; // nobody watches it here
      announce(channel, message.type, message.seq, message.payload);
    },

    async resync() {
      for (const channel of [...channels.values()]) {
        const rows = await readReplay(channel.challengeId, channel.lastSeq);
        for (const row of rows) announce(channel, row.type, row.seq, row.payload);
        touch(channel);
      }
    },

    stats() {
      return { connections, challenges: channels.size, progressReads, progressBroadcasts };
    },

    async close() {
      if (closed) return;
      closed = true;
      if (heartbeat) clearInterval(heartbeat);
      heartbeat = null;
      for (const channel of [...channels.values()]) {
        if (channel.timer) clearTimeout(channel.timer);
        channel.timer = null;
        for (const connection of [...channel.connections]) drop(channel, connection);
      }
      channels.clear();
    },
  };
  return hub;
}
