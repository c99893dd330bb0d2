import { m } from '$lib/paraglide/messages';
import type { Choice, FieldDescriptor } from './schema-form';

/**
 * Words for the fields the installed action types ask about, in the page's
 * language: a schema's own `title`/`description` is English prose for
 * integrators. A field or value not listed keeps the schema's words.
 * Written out one by one (no lookup by computed key) so the bundler keeps
 * only messages in use.
 */
export function fieldLabel(field: FieldDescriptor): string {
  switch (field.key) {
    case 'modes':
      return m.pledge_field_modes();
    case 'previousMode':
      return m.pledge_field_previous_mode();
    case 'streams':
      return m.pledge_field_streams();
    case 'household':
      return m.pledge_field_household();
    case 'size':
      return m.pledge_field_household_size();
    default:
      return field.label;
  }
}

/** The words for one value of a choice (a commute mode, a waste stream). */
export function optionLabel(_field: FieldDescriptor, choice: Choice): string {
  switch (choice.value) {
    case 'bus':
      return m.pledge_option_bus();
    case 'metro':
      return m.pledge_option_metro();
    case 'tram':
      return m.pledge_option_tram();
    case 'rer':
      return m.pledge_option_rer();
    case 'train-ter':
      return m.pledge_option_train_ter();
    case 'train-tgv':
      return m.pledge_option_train_tgv();
    case 'coach':
      return m.pledge_option_coach();
    case 'carpool':
      return m.pledge_option_carpool();
    case 'bike':
      return m.pledge_option_bike();
    case 'e-bike':
      return m.pledge_option_e_bike();
    case 'walking':
      return m.pledge_option_walking();
    case 'e-scooter':
      return m.pledge_option_e_scooter();
    case 'car':
      return m.pledge_option_car();
    case 'packaging':
      return m.pledge_option_packaging();
    case 'glass':
      return m.pledge_option_glass();
    case 'paper':
      return m.pledge_option_paper();
    case 'biowaste':
      return m.pledge_option_biowaste();
    case 'textile':
      return m.pledge_option_textile();
    default:
      return choice.label;
  }
}
