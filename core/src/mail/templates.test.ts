import { describe, expect, it } from 'vitest';
import {
  escapeHtml,
  renderInvitationMail,
  renderMail,
  renderPartnerInvitationMail,
  type MailKind,
  type MailLocale,
} from './templates.js';

const link = 'https://tandem.example.org/auth/callback?token=tok_abc123&next=/c/ch_1';
const token = 'tok_abc123';

describe('escapeHtml', () => {
  it('escapes the five characters that matter in content and attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>Tom & Jerry</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;Tom &amp; Jerry&lt;/a&gt;',
    );
  });

  it('escapes an ampersand once, before the entities it creates', () => {
    expect(escapeHtml('&lt;')).toBe('&amp;lt;');
  });
});

describe('renderMail', () => {
  const cases: Array<[MailKind, MailLocale, RegExp, RegExp]> = [
    ['sign-in', 'en', /sign-in link/, /works once and expires in 15\sminutes/],
    ['sign-in', 'fr', /lien de connexion/, /ne fonctionne qu’une fois et expire dans 15\sminutes/],
    ['pledge-confirmation', 'en', /Confirm your pledge/, /works once and expires in 15\sminutes/],
    [
      'pledge-confirmation',
      'fr',
      /Confirmez votre engagement/,
      /ne fonctionne qu’une fois et expire dans 15\sminutes/,
    ],
    ['receipt', 'en', /Confirm receipt: Vélo au boulot/, /works once and expires in 15\sminutes/],
    [
      'receipt',
      'fr',
      /Confirmez la réception\s: Vélo au boulot/,
      /ne fonctionne qu’une fois et expire dans 15\sminutes/,
    ],
  ];

  it.each(cases)(
    '%s in %s: subject, full link, token and expiry',
    (kind, locale, subject, expiry) => {
      const mail = renderMail(kind, locale, {
        link,
        token,
        expiresInMinutes: 15,
        challengeTitle: 'Vélo au boulot',
      });
      expect(mail.subject).toMatch(subject);
      expect(mail.text.split('\n')).toContain(link);
      expect(mail.text).toContain(token);
      expect(mail.text).toMatch(expiry);
      expect(mail.html).toMatch(expiry);
      expect(mail.html).toContain(`href="${escapeHtml(link)}"`);
      expect(mail.html).toContain(`<html lang="${locale}">`);
      // The raw "&" of the query string must not reach the HTML unescaped.
      expect(mail.html).not.toContain('tok_abc123&next');
    },
  );

  it('names the sponsor in a receipt request, cleaned of line breaks', () => {
    const mail = renderMail('receipt', 'en', {
      link,
      token,
      expiresInMinutes: 30 * 24 * 60,
      challengeTitle: 'Bike to work',
      sponsorName: 'Sponsor\nSA',
    });
    expect(mail.text).toContain('Sponsor SA says it delivered what it promised');
    expect(mail.text).toMatch(/expires in 30\sdays/);
  });

  it('names the challenge in a pledge confirmation', () => {
    const en = renderMail('pledge-confirmation', 'en', {
      link,
      token,
      expiresInMinutes: 60,
      challengeTitle: 'Bike to work',
    });
    expect(en.subject).toBe('Confirm your pledge: Bike to work');
    expect(en.text).toContain('“Bike to work”');
    expect(en.text).toMatch(/expires in 1\shour\./);

    const fr = renderMail('pledge-confirmation', 'fr', {
      link,
      token,
      expiresInMinutes: 2880,
      challengeTitle: 'Vélo au boulot',
    });
    expect(fr.subject).toContain('Vélo au boulot');
    // Intl puts a no-break space between number and unit where the language wants one.
    expect(fr.text).toMatch(/expire dans 2\sjours\./);
  });

  it('greets by name when there is one', () => {
    const vars = { link, token, expiresInMinutes: 15 };
    expect(renderMail('sign-in', 'en', { ...vars, displayName: 'Ada' }).text).toMatch(
      /^Hello Ada,\n/,
    );
    expect(renderMail('sign-in', 'fr', { ...vars, displayName: 'Ada' }).text).toMatch(
      /^Bonjour Ada,\n/,
    );
    expect(renderMail('sign-in', 'en', vars).text).toMatch(/^Hello,\n/);
  });

  it.each(['en', 'fr'] as const)(
    'escapes user-chosen names and titles in the HTML (%s)',
    (locale) => {
      const mail = renderMail('pledge-confirmation', locale, {
        link,
        token,
        expiresInMinutes: 15,
        displayName: '<script>alert("x")</script>',
        challengeTitle: 'Fish & <b>Chips</b>',
      });
      expect(mail.html).not.toContain('<script>');
      expect(mail.html).not.toContain('<b>');
      expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
      expect(mail.html).toContain('Fish &amp; &lt;b&gt;Chips&lt;/b&gt;');
      // The text part is not HTML: it keeps the characters as typed.
      expect(mail.text).toContain('Fish & <b>Chips</b>');
    },
  );

  it('flattens and shortens user-chosen text, so it cannot reshape the mail', () => {
    const mail = renderMail('pledge-confirmation', 'en', {
      link,
      token,
      expiresInMinutes: 15,
      displayName: `Eve\r\n\r\nYour account is locked, call +1 555 0100${'!'.repeat(200)}`,
      challengeTitle: 'Line one\nBcc: someone@example.org',
    });
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.subject).toBe('Confirm your pledge: Line one Bcc: someone@example.org');
    const greeting = mail.text.split('\n')[0] ?? '';
    expect(greeting.startsWith('Hello Eve Your account is locked')).toBe(true);
    expect(greeting.length).toBeLessThanOrEqual('Hello ,'.length + 60);
    expect(greeting).toContain('…');
  });
});

