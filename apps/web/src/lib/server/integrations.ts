import { error, fail, type RequestEvent } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages';
import { apiError, type ApiError } from './api';
import { fieldErrors } from './form-errors';

/** Ids the API hands out: short and plain; anything else never reaches it. */
const ID = /^[A-Za-z0-9_-]{1,100}$/;

/** The id in form field `name`, or `null` when there is none or it is not an id. */
export function formId(form: FormData, name: string): string | null {
  const value = form.get(name);
  return typeof value === 'string' && ID.test(value) ? value : null;
}

/** A text field of the form, trimmed; '' when absent. */
export function formText(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value.trim() : '';
}

/**
 * The answer of a form action the API refused: field errors keyed by the
 * top-level field the form names its control after, a 400 (404 for a thing
 * gone meanwhile); a 5xx stays a 502 page.
 */
export function refused(response: Response, body: unknown, values: Record<string, unknown> = {}) {
  if (response.status >= 500) error(502, { message: m.error_generic() });
  const problem: ApiError = apiError(body);
  // These forms have one control per top-level field: `events/2` is the events fieldset's.
  const errors: Record<string, string> = {};
  for (const [path, message] of Object.entries(fieldErrors(problem))) {
    errors[path.split('/')[0] ?? 'form'] ??= message;
  }
  return fail(response.status === 404 ? 404 : 400, { values, errors });
}

/**
 * What the pages of this section never let a shared cache keep: they show
 * secrets once, and the organization's settings.
 */
export function noStore(event: RequestEvent): void {
  event.setHeaders({ 'cache-control': 'private, no-store' });
}
