/** A label origin to resolve paths against; never dialled. */
const HERE = 'http://same-site.invalid';

/**
 * A path of this site to go to after an action, or null: never an absolute
 * or protocol-relative URL, a backslash trick or a control character, so a
 * `next` parameter cannot send anyone to another site (open redirect).
 *
 * @example safeNext('/c/abc?x=1') // '/c/abc?x=1'; safeNext('//evil.example') // null
 */
export function safeNext(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 500) return null;
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return null;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return null;
  let url: URL;
  try {
    url = new URL(value, HERE);
  } catch {
    return null;
  }
  if (url.origin !== HERE) return null;
  return `${url.pathname}${url.search}${url.hash}`;
}
