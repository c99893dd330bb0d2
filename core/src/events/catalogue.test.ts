import { Type } from '@sinclair/typebox';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { coreErrors, TandemError } from '../errors.js';
import { coreEvents, Events } from './catalogue.js';
import { defineIntegration } from '../plugins/index.js';
import { createRegistry } from '../plugins/registry.js';
import type { NewEvent } from '../store/outbox.js';
import { defineError, definePluginErrors, TandemError as CodedError } from '../sdk/errors.js';
import { defineEvent, definePluginEvent, isEventOf, payloadProblems } from '../sdk/events.js';

describe('defineError', () => {
  it('keeps the code, its status and its description', () => {
    const error = defineError('TANDEM_TEST_REFUSED', 409, 'A test refusal.');
    expect(error).toEqual({
      code: 'TANDEM_TEST_REFUSED',
      status: 409,
      description: 'A test refusal.',
    });
    expect(Object.isFrozen(error)).toBe(true);
  });

  it.each([
    ['tandem_lower_case', 409],
    ['FST_OTHER_PREFIX', 409],
    ['TANDEM_OK_CODE', 200],
    ['TANDEM_OK_CODE', 600],
  ])('refuses %s with status %i', (code, status) => {
    expect(() => defineError(code, status, 'x')).toThrow(TypeError);
  });

  it('refuses a description over several lines', () => {
    expect(() => defineError('TANDEM_TEST_X', 400, 'one\ntwo')).toThrow(TypeError);
  });
});

describe('definePluginErrors', () => {
  it('prefixes each reason with the plugin id, dashes as underscores', () => {
    const errors = definePluginErrors('bike-km', {
      TRIP_TOO_LONG: { status: 400, description: 'A trip is too long.' },
    });
    expect(errors.TRIP_TOO_LONG.code).toBe('TANDEM_BIKE_KM_TRIP_TOO_LONG');
    expectTypeOf(errors.TRIP_TOO_LONG.code).toEqualTypeOf<'TANDEM_BIKE_KM_TRIP_TOO_LONG'>();
  });

  it('gives errors the code and status the HTTP layer answers with', () => {
    const errors = definePluginErrors('bike-km', {
      TRIP_TOO_LONG: { status: 400, description: 'A trip is too long.' },
    });
    const error = new TandemError(errors.TRIP_TOO_LONG, 'That trip is too long.');
    expect(error).toBeInstanceOf(CodedError);
    expect(error).toMatchObject({ code: 'TANDEM_BIKE_KM_TRIP_TOO_LONG', status: 400 });
  });
});

describe('core’s error catalogue', () => {
  it('has one entry per code, each with a status and a description', () => {
    for (const [code, definition] of Object.entries(coreErrors)) {
      expect(definition.code).toBe(code);
      expect(definition.description.length).toBeGreaterThan(10);
    }
    expect(new TandemError('TANDEM_CHALLENGE_NOT_OPEN', 'x').status).toBe(409);
  });
});

describe('defineEvent', () => {
  const tripLogged = definePluginEvent(
    'bike-km',
    'trip_logged',
    Type.Object({ km: Type.Number({ minimum: 0 }) }),
    { description: 'A trip was logged.' },
  );

  it('names a plugin’s event after the plugin, with defaults for what follows it', () => {
    expect(tripLogged).toMatchObject({
      type: 'bike-km.trip_logged',
      evaluates: false,
      liveFrame: null,
      notifies: false,
    });
  });

  it('refuses a type that is not <thing>.<past_tense>', () => {
    for (const type of ['pledged', 'Pledge.Confirmed', 'pledge.', 'pledge confirmed']) {
      expect(() => defineEvent(type, Type.Object({}), { description: 'x' })).toThrow(TypeError);
    }
  });

  it('says how a payload breaks its schema, and nothing when it fits', () => {
    expect(payloadProblems(tripLogged, { km: 12 })).toEqual([]);
    expect(payloadProblems(tripLogged, { km: -1 }).join()).toMatch(/payload\/km/);
    expect(payloadProblems(tripLogged, {}).length).toBeGreaterThan(0);
  });

  it('narrows an event to its definition’s payload', () => {
    const event: { type: string; payload: Record<string, unknown> } = {
      type: 'challenge.unlocked',
      payload: { tierId: 't0' },
    };
    if (isEventOf(event, Events.challengeUnlocked)) {
      expectTypeOf(event.payload.tierId).toEqualTypeOf<string>();
    } else {
      expect.unreachable('the event is an unlock');
    }
    expect(isEventOf(event, Events.challengeClosed)).toBe(false);
  });
});

