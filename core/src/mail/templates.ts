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

/**
 * The notifications {@link renderNotification} writes. Unlike the kinds of
 * {@link renderMail}, they carry no one-time link: they tell what happened
 * to a challenge and point at its page.
 */
export type NotificationKind =
  | 'pledge-confirmed'
  | 'challenge-unlocked'
  | 'sponsor-unlocked'
  | 'challenge-succeeded'
  | 'challenge-failed'
  | 'enrolment-receipt';

/** Money as a mail shows it (the API's `{ value, currency }`, value in major units). */
export interface NotificationMoney {
  value: number;
  currency: string;
}

/** A counterpart as a mail names it: the beneficiary by name, amounts as money. */
export type NotificationCounterpart =
  | { kind: 'donation'; amount: NotificationMoney; beneficiary: string }
  | { kind: 'act'; description: string }
  | {
      kind: 'matching';
      perUnit: NotificationMoney;
      cap: NotificationMoney;
      beneficiary: string;
    };

/** One tier of the IF/THEN card, as a mail tells it. */
export interface NotificationPromise {
  goal: { participants?: number; quantity?: number; match?: 'all' | 'any' };
  /** Absent when the tier names no counterpart. */
  counterpart?: NotificationCounterpart;
  /** The sponsor's name: who delivers the counterpart. */
  sponsor: string;
  /** What a matching counterpart owes at the current count (sponsor mail). */
  owed?: NotificationMoney;
}

/** What a notification is filled with. Names and titles are cleaned before use. */
export interface NotificationVars {
  /** The recipient's name, if known. */
  displayName?: string;
  challengeTitle: string;
  /** The challenge's public page, the one link of the mail. */
  challengeUrl: string;
  /** The action type's unit (km, kg…), or null when it measures nothing. */
  unit: string | null;
  /** The count the mail reports: people, and quantity in `unit`. */
  progress: { participants: number; quantity: number };
  /**
   * The tier the mail is about: the first one for a pledge confirmation and
   * a failure, the one unlocked for unlock mails.
   */
  promise?: NotificationPromise;
  /** `challenge-succeeded`: every tier unlocked, lowest first. */
  unlocked?: NotificationPromise[];
  /** `enrolment-receipt`: when the resident gave the agent their consent. */
  recordedAt?: Date;
}

/**
 * Renders a notification in one language: subject, plain text and HTML.
 * Every user-chosen string (titles, names, descriptions) is flattened and
 * cut short as in {@link renderMail}, and escaped in the HTML.
 *
 * @param kind - which notification.
 * @param locale - the recipient's language.
 * @param vars - the challenge, its count and the tier concerned.
 *
 * @example
 * const mail = renderNotification('pledge-confirmed', 'en', {
 *   challengeTitle: 'Bike to work', challengeUrl: 'https://tandem.example.org/c/chl_1',
 *   unit: null, progress: { participants: 12, quantity: 0 },
 *   promise: { goal: { participants: 200 }, sponsor: 'City of Clichy',
 *     counterpart: { kind: 'donation', amount: { value: 5000, currency: 'EUR' }, beneficiary: 'Solicycle' } },
 * });
 * await mailer.send({ to, purpose: 'pledge-confirmed', ...mail });
 */
