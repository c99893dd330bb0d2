/**
 * The console's challenge form, as plain data: what a posted form means as
 * an API body, and what a challenge the API answered looks like as form
 * values (to edit it). Pure: the create and edit pages' actions, the form
 * component and unit tests share it.
 *
 * Field names are the API's paths (`title`, `tiers/1/counterpart/cap`,
 * `actionSettings/modes`), so a 400 from the API lands next to its field
 * (see `apiProblems`). Money amounts are typed as one number in euros: the
 * API's `value` inside `amount`, `perUnit` or `cap`.
 */
import {
  fieldNames,
  readSchemaForm,
  type FieldDescriptor,
  type FieldProblem,
  type FormValues,
} from '../forms/schema-form.js';

/** The currency of the amounts typed in the console. */
export const CURRENCY = 'EUR';

/** How many tier rows the form offers at least, and at most. */
export const MIN_TIER_ROWS = 2;
export const MAX_TIER_ROWS = 20;

/** What a tier promises, as the form's choice names it (`''`: nothing said yet). */
export const COUNTERPART_KINDS = ['donation', 'act', 'matching'] as const;
export type CounterpartKind = (typeof COUNTERPART_KINDS)[number];

/** A money amount as the API reads it. */
interface Money {
  value: number;
  currency: string;
}

/** One tier as `POST /api/campaigns/{id}/challenges` takes it. */
export interface TierBody {
  goal: { participants?: number; quantity?: number; match?: 'all' | 'any' };
  counterpart?:
    | { kind: 'donation'; amount: Money; beneficiaryId: string }
    | { kind: 'act'; description: string }
    | { kind: 'matching'; perUnit: Money; cap: Money; beneficiaryId: string };
  sponsor?: string;
}

/** What the form says, ready for a creation (`null` when a field was left blank). */
export interface ChallengeFormValue {
  title: string;
  description: string | null;
  actionType: string;
  actionSettings: Record<string, unknown>;
  tiers: TierBody[];
  /** The last day, as an ISO instant at the end of that day (UTC). */
  deadline: string | null;
}

/** The outcome of reading the form: a value, or a problem per field name. */
export type ChallengeFormResult =
  { ok: true; value: ChallengeFormValue } | { ok: false; errors: Record<string, FieldProblem> };

const text = (form: FormData, name: string): string => {
  const value = form.get(name);
  return typeof value === 'string' ? value.trim() : '';
};

/** A number as people type it (a French decimal comma is a point), or null when blank. */
function number(
  form: FormData,
  name: string,
  errors: Record<string, FieldProblem>,
  integer = false,
): number | undefined {
  const raw = text(form, name);
  if (raw === '') return undefined;
  const value = Number(raw.replace(',', '.').replace(/\s/g, ''));
  if (!Number.isFinite(value)) errors[name] = { code: 'number' };
  else if (integer && !Number.isInteger(value)) errors[name] = { code: 'integer' };
  else if (value <= 0) errors[name] = { code: 'above', limit: 0 };
  else return value;
  return undefined;
}

