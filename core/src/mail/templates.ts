/** The mails {@link renderMail} knows how to write. */
export type MailKind = 'sign-in' | 'pledge-confirmation';

/** The languages Tandem's mails are written in. */
export type MailLocale = 'fr' | 'en';

/** What a mail is filled with. */
export interface MailVars {
  /** The one-time link, shown in full in the text part. */
  link: string;
  /** The token the link carries, shown too for clients that break links. */
  token: string;
  /** The challenge pledged to (pledge confirmation). */
  challengeTitle?: string;
  /** How long the link stays valid. */
  expiresInMinutes: number;
  /** The recipient's name, if known. */
  displayName?: string;
}

/** A rendered mail, ready for `Mailer.send`. */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/**
 * Escapes text for HTML element content and quoted attribute values.
 *
 * @example
 * escapeHtml('<b>"Tom" & Jerry</b>'); // '&lt;b&gt;&quot;Tom&quot; &amp; Jerry&lt;/b&gt;'
 */
export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * Renders a transactional mail in one language: subject, plain text and HTML.
 * Each says the link works once and when it expires, shows the link in full
 * and the token on its own line.
 *
 * Names and titles are chosen by users — a pledge confirmation can be sent
 * to any address — so they are stripped of control characters and cut short
 * before use: a mail cannot be turned into a long message of someone else's
 * choosing.
 *
 * @param kind - which mail.
 * @param locale - its language.
 * @param vars - link, token, expiry and the optional names.
 *
 * @example
 * const mail = renderMail('sign-in', 'fr', { link, token, expiresInMinutes: 15 });
 * await mailer.send({ to, purpose: 'sign-in', token, ...mail });
 */
export function renderMail(kind: MailKind, locale: MailLocale, vars: MailVars): RenderedMail {
  const content = templates[locale][kind]({
    name: vars.displayName === undefined ? '' : clean(vars.displayName, 60),
    title: vars.challengeTitle === undefined ? '' : clean(vars.challengeTitle, 120),
    expiry: formatDuration(vars.expiresInMinutes, locale),
  });
  const { link, token } = vars;
  const t = phrases[locale];

  const text = [
    content.greeting,
    '',
    content.intro,
    link,
    '',
    content.expiry,
    `${t.tokenIntro} ${token}`,
    '',
    content.ignore,
    '',
    t.signature,
    '',
  ].join('\n');

  const html = `<!doctype html>
<html lang="${locale}">
<head><meta charset="utf-8"><title>${escapeHtml(content.subject)}</title></head>
<body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1f2933; max-width: 36em;">
<p>${escapeHtml(content.greeting)}</p>
<p>${escapeHtml(content.intro)}</p>
<p><a href="${escapeHtml(link)}" style="display: inline-block; padding: 0.6em 1.2em; background: #1b7f4c; color: #ffffff; text-decoration: none; border-radius: 6px;">${escapeHtml(content.button)}</a></p>
<p style="font-size: 0.9em; word-break: break-all;">${escapeHtml(link)}</p>
<p>${escapeHtml(content.expiry)}<br>${escapeHtml(t.tokenIntro)} <code>${escapeHtml(token)}</code></p>
<p style="font-size: 0.9em; color: #52606d;">${escapeHtml(content.ignore)}</p>
<p>${escapeHtml(t.signature)}</p>
</body>
</html>
`;

  return { subject: content.subject, text, html };
}

interface TemplateInput {
  /** Cleaned display name, or '' when unknown. */
  name: string;
  /** Cleaned challenge title, or ''. */
  title: string;
  /** "15 minutes", "1 heure"… */
  expiry: string;
}

interface TemplateContent {
  subject: string;
  greeting: string;
  /** The sentence right before the link. */
  intro: string;
  button: string;
  expiry: string;
  ignore: string;
}

// French typography wants a no-break space before ":" (and the like); it
// also keeps the colon from wrapping onto its own line.
const nbsp = '\u00a0';