export function renderNotification(
  kind: NotificationKind,
  locale: MailLocale,
  vars: NotificationVars,
): RenderedMail {
  const words = notificationWords[locale];
  const content = notificationTemplates[locale][kind]({
    name: vars.displayName === undefined ? '' : clean(vars.displayName, 60),
    title: clean(vars.challengeTitle, 120),
    progress: words.progress(vars.progress, cleanUnit(vars.unit)),
    ifThen: vars.promise ? words.ifThen(vars.promise, cleanUnit(vars.unit)) : '',
    owes: vars.promise ? words.owes(vars.promise, cleanUnit(vars.unit)) : '',
    owed: vars.promise?.owed ? formatMoney(vars.promise.owed, locale) : '',
    unlocked: (vars.unlocked ?? []).map((p) => words.owes(p, cleanUnit(vars.unit))),
    recordedOn: vars.recordedAt
      ? new Intl.DateTimeFormat(locale, {
          dateStyle: 'long',
          timeZone: SCHEDULED_TIME_ZONE,
        }).format(vars.recordedAt)
      : '',
  });
  const url = vars.challengeUrl;
  const signature = phrases[locale].signature;

  const text = [
    content.greeting,
    '',
    ...content.blocks.flatMap((block) =>
      typeof block === 'string' ? [block, ''] : [...block.map((item) => `- ${item}`), ''],
    ),
    content.linkIntro,
    url,
    '',
    signature,
    '',
  ].join('\n');

  const body = content.blocks
    .map((block) =>
      typeof block === 'string'
        ? `<p>${escapeHtml(block)}</p>`
        : `<ul>${block.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`,
    )
    .join('\n');
  const html = `<!doctype html>
<html lang="${locale}">
<head><meta charset="utf-8"><title>${escapeHtml(content.subject)}</title></head>
<body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1f2933; max-width: 36em;">
<p>${escapeHtml(content.greeting)}</p>
${body}
<p><a href="${escapeHtml(url)}" style="display: inline-block; padding: 0.6em 1.2em; background: #1b7f4c; color: #ffffff; text-decoration: none; border-radius: 6px;">${escapeHtml(content.button)}</a></p>
<p style="font-size: 0.9em; word-break: break-all;">${escapeHtml(url)}</p>
<p>${escapeHtml(signature)}</p>
</body>
</html>
`;
  return { subject: content.subject, text, html };
}

interface NotificationInput {
  /** Cleaned display name, or ''. */
  name: string;
  /** Cleaned challenge title. */
  title: string;
  /** "3 people, 12 km". */
  progress: string;
  /** "IF 3 people take part, THEN Clichy gives €5,000 to Solicycle." or ''. */
  ifThen: string;
  /** "Clichy gives €5,000 to Solicycle" or ''. */
  owes: string;
  /** A matching counterpart's amount due now, formatted, or ''. */
  owed: string;
  /** `owes` of each unlocked tier. */
  unlocked: string[];
  /** "12 March 2026": the day an agent recorded the pledge (enrolment receipt), or ''. */
  recordedOn: string;
}

interface NotificationContent {
  subject: string;
  greeting: string;
  /** Paragraphs; an array is a bulleted list. */
  blocks: Array<string | string[]>;
  /** The sentence right before the challenge's link. */
  linkIntro: string;
  button: string;
}

interface NotificationWords {
  progress(progress: { participants: number; quantity: number }, unit: string | null): string;
  ifThen(promise: NotificationPromise, unit: string | null): string;
  owes(promise: NotificationPromise, unit: string | null): string;
}

const cleanUnit = (unit: string | null): string | null =>
  unit === null ? null : clean(unit, 20) || null;

function formatNumber(value: number, locale: MailLocale): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(value);
}

/** "€5,000", "5 000 €", "0,10 €": whole amounts without decimals, others with the currency's. */
function formatMoney(money: NotificationMoney, locale: MailLocale): string {
  const whole = Number.isInteger(money.value);
  try {
    return new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: money.currency,
      ...(whole ? { minimumFractionDigits: 0, maximumFractionDigits: 0 } : {}),
    }).format(money.value);
  } catch {
    // An unknown currency code still reads, rather than failing the mail.
    return `${formatNumber(money.value, locale)} ${money.currency}`;
  }
}

