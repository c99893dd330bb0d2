/**
 * Mail texts a plugin adds: its own catalogue per language, typed like
 * core's, laid out by the same `composeMail`. See ADR 0025.
 */
import { clean, type MailLocale } from './format.js';
import { mailMessages } from './messages/index.js';

/**
 * Declares a plugin's mail messages, one catalogue per language. The
 * French one sets the keys and parameters; the others are typed with it, so
 * a missing key or a parameter of another name fails the build.
 *
 * @param catalogues - `{ fr, en }`: strings, plural forms (`pluralForms`) or
 *   functions of already formatted values
 * @returns the catalogues, frozen, by locale
 *
 * @example
 * const messages = defineMailMessages({
 *   fr: { subject: ({ title }: { title: string }) => `Reçu : ${title}` },
 *   en: { subject: ({ title }) => `Receipt: ${title}` },
 * });
 * const m = messages[locale];
 * const mail = composeMail(locale, {
 *   subject: m.subject({ title }), greeting: mailGreeting(locale, name), blocks: […],
 *   link: { intro: …, button: …, url },
 * });
 */
export function defineMailMessages<T extends object>(catalogues: {
  fr: T;
  en: NoInfer<T>;
}): Readonly<Record<MailLocale, T>> {
  return Object.freeze({ fr: catalogues.fr, en: catalogues.en });
}

/**
 * How every Tandem mail opens: "Bonjour Ada," / "Hello,". The name is
 * user-chosen, so it is flattened and cut to 60 characters.
 */
export function mailGreeting(locale: MailLocale, displayName?: string): string {
  const m = mailMessages[locale];
  const name = displayName === undefined ? '' : clean(displayName, 60);
  return name ? m.greeting({ name }) : m.greetingUnnamed;
}