const phrases = {
  en: { tokenIntro: 'If the link does not open, enter this code:', signature: '— Tandem' },
  fr: {
    tokenIntro: `Si le lien ne s’ouvre pas, saisissez ce code${nbsp}:`,
    signature: '— Tandem',
  },
} satisfies Record<MailLocale, { tokenIntro: string; signature: string }>;

const templates = {
  en: {
    'sign-in': ({ name, expiry }) => ({
      subject: 'Your Tandem sign-in link',
      greeting: name ? `Hello ${name},` : 'Hello,',
      intro: 'To sign in to Tandem, open this link:',
      button: 'Sign in to Tandem',
      expiry: `It works once and expires in ${expiry}.`,
      ignore: 'If you did not ask to sign in, ignore this mail: nothing will happen.',
    }),
    'pledge-confirmation': ({ name, title, expiry }) => ({
      subject: title ? `Confirm your pledge: ${title}` : 'Confirm your pledge',
      greeting: name ? `Hello ${name},` : 'Hello,',
      intro: title
        ? `Thank you for pledging to “${title}”! To confirm your pledge, open this link:`
        : 'Thank you for your pledge! To confirm it, open this link:',
      button: 'Confirm my pledge',
      expiry: `It works once and expires in ${expiry}.`,
      ignore: 'If you did not pledge, ignore this mail: without confirmation nothing is counted.',
    }),
  },
  fr: {
    'sign-in': ({ name, expiry }) => ({
      subject: 'Votre lien de connexion à Tandem',
      greeting: name ? `Bonjour ${name},` : 'Bonjour,',
      intro: `Pour vous connecter à Tandem, ouvrez ce lien${nbsp}:`,
      button: 'Me connecter à Tandem',
      expiry: `Il ne fonctionne qu’une fois et expire dans ${expiry}.`,
      ignore: `Si vous n’avez pas demandé à vous connecter, ignorez ce message${nbsp}: il ne se passera rien.`,
    }),
    'pledge-confirmation': ({ name, title, expiry }) => ({
      subject: title ? `Confirmez votre engagement${nbsp}: ${title}` : 'Confirmez votre engagement',
      greeting: name ? `Bonjour ${name},` : 'Bonjour,',
      intro: title
        ? `Merci de vous engager pour «${nbsp}${title}${nbsp}»${nbsp}! Pour confirmer votre engagement, ouvrez ce lien${nbsp}:`
        : `Merci pour votre engagement${nbsp}! Pour le confirmer, ouvrez ce lien${nbsp}:`,
      button: 'Confirmer mon engagement',
      expiry: `Il ne fonctionne qu’une fois et expire dans ${expiry}.`,
      ignore: `Si vous ne vous êtes pas engagé·e, ignorez ce message${nbsp}: sans confirmation, rien n’est compté.`,
    }),
  },
} satisfies Record<MailLocale, Record<MailKind, (input: TemplateInput) => TemplateContent>>;

/**
 * Control characters (line breaks included) become spaces, runs of spaces
 * one, and the result is cut to `max` characters with an ellipsis.
 */
function clean(value: string, max: number): string {
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  const flat = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
  const collapsed = flat.replace(/\s+/g, ' ').trim();
  const chars = Array.from(collapsed); // by code point, so an emoji is never cut in half
  return chars.length <= max
    ? collapsed
    : `${chars
        .slice(0, max - 1)
        .join('')
        .trimEnd()}…`;
}

/** "15 minutes", "1 hour", "2 jours": the largest unit that divides evenly. */
function formatDuration(minutes: number, locale: MailLocale): string {
  const [value, unit] =
    minutes >= 1440 && minutes % 1440 === 0
      ? [minutes / 1440, 'day']
      : minutes >= 60 && minutes % 60 === 0
        ? [minutes / 60, 'hour']
        : [minutes, 'minute'];
  return new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' }).format(value);
}
