/**
 * The event primitive of the plugin SDK: an event type is defined once,
 * with a TypeBox schema of its payload and what the platform does with it.
 * Core's catalogue (`core/src/events/catalogue.ts`) and a plugin's own
 * events are made with it; the outbox, the relay, live streams,
 * notifications and integrations read these definitions rather than lists of
 * their own. See docs/decisions/0022.
 *
 * This file imports TypeBox only: the SDK depends on no part of the engine.
 */
import type { Static, TObject } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';

/** Event types read `<thing>.<past tense>` in snake case: `pledge.confirmed`, `bike-km.trip_logged`. */
export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9-]*\.[a-z][a-z0-9_]*$/;

/** The frames of a challenge's live stream (API.md) that an event may become, besides `progress`. */
export type LiveFrame = 'unlocked' | 'milestone' | 'status';

/** What the platform does with an event, besides storing and relaying it. */
export interface EventOptions {
  /** One line saying what happened (it goes into docs/events.md). */
  description: string;
  /** Progress may have moved: the relay asks for an evaluation of the event's challenge. */
  evaluates?: boolean;
  /**
   * The frame it becomes on its challenge's live stream; without one, the
   * event only tells open pages that progress may have moved.
   */
  liveFrame?: LiveFrame;
  /** The notifications feature mails participants or sponsors about it. */
  notifies?: boolean;
}

/** One entry of an event catalogue. */
export interface EventDefinition<Type extends string = string, Payload extends TObject = TObject> {
  readonly type: Type;
  /** The schema every payload of this type satisfies; ids, numbers and dates only, never an e-mail. */
  readonly payload: Payload;
  readonly description: string;
  readonly evaluates: boolean;
  readonly liveFrame: LiveFrame | null;
  readonly notifies: boolean;
}

/** The payload type of a definition. */
export type PayloadOf<Definition extends EventDefinition> = Static<Definition['payload']>;

/**
 * Defines one event type.
 *
 * @param type - `<thing>.<past tense>`, e.g. `pledge.confirmed`
 * @param payload - a TypeBox object schema of the payload
 * @param options - its description and what the platform does with it
 * @example
 * const pledgeConfirmed = defineEvent(
 *   'pledge.confirmed',
 *   Type.Object({ pledgeId: Type.String(), participantsDelta: Type.Integer() }),
 *   { description: 'A pledge was confirmed.', evaluates: true },
 * );
 */
export function defineEvent<const Type extends string, Payload extends TObject>(
  type: Type,
  payload: Payload,
  options: EventOptions,
): EventDefinition<Type, Payload> {
  if (!EVENT_TYPE_PATTERN.test(type)) {
    throw new TypeError(`Event type "${type}" must read <thing>.<past_tense> in lower case.`);
  }
  if (options.description.trim() === '' || options.description.includes('\n')) {
    throw new TypeError(`Event type "${type}" needs a one-line description.`);
  }
  return Object.freeze({
    type,
    payload,
    description: options.description,
    evaluates: options.evaluates ?? false,
    liveFrame: options.liveFrame ?? null,
    notifies: options.notifies ?? false,
  });
}

/**
 * Defines one of a plugin's own events: its type is `<pluginId>.<name>`, so
 * no two plugins (nor a plugin and core) can mean two things by one type.
 * Declare the result in the manifest's `events`.
 *
 * @example
 * export const tripLogged = definePluginEvent('bike-km', 'trip_logged',
 *   Type.Object({ km: Type.Number() }), { description: 'A trip was logged.' });
 * // tripLogged.type === 'bike-km.trip_logged'
 */
export function definePluginEvent<
  const Id extends string,
  const Name extends string,
  Payload extends TObject,
>(
  pluginId: Id,
  name: Name,
  payload: Payload,
  options: EventOptions,
): EventDefinition<`${Id}.${Name}`, Payload> {
  return defineEvent(`${pluginId}.${name}`, payload, options);
}

/** An event as it leaves the outbox, narrowed to one definition by `isEventOf`. */
export interface TypedEvent<Definition extends EventDefinition> {
  type: Definition['type'];
  payload: PayloadOf<Definition>;
}

/**
 * Whether `event` is of `definition`'s type, narrowing its payload to the
 * definition's schema.
 *
 * @example
 * if (isEventOf(event, Events.challengeUnlocked)) use(event.payload.tierId);
 */
export function isEventOf<Event extends { type: string }, Definition extends EventDefinition>(
  event: Event,
  definition: Definition,
): event is Event & TypedEvent<Definition> {
  return event.type === definition.type;
}

const checks = new WeakMap<EventDefinition, TypeCheck<TObject>>();

/**
 * The sentences saying how `payload` breaks `definition`'s schema; empty
 * when it fits. The outbox runs it on every append, so an untyped caller
 * (a plugin in JavaScript, a cast) cannot write an event its readers would
 * misread.
 */
export function payloadProblems(definition: EventDefinition, payload: unknown): string[] {
  let check = checks.get(definition);
  if (!check) {
    check = TypeCompiler.Compile(definition.payload);
    checks.set(definition, check);
  }
  if (check.Check(payload)) return [];
  return [...check.Errors(payload)].map(
    (error) => `${error.path === '' ? 'payload' : `payload${error.path}`} ${error.message}`,
  );
}
