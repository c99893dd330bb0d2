import { describe, expect, it } from 'vitest';
import {
  renderMail,
  renderNotification,
  renderScheduledMail,
  type MailLocale,
  type NotificationKind,
  type NotificationPromise,
  type NotificationVars,
  type ScheduledMailVars,
} from './templates.js';

/**
 * Every mail Tandem writes, in both languages, rendered from fixed inputs
 * and compared byte for byte with `__snapshots__/rendering.test.ts.snap`.
 * The snapshot was taken before the texts moved into message catalogues
 * (ADR 0025), so a change in what a recipient reads shows up here as a diff.
 */

const locales: MailLocale[] = ['fr', 'en'];
const link = 'https://tandem.example.org/auth/callback?token=tok_abc123&next=/c/ch_1';
const token = 'tok_abc123';
const url = 'https://tandem.example.org/c/chl_1?from=mail&x=1';

const donation: NotificationPromise = {
  goal: { participants: 200 },
  sponsor: 'Ville de Clichy',
  counterpart: {
    kind: 'donation',
    amount: { value: 5000, currency: 'EUR' },
    beneficiary: 'Solicycle',
  },
};
const act: NotificationPromise = {
  goal: { participants: 1, quantity: 1, match: 'any' },
  sponsor: 'GRDF',
  counterpart: { kind: 'act', description: 'Install a <bike> shelter\nin front of the school' },
};
const matching: NotificationPromise = {
  goal: { quantity: 5000.25 },
  sponsor: 'Humanis',
  counterpart: {
    kind: 'matching',
    perUnit: { value: 0.1, currency: 'EUR' },
    cap: { value: 2500, currency: 'EUR' },
    beneficiary: 'WiFilles',
  },
  owed: { value: 123.45, currency: 'EUR' },
};
const bare: NotificationPromise = { goal: { participants: 3, quantity: 12 }, sponsor: 'Org' };
const oddCurrency: NotificationPromise = {
  goal: { participants: 2 },
  sponsor: 'Org',
  counterpart: { kind: 'donation', amount: { value: 12.5, currency: 'XYZW' }, beneficiary: 'B' },
};

const notificationCases: Array<[string, NotificationKind, NotificationVars]> = [
  [
    'donation',
    'pledge-confirmed',
    {
      displayName: 'Ada',
      challengeTitle: 'Vélo au boulot',
      challengeUrl: url,
      unit: null,
      progress: { participants: 1, quantity: 0 },
      promise: donation,
    },
  ],
  [
    'no promise',
    'pledge-confirmed',
    {
      challengeTitle: 'Vélo',
      challengeUrl: url,
      unit: 'km',
      progress: { participants: 0, quantity: 0 },
    },
  ],
  [
    'act, any',
    'challenge-unlocked',
    {
      challengeTitle: 'Bike <to> work',
      challengeUrl: url,
      unit: 'km',
      progress: { participants: 1234, quantity: 80360.456 },
      promise: act,
    },
  ],
  [
    'no counterpart',
    'challenge-unlocked',
    {
      challengeTitle: 'Tri',
      challengeUrl: url,
      unit: 'kg',
      progress: { participants: 3, quantity: 12 },
      promise: bare,
    },
  ],
  [
    'matching',
    'sponsor-unlocked',
    {
      displayName: 'Bob',
      challengeTitle: 'Km',
      challengeUrl: url,
      unit: 'km',
      progress: { participants: 188, quantity: 80360 },
      promise: matching,
    },
  ],
  [
    'unknown currency',
    'sponsor-unlocked',
    {
      challengeTitle: 'X',
      challengeUrl: url,
      unit: null,
      progress: { participants: 2, quantity: 0 },
      promise: oddCurrency,
    },
  ],
  [
    'several tiers',
    'challenge-succeeded',
    {
      challengeTitle: 'Vélo au boulot',
      challengeUrl: url,
      unit: 'km',
      progress: { participants: 250, quantity: 10 },
      unlocked: [donation, act, matching],
    },
  ],
  [
    'nothing unlocked',
    'challenge-succeeded',
    {
      challengeTitle: 'Vélo',
      challengeUrl: url,
      unit: null,
      progress: { participants: 5, quantity: 0 },
    },
  ],
  [
    'with the deal',
    'challenge-failed',
    {
      displayName: '  Ann\nBcc: x@y  ',
      challengeTitle: 'Vélo',
      challengeUrl: url,
      unit: null,
      progress: { participants: 12, quantity: 0 },
      promise: donation,
    },
  ],
  [
    'without the deal',
    'challenge-failed',
    {
      challengeTitle: 'x'.repeat(200),
      challengeUrl: url,
      unit: null,
      progress: { participants: 12, quantity: 0 },
    },
  ],
  [
    'dated',
    'enrolment-receipt',
    {
      displayName: 'Chloé',
      challengeTitle: 'Tri à Saint-Mandé',
      challengeUrl: url,
      unit: 'kg',
      progress: { participants: 41, quantity: 3.2 },
      recordedAt: new Date('2026-03-11T23:30:00Z'),
    },
  ],
  [
    'undated',
    'enrolment-receipt',
    {
      challengeTitle: 'Tri',
      challengeUrl: url,
      unit: null,
      progress: { participants: 1, quantity: 0 },
    },
  ],
];

