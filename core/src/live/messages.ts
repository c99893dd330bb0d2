import { coreEvents, Events } from '../events/catalogue.js';
import type { LiveFrame } from '../sdk/events.js';
import type { OutboxEvent } from '../store/outbox.js';

/**
 * What travels on the live bus: one relayed outbox event of a challenge,
 * reduced to what live pages show. Payloads hold ids, numbers and dates
 * only — never an e-mail or a name.
 */
export interface LiveMessage {
  challengeId: string;
  /** The outbox event type (`challenge.unlocked`, `pledge.confirmed`, …). */
  type: string;
  /** The event's number within its challenge (`challenge_seq`), used as the SSE `id`. */
  seq: number;
  payload: Record<string, unknown>;
}

/** The SSE event names of API.md, besides `progress`. */
export type DiscreteEventName = LiveFrame;

/** A frame that names one thing that happened, sent to every page of the challenge. */
export interface DiscreteFrame {
  event: DiscreteEventName;
  data: Record<string, unknown>;
}

/**
 * Outbox types that become a frame of their own (the catalogue's
 * `liveFrame`); every other event only refreshes progress.
 */
export const DISCRETE_TYPES: Readonly<Record<string, DiscreteEventName>> = Object.freeze(
  Object.fromEntries(
    coreEvents.flatMap((event) => (event.liveFrame ? [[event.type, event.liveFrame]] : [])),
  ),
);

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const number = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

/**
 * The frame an outbox event becomes on a live page, from its type and
 * payload (the outbox's or the bus's slimmer one), or null when it only
 * moves progress.
 */
export function discreteFrameOf(
  type: string,
  payload: Record<string, unknown>,
): DiscreteFrame | null {
  const event = DISCRETE_TYPES[type];
  switch (event) {
    case 'unlocked':
      return {
        event,
        data: { tierId: text(payload['tierId']), unlockedAt: text(payload['unlockedAt']) },
      };
    case 'milestone':
      return {
        event,
        data: { tierId: text(payload['tierId']), percent: number(payload['percent']) },
      };
    case 'status':
      return {
        event,
        data: {
          status:
            text(payload['status']) ??
            (type === Events.challengeSucceeded.type ? 'succeeded' : null),
          closedAt: text(payload['closedAt']),
        },
      };
    default:
      return null;
  }
}

/**
 * Reduces a relayed batch to bus messages: each unlock, milestone and
 * status change with its own (slim) payload, and per challenge only the
 * last of the other events, since they all mean "progress may have moved"
 * — a burst of 500 pledges crosses the bus as one message.
 */
export function toLiveMessages(events: readonly OutboxEvent[]): LiveMessage[] {
  const messages: LiveMessage[] = [];
  const lastOther = new Map<string, LiveMessage>();
  for (const event of events) {
    // Only numbered events go live: the platform-wide seq is never shown.
    const seq = event.challengeSeq;
    if (!event.challengeId || seq === null || seq === undefined) continue;
    const frame = discreteFrameOf(event.type, event.payload);
    if (frame) {
      messages.push({
        challengeId: event.challengeId,
        type: event.type,
        seq,
        payload: frame.data,
      });
      continue;
    }
    const previous = lastOther.get(event.challengeId);
    if (!previous || previous.seq < seq) {
      lastOther.set(event.challengeId, {
        challengeId: event.challengeId,
        type: event.type,
        seq,
        payload: {},
      });
    }
  }
  return [...messages, ...lastOther.values()].sort((a, b) => a.seq - b.seq);
}

/** Checks a message read from the bus (another process wrote it); null when malformed. */
export function parseLiveMessage(value: unknown): LiveMessage | null {
  if (typeof value !== 'object' || value === null) return null;
  const { challengeId, type, seq, payload } = value as Record<string, unknown>;
  if (typeof challengeId !== 'string' || typeof type !== 'string') return null;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq)) return null;
  const body =
    typeof payload === 'object' && payload !== null && !Array.isArray(payload)
      ? (payload as Record<string, unknown>)
      : {};
  return { challengeId, type, seq, payload: body };
}
