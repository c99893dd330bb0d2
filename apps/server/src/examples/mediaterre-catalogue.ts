/**
 * Médiaterre (Unis-Cité): volunteers help households in several
 * neighbourhoods pick everyday climate actions from a catalogue; each
 * pledge picks several. Uses the actions-catalogue plugin's default
 * catalogue as it stands.
 */
import { evaluateChallengeNow, services, type Platform } from '@tandem/core';
import { defaultCatalogue } from '@tandem/plugin-actions-catalogue';
import {
  around,
  daysBefore,
  defineExample,
  dice,
  ensureOrganization,
  makePeople,
} from './support.js';

/** Households who pledged. */
export const MEDIATERRE_PLEDGES = 420;
/** The two tiers: households the programme aims at. */
export const MEDIATERRE_TIERS = [300, 1000] as const;

const ORGANIZATION = 'unis-cite';
const CAMPAIGN_TITLE = 'Médiaterre — les gestes du quotidien';

/** Neighbourhoods where the volunteers work (town centres, people spread around them). */
const PLACES = [
  { lat: 48.8642, lon: 2.3989 },
  { lat: 43.3046, lon: 5.3949 },
  { lat: 45.7578, lon: 4.832 },
  { lat: 50.6292, lon: 3.0573 },
  { lat: 43.6045, lon: 1.444 },
];

/**
 * How often each action of the default catalogue is picked, relative to the
 * others: the cheap and easy ones most.
 */
const POPULARITY: Readonly<Record<string, number>> = {
  'tap-water': 9,
  'standby-off': 8,
  'no-food-waste': 8,
  'led-bulbs': 7,
  'air-dry-laundry': 6,
  'stop-pub': 6,
  'heating-one-degree-lower': 5,
  'vegetarian-meal-weekly': 4,
  'cycle-short-trips': 4,
  'compost-biowaste': 3,
  'keep-devices-longer': 3,
  'switch-off-at-work': 2,
  'reusable-cup': 2,
  'carpool-commute': 1,
  'telework-one-day': 1,
};

/** `tandem example mediaterre-catalogue`: the default catalogue, households pick several actions. */
export const mediaterreCatalogue = defineExample({
  name: 'mediaterre-catalogue',
  title: 'Médiaterre (Unis-Cité): a catalogue of everyday actions, households pick several',
  organizations: [ORGANIZATION],
  requires: ['actions-catalogue'],
  campaigns: [{ organization: ORGANIZATION, title: CAMPAIGN_TITLE }],
  async build(platform: Platform) {
    const { ctx } = platform;
    const admin = services.asAdmin;
    const now = ctx.now();
    await ensureOrganization(ctx, { slug: ORGANIZATION, name: 'Unis-Cité', kind: 'association' });
    const campaign = await services.createCampaign(ctx, admin, ORGANIZATION, {
      title: CAMPAIGN_TITLE,
      description:
        'Des volontaires en service civique accompagnent les familles de leur quartier vers des gestes simples pour le climat.',
      startsAt: daysBefore(now, 90).toISOString(),
      endsAt: daysBefore(now, -90).toISOString(),
      audience: { type: 'public' },
    });
    const [first, second] = MEDIATERRE_TIERS;
    const challenge = await services.createChallenge(ctx, admin, campaign.id, {
      title: 'Je choisis mes gestes',
      description: `SI ${first} foyers choisissent leurs gestes, ALORS Unis-Cité organise un atelier « économies d’énergie » dans chaque quartier ; à ${second} foyers, un kit économiseur d’eau est offert à chacun.`,
      actionType: 'actions-catalogue',
      actionSettings: defaultCatalogue,
      tiers: [
        {
          goal: { participants: first },
          counterpart: {
            kind: 'act',
            description:
              'Unis-Cité organise un atelier « économies d’énergie » dans chaque quartier.',
          },
        },
        {
          goal: { participants: second },
          counterpart: {
            kind: 'act',
            description: 'Chaque foyer engagé reçoit un kit économiseur d’eau.',
          },
        },
      ],
      deadline: daysBefore(now, -90).toISOString(),
    });
    await services.openChallenge(ctx, admin, challenge.id);

    const random = dice(1_000_000);
    const weights = defaultCatalogue.actions.map(
      (action) => [action.id, POPULARITY[action.id] ?? 1] as const,
    );
    const households = makePeople(random, MEDIATERRE_PLEDGES, 'mediaterre.example');
    await services.importConfirmedPledges(
      ctx,
      challenge.id,
      households.map((person) => {
        const picks = new Set<string>();
        const wanted = random.int(2, 6);
        while (picks.size < wanted) picks.add(random.weighted(weights));
        return {
          ...person,
          location: around(random, random.pick(PLACES), 2),
          details: { actions: [...picks] },
        };
      }),
    );
    // Past the first tier: record the unlock now rather than wait for a worker.
    await evaluateChallengeNow(platform.db, challenge.id, ctx.now());
    return [campaign.id];
  },
});