describe('renderInvitationMail', () => {
  it.each([
    [
      'fr',
      /Invitation à rejoindre Ville de Clichy/,
      /avec le rôle «\u00a0administrateur·rice\u00a0»/,
      /7\sjours/,
    ],
    ['en', /Invitation to join Ville de Clichy/, /as an admin/, /7\sdays/],
  ] as const)(
    'in %s: names the organization and role, link, token, expiry',
    (locale, subject, role, expiry) => {
      const mail = renderInvitationMail(locale, {
        link,
        token,
        expiresInMinutes: 7 * 24 * 60,
        organizationName: 'Ville de Clichy\u0007',
        role: 'admin',
      });
      expect(mail.subject).toMatch(subject);
      expect(mail.subject).not.toContain('\u0007');
      expect(mail.text).toMatch(role);
      expect(mail.text).toMatch(expiry);
      expect(mail.text).toContain(link);
      expect(mail.text).toContain(token);
      expect(mail.html).toContain(escapeHtml(link));
    },
  );
});

describe('renderPartnerInvitationMail', () => {
  it('names the inviting organization and the challenge in both languages, with the console link and no code', () => {
    for (const [locale, subject] of [
      ['en', /Ville de Clichy invites you to join a challenge on Tandem/],
      ['fr', /Ville de Clichy vous invite à rejoindre un défi sur Tandem/],
    ] as const) {
      const mail = renderPartnerInvitationMail(locale, {
        link: 'https://tandem.example.org/admin/velo-club',
        organizationName: 'Ville de Clichy',
        challengeTitle: '1 million actions',
      });
      expect(mail.subject).toMatch(subject);
      expect(mail.text).toContain('1 million actions');
      expect(mail.text).toContain('https://tandem.example.org/admin/velo-club');
      expect(mail.html).toContain('href="https://tandem.example.org/admin/velo-club"');
    }
  });

  it('escapes and cuts names chosen by organizers', () => {
    const mail = renderPartnerInvitationMail('en', {
      link: 'https://tandem.example.org/admin/x',
      organizationName: `<script>alert(1)</script>${'A'.repeat(300)}`,
      challengeTitle: 'Title\u0000 with a control',
    });
    expect(mail.html).not.toContain('<script>');
    expect(mail.subject.length).toBeLessThan(200);
    expect(mail.text).not.toContain('\u0000');
  });
});
