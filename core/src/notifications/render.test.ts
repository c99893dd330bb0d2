import { describe, expect, it } from 'vitest';
import {
  escapeHtml,
  renderNotification,
  type MailLocale,
  type NotificationKind,
  type NotificationVars,
} from '../mail/templates.js';
import { describeTier, type ChallengeFacts } from './facts.js';

const url = 'https://tandem.example.org/c/chl_1?from=mail&x=1';

const donation: NotificationVars = {
  challengeTitle: 'Vélo au boulot',
  challengeUrl: url,
  unit: null,
  progress: { participants: 200, quantity: 0 },
  promise: {
    goal: { participants: 200 },
    sponsor: 'Ville de Clichy',
    counterpart: {
      kind: 'donation',
      amount: { value: 5000, currency: 'EUR' },
      beneficiary: 'Solicycle',
    },
  },
};

describe('renderNotification', () => {
  const kinds: NotificationKind[] = [
    'pledge-confirmed',
    'challenge-unlocked',
    'sponsor-unlocked',
    'challenge-succeeded',
    'challenge-failed',
    'enrolment-receipt',
  ];
  const subjects: Record<MailLocale, Record<NotificationKind, RegExp>> = {
    en: {
      'pledge-confirmed': /^Your pledge counts: Vélo au boulot$/,
      'challenge-unlocked': /^Goal reached: Vélo au boulot$/,
      'sponsor-unlocked': /^Counterpart due: Vélo au boulot$/,
      'challenge-succeeded': /^Challenge succeeded: Vélo au boulot$/,
      'challenge-failed': /^Challenge closed: Vélo au boulot$/,
      'enrolment-receipt': /^Your pledge was recorded: Vélo au boulot$/,
    },
    fr: {
      'pledge-confirmed': /^Votre engagement compte\u00a0: Vélo au boulot$/,
      'challenge-unlocked': /^Objectif atteint\u00a0: Vélo au boulot$/,
      'sponsor-unlocked': /^Contrepartie due\u00a0: Vélo au boulot$/,
      'challenge-succeeded': /^Défi réussi\u00a0: Vélo au boulot$/,
      'challenge-failed': /^Défi terminé\u00a0: Vélo au boulot$/,
      'enrolment-receipt': /^Votre engagement a été enregistré\u00a0: Vélo au boulot$/,
    },
  };

  it.each(
    (['en', 'fr'] as const).flatMap((locale) => kinds.map((kind) => [kind, locale] as const)),
  )(
    '%s in %s: subject, the challenge link in both parts, the language of the HTML',
    (kind, locale) => {
      const mail = renderNotification(kind, locale, {
        ...donation,
        unlocked: donation.promise ? [donation.promise] : [],
      });
      expect(mail.subject).toMatch(subjects[locale][kind]);
      expect(mail.text.split('\n')).toContain(url);
      expect(mail.html).toContain(`href="${escapeHtml(url)}"`);
      expect(mail.html).toContain(`<html lang="${locale}">`);
      expect(mail.html).not.toContain('from=mail&x');
      expect(mail.text).toMatch(locale === 'en' ? /200 people/ : /200\spersonnes/);
    },
  );

  it('states the IF/THEN deal in a pledge confirmation', () => {
    expect(renderNotification('pledge-confirmed', 'en', donation).text).toContain(
      'The deal: IF 200 people take part, THEN Ville de Clichy gives €5,000 to Solicycle.',
    );
    expect(renderNotification('pledge-confirmed', 'fr', donation).text).toMatch(
      /Le principe\u00a0: SI 200 personnes participent, ALORS Ville de Clichy donne 5\s000\s€ à Solicycle\./,
    );
  });

  it('counts one person in the singular', () => {
    const one = { ...donation, progress: { participants: 1, quantity: 0 } };
    expect(renderNotification('pledge-confirmed', 'en', one).text).toContain('1 person so far');
    expect(renderNotification('pledge-confirmed', 'fr', one).text).toContain(
      '1 personne à ce jour',
    );
  });

  it('tells quantity goals, "any" goals, matching and acts, with the unit', () => {
    const vars: NotificationVars = {
      challengeTitle: 'Marc de café',
      challengeUrl: url,
      unit: 'kg',
      progress: { participants: 12, quantity: 512.5 },
      promise: {
        goal: { participants: 50, quantity: 500, match: 'any' },
        sponsor: 'Bourg-la-Reine',
        counterpart: {
          kind: 'matching',
          perUnit: { value: 0.1, currency: 'EUR' },
          cap: { value: 1000, currency: 'EUR' },
          beneficiary: 'Compost & Co',
        },
        owed: { value: 51.25, currency: 'EUR' },
      },
    };
    const en = renderNotification('sponsor-unlocked', 'en', vars);
    expect(en.text).toContain('12 people, 512.5 kg');
    expect(en.text).toContain(
      'IF 50 people take part or the count reaches 500 kg, THEN Bourg-la-Reine gives €0.10 per kg to Compost & Co, up to €1,000.',
    );
    expect(en.text).toContain('that is €51.25');
    expect(en.html).toContain('Compost &amp; Co');
    const fr = renderNotification('sponsor-unlocked', 'fr', vars);
    expect(fr.text).toMatch(/12 personnes, 512,5 kg/);
    expect(fr.text).toMatch(
      /SI 50 personnes participent ou le compteur atteint 500 kg, ALORS Bourg-la-Reine donne 0,10\s€ par kg à Compost & Co, jusqu’à 1\s000\s€\./,
    );
    expect(fr.text).toMatch(/cela représente 51,25\s€/);

    const act = renderNotification('challenge-unlocked', 'en', {
      ...vars,
      promise: {
        goal: { participants: 50 },
        sponsor: 'Bourg-la-Reine',
        counterpart: { kind: 'act', description: 'install a bike shelter at the school' },
      },
    });
    expect(act.text).toContain(
      'So now Bourg-la-Reine commits to this: install a bike shelter at the school.',
    );
  });

  it('escapes and flattens what users chose', () => {
    const mail = renderNotification('challenge-unlocked', 'en', {
      ...donation,
      displayName: '<script>x</script>',
      challengeTitle: 'Bike\nBcc: someone@example.org',
      promise: {
        goal: { participants: 3 },
        sponsor: 'Evil <b>Corp</b>',
        counterpart: { kind: 'act', description: 'a\r\nb' },
      },
    });
    expect(mail.subject).toBe('Goal reached: Bike Bcc: someone@example.org');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<b>');
    expect(mail.html).toContain('Evil &lt;b&gt;Corp&lt;/b&gt;');
    expect(mail.text).toContain('commits to this: a b.');
  });

  it('lists every counterpart unlocked in a success mail', () => {
    const mail = renderNotification('challenge-succeeded', 'en', {
      ...donation,
      unlocked: [
        donation.promise as NonNullable<NotificationVars['promise']>,
        {
          goal: { participants: 400 },
          sponsor: 'Solicycle',
          counterpart: { kind: 'act', description: 'teach 500 pupils bike repair' },
        },
      ],
    });
    expect(mail.text).toContain('- Ville de Clichy gives €5,000 to Solicycle\n');
    expect(mail.text).toContain('- Solicycle commits to this: teach 500 pupils bike repair\n');
    expect(mail.html).toMatch(/<ul><li>.*<\/li><li>.*<\/li><\/ul>/);
  });
});