const pacing = {
  progress: { participants: 40, quantity: 1234.5 },
  expected: { participants: 120, quantity: 3703.56 },
  goal: { participants: 200, quantity: 5000 },
  deadline: new Date('2026-06-30T22:30:00Z'),
};
const scheduledCases: Array<[string, 'pacing-nudge' | 'contribution-reminder', ScheduledMailVars]> =
  [
    [
      'people and km',
      'pacing-nudge',
      {
        displayName: 'Ada',
        challengeTitle: 'Bike <to> work',
        challengeUrl: url,
        unit: 'km',
        pacing,
      },
    ],
    [
      'people only',
      'pacing-nudge',
      {
        challengeTitle: 'Vélo',
        challengeUrl: url,
        unit: null,
        pacing: {
          progress: { participants: 1, quantity: 0 },
          expected: { participants: 1, quantity: 0 },
          goal: { participants: 2 },
          deadline: new Date('2026-01-01T00:00:00Z'),
        },
      },
    ],
    [
      'with unit',
      'contribution-reminder',
      {
        displayName: 'Ann',
        challengeTitle: 'Vélo au travail',
        challengeUrl: url,
        unit: 'km',
        unsubscribeUrl: 'https://tandem.example.org/api/reminders/unsubscribe?token=abc&x=1',
      },
    ],
    [
      'without unit',
      'contribution-reminder',
      {
        challengeTitle: 'Gestes',
        challengeUrl: url,
        unit: null,
        unsubscribeUrl: 'https://tandem.example.org/u',
      },
    ],
  ];

describe('every mail, both languages, as recipients read it', () => {
  for (const locale of locales) {
    it(`link mails in ${locale}`, () => {
      expect(
        renderMail('sign-in', locale, { link, token, expiresInMinutes: 15 }),
      ).toMatchSnapshot();
      expect(
        renderMail('sign-in', locale, { link, token, expiresInMinutes: 60, displayName: 'Ada' }),
      ).toMatchSnapshot();
      expect(
        renderMail('pledge-confirmation', locale, {
          link,
          token,
          expiresInMinutes: 2880,
          challengeTitle: 'Vélo <au> boulot',
          displayName: 'Ada\u0007 Lovelace',
        }),
      ).toMatchSnapshot();
      expect(
        renderMail('pledge-confirmation', locale, { link, token, expiresInMinutes: 90 }),
      ).toMatchSnapshot();
    });

    it.each(notificationCases)(`notification in ${locale}: %s (%s)`, (_name, kind, vars) => {
      expect(renderNotification(kind, locale, vars)).toMatchSnapshot();
    });

    it.each(scheduledCases)(`scheduled mail in ${locale}: %s (%s)`, (_name, kind, vars) => {
      expect(renderScheduledMail(kind, locale, vars)).toMatchSnapshot();
    });
  }
});
