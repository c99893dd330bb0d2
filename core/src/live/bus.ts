import type { LiveMessage } from './messages.js';

/** What a subscriber of the live bus is told. */
export interface LiveSubscriber {
  /** Messages, in the order they were published by one publisher. */
  message(message: LiveMessage): void;
  /**
   * Messages may have been lost (the subscription was interrupted and
   * resumed): the subscriber should catch up from the outbox.
   */
  gap?(): void;
}

/**
 * Carries relayed events from the process that relayed them to every
 * process serving live pages. Fire and forget: a message published while
 * nobody listens is gone; the outbox stays the record (Last-Event-ID replay).
 */
export interface LiveBus {
  /** Publishes one batch; rejects when the transport refuses it. */
  publish(messages: readonly LiveMessage[]): Promise<void>;
  /** Starts delivering messages to `subscriber`; resolves once subscribed. */
  subscribe(subscriber: LiveSubscriber): Promise<void>;
  /** Stops delivering and publishing; idempotent. */
  close(): Promise<void>;
}

/**
 * The in-process bus (the embedded default, one process): a publish reaches
 * this process's subscribers only.
 */
export function createMemoryLiveBus(): LiveBus {
  const subscribers = new Set<LiveSubscriber>();
  let closed = false;
  return {
    async publish(messages) {
      if (closed) return;
      for (const subscriber of subscribers) {
        for (const message of messages) {
          try {
            subscriber.message(message);
          } catch (error) {
            console.error('a live subscriber failed', error);
          }
        }
      }
    },
    async subscribe(subscriber) {
      if (!closed) subscribers.add(subscriber);
    },
    async close() {
      closed = true;
      subscribers.clear();
    },
  };
}