describe('describeTier', () => {
  const facts: ChallengeFacts = {
    id: 'chl_1',
    title: 'Km à vélo',
    organizationId: 'org_1',
    unit: 'km',
    beneficiaries: new Map([['ben_1', 'Solicycle']]),
    tiers: [],
  };

  it('names the beneficiary and, given a quantity, what a matching counterpart owes (capped)', () => {
    const tier = {
      id: 'tier_1',
      rank: 0,
      goal: { quantity: 1000, match: 'all' as const },
      counterpart: {
        kind: 'matching' as const,
        perUnit: { value: 0.1, currency: 'EUR' },
        cap: { value: 50, currency: 'EUR' },
        beneficiaryId: 'ben_1',
      },
      sponsorId: 'org_1',
      sponsorName: 'Humanis',
      unlocked: true,
    };
    expect(describeTier(facts, tier, 80.5)).toEqual({
      goal: tier.goal,
      sponsor: 'Humanis',
      counterpart: {
        kind: 'matching',
        perUnit: { value: 0.1, currency: 'EUR' },
        cap: { value: 50, currency: 'EUR' },
        beneficiary: 'Solicycle',
      },
      owed: { value: 8.05, currency: 'EUR' },
    });
    expect(describeTier(facts, tier, 10_000).owed).toEqual({ value: 50, currency: 'EUR' });
    expect(describeTier(facts, tier).owed).toBeUndefined();
  });

  it('leaves the counterpart out when the tier names none', () => {
    const tier = {
      id: 'tier_2',
      rank: 0,
      goal: { participants: 10, match: 'all' as const },
      counterpart: null,
      sponsorId: 'org_1',
      sponsorName: 'GRDF',
      unlocked: false,
    };
    expect(describeTier(facts, tier)).toEqual({ goal: tier.goal, sponsor: 'GRDF' });
    expect(
      renderNotification('challenge-unlocked', 'fr', {
        ...donation,
        promise: describeTier(facts, tier),
      }).text,
    ).toContain('Maintenant, GRDF tient sa promesse.');
  });
});