const notificationWords: Record<MailLocale, NotificationWords> = {
  en: {
    progress({ participants, quantity }, unit) {
      const people = `${formatNumber(participants, 'en')} ${participants === 1 ? 'person' : 'people'}`;
      return unit && quantity > 0 ? `${people}, ${formatNumber(quantity, 'en')} ${unit}` : people;
    },
    ifThen(promise, unit) {
      const { participants, quantity, match } = promise.goal;
      const parts: string[] = [];
      if (participants !== undefined) {
        parts.push(
          participants === 1
            ? '1 person takes part'
            : `${formatNumber(participants, 'en')} people take part`,
        );
      }
      if (quantity !== undefined) {
        parts.push(`the count reaches ${formatNumber(quantity, 'en')}${unit ? ` ${unit}` : ''}`);
      }
      const goal = parts.join(match === 'any' ? ' or ' : ' and ');
      return `IF ${goal}, THEN ${this.owes(promise, unit)}.`;
    },
    owes({ counterpart, sponsor }, unit) {
      const who = clean(sponsor, 80);
      if (!counterpart) return `${who} delivers its counterpart`;
      switch (counterpart.kind) {
        case 'donation':
          return `${who} gives ${formatMoney(counterpart.amount, 'en')} to ${clean(counterpart.beneficiary, 80)}`;
        case 'act':
          return `${who} commits to this: ${clean(counterpart.description, 300)}`;
        case 'matching':
          return `${who} gives ${formatMoney(counterpart.perUnit, 'en')} per ${unit ?? 'unit'} to ${clean(counterpart.beneficiary, 80)}, up to ${formatMoney(counterpart.cap, 'en')}`;
      }
    },
  },
  fr: {
    progress({ participants, quantity }, unit) {
      const people = `${formatNumber(participants, 'fr')} ${participants <= 1 ? 'personne' : 'personnes'}`;
      return unit && quantity > 0 ? `${people}, ${formatNumber(quantity, 'fr')} ${unit}` : people;
    },
    ifThen(promise, unit) {
      const { participants, quantity, match } = promise.goal;
      const parts: string[] = [];
      if (participants !== undefined) {
        parts.push(
          participants <= 1
            ? `${formatNumber(participants, 'fr')} personne participe`
            : `${formatNumber(participants, 'fr')} personnes participent`,
        );
      }
      if (quantity !== undefined) {
        parts.push(`le compteur atteint ${formatNumber(quantity, 'fr')}${unit ? ` ${unit}` : ''}`);
      }
      const goal = parts.join(match === 'any' ? ' ou ' : ' et ');
      return `SI ${goal}, ALORS ${this.owes(promise, unit)}.`;
    },
    owes({ counterpart, sponsor }, unit) {
      const who = clean(sponsor, 80);
      if (!counterpart) return `${who} tient sa promesse`;
      switch (counterpart.kind) {
        case 'donation':
          return `${who} donne ${formatMoney(counterpart.amount, 'fr')} à ${clean(counterpart.beneficiary, 80)}`;
        case 'act':
          return `${who} s’engage à ceci${nbsp}: ${clean(counterpart.description, 300)}`;
        case 'matching':
          return `${who} donne ${formatMoney(counterpart.perUnit, 'fr')} par ${unit ?? 'unité'} à ${clean(counterpart.beneficiary, 80)}, jusqu’à ${formatMoney(counterpart.cap, 'fr')}`;
      }
    },
  },
};

