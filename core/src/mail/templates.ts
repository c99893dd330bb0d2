/**
 * The mails Tandem writes: which sentences of the language's catalogue
 * (messages/<locale>.ts) each kind says, in which order and on what
 * condition. The words live in the catalogues, numbers, money and dates are
 * written by `Intl` (format.ts), and every kind is laid out by the one
 * `composeMail` (layout.ts). See ADR 0025.
 */
import { mailGreeting } from './catalogue.js';
import {
  clean,
  cleanUnit,
  formatDate,
  formatDuration,
  formatMoney,
  formatNumber,
  plural,
  type MailLocale,
  type MailMoney,
} from './format.js';
import { composeMail, type MailBlock, type RenderedMail } from './layout.js';
import { mailMessages, type MailMessages } from './messages/index.js';

export type { MailLocale } from './format.js';
export { escapeHtml, type RenderedMail } from './layout.js';

/** The mails {@link renderMail} knows how to write. */
export type MailKind = 'sign-in' | 'pledge-confirmation' | 'receipt';

/** What a mail is filled with. */
export interface MailVars {
  /** The one-time link, shown in full in the text part. */
  link: string;
  /** The token the link carries, shown too for clients that break links. */
  token: string;
  /** The challenge pledged to (pledge confirmation), or whose counterpart arrived (receipt). */
  challengeTitle?: string;
  /** Who says it delivered (receipt). */
  sponsorName?: string;
  /** How long the link stays valid. */
  expiresInMinutes: number;
  /** The recipient's name, if known. */
  displayName?: string;
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
  const m = mailMessages[locale];
  const title = vars.challengeTitle === undefined ? '' : clean(vars.challengeTitle, 120);
  const words =
    kind === 'sign-in'
      ? m['sign-in']
      : kind === 'receipt'
        ? {
            ...m.receipt,
            subject: m.receipt.subject({ title }),
            intro: m.receipt.intro({ title, sponsor: clean(vars.sponsorName ?? '', 80) }),
          }
        : {
            ...m['pledge-confirmation'],
            subject: title
              ? m['pledge-confirmation'].subject({ title })
              : m['pledge-confirmation'].subjectUntitled,
            intro: title
              ? m['pledge-confirmation'].intro({ title })
              : m['pledge-confirmation'].introUntitled,
          };
  return composeMail(locale, {
    subject: words.subject,
    greeting: mailGreeting(locale, vars.displayName),
    blocks: [],
    link: { intro: words.intro, button: words.button, url: vars.link, introInHtml: true },
    code: {
      expiry: m.code.expiry({ expiry: formatDuration(vars.expiresInMinutes, locale) }),
      intro: m.code.intro,
      token: vars.token,
    },
    aside: words.ignore,
  });
}

/** What a partner invitation mail is filled with (see {@link renderPartnerInvitationMail}). */
export interface PartnerInvitationMailVars {
  /** The console page where the invited organization's admins answer. */
  link: string;
  /** The inviting organization's name, as its admins wrote it: cleaned before use. */
  organizationName: string;
  challengeTitle: string;
}

/**
 * Renders the mail that tells an organization's admins another one invites
 * it to feed a federated challenge (ADR 0043). No token: answering needs
 * the admin's own session, so the link only leads to the console.
 */
export function renderPartnerInvitationMail(
  locale: MailLocale,
  vars: PartnerInvitationMailVars,
): RenderedMail {
  const w = mailMessages[locale]['partner-invitation'];
  const organization = clean(vars.organizationName, 120);
  const title = clean(vars.challengeTitle, 120);
  return composeMail(locale, {
    subject: w.subject({ organization }),
    greeting: mailGreeting(locale),
    blocks: [],
    link: {
      intro: w.intro({ organization, title }),
      button: w.button,
      url: vars.link,
      introInHtml: true,
    },
    aside: w.ignore,
  });
}

/** What an invitation mail is filled with (see {@link renderInvitationMail}). */
export interface InvitationMailVars {
  /** The one-time link to the site's invitation page. */
  link: string;
  token: string;
  expiresInMinutes: number;
  /** The organization's name, as its admins wrote it: cleaned before use. */
  organizationName: string;
  role: 'owner' | 'admin' | 'agent' | 'member';
}

