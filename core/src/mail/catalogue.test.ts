import { describe, expect, it } from 'vitest';
import { defineMailMessages, mailGreeting } from './catalogue.js';
import { plural, pluralForms, type MailLocale } from './format.js';
import { composeMail } from './layout.js';
import { mailMessages } from './messages/index.js';

/** What a plugin writes to send a mail of its own in Tandem's layout. */
const receipt = defineMailMessages({
  fr: {
    subject: ({ title }: { title: string }) => `Reçu\u00a0: ${title}`,
    bags: pluralForms({ one: '# sac pesé', other: '# sacs pesés' }),
    button: 'Voir',
  },
  en: {
    subject: ({ title }) => `Receipt: ${title}`,
    bags: pluralForms({ one: '# bag weighed', other: '# bags weighed' }),
    button: 'See',
  },
});

describe('a plugin’s own mail messages', () => {
  it.each<[MailLocale, string, string]>([
    ['fr', 'Reçu\u00a0: Tri', '1 sac pesé'],
    ['en', 'Receipt: Tri', '1 bag weighed'],
  ])(
    'render in %s through the one layout, with core’s greeting and signature',
    (locale, subject, bags) => {
      const m = receipt[locale];
      const mail = composeMail(locale, {
        subject: m.subject({ title: 'Tri' }),
        greeting: mailGreeting(locale, 'Ada\nBcc: x'),
        blocks: [plural(1, locale, m.bags)],
        link: { intro: 'Link:', button: m.button, url: 'https://tandem.example.org/c/1?a=1&b=2' },
      });
      expect(mail.subject).toBe(subject);
      expect(mail.text.split('\n')).toEqual([
        mailMessages[locale].greeting({ name: 'Ada Bcc: x' }),
        '',
        bags,
        '',
        'Link:',
        'https://tandem.example.org/c/1?a=1&b=2',
        '',
        '— Tandem',
        '',
      ]);
      expect(mail.html).toContain(`<html lang="${locale}">`);
      expect(mail.html).toContain('href="https://tandem.example.org/c/1?a=1&amp;b=2"');
    },
  );

  it('must give every language the keys of the French catalogue', () => {
    defineMailMessages({
      fr: { a: 'a', b: ({ n }: { n: string }) => n },
      // @ts-expect-error -- `b` is missing in English
      en: { a: 'a' },
    });
    defineMailMessages({
      fr: { b: ({ n }: { n: string }) => n },
      // @ts-expect-error -- the parameter is `n`, not `count`
      en: { b: ({ count }: { count: string }) => count },
    });
    expect(Object.isFrozen(receipt)).toBe(true);
  });
});

describe('plural', () => {
  it('agrees with the figure as the mail writes it, per language', () => {
    const people = mailMessages.fr.words.people;
    expect(plural(0, 'fr', people)).toBe('0 personne');
    expect(plural(1, 'fr', people)).toBe('1 personne');
    expect(plural(2, 'fr', people)).toBe('2 personnes');
    expect(plural(1200, 'fr', people)).toBe('1\u202f200 personnes');
    expect(plural(0, 'en', mailMessages.en.words.people)).toBe('0 people');
    expect(plural(1, 'en', mailMessages.en.words.people)).toBe('1 person');
    // 1.04 shown with one decimal is "1": the form follows what is shown.
    expect(plural(1.04, 'en', mailMessages.en.words.people, 1)).toBe('1 person');
    expect(plural(1.5, 'en', mailMessages.en.words.people, 1)).toBe('1.5 people');
  });
});