const notificationTemplates = {
  en: {
    'pledge-confirmed': ({ name, title, progress, ifThen }) => ({
      subject: `Your pledge counts: ${title}`,
      greeting: name ? `Hello ${name},` : 'Hello,',
      blocks: [
        `Your pledge to “${title}” is confirmed. It counts: ${progress} so far.`,
        ...(ifThen ? [`The deal: ${ifThen}`] : []),
        'Changed your mind? Sign in with this address and withdraw your pledge on the challenge page; it then stops counting.',
      ],
      linkIntro: 'Follow the challenge:',
      button: 'See the challenge',
    }),
    'challenge-unlocked': ({ name, title, progress, owes }) => ({
      subject: `Goal reached: ${title}`,
      greeting: name ? `Hello ${name},` : 'Hello,',
      blocks: [
        `Together you reached the goal of “${title}”: ${progress}.`,
        ...(owes ? [`So now ${owes}.`] : []),
        'Thank you for taking part. The challenge goes on: its page shows what comes next.',
      ],
      linkIntro: 'See the challenge:',
      button: 'See the challenge',
    }),
    'sponsor-unlocked': ({ name, title, progress, ifThen, owed }) => ({
      subject: `Counterpart due: ${title}`,
      greeting: name ? `Hello ${name},` : 'Hello,',
      blocks: [
        `The challenge “${title}” reached its goal: ${progress}.`,
        ...(ifThen ? [`As its sponsor, you now owe your part of the deal: ${ifThen}`] : []),
        ...(owed ? [`At today’s count, that is ${owed}.`] : []),
        'Once it is delivered, mark it delivered on the challenge page, so that participants see it.',
      ],
      linkIntro: 'Open the challenge:',
      button: 'Open the challenge',
    }),
    'challenge-succeeded': ({ name, title, progress, unlocked }) => ({
      subject: `Challenge succeeded: ${title}`,
      greeting: name ? `Hello ${name},` : 'Hello,',
      blocks: [
        `“${title}” is closed, and it succeeded: ${progress}.`,
        ...(unlocked.length > 0 ? ['What you unlocked:', unlocked] : []),
        'Thank you for taking part.',
      ],
      linkIntro: 'See the result:',
      button: 'See the result',
    }),
    'challenge-failed': ({ name, title, progress, ifThen }) => ({
      subject: `Challenge closed: ${title}`,
      greeting: name ? `Hello ${name},` : 'Hello,',
      blocks: [
        `“${title}” is closed without reaching its goal: ${progress}.`,
        ...(ifThen
          ? [`The deal was: ${ifThen} That goal was not reached, so the counterpart is not due.`]
          : []),
        'Thank you for taking part all the same: what you did still counts for the climate.',
      ],
      linkIntro: 'See the result:',
      button: 'See the result',
    }),
    'enrolment-receipt': ({ name, title, progress, recordedOn }) => ({
      subject: `Your pledge was recorded: ${title}`,
      greeting: name ? `Hello ${name},` : 'Hello,',
      blocks: [
        `${recordedOn ? `On ${recordedOn}, an agent` : 'An agent'} recorded your pledge to “${title}”, with your consent. It counts: ${progress} so far.`,
        'If this is a mistake, or if you change your mind: sign in with this address on the challenge page and withdraw your pledge; it then stops counting.',
      ],
      linkIntro: 'The challenge page, to follow it or withdraw:',
      button: 'See the challenge',
    }),
  },
  fr: {
    'pledge-confirmed': ({ name, title, progress, ifThen }) => ({
      subject: `Votre engagement compte${nbsp}: ${title}`,
      greeting: name ? `Bonjour ${name},` : 'Bonjour,',
      blocks: [
        `Votre engagement pour «${nbsp}${title}${nbsp}» est confirmé. Il compte${nbsp}: ${progress} à ce jour.`,
        ...(ifThen ? [`Le principe${nbsp}: ${ifThen}`] : []),
        `Vous changez d’avis${nbsp}? Connectez-vous avec cette adresse et retirez votre engagement sur la page du défi${nbsp}; il cessera alors d’être compté.`,
      ],
      linkIntro: `Suivre le défi${nbsp}:`,
      button: 'Voir le défi',
    }),
    'challenge-unlocked': ({ name, title, progress, owes }) => ({
      subject: `Objectif atteint${nbsp}: ${title}`,
      greeting: name ? `Bonjour ${name},` : 'Bonjour,',
      blocks: [
        `Ensemble, vous avez atteint l’objectif de «${nbsp}${title}${nbsp}»${nbsp}: ${progress}.`,
        ...(owes ? [`Maintenant, ${owes}.`] : []),
        `Merci d’avoir participé. Le défi continue${nbsp}: sa page montre la suite.`,
      ],
      linkIntro: `Voir le défi${nbsp}:`,
      button: 'Voir le défi',
    }),
    'sponsor-unlocked': ({ name, title, progress, ifThen, owed }) => ({
      subject: `Contrepartie due${nbsp}: ${title}`,
      greeting: name ? `Bonjour ${name},` : 'Bonjour,',
      blocks: [
        `Le défi «${nbsp}${title}${nbsp}» a atteint son objectif${nbsp}: ${progress}.`,
        ...(ifThen
          ? [
              `En tant que partenaire, vous devez maintenant votre part du contrat${nbsp}: ${ifThen}`,
            ]
          : []),
        ...(owed ? [`Au compteur d’aujourd’hui, cela représente ${owed}.`] : []),
        `Une fois la contrepartie livrée, indiquez-le sur la page du défi, pour que les participants le voient.`,
      ],
      linkIntro: `Ouvrir le défi${nbsp}:`,
      button: 'Ouvrir le défi',
    }),
    'challenge-succeeded': ({ name, title, progress, unlocked }) => ({
      subject: `Défi réussi${nbsp}: ${title}`,
      greeting: name ? `Bonjour ${name},` : 'Bonjour,',
      blocks: [
        `«${nbsp}${title}${nbsp}» est terminé, et c’est une réussite${nbsp}: ${progress}.`,
        ...(unlocked.length > 0 ? [`Ce que vous avez débloqué${nbsp}:`, unlocked] : []),
        'Merci d’avoir participé.',
      ],
      linkIntro: `Voir le résultat${nbsp}:`,
      button: 'Voir le résultat',
    }),
    'challenge-failed': ({ name, title, progress, ifThen }) => ({
      subject: `Défi terminé${nbsp}: ${title}`,
      greeting: name ? `Bonjour ${name},` : 'Bonjour,',
      blocks: [
        `«${nbsp}${title}${nbsp}» est terminé sans avoir atteint son objectif${nbsp}: ${progress}.`,
        ...(ifThen
          ? [
              `Le principe était${nbsp}: ${ifThen} Cet objectif n’a pas été atteint${nbsp}: la contrepartie n’est pas due.`,
            ]
          : []),
        `Merci d’avoir participé malgré tout${nbsp}: ce que vous avez fait compte pour le climat.`,
      ],
      linkIntro: `Voir le résultat${nbsp}:`,
      button: 'Voir le résultat',
    }),
    'enrolment-receipt': ({ name, title, progress, recordedOn }) => ({
      subject: `Votre engagement a été enregistré${nbsp}: ${title}`,
      greeting: name ? `Bonjour ${name},` : 'Bonjour,',
      blocks: [
        `${recordedOn ? `Le ${recordedOn}, un agent` : 'Un agent'} a enregistré votre engagement pour «${nbsp}${title}${nbsp}», avec votre accord. Il compte${nbsp}: ${progress} à ce jour.`,
        `S’il s’agit d’une erreur, ou si vous changez d’avis${nbsp}: connectez-vous avec cette adresse sur la page du défi et retirez votre engagement${nbsp}; il cessera alors d’être compté.`,
      ],
      linkIntro: `La page du défi, pour le suivre ou vous retirer${nbsp}:`,
      button: 'Voir le défi',
    }),
  },
} satisfies Record<
  MailLocale,
  Record<NotificationKind, (input: NotificationInput) => NotificationContent>