/**
 * Renders the mail that invites a person to join an organization with a
 * role: subject, plain text and HTML, with the one-time link, its expiry
 * and the token, laid out as the sign-in mail is.
 *
 * @example
 * const mail = renderInvitationMail('fr', { link, token, expiresInMinutes: 10080,
 *   organizationName: 'Ville de Clichy', role: 'admin' });
 * await mailer.send({ to, purpose: 'invitation', token, ...mail });
 */
export function renderInvitationMail(locale: MailLocale, vars: InvitationMailVars): RenderedMail {
  const m = mailMessages[locale];
  const w = m.invitation;
  const organization = clean(vars.organizationName, 120);
  return composeMail(locale, {
    subject: w.subject({ organization }),
    greeting: mailGreeting(locale),
    blocks: [],
    link: {
      intro: w.intro({ organization, role: w.roles[vars.role] }),
      button: w.button,
      url: vars.link,
      introInHtml: true,
    },
    code: {
      expiry: m.code.expiry({ expiry: formatDuration(vars.expiresInMinutes, locale) }),
      intro: m.code.intro,
      token: vars.token,
    },
    aside: w.ignore,
  });
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
export type NotificationMoney = MailMoney;

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
  const m = mailMessages[locale];
  const unit = cleanUnit(vars.unit);
  const title = clean(vars.challengeTitle, 120);
  const { participants, quantity } = vars.progress;
  const people = plural(participants, locale, m.words.people);
  const progress =
    unit && quantity > 0
      ? m.words.peopleAndQuantity({ people, quantity: `${formatNumber(quantity, locale)} ${unit}` })
      : people;
  const promise = vars.promise;
  const ifThen = promise ? ifThenOf(m, locale, promise, unit) : '';
  const owes = promise ? owesOf(m, locale, promise, unit) : '';
  const owed = promise?.owed ? formatMoney(promise.owed, locale) : '';
  const counted = { title, progress };

  let content: { subject: string; blocks: MailBlock[]; linkIntro: string; button: string };
  switch (kind) {
    case 'pledge-confirmed': {
      const w = m[kind];
      content = {
        ...w,
        subject: w.subject(counted),
        blocks: [w.confirmed(counted), ...(ifThen ? [w.deal({ ifThen })] : []), w.withdraw],
      };
      break;
    }
    case 'challenge-unlocked': {
      const w = m[kind];
      content = {
        ...w,
        subject: w.subject(counted),
        blocks: [w.reached(counted), ...(owes ? [w.owes({ owes })] : []), w.thanks],
      };
      break;
    }
    case 'sponsor-unlocked': {
      const w = m[kind];
      content = {
        ...w,
        subject: w.subject(counted),
        blocks: [
          w.reached(counted),
          ...(ifThen ? [w.deal({ ifThen })] : []),
          ...(owed ? [w.owed({ owed })] : []),
          w.deliver,
        ],
      };
      break;
    }
    case 'challenge-succeeded': {
      const w = m[kind];
      const unlocked = (vars.unlocked ?? []).map((tier) => owesOf(m, locale, tier, unit));
      content = {
        ...w,
        subject: w.subject(counted),
        blocks: [
          w.succeeded(counted),
          ...(unlocked.length > 0 ? [w.unlocked, unlocked] : []),
          w.thanks,
        ],
      };
      break;
    }
    case 'challenge-failed': {
      const w = m[kind];
      content = {
        ...w,
        subject: w.subject(counted),
        blocks: [w.failed(counted), ...(ifThen ? [w.deal({ ifThen })] : []), w.thanks],
      };
      break;
    }
    case 'enrolment-receipt': {
      const w = m[kind];
      content = {
        ...w,
        subject: w.subject(counted),
        blocks: [
          vars.recordedAt
            ? w.recordedOn({ ...counted, date: formatDate(vars.recordedAt, locale) })
            : w.recorded(counted),
          w.mistake,
        ],
      };
      break;
    }
  }
  return composeMail(locale, {
    subject: content.subject,
    greeting: mailGreeting(locale, vars.displayName),
    blocks: content.blocks,
    link: { intro: content.linkIntro, button: content.button, url: vars.challengeUrl },
  });
}

