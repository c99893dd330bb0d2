/**
 * Words for the contribution forms and lists of `/me` in the page's
 * language. Action types' schemas carry English descriptions; the fields
 * and values people meet most (commute trips, weigh-ins) get their own
 * translations here, anything else keeps the schema's words.
 */
import type { Choice, FieldDescriptor } from '$lib/forms/schema-form';
import { m } from '$lib/paraglide/messages';

const FIELD_LABELS: Record<string, () => string> = {
  date: m.me_field_date,
  trips: m.me_field_trips,
  mode: m.me_field_mode,
  km: m.me_field_km,
  occupants: m.me_field_occupants,
  kg: m.me_field_kg,
  pointId: m.me_field_point,
  note: m.me_field_note,
  action: m.me_field_action,
};

const MODE_LABELS: Record<string, () => string> = {
  bus: m.me_mode_bus,
  metro: m.me_mode_metro,
  tram: m.me_mode_tram,
  rer: m.me_mode_rer,
  'train-ter': m.me_mode_train_ter,
  'train-tgv': m.me_mode_train_tgv,
  coach: m.me_mode_coach,
  carpool: m.me_mode_carpool,
  bike: m.me_mode_bike,
  'e-bike': m.me_mode_e_bike,
  walking: m.me_mode_walking,
  'e-scooter': m.me_mode_e_scooter,
};

/** A field's label: ours when we know the field, else the schema's. */
export function fieldLabel(field: FieldDescriptor): string {
  return FIELD_LABELS[field.key]?.() ?? field.label;
}

/** A choice's label: a travel mode in words, else the schema's. */
export function optionLabel(field: FieldDescriptor, choice: Choice): string {
  return (field.key === 'mode' ? MODE_LABELS[String(choice.value)]?.() : undefined) ?? choice.label;
}

/** A travel mode in words (for the list of trips already reported). */
export function modeLabel(mode: string): string {
  return MODE_LABELS[mode]?.() ?? mode;
}

const UNIT_LABELS: Record<string, (inputs: { count: number; quantity: string }) => string> = {
  km: m.me_quantity_km,
  kg: m.me_quantity_kg,
  course: m.me_quantity_course,
  action: m.me_quantity_action,
};

/** A quantity with its unit, in words (`12,5 km`, `2 formations`). */
export function quantityText(quantity: number, unit: string | null, locale: string): string {
  const formatted = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(quantity);
  const label = unit ? UNIT_LABELS[unit] : undefined;
  if (label) return label({ count: quantity, quantity: formatted });
  return unit ? `${formatted} ${unit}` : formatted;
}

/** A pledge's status in words. */
export function pledgeStatus(status: string): string {
  switch (status) {
    case 'pending':
      return m.me_status_pending();
    case 'confirmed':
      return m.me_status_confirmed();
    case 'withdrawn':
      return m.me_status_withdrawn();
    default:
      return status;
  }
}

/** A challenge's status in words. */
export function challengeStatus(status: string): string {
  switch (status) {
    case 'draft':
      return m.me_challenge_draft();
    case 'open':
      return m.me_challenge_open();
    case 'succeeded':
      return m.me_challenge_succeeded();
    case 'failed':
      return m.me_challenge_failed();
    case 'fulfilled':
      return m.me_challenge_fulfilled();
    default:
      return status;
  }
}