>;

/**
 * The mails of scheduled work (core/src/jobs/scheduled) that
 * {@link renderScheduledMail} writes: a nudge to the organizers of a
 * challenge that lags, a reminder to participants to log what they did.
 */
export type ScheduledMailKind = 'pacing-nudge' | 'contribution-reminder';

/** What a scheduled mail is filled with. Names and titles are cleaned before use. */
export interface ScheduledMailVars {
  /** The recipient's name, if known. */
  displayName?: string;
  challengeTitle: string;
  /** The challenge's page: where to share it (nudge) or log what was done (reminder). */
  challengeUrl: string;
  /** The action type's unit (km, kg…), or null when it measures nothing. */
  unit: string | null;
  /** `pacing-nudge`: the count now, the count expected at the deadline, the goal aimed at. */
  pacing?: {
    progress: { participants: number; quantity: number };
    expected: { participants: number; quantity: number };
    goal: { participants?: number; quantity?: number };
    deadline: Date;
  };
  /** `contribution-reminder`: the page that stops reminders (required for that kind). */
  unsubscribeUrl?: string;
}

/**
 * Renders a scheduled mail in one language: subject, plain text and HTML,
 * with the challenge's page as the main link. A reminder also shows, in
 * full, the link that stops reminders.
 *
 * @param kind - which mail.
 * @param locale - the recipient's language.
 * @param vars - the challenge, and the forecast (nudge) or the unsubscribe link (reminder).
 * @throws Error when a `pacing-nudge` has no `pacing` or a `contribution-reminder` no
 *   `unsubscribeUrl`: a reminder without a way out must not be sent.
 *
 * @example
 * const mail = renderScheduledMail('contribution-reminder', 'fr', {
 *   challengeTitle: 'Au travail à vélo', challengeUrl: 'https://tandem.example.org/c/chl_1',
 *   unit: 'km', unsubscribeUrl: 'https://tandem.example.org/api/reminders/unsubscribe?token=…',
 * });
 * await mailer.send({ to, purpose: 'contribution-reminder', ...mail });
 */