/** "IF 200 people take part, THEN Clichy gives €5,000 to Solicycle." */
function ifThenOf(
  m: MailMessages,
  locale: MailLocale,
  promise: NotificationPromise,
  unit: string | null,
): string {
  const { participants, quantity, match } = promise.goal;
  const parts: string[] = [];
  if (participants !== undefined) {
    parts.push(plural(participants, locale, m.words.goalPeople));
  }
  if (quantity !== undefined) {
    const amount = formatNumber(quantity, locale);
    parts.push(m.words.goalQuantity({ quantity: unit ? `${amount} ${unit}` : amount }));
  }
  const goal = new Intl.ListFormat(locale, {
    type: match === 'any' ? 'disjunction' : 'conjunction',
  }).format(parts);
  return m.words.ifThen({ goal, owes: owesOf(m, locale, promise, unit) });
}

/** "Clichy gives €5,000 to Solicycle": what the sponsor of a tier owes. */
function owesOf(
  m: MailMessages,
  locale: MailLocale,
  { counterpart, sponsor }: NotificationPromise,
  unit: string | null,
): string {
  const who = clean(sponsor, 80);
  if (!counterpart) return m.words.owesPromise({ who });
  switch (counterpart.kind) {
    case 'donation':
      return m.words.owesDonation({
        who,
        amount: formatMoney(counterpart.amount, locale),
        beneficiary: clean(counterpart.beneficiary, 80),
      });
    case 'act':
      return m.words.owesAct({ who, description: clean(counterpart.description, 300) });
    case 'matching':
      return m.words.owesMatching({
        who,
        perUnit: formatMoney(counterpart.perUnit, locale),
        unit: unit ?? m.words.anyUnit,
        beneficiary: clean(counterpart.beneficiary, 80),
        cap: formatMoney(counterpart.cap, locale),
      });
  }
}

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
  const m = mailMessages[locale];
  const unit = cleanUnit(vars.unit);
  const title = clean(vars.challengeTitle, 120);
  const link = { url: vars.challengeUrl };
  const opening = {
    subject: m[kind].subject({ title }),
    greeting: mailGreeting(locale, vars.displayName),
  };

  if (kind === 'pacing-nudge') {
    const pacing = vars.pacing;
    if (!pacing) throw new Error('A pacing nudge needs `pacing`.');
    const w = m[kind];
    // Forecasts are rough: one decimal is enough.
    const count = (c: { participants: number; quantity: number }, withUnit: string | null) => {
      const people = plural(c.participants, locale, m.words.people, 1);
      return withUnit
        ? m.words.peopleAndQuantity({
            people,
            quantity: `${formatNumber(c.quantity, locale, 1)} ${withUnit}`,
          })
        : people;
    };
    const goals: string[] = [];
    if (pacing.goal.participants !== undefined) {
      goals.push(count({ participants: pacing.goal.participants, quantity: 0 }, null));
    }
    if (pacing.goal.quantity !== undefined) {
      goals.push(`${formatNumber(pacing.goal.quantity, locale, 1)} ${unit ?? ''}`.trim());
    }
    return composeMail(locale, {
      ...opening,
      blocks: [
        w.behind({
          title,
          now: count(pacing.progress, unit),
          expected: count(pacing.expected, unit),
          deadline: formatDate(pacing.deadline, locale),
          goal: new Intl.ListFormat(locale, { type: 'conjunction' }).format(goals),
        }),
        w.tell,
      ],
      link: { ...link, intro: w.linkIntro, button: w.button },
      footer: { text: w.footer },
    });
  }

  const out = vars.unsubscribeUrl;
  if (!out) throw new Error('A contribution reminder needs `unsubscribeUrl`.');
  const w = m[kind];
  return composeMail(locale, {
    ...opening,
    blocks: [w.ask({ title, unit: unit ?? w.anyUnit })],
    link: { ...link, intro: w.linkIntro, button: w.button },
    footer: { text: w.footer, unsubscribe: { url: out, label: w.unsubscribe } },
  });
}
