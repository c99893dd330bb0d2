/**
 * Gmail ignores dots in the local part and treats googlemail.com as
 * gmail.com, so these are one mailbox and must be one person.
 */
const GMAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

/**
 * The form of an e-mail address that identifies a person (API.md, "Who
 * counts"): trimmed, lower-cased, any `+tag` dropped from the local part, and
 * for gmail.com / googlemail.com the dots dropped too, on domain gmail.com.
 * Counting on this form is what stops one person from pledging twice as
 * `jane+1@…` and `jane+2@…`. Applying it twice changes nothing.
 *
 * It does not judge whether the address is valid; see {@link isEmail}.
 *
 * @example canonicalEmail(' Jane.Doe+x@Example.org') // 'jane.doe@example.org'
 * @example canonicalEmail('j.a.n.e@googlemail.com') // 'jane@gmail.com'
 */
export function canonicalEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  // The last @ separates the domain: a quoted local part may hold another.
  const at = email.lastIndexOf('@');
  if (at < 0) return email;
  let local = email.slice(0, at);
  let domain = email.slice(at + 1);
  const plus = local.indexOf('+');
  if (plus >= 0) local = local.slice(0, plus);
  if (GMAIL_DOMAINS.has(domain)) {
    local = local.replaceAll('.', '');
    domain = 'gmail.com';
  }
  // Trim again: dropping dots or a tag can bare whitespace that was inside
  // (". @gmail.com"), and a second pass must not find anything left to do.
  return `${local}@${domain}`.trim();
}

/**
 * A pragmatic check that a string can be an e-mail address worth sending a
 * confirmation to: exactly one `@`, a local part of 1 to 64 characters, a
 * domain with a dot and no empty label, no whitespace or control character,
 * at most 254 characters. Surrounding whitespace is forgiven (people paste
 * it; {@link canonicalEmail} drops it). The confirmation mail is the real
 * proof; this only turns away typing mistakes early with a 400.
 *
 * @example isEmail('jane@example.org') // true
 * @example isEmail('jane@localhost') // false
 */
export function isEmail(raw: string): boolean {
  if (typeof raw !== 'string') return false;
  const email = raw.trim();
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (email.length > 254 || /[\s\u0000-\u001f\u007f]/.test(email)) return false;
  const parts = email.split('@');
  if (parts.length !== 2) return false;
  const [local = '', domain = ''] = parts;
  if (local.length < 1 || local.length > 64) return false;
  const labels = domain.split('.');
  return labels.length >= 2 && labels.every((label) => label.length > 0);
}

/**
 * The domain of an address in its canonical form (so `googlemail.com` reads
 * `gmail.com`), for audience rules such as "employees of grdf.fr only"; an
 * empty string when there is no `@`.
 *
 * @example emailDomain(' Jane@GRDF.fr ') // 'grdf.fr'
 */
export function emailDomain(raw: string): string {
  const email = canonicalEmail(raw);
  const at = email.lastIndexOf('@');
  return at < 0 ? '' : email.slice(at + 1);
}