export function renderScheduledMail(
  kind: ScheduledMailKind,
  locale: MailLocale,
  vars: ScheduledMailVars,
): RenderedMail {
  if (kind === 'pacing-nudge' && !vars.pacing) throw new Error('A pacing nudge needs `pacing`.');
  if (kind === 'contribution-reminder' && !vars.unsubscribeUrl) {
    throw new Error('A contribution reminder needs `unsubscribeUrl`.');
  }
  const unit = vars.unit === null ? null : clean(vars.unit, 20);
  const words = scheduledWords[locale];
  const pacing = vars.pacing;
  const content = scheduledTemplates[locale][kind]({
    name: vars.displayName === undefined ? '' : clean(vars.displayName, 60),
    title: clean(vars.challengeTitle, 120),
    unit: unit ?? '',
    now: pacing ? words.count(pacing.progress, unit) : '',
    expected: pacing ? words.count(pacing.expected, unit) : '',
    goal: pacing ? words.goal(pacing.goal, unit) : '',
    deadline: pacing
      ? new Intl.DateTimeFormat(locale, {
          dateStyle: 'long',
          timeZone: SCHEDULED_TIME_ZONE,
        }).format(pacing.deadline)
      : '',
  });
  const url = vars.challengeUrl;
  const out = vars.unsubscribeUrl;
  const signature = phrases[locale].signature;

  const text = [
    content.greeting,
    '',
    ...content.blocks.flatMap((block) => [block, '']),
    content.linkIntro,
    url,
    '',
    signature,
    '',
    content.footer,
    ...(out ? [out] : []),
    '',
  ].join('\n');

  const html = `<!doctype html>
<html lang="${locale}">
<head><meta charset="utf-8"><title>${escapeHtml(content.subject)}</title></head>
<body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1f2933; max-width: 36em;">
<p>${escapeHtml(content.greeting)}</p>
${content.blocks.map((block) => `<p>${escapeHtml(block)}</p>`).join('\n')}
<p><a href="${escapeHtml(url)}" style="display: inline-block; padding: 0.6em 1.2em; background: #1b7f4c; color: #ffffff; text-decoration: none; border-radius: 6px;">${escapeHtml(content.button)}</a></p>
<p style="font-size: 0.9em; word-break: break-all;">${escapeHtml(url)}</p>
<p>${escapeHtml(signature)}</p>
<p style="font-size: 0.85em; color: #52606d;">${escapeHtml(content.footer)}${
    out ? ` <a href="${escapeHtml(out)}">${escapeHtml(content.unsubscribe)}</a>` : ''
  }</p>
</body>
</html>
`;
  return { subject: content.subject, text, html };
}

// Deadlines are shown as dates; Tandem's campaigns so far are French, so a
// deadline at midnight in Paris must not read as the day before.
const SCHEDULED_TIME_ZONE = 'Europe/Paris';

interface ScheduledInput {
  name: string;
  title: string;
  unit: string;
  /** "12 people, 340 km" (nudge). */
  now: string;
  expected: string;
  /** "200 people and 5,000 km" (nudge). */
  goal: string;
  deadline: string;
}

interface ScheduledContent {
  subject: string;
  greeting: string;
  blocks: string[];
  linkIntro: string;
  button: string;
  /** Why the mail came, in small print. */
  footer: string;
  /** The words of the unsubscribe link. */
  unsubscribe: string;
}

const scheduledNumber = (value: number, locale: MailLocale) =>
  new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(value);

const scheduledWords: Record<
  MailLocale,
  {
    count(count: { participants: number; quantity: number }, unit: string | null): string;
    goal(goal: { participants?: number; quantity?: number }, unit: string | null): string;
  }
