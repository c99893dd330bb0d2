import { services, type Platform } from '@tandem/core';
import { FIRST_NAMES, seededRandom } from './synthetic.js';

/** How many residents have already pledged in the demo. */
export const DEMO_PLEDGES = 137;

/**
 * Seeds the demo organization (slug `demo`) once: a city, a bike-repair
 * association, a public campaign and a living Clichy-style challenge with
 * two tiers and some pledges around the town. Returns false when the demo
 * was already there.
 */
export async function seedDemo(platform: Platform): Promise<boolean> {
  const { ctx, db } = platform;
  const [mark] = await db.query('select name from seed_mark where name = ?', ['demo']);
  if (mark) return false;
  const admin = services.asAdmin;

  await services.createOrganization(ctx, admin, {
    slug: 'demo',
    name: 'Ville de Démo',
    kind: 'city',
  });
  const beneficiary = await services.createBeneficiary(ctx, admin, 'demo', {
    name: 'Atelier Vélo Solidaire',
    description:
      "Association d'autoréparation de vélos : elle apprend aux écoliers à réparer leur vélo.",
    url: 'https://example.org/atelier-velo',
  });
  const campaign = await services.createCampaign(ctx, admin, 'demo', {
    title: 'Au travail à vélo',
    description: 'Les habitants s’engagent à venir au travail à vélo quand ils le peuvent.',
    audience: { type: 'public' },
  });
  const deadline = new Date(Date.now() + 60 * 86_400_000).toISOString();
  const challenge = await services.createChallenge(ctx, admin, campaign.id, {
    title: 'Je vais au travail à vélo',
    description:
      'SI 200 habitants s’engagent à faire leurs trajets à vélo, ALORS la ville donne 5 000 € à l’Atelier Vélo Solidaire pour apprendre à 500 écoliers à réparer leur vélo.',
    actionType: 'pledge-only',
    deadline,
    tiers: [
      {
        goal: { participants: 200 },
        counterpart: {
          kind: 'donation',
          amount: { value: 5000, currency: 'EUR' },
          beneficiaryId: beneficiary.id,
        },
      },
      {
        goal: { participants: 400 },
        counterpart: {
          kind: 'act',
          description: 'La ville installe un abri vélo devant chaque école.',
        },
      },
    ],
  });
  await services.openChallenge(ctx, admin, challenge.id);

  const random = seededRandom(200);
  const people = Array.from({ length: DEMO_PLEDGES }, (_, i) => ({
    email: `habitant${i + 1}@demo.tandem.localhost`,
    displayName: `${FIRST_NAMES[i % FIRST_NAMES.length]} ${String.fromCharCode(65 + (i % 26))}.`,
    location: { lat: 48.904 + (random() - 0.5) * 0.03, lon: 2.306 + (random() - 0.5) * 0.04 },
  }));
  await services.importConfirmedPledges(ctx, challenge.id, people);
  await db.query('insert into seed_mark (name) values (?) on conflict do nothing', ['demo']);
  return true;
}
