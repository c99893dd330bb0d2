import type { Cluster, Redis } from 'ioredis';
import type { App } from '../http/types.js';
import type { ServiceContext } from '../services/context.js';
import type { Database } from '../store/database.js';
import type { OutboxEvent } from '../store/outbox.js';
import { createMemoryLiveBus, type LiveBus } from './bus.js';
import { createLiveHub, type LiveHub } from './hub.js';
import { toLiveMessages } from './messages.js';
import { createRedisLiveBus } from './redis-bus.js';
import { liveRoutes } from './routes.js';

export { createMemoryLiveBus, type LiveBus, type LiveSubscriber } from './bus.js';
export { createRedisLiveBus, type RedisLiveBusOptions } from './redis-bus.js';
export {
  createLiveHub,
  sseFrame,
  type LiveConnection,
  type LiveHub,
  type LiveHubOptions,
  type LiveHubStats,
  type LiveSink,
} from './hub.js';
export {
  discreteFrameOf,
  parseLiveMessage,
  toLiveMessages,
  type DiscreteEventName,
  type DiscreteFrame,
  type LiveMessage,
} from './messages.js';

/** Tuning of live pages (tests shorten the intervals). */
export interface LiveOptions {
  /** Between two `: heartbeat` comments (default 15,000 ms). */
  heartbeatMs?: number;
  /** The shortest time between two progress reads of one challenge (default 250 ms). */
  coalesceMs?: number;
  /** The most events a reconnection replays (default 100). */
  replayLimit?: number;
}

/**
 * The parts of a platform live pages are installed on. Named here rather
 * than taken from `platform.ts`: the composition root installs live pages,
 * so live pages do not import it (docs/decisions/0020).
 */
export interface LiveHost {
  readonly db: Database;
  readonly app: App;
  readonly ctx: ServiceContext;
  readonly redis: Redis | Cluster | undefined;
  onRelayed(listener: (events: OutboxEvent[]) => void): () => void;
  onClose(close: () => Promise<void>): void;
}

const hubs = new WeakMap<LiveHost, LiveHub>();

/** The live hub installed on a platform (connection counts for operations, tests). */
export function liveHubOf(platform: LiveHost): LiveHub | undefined {
  return hubs.get(platform);
}

/**
 * Wires live pages into a platform whose app is built but not yet ready:
 * relayed events are published on the bus (Redis pub/sub on `<prefix>:live`
 * when the platform has Redis, in-process otherwise), the hub subscribes on
 * the first SSE connection — so only processes serving pages listen — and
 * `GET /api/challenges/{id}/events` is registered. Streams end when the
 * platform or its app closes, so closing never waits for open pages.
 */
export async function installLive(
  platform: LiveHost,
  options: LiveOptions & { prefix: string },
): Promise<LiveHub> {
  const bus: LiveBus = platform.redis
    ? createRedisLiveBus({ redis: platform.redis, channel: `${options.prefix}:live` })
    : createMemoryLiveBus();
  const hub = createLiveHub({
    db: platform.db,
    bus,
    ...(options.coalesceMs !== undefined ? { coalesceMs: options.coalesceMs } : {}),
    ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}),
    ...(options.replayLimit !== undefined ? { replayLimit: options.replayLimit } : {}),
  });
  hubs.set(platform, hub);

  // Cached views (ADR 0023): events relayed here drop theirs at once, and a
  // process that serves reads hears what the others relayed on the bus,
  // from its first read on (or its first live page, whichever comes first).
  const views = platform.ctx.views;
  if (views) {
    platform.onRelayed((events) => {
      for (const event of events) if (event.challengeId) views.invalidate(event.challengeId);
    });
    views.listenOnFirstRead(() =>
      bus.subscribe({
        message: (message) => views.invalidate(message.challengeId),
        gap: () => views.clear(),
      }),
    );
  }

  platform.onRelayed((events) => {
    const messages = toLiveMessages(events);
    if (messages.length === 0) return;
    bus.publish(messages).catch((error: unknown) => {
      // Pages catch up on their next event or reconnection (Last-Event-ID).
      console.error('live events could not be published:', String(error));
    });
  });
  await liveRoutes(platform.app, platform.ctx, hub);
  platform.app.addHook('preClose', async () => {
    await hub.close();
  });
  platform.onClose(async () => {
    await hub.close();
    await bus.close();
  });
  return hub;
}
