/**
 * The console's campaign form as plain data: title, words, first and last
 * day, and who may see it — everyone, the organization's members, or people
 * with an address at given e-mail domains. Field names are the API's paths
 * (`audience/domains`), so its 400 details land next to their field.
 */
import type { FieldProblem, FormValues } from '../forms/schema-form.js';
import { dayOf, endOfDay, startOfDay } from './challenge-form.js';

export const AUDIENCES = ['public', 'members', 'email-domain'] as const;
export type AudienceType = (typeof AUDIENCES)[number];

/** A campaign's audience as the API takes it. */
export type AudienceBody =
  { type: 'public' } | { type: 'members' } | { type: 'email-domain'; domains: string[] };

/** What the campaign form says; blank fields are `null` (cleared on an edit). */
export interface CampaignFormValue {
  title: string;
  description: string | null;
  startsAt: string | null;
  endsAt: string | null;
  audience: AudienceBody;
}

/** The form's field names, for placing the API's 400 details. */
export const CAMPAIGN_FIELDS: ReadonlySet<string> = new Set([
  'title',
  'description',
  'startsAt',
  'endsAt',
  'audience',
  'audience/domains',
]);

const text = (form: FormData, name: string): string => {
  const value = form.get(name);
  return typeof value === 'string' ? value.trim() : '';
};

/** Reads the posted campaign form; domains are split on commas, semicolons and spaces. */
export function readCampaignForm(
  form: FormData,
): { ok: true; value: CampaignFormValue } | { ok: false; errors: Record<string, FieldProblem> } {
  const errors: Record<string, FieldProblem> = {};
  const title = text(form, 'title');
  if (!title) errors['title'] = { code: 'required' };
  const day = (name: string, at: (raw: string) => string | null) => {
    const raw = text(form, name);
    if (!raw) return null;
    const value = at(raw);
    if (!value) errors[name] = { code: 'date' };
    return value;
  };
  const startsAt = day('startsAt', startOfDay);
  const endsAt = day('endsAt', endOfDay);
  const type = text(form, 'audience');
  let audience: AudienceBody = { type: 'public' };
  if (type === 'members') audience = { type: 'members' };
  else if (type === 'email-domain') {
    const domains = text(form, 'audience/domains')
      .split(/[\s,;]+/)
      .filter(Boolean);
    if (domains.length === 0) errors['audience/domains'] = { code: 'required' };
    audience = { type: 'email-domain', domains };
  } else if (type !== 'public' && type !== '') errors['audience'] = { code: 'choice' };
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: { title, description: text(form, 'description') || null, startsAt, endsAt, audience },
  };
}

/** A campaign as the form's values, to edit it. */
export function campaignFormValues(campaign: {
  title: string;
  description: string | null;
  startsAt: string | null;
  endsAt: string | null;
  audience: Record<string, unknown>;
}): FormValues {
  const type = String(campaign.audience['type'] ?? 'public');
  const domains = Array.isArray(campaign.audience['domains'])
    ? (campaign.audience['domains'] as unknown[]).map(String).join(', ')
    : '';
  return {
    title: [campaign.title],
    description: [campaign.description ?? ''],
    startsAt: [dayOf(campaign.startsAt)],
    endsAt: [dayOf(campaign.endsAt)],
    audience: [type],
    'audience/domains': [domains],
  };
}