> = {
  en: {
    count({ participants, quantity }, unit) {
      const people = `${scheduledNumber(participants, 'en')} ${participants === 1 ? 'person' : 'people'}`;
      return unit ? `${people}, ${scheduledNumber(quantity, 'en')} ${unit}` : people;
    },
    goal({ participants, quantity }, unit) {
      const parts: string[] = [];
      if (participants !== undefined) parts.push(this.count({ participants, quantity: 0 }, null));
      if (quantity !== undefined)
        parts.push(`${scheduledNumber(quantity, 'en')} ${unit ?? ''}`.trim());
      return parts.join(' and ');
    },
  },
  fr: {
    count({ participants, quantity }, unit) {
      const people = `${scheduledNumber(participants, 'fr')} ${participants <= 1 ? 'personne' : 'personnes'}`;
      return unit ? `${people}, ${scheduledNumber(quantity, 'fr')} ${unit}` : people;
    },
    goal({ participants, quantity }, unit) {
      const parts: string[] = [];
      if (participants !== undefined) parts.push(this.count({ participants, quantity: 0 }, null));
      if (quantity !== undefined)
        parts.push(`${scheduledNumber(quantity, 'fr')} ${unit ?? ''}`.trim());
      return parts.join(' et ');
    },
  },
};

const scheduledTemplates = {
  en: {
    'pacing-nudge': ({ name, title, now, expected, goal, deadline }) => ({
      subject: `Behind its pace: ${title}`,
      greeting: name ? `Hello ${name},` : 'Hello,',
      blocks: [
        `“${title}” is behind the pace it needs. So far: ${now}. If the pace since it opened holds, about ${expected} by ${deadline}, short of the goal: ${goal}.`,
        'There is still time. Telling your members, residents or colleagues about it again is what moves a challenge most: a message, a newsletter, a poster with the link below.',
      ],
      linkIntro: 'The challenge page to share:',
      button: 'Open the challenge',
      footer:
        'You receive this as an owner or admin of the organization that runs the challenge, at most once a week while it lags.',
      unsubscribe: '',
    }),
    'contribution-reminder': ({ name, title, unit }) => ({
      subject: `Log what you did: ${title}`,
      greeting: name ? `Hello ${name},` : 'Hello,',
      blocks: [
        `You pledged to “${title}”. Did you act these past days? Log it on the challenge page: every ${unit || 'action'} counts toward the goal, and shows others that people act.`,
      ],
      linkIntro: 'Log what you did:',
      button: 'Log what I did',
      footer: 'You receive a reminder at most once a week per challenge. No more reminders:',
      unsubscribe: 'stop reminders',
    }),
  },
  fr: {
    'pacing-nudge': ({ name, title, now, expected, goal, deadline }) => ({
      subject: `En retard sur son rythme${nbsp}: ${title}`,
      greeting: name ? `Bonjour ${name},` : 'Bonjour,',
      blocks: [
        `«${nbsp}${title}${nbsp}» avance moins vite qu’il ne le faudrait. À ce jour${nbsp}: ${now}. Si le rythme depuis l’ouverture se maintient, environ ${expected} d’ici le ${deadline}, en deçà de l’objectif${nbsp}: ${goal}.`,
        `Il est encore temps. En reparler à vos membres, habitants ou collègues est ce qui fait le plus avancer un défi${nbsp}: un message, une lettre d’information, une affiche avec le lien ci-dessous.`,
      ],
      linkIntro: `La page du défi à partager${nbsp}:`,
      button: 'Ouvrir le défi',
      footer: `Vous recevez ce message en tant que propriétaire ou administrateur de l’organisation qui porte le défi, au plus une fois par semaine tant qu’il est en retard.`,
      unsubscribe: '',
    }),
    'contribution-reminder': ({ name, title, unit }) => ({
      subject: `Indiquez ce que vous avez fait${nbsp}: ${title}`,
      greeting: name ? `Bonjour ${name},` : 'Bonjour,',
      blocks: [
        `Vous vous êtes engagé·e pour «${nbsp}${title}${nbsp}». Avez-vous agi ces derniers jours${nbsp}? Indiquez-le sur la page du défi${nbsp}: chaque ${unit || 'action'} compte pour l’objectif, et montre aux autres que l’on agit.`,
      ],
      linkIntro: `Indiquer ce que vous avez fait${nbsp}:`,
      button: 'J’indique ce que j’ai fait',
      footer: `Vous recevez un rappel au plus une fois par semaine et par défi. Ne plus recevoir de rappels${nbsp}:`,
      unsubscribe: 'arrêter les rappels',
    }),
  },
} satisfies Record<
  MailLocale,
  Record<ScheduledMailKind, (input: ScheduledInput) => ScheduledContent>
>;
