import { services, type Platform } from '@tandem/core';
import { FIRST_NAMES, seededRandom } from './synthetic.js';

/**
 * Where the demo's residents pledged from: a few towns, each with enough
 * people close together that the map shows their cells at once (no cell
 * is published under 11 people). The radius is in degrees (about 400 m).
 */
export const DEMO_TOWNS = [
  { name: 'Clichy', postcode: '92110', lat: 48.904, lon: 2.306, people: 64 },
  { name: 'Saint-Ouen-sur-Seine', postcode: '93400', lat: 48.912, lon: 2.334, people: 41 },
  { name: 'Levallois-Perret', postcode: '92300', lat: 48.895, lon: 2.287, people: 32 },
] as const;

/**
 * Who runs the demo organization: its owner signs in to the console
 * (`/admin/demo`) and its agent to the field tablet (`/agent/demo`) with a
 * link from the dev mailbox.
 */
export const DEMO_ORGANIZER = 'organisation@demo.tandem.localhost';
export const DEMO_AGENT = 'agent@demo.tandem.localhost';

/** How many residents have already pledged in the demo. */
export const DEMO_PLEDGES = DEMO_TOWNS.reduce((sum, town) => sum + town.people, 0);

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
  await services.addMember(ctx, admin, 'demo', { email: DEMO_ORGANIZER, role: 'owner' });
  await services.addMember(ctx, admin, 'demo', { email: DEMO_AGENT, role: 'agent' });
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
  const towns = DEMO_TOWNS.flatMap((town) => Array.from({ length: town.people }, () => town));
  const people = towns.map((town, i) => ({
    email: `habitant${i + 1}@demo.tandem.localhost`,
    displayName: `${FIRST_NAMES[i % FIRST_NAMES.length]} ${String.fromCharCode(65 + (i % 26))}.`,
    // Every other resident shows their name in the feed.
    showAs: i % 2 === 0 ? ('name' as const) : ('anonymous' as const),
    // Rounded as a browser would send them (2 decimals), clustered around each town.
    location: {
      postcode: town.postcode,
      lat: Math.round((town.lat + (random() - 0.5) * 0.008) * 100) / 100,
      lon: Math.round((town.lon + (random() - 0.5) * 0.008) * 100) / 100,
    },
  }));
  await services.importConfirmedPledges(ctx, challenge.id, people);
  await db.query('insert into seed_mark (name) values (?) on conflict do nothing', ['demo']);
  return true;
}
