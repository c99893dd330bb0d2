/**
 * Words for the contribution forms and lists of `/me` in the page's
 * language. Action types' schemas carry English descriptions; the fields
 * and values people meet most (commute trips, weigh-ins) get their own
 * translations here, anything else keeps the schema's words.
 */
import {
  fieldLabel as pledgeFieldLabel,
  optionLabel as sharedOptionLabel,
} from '$lib/forms/labels';
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

/** A contribution field's label: ours when we know the field, else the pledge forms' words, else the schema's. */
export function fieldLabel(field: FieldDescriptor): string {
  return FIELD_LABELS[field.key]?.() ?? pledgeFieldLabel(field);
}

/** A choice's label (a travel mode in words), shared with the pledge forms. */
export function optionLabel(field: FieldDescriptor, choice: Choice): string {
  return sharedOptionLabel(field, choice);
}

/** A commute trip's mode, as the contribution form describes it. */
const MODE_FIELD: FieldDescriptor = {
  kind: 'choice',
  name: 'details/trips/mode',
  path: ['trips', 'mode'],
  key: 'mode',
  label: 'mode',
  required: true,
};

/** A travel mode in words (for the trips already reported). */
export function modeLabel(mode: string): string {
  return sharedOptionLabel(MODE_FIELD, { value: mode, label: mode });
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
    case 'invalidated':
      return m.igy_status_invalidated();
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
