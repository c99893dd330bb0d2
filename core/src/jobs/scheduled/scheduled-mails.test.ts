import { describe, expect, it } from 'vitest';
import { renderScheduledMail, type MailLocale } from '../../mail/templates.js';

/** The mails of scheduled work (mail/templates.ts, `renderScheduledMail`). */

const challengeUrl = 'https://tandem.example.org/c/chl_1';
const unsubscribeUrl = 'https://tandem.example.org/api/reminders/unsubscribe?token=abc&x=1';
const pacing = {
  progress: { participants: 40, quantity: 1234.5 },
  expected: { participants: 120, quantity: 3703.5 },
  goal: { participants: 200 },
  deadline: new Date('2026-06-30T22:30:00Z'), // 1 July in Paris
};

describe('renderScheduledMail', () => {
  it.each<[MailLocale, RegExp, RegExp]>([
    ['en', /Behind its pace: Bike <to> work/, /about 120 people, 3,703\.5 km by July 1, 2026/],
    [
      'fr',
      /En retard sur son rythme\u00a0: Bike <to> work/,
      /environ 120 personnes, 3\s703,5 km d’ici le 1 juillet 2026/,
    ],
  ])('pacing nudge in %s: subject, figures, deadline and link', (locale, subject, figures) => {
    const mail = renderScheduledMail('pacing-nudge', locale, {
      challengeTitle: 'Bike <to> work',
      challengeUrl,
      unit: 'km',
      pacing,
    });
    expect(mail.subject).toMatch(subject);
    expect(mail.text).toMatch(figures);
    expect(mail.text).toContain(challengeUrl);
    expect(mail.html).toContain('Bike &lt;to&gt; work');
    expect(mail.html).not.toContain('Bike <to> work');
    expect(mail.text).not.toContain('unsubscribe');
  });

  it('writes the French deadline as a date in Paris', () => {
    const mail = renderScheduledMail('pacing-nudge', 'fr', {
      challengeTitle: 'Vélo',
      challengeUrl,
      unit: null,
      pacing,
    });
    expect(mail.text).toContain('1 juillet 2026');
    expect(mail.text).toMatch(/objectif\u00a0: 200 personnes/);
  });

  it.each<[MailLocale, RegExp]>([
    ['en', /Log what you did: Vélo au travail/],
    ['fr', /Indiquez ce que vous avez fait\u00a0: Vélo au travail/],
  ])(
    'contribution reminder in %s: subject, page and unsubscribe link in full',
    (locale, subject) => {
      const mail = renderScheduledMail('contribution-reminder', locale, {
        displayName: 'Ann\nBcc: x@y',
        challengeTitle: 'Vélo au travail',
        challengeUrl,
        unit: 'km',
        unsubscribeUrl,
      });
      expect(mail.subject).toMatch(subject);
      expect(mail.text).toContain(challengeUrl);
      expect(mail.text).toContain(unsubscribeUrl);
      expect(mail.text).toMatch(/Ann Bcc: x@y,/); // no header-like line of someone else's choosing
      expect(mail.html).toContain(`href="${unsubscribeUrl.replace('&', '&amp;')}"`);
      expect(mail.text).toMatch(/ km /);
    },
  );

  it('refuses a reminder without a way out, and a nudge without figures', () => {
    expect(() =>
      renderScheduledMail('contribution-reminder', 'en', {
        challengeTitle: 'x',
        challengeUrl,
        unit: 'km',
      }),
    ).toThrow(/unsubscribeUrl/);
    expect(() =>
      renderScheduledMail('pacing-nudge', 'en', { challengeTitle: 'x', challengeUrl, unit: null }),
    ).toThrow(/pacing/);
  });
});
