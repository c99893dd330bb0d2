/** The part of an API error body a form needs (the same shape as `ApiError` in ./api). */
interface Refusal {
  error?: string;
  message: string;
  details?: { path: string; message: string }[];
}

/**
 * The API's field errors keyed by the field they name, as the forms name
 * their controls: `body/displayName` and `/displayName` become
 * `displayName`, `details/trips/0/km` becomes `trips/0/km` when the form's
 * fields live under `details`. An error naming no field of the form goes
 * under `form`.
 *
 * @param prefix the part of the API's path the form does not repeat (e.g. `details`).
 */
export function fieldErrors(error: Refusal, prefix = ''): Record<string, string> {
  const errors: Record<string, string> = {};
  const details = error.details?.length ? error.details : [{ path: '', message: error.message }];
  for (const detail of details) {
    let path = detail.path.replace(/^\/+/, '').replace(/^body\/?/, '');
    if (prefix && (path === prefix || path.startsWith(`${prefix}/`)))
      path = path.slice(prefix.length).replace(/^\/+/, '');
    const key = path === '' ? 'form' : path;
    errors[key] ??= path === '' ? error.message : `${detail.message}`;
  }
  return errors;
}
