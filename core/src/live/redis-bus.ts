import type { Cluster, Redis } from 'ioredis';
import type { LiveBus, LiveSubscriber } from './bus.js';
import { parseLiveMessage, type LiveMessage } from './messages.js';

export interface RedisLiveBusOptions {
  /** The shared connection; it publishes, and a duplicate of it subscribes. */
  redis: Redis | Cluster;
  /** The pub/sub channel, e.g. `tandem:live`; processes of one deployment share it. */
  channel: string;
}

/**
 * The Redis pub/sub bus: every process publishes what it relayed on one
 * channel, as a JSON array of messages, and every process serving live
 * pages subscribes on a connection of its own (a subscribed connection
 * can run no other command). After a reconnection the subscriber is told
 * of a gap, since pub/sub keeps nothing for absent listeners.
 */
export function createRedisLiveBus(options: RedisLiveBusOptions): LiveBus {
  const subscribers = new Set<LiveSubscriber>();
  let subscription: Promise<Redis | Cluster> | null = null;
  let closed = false;

  const dispatch = (text: string) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return;
    }
    const messages = (Array.isArray(parsed) ? parsed : [parsed])
      .map(parseLiveMessage)
      .filter((message): message is LiveMessage => message !== null);
    for (const subscriber of subscribers) {
      for (const message of messages) {
        try {
          subscriber.message(message);
        } catch (error) {
          console.error('a live subscriber failed', error);
        }
      }
    }
  };

  const connect = async (): Promise<Redis | Cluster> => {
    // Wait for Redis to come back rather than failing the re-subscription.
    const subscriberOptions = {
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      autoResubscribe: true,
      connectionName: `${options.channel}:subscriber`,
    };
    const connection: Redis | Cluster =
      'isCluster' in options.redis && options.redis.isCluster
        ? (options.redis as Cluster).duplicate([], {
            lazyConnect: true,
            enableOfflineQueue: true,
            redisOptions: {
              ...(options.redis as Cluster).options.redisOptions,
              ...subscriberOptions,
            },
          })
        : (options.redis as Redis).duplicate({ ...subscriberOptions, lazyConnect: true });
    connection.on('error', () => undefined); // reconnects by itself; gaps are reported below
    let readyOnce = false;
    connection.on('ready', () => {
      if (!readyOnce) {
        readyOnce = true;
        return;
      }
      for (const subscriber of subscribers) subscriber.gap?.();
    });
    connection.on('message', (channel: string, text: string) => {
      if (channel === options.channel) dispatch(text);
    });
    try {
      await connection.connect();
      await connection.subscribe(options.channel);
    } catch (error) {
      connection.disconnect();
      throw error;
    }
    return connection;
  };

  return {
    async publish(messages: readonly LiveMessage[]) {
      if (closed || messages.length === 0) return;
      await options.redis.publish(options.channel, JSON.stringify(messages));
    },
    async subscribe(subscriber) {
      if (closed) return;
      subscribers.add(subscriber);
      if (!subscription) {
        subscription = connect();
        subscription.catch(() => {
          subscription = null; // the next subscribe tries again
        });
      }
      try {
        await subscription;
      } catch (error) {
        subscribers.delete(subscriber);
        throw error;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      subscribers.clear();
      const connection = await subscription?.catch(() => null);
      connection?.disconnect();
    },
  };
}