describe('core’s event catalogue', () => {
  it('defines each type once, including milestones and recount mismatches', () => {
    const types = coreEvents.map((e) => e.type);
    expect(new Set(types).size).toBe(types.length);
    expect(types).toEqual(expect.arrayContaining(['challenge.milestone', 'progress.mismatch']));
  });

  it('types what the outbox accepts: a payload that does not match is a compile error', () => {
    const right: NewEvent = {
      type: 'counterpart.fulfilled',
      challengeId: 'chl_1',
      payload: { tierId: 't0' },
    };
    const missing: NewEvent = {
      type: 'pledge.confirmed',
      // @ts-expect-error a pledge.confirmed payload needs its pledgeId
      payload: { participantId: 'p', teamId: null, participantsDelta: 1 },
    };
    // @ts-expect-error a tier id is a string
    const mistyped: NewEvent = { type: 'counterpart.fulfilled', payload: { tierId: 3 } };
    // @ts-expect-error a type outside the catalogue
    const unknown: NewEvent = { type: 'pledge.made', payload: {} };
    expect([right, missing, mistyped, unknown]).toHaveLength(4);
  });

  it('marks what the relay evaluates after, what goes live and what is mailed', () => {
    const where = (pick: (e: (typeof coreEvents)[number]) => unknown) =>
      coreEvents.filter(pick).map((e) => e.type);
    expect(where((e) => e.evaluates).sort()).toEqual(
      [
        'contribution.corrected',
        'contribution.deleted',
        'contribution.recorded',
        'pledge.confirmed',
        'pledge.withdrawn',
        'pledges.restored',
      ].sort(),
    );
    expect(where((e) => e.notifies).sort()).toEqual(
      [
        'challenge.closed',
        'challenge.unlocked',
        'counterpart.fulfilled',
        'pledge.confirmed',
      ].sort(),
    );
    expect(where((e) => e.liveFrame).sort()).toEqual(
      [
        'challenge.closed',
        'challenge.milestone',
        'challenge.opened',
        'challenge.succeeded',
        'challenge.unlocked',
      ].sort(),
    );
  });
});

describe('a plugin’s declared codes and events', () => {
  const base = { version: '1.0.0', title: { fr: 'x', en: 'x' } };

  it('are kept on the plugin when they carry its id', () => {
    const errors = definePluginErrors('crm-sync', {
      CONTACT_UNKNOWN: { status: 404, description: 'No such contact.' },
    });
    const synced = definePluginEvent('crm-sync', 'contact_synced', Type.Object({}), {
      description: 'A contact was synced.',
    });
    const plugin = defineIntegration({ ...base, id: 'crm-sync', errors, events: [synced] });
    expect(plugin.errors['CONTACT_UNKNOWN']?.code).toBe('TANDEM_CRM_SYNC_CONTACT_UNKNOWN');
    expect(plugin.events.map((e) => e.type)).toEqual(['crm-sync.contact_synced']);
  });

  it('are refused when they carry another id, or are core’s', () => {
    const others = definePluginErrors('other', {
      X: { status: 400, description: 'Not ours.' },
    });
    const coreEvent = Events.pledgeConfirmed;
    try {
      defineIntegration({ ...base, id: 'crm-sync', errors: others, events: [coreEvent] });
      expect.unreachable('a foreign code and core’s event were accepted');
    } catch (error) {
      expect(error).toMatchObject({ code: 'TANDEM_PLUGIN_INVALID' });
      const paths = (error as TandemError).details?.map((d) => d.path);
      expect(paths).toEqual(['errors.X', 'events[0]']);
    }
  });

  it('join the registry’s lists, and two plugins may not claim one code', () => {
    const a = defineIntegration({
      ...base,
      id: 'ab',
      errors: definePluginErrors('ab', { CD_X: { status: 409, description: 'One.' } }),
    });
    const ab = defineIntegration({
      ...base,
      id: 'ab-cd',
      errors: definePluginErrors('ab-cd', { X: { status: 409, description: 'Two.' } }),
      events: [definePluginEvent('ab-cd', 'done', Type.Object({}), { description: 'Done.' })],
    });
    const registry = createRegistry().register(ab);
    expect(registry.errorDefinitions().map((e) => e.code)).toEqual(['TANDEM_AB_CD_X']);
    expect(registry.eventDefinitions().map((e) => e.type)).toEqual(['ab-cd.done']);
    expect(() => registry.register(a)).toThrow(
      expect.objectContaining({ code: 'TANDEM_PLUGIN_DUPLICATE' }),
    );
  });
});
