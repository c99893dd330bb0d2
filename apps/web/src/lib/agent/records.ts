/**
 * What an agent records on the doorstep or at a collection point, read from
 * the agent's forms into the bodies the API takes. One reader serves both
 * paths: the server's form action (online, without JavaScript) and the
 * page's offline queue, so a record means the same whichever way it goes.
 */
import { m } from '$lib/paraglide/messages';

/** The household waste streams a sorting challenge may be about (the sorting plugin's list). */
export const WASTE_STREAMS = ['packaging', 'glass', 'paper', 'biowaste', 'textile'] as const;
export type WasteStream = (typeof WASTE_STREAMS)[number];

/** The largest household an enrolment may describe (as the API holds it). */
export const MAX_HOUSEHOLD_SIZE = 12;

/** The most a weigh-in form takes before the API's own, per-material limit. */
export const MAX_KG = 5000;

/** The body of `POST /api/challenges/{id}/enrolments` as the agent's form fills it. */
export interface EnrolmentBody {
  resident: { email: string } | { newCode: true };
  consent: { given: true; text: string; givenAt: string };
  displayName?: string;
  details?: { streams?: WasteStream[]; household?: { size: number } };
  locale: 'fr' | 'en';
  device: { id: string; recordedAt: string };
}

/** The body of `POST /api/challenges/{id}/weigh-ins` as the agent's form fills it. */
export interface WeighInBody {
  kg: number;
  pointId: string;
  occurredAt: string;
  participant: { email: string } | null;
}

/** A form read: the body, or a message per field (keyed by the control's name). */
export type Reading<T> = { ok: true; body: T } | { ok: false; errors: Record<string, string> };

/** Loose enough for a form; the API checks the address for real. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const text = (form: FormData, name: string): string => {
  const value = form.get(name);
  return typeof value === 'string' ? value.trim() : '';
};

/** What the resident is read before they agree: also the text kept with their consent. */
export const consentText = (): string => m.agt_consent_label();

/**
 * Reads the enrolment form. No e-mail means a resident without one: the
 * API issues them a code to keep.
 *
 * @param when the moment it was recorded (the device's clock), ISO 8601
 */
export function readEnrolment(
  form: FormData,
  options: { when: string; deviceId: string; locale: 'fr' | 'en'; streams: readonly string[] },
): Reading<EnrolmentBody> {
  const errors: Record<string, string> = {};
  const email = text(form, 'email');
  if (email !== '' && !EMAIL.test(email)) errors['email'] = m.agt_error_email();
  if (form.get('consent') !== 'yes') errors['consent'] = m.agt_error_consent();
  const householdText = text(form, 'household');
  const household = Number(householdText);
  if (
    householdText !== '' &&
    !(Number.isInteger(household) && household >= 1 && household <= MAX_HOUSEHOLD_SIZE)
  ) {
    errors['household'] = m.agt_error_household({ max: MAX_HOUSEHOLD_SIZE });
  }
  const streams = form
    .getAll('streams')
    .filter(
      (value): value is WasteStream => typeof value === 'string' && options.streams.includes(value),
    );
  const displayName = text(form, 'displayName');
  if (displayName.length > 100) errors['displayName'] = m.agt_error_display_name();
  if (Object.keys(errors).length > 0) return { ok: false, errors };

  const details: NonNullable<EnrolmentBody['details']> = {
    ...(streams.length > 0 ? { streams: [...new Set(streams)] } : {}),
    ...(householdText !== '' ? { household: { size: household } } : {}),
  };
  return {
    ok: true,
    body: {
      resident: email !== '' ? { email } : { newCode: true },
      consent: { given: true, text: consentText(), givenAt: options.when },
      ...(displayName !== '' ? { displayName } : {}),
      ...(Object.keys(details).length > 0 ? { details } : {}),
      locale: options.locale,
      device: { id: options.deviceId, recordedAt: options.when },
    },
  };
}

/**
 * Reads the weigh-in form. The kg accept a decimal comma, as typed on a
 * French keypad.
 *
 * @param when the moment it was weighed (the device's clock), ISO 8601
 */
export function readWeighIn(
  form: FormData,
  options: { when: string; points: readonly string[] },
): Reading<WeighInBody> {
  const errors: Record<string, string> = {};
  const pointId = text(form, 'pointId');
  if (!options.points.includes(pointId)) errors['pointId'] = m.agt_error_point();
  const kgText = text(form, 'kg').replace(',', '.');
  const kg = Number(kgText);
  if (kgText === '' || !Number.isFinite(kg) || kg <= 0 || kg > MAX_KG) {
    errors['kg'] = m.agt_error_kg();
  }
  const named = text(form, 'named') === 'yes';
  const email = text(form, 'email');
  if (named && !EMAIL.test(email)) errors['email'] = m.agt_error_email();
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    body: {
      kg: Math.round(kg * 1000) / 1000,
      pointId,
      occurredAt: options.when,
      participant: named ? { email } : null,
    },
  };
}
