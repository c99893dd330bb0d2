import { fieldLabel, optionLabel } from '$lib/forms/labels';
import type { Choice, FieldDescriptor } from '$lib/forms/schema-form';
import { m } from '$lib/paraglide/messages';

/**
 * Words for an action type's settings in the console: the pledge form's
 * words where the field is the same (`modes`), the commute caps by mode,
 * else the schema's own words.
 */
export function settingLabel(field: FieldDescriptor): string {
  if (field.key === 'maxKmPerDay') return m.con_setting_max_km_per_day();
  if (field.path.length === 2 && field.path[0] === 'maxKmPerDay') {
    return m.con_setting_cap_for({
      mode: optionLabel(field, { value: field.key, label: field.key }),
    });
  }
  if (field.key === 'modes') return m.con_setting_modes();
  return fieldLabel(field);
}

/** The words for one value of a setting (a commute mode…). */
export function settingOptionLabel(field: FieldDescriptor, choice: Choice): string {
  return optionLabel(field, choice);
}
