/**
 * The catalogue form's own actions, as the form names their fields
 * (`actions.<i>.<field>`, and `new.<field>` for the blank one), read into
 * the API's shape and back. Kept apart from the page so it can be tested
 * without a server.
 */

/** The categories an action may be filed under (the plugin's list). */
export const CATEGORIES = [
  'home',
  'work',
  'food',
  'mobility',
  'energy',
  'waste',
  'digital',
] as const;

/** One own action as the form holds it: every field a string. */
export interface ActionFields {
  id: string;
  titleFr: string;
  titleEn: string;
  category: string;
  co2e: string;
  source: string;
}

/** An own action as the API takes it. */
export interface CatalogueActionBody {
  id: string;
  title: { fr: string; en: string };
  description?: { fr: string; en: string };
  category?: (typeof CATEGORIES)[number];
  co2eKgPerYear?: number;
  source?: string;
}

/** The form's fields of an action the API answered. */
export function fieldsOf(action: {
  id: string;
  title: { fr: string; en: string };
  category?: string;
  co2eKgPerYear?: number;
  source?: string;
}): ActionFields {
  return {
    id: action.id,
    titleFr: action.title.fr,
    titleEn: action.title.en,
    category: action.category ?? '',
    co2e: action.co2eKgPerYear === undefined ? '' : String(action.co2eKgPerYear),
    source: action.source ?? '',
  };
}

const text = (form: FormData, name: string) => {
  const value = form.get(name);
  return typeof value === 'string' ? value.trim() : '';
};

function readFields(form: FormData, prefix: string): ActionFields {
  return {
    id: text(form, `${prefix}.id`),
    titleFr: text(form, `${prefix}.titleFr`),
    titleEn: text(form, `${prefix}.titleEn`),
    category: text(form, `${prefix}.category`),
    co2e: text(form, `${prefix}.co2e`),
    source: text(form, `${prefix}.source`),
  };
}

/** What the form sent: the defaults ticked, the own actions kept (by form key), the new one. */
export interface ReadCatalogue {
  defaults: string[];
  /** Each kept action with the form key its fields carry (`actions.3`, `new`). */
  actions: { key: string; fields: ActionFields }[];
  /** Errors found before the API is asked (a figure that is not a number), by field name. */
  errors: Record<string, string>;
}

/**
 * Reads the catalogue form. A removed action is left out; the blank new
 * action is added only when something was typed in it. `notANumber` is the
 * sentence for a figure that does not read as one (French commas accepted).
 */
export function readCatalogueForm(form: FormData, notANumber: string): ReadCatalogue {
  const defaults = form.getAll('defaults').filter((v): v is string => typeof v === 'string');
  const count = Math.min(200, Math.max(0, Number.parseInt(text(form, 'count'), 10) || 0));
  const actions: ReadCatalogue['actions'] = [];
  for (let i = 0; i < count; i++) {
    if (form.get(`actions.${i}.remove`) !== null) continue;
    actions.push({ key: `actions.${i}`, fields: readFields(form, `actions.${i}`) });
  }
  const fresh = readFields(form, 'new');
  if (Object.values(fresh).some((value) => value !== ''))
    actions.push({ key: 'new', fields: fresh });
  const errors: Record<string, string> = {};
  for (const { key, fields } of actions) {
    if (fields.co2e !== '' && !Number.isFinite(Number(fields.co2e.replace(',', '.')))) {
      errors[`${key}.co2e`] = notANumber;
    }
  }
  return { defaults, actions, errors };
}

/** The API body of one action's fields; `description` kept from what was stored. */
export function actionBody(
  fields: ActionFields,
  description?: { fr: string; en: string },
): CatalogueActionBody {
  return {
    id: fields.id,
    title: { fr: fields.titleFr, en: fields.titleEn },
    ...(description ? { description } : {}),
    ...(fields.category !== '' ? { category: fields.category as (typeof CATEGORIES)[number] } : {}),
    ...(fields.co2e !== '' ? { co2eKgPerYear: Number(fields.co2e.replace(',', '.')) } : {}),
    ...(fields.source !== '' ? { source: fields.source } : {}),
  };
}

const FIELD_OF: Record<string, keyof ActionFields> = {
  id: 'id',
  'title/fr': 'titleFr',
  'title/en': 'titleEn',
  title: 'titleFr',
  category: 'category',
  co2eKgPerYear: 'co2e',
  source: 'source',
  // An estimate without its source is reported on the action itself.
  '': 'source',
};

/**
 * The form field an API error path names: `actions/2/title/fr` is the
 * third action sent, whose form key `keys[2]` gives `actions.5.titleFr`.
 */
export function formFieldOf(path: string, keys: readonly string[]): string {
  const match = /^\/?(?:body\/)?actions\/(\d+)(?:\/(.*))?$/.exec(path);
  if (!match) return path.replace(/^\/?(?:body\/)?/, '').split('/')[0] || 'form';
  const key = keys[Number(match[1])];
  if (!key) return 'form';
  const rest = match[2] ?? '';
  const field = FIELD_OF[rest] ?? FIELD_OF[rest.split('/')[0] ?? ''] ?? 'id';
  return `${key}.${field}`;
}