/** How many tier rows a posted form held (its `tierRows` field), within bounds. */
export function postedRows(form: FormData): number {
  const raw = Number(text(form, 'tierRows'));
  if (!Number.isInteger(raw)) return MIN_TIER_ROWS;
  return Math.min(Math.max(raw, MIN_TIER_ROWS), MAX_TIER_ROWS);
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A `date` input's value as the end of that day (UTC), or a problem. */
export function endOfDay(raw: string): string | null {
  if (!DAY.test(raw) || Number.isNaN(Date.parse(raw))) return null;
  return `${raw}T23:59:59.000Z`;
}

/** A `date` input's value as the start of that day (UTC), or a problem. */
export function startOfDay(raw: string): string | null {
  if (!DAY.test(raw) || Number.isNaN(Date.parse(raw))) return null;
  return `${raw}T00:00:00.000Z`;
}

/** The `YYYY-MM-DD` of an ISO instant (UTC), for a `date` input. */
export const dayOf = (iso: string | null | undefined): string => (iso ? iso.slice(0, 10) : '');

function readTier(
  form: FormData,
  row: number,
  errors: Record<string, FieldProblem>,
): TierBody | null {
  const at = (field: string) => `tiers/${row}/${field}`;
  const participants = number(form, at('goal/participants'), errors, true);
  const quantity = number(form, at('goal/quantity'), errors);
  const match = text(form, at('goal/match')) === 'any' ? 'any' : 'all';
  const kind = text(form, at('counterpart/kind'));
  const sponsor = text(form, at('sponsor'));
  const blank =
    participants === undefined &&
    quantity === undefined &&
    kind === '' &&
    sponsor === '' &&
    !errors[at('goal/participants')] &&
    !errors[at('goal/quantity')];
  // An empty row is no tier: the form offers more rows than most challenges need.
  if (blank) return null;
  const goal: TierBody['goal'] = {
    ...(participants !== undefined ? { participants } : {}),
    ...(quantity !== undefined ? { quantity } : {}),
    ...(participants !== undefined && quantity !== undefined ? { match } : {}),
  };
  if (participants === undefined && quantity === undefined && !errors[at('goal/participants')]) {
    errors[at('goal/participants')] = { code: 'required' };
  }
  const money = (field: string): Money | undefined => {
    const value = number(form, at(`counterpart/${field}`), errors);
    if (value === undefined && !errors[at(`counterpart/${field}`)]) {
      errors[at(`counterpart/${field}`)] = { code: 'required' };
    }
    return value === undefined ? undefined : { value, currency: CURRENCY };
  };
  const beneficiary = (): string => {
    const id = text(form, at('counterpart/beneficiaryId'));
    if (!id) errors[at('counterpart/beneficiaryId')] = { code: 'required' };
    return id;
  };
  let counterpart: TierBody['counterpart'];
  if (kind === 'donation') {
    const amount = money('amount');
    const beneficiaryId = beneficiary();
    if (amount) counterpart = { kind, amount, beneficiaryId };
  } else if (kind === 'matching') {
    const perUnit = money('perUnit');
    const cap = money('cap');
    const beneficiaryId = beneficiary();
    if (perUnit && cap) counterpart = { kind, perUnit, cap, beneficiaryId };
  } else if (kind === 'act') {
    const description = text(form, at('counterpart/description'));
    if (!description) errors[at('counterpart/description')] = { code: 'required' };
    else counterpart = { kind, description };
  } else if (kind !== '') {
    errors[at('counterpart/kind')] = { code: 'choice' };
  }
  return {
    goal,
    ...(counterpart ? { counterpart } : {}),
    ...(sponsor ? { sponsor } : {}),
  };
}

/**
 * Reads the posted challenge form. The settings come through the action
 * type's schema (`settingsFields`, named under `actionSettings/`); tiers are
 * the non-blank rows, in order. Checks only what the form can know (numbers,
 * required parts of a counterpart); the API checks the rest and names fields
 * the same way.
 */
export function readChallengeForm(
  form: FormData,
  settingsFields: FieldDescriptor[],
): ChallengeFormResult {
  const errors: Record<string, FieldProblem> = {};
  const title = text(form, 'title');
  if (!title) errors['title'] = { code: 'required' };
  const actionType = text(form, 'actionType');
  if (!actionType) errors['actionType'] = { code: 'required' };
  const settings = readSchemaForm(settingsFields, form);
  if (!settings.ok) Object.assign(errors, settings.errors);
  const tiers: TierBody[] = [];
  const rows = postedRows(form);
  for (let row = 0; row < rows; row += 1) {
    const tier = readTier(form, row, errors);
    if (tier) tiers.push(tier);
  }
  if (tiers.length === 0 && !Object.keys(errors).some((k) => k.startsWith('tiers/'))) {
    errors['tiers/0/goal/participants'] = { code: 'required' };
  }
  const rawDeadline = text(form, 'deadline');
  const deadline = rawDeadline ? endOfDay(rawDeadline) : null;
  if (rawDeadline && !deadline) errors['deadline'] = { code: 'date' };
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const description = text(form, 'description');
  return {
    ok: true,
    value: {
      title,
      description: description || null,
      actionType,
      actionSettings: settings.ok ? settings.value : {},
      tiers,
      deadline,
    },
  };
}

/** Every field name of the form, for placing the API's 400 details. */
export function challengeFieldNames(settingsFields: FieldDescriptor[], rows: number): Set<string> {
  const names = fieldNames(settingsFields);
  for (const name of ['title', 'description', 'actionType', 'actionSettings', 'deadline', 'tiers'])
    names.add(name);
  for (let row = 0; row < rows; row += 1) {
    for (const field of [
      'goal',
      'goal/participants',
      'goal/quantity',
      'goal/match',
      'counterpart',
      'counterpart/kind',
      'counterpart/amount',
      'counterpart/perUnit',
      'counterpart/cap',
      'counterpart/beneficiaryId',
      'counterpart/description',
      'sponsor',
    ]) {
      names.add(`tiers/${row}/${field}`);
    }
  }
  return names;
}

/** A challenge as the API answers it: the parts the form shows. */
export interface ChallengeLike {
  title: string;
  description: string | null;
  actionType: string;
  actionSettings: Record<string, unknown>;
  deadline: string | null;
  tiers: readonly { goal: unknown; counterpart: unknown; sponsor: string | null }[];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const moneyText = (value: unknown): string =>
  isRecord(value) && typeof value['value'] === 'number' ? String(value['value']) : '';

/** Settings as form values, by the schema fields' names (nested objects flattened). */
function settingsValues(settings: Record<string, unknown>, base = 'actionSettings'): FormValues {
  const values: FormValues = {};
  for (const [key, value] of Object.entries(settings)) {
    const name = `${base}/${key}`;
    if (Array.isArray(value)) values[name] = value.map(String);
    else if (isRecord(value)) Object.assign(values, settingsValues(value, name));
    else if (value !== null && value !== undefined) values[name] = [String(value)];
  }
  return values;
}

/**
 * A challenge as the form's values, to edit it: what the form would post to
 * create it again.
 */
export function challengeFormValues(challenge: ChallengeLike): FormValues {
  const values: FormValues = {
    title: [challenge.title],
    description: [challenge.description ?? ''],
    actionType: [challenge.actionType],
    deadline: [dayOf(challenge.deadline)],
    ...settingsValues(challenge.actionSettings),
  };
  challenge.tiers.forEach((tier, row) => {
    const at = (field: string) => `tiers/${row}/${field}`;
    const goal = isRecord(tier.goal) ? tier.goal : {};
    if (typeof goal['participants'] === 'number')
      values[at('goal/participants')] = [String(goal['participants'])];
    if (typeof goal['quantity'] === 'number')
      values[at('goal/quantity')] = [String(goal['quantity'])];
    values[at('goal/match')] = [goal['match'] === 'any' ? 'any' : 'all'];
    if (tier.sponsor) values[at('sponsor')] = [tier.sponsor];
    const counterpart = isRecord(tier.counterpart) ? tier.counterpart : null;
    if (!counterpart) return;
    const kind = String(counterpart['kind'] ?? '');
    values[at('counterpart/kind')] = [kind];
    if (typeof counterpart['beneficiaryId'] === 'string')
      values[at('counterpart/beneficiaryId')] = [counterpart['beneficiaryId']];
    if (typeof counterpart['description'] === 'string')
      values[at('counterpart/description')] = [counterpart['description']];
    for (const field of ['amount', 'perUnit', 'cap']) {
      const text = moneyText(counterpart[field]);
      if (text) values[at(`counterpart/${field}`)] = [text];
    }
  });
  return values;
}

/** How many tier rows to offer: one more than the tiers written, within bounds. */
export function rowsFor(tiers: number, asked?: number): number {
  const wanted = Math.max(asked ?? 0, tiers + 1, MIN_TIER_ROWS);
  return Math.min(wanted, MAX_TIER_ROWS);
}
