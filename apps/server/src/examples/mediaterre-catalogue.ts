/**
 * Médiaterre (Unis-Cité): volunteers help households in several
 * neighbourhoods pick everyday climate actions from a catalogue; each
 * pledge picks several. Uses the actions-catalogue plugin's default
 * catalogue as it stands. As the report tells it, more than 5,300 people
 * committed over the programme's year; the example replays them day by
 * day, and the programme still has two months to go.
 */
import { evaluateChallengeNow, services, type Platform } from '@tandem/core';
import { defaultCatalogue } from '@tandem/plugin-actions-catalogue';
import { writePastPledges, type PastPledge } from './bulk.js';
import {
  daysBefore,
  defineExample,
  dice,
  ensureOrganization,
  makePeople,
  type Story,
} from './support.js';

/** Households who pledged (the report: more than 5,300 people). */
export const MEDIATERRE_PLEDGES = 5_340;
/** The two tiers: households the programme aims at. */
export const MEDIATERRE_TIERS = [2_000, 5_000] as const;
/** Days from the opening to the load, and from the load to the deadline. */
export const MEDIATERRE_DAYS = { run: 300, left: 60 } as const;

const ORGANIZATION = 'unis-cite';
const CAMPAIGN_TITLE = 'Médiaterre — les gestes du quotidien';

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
  async build(platform: Platform, story: Story) {
    const { ctx } = story;
    const admin = services.asAdmin;
    const now = story.now();
    const { run, left } = MEDIATERRE_DAYS;
    await story.at(daysBefore(now, run + 5, 10));
    await ensureOrganization(ctx, { slug: ORGANIZATION, name: 'Unis-Cité', kind: 'association' });
    const campaign = await services.createCampaign(ctx, admin, ORGANIZATION, {
      title: CAMPAIGN_TITLE,
      description:
        'Des volontaires en service civique accompagnent les familles de leur quartier vers des gestes simples pour le climat.',
      startsAt: daysBefore(now, run).toISOString(),
      endsAt: daysBefore(now, -left).toISOString(),
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
      deadline: daysBefore(now, -left).toISOString(),
    });
    await story.at(daysBefore(now, run, 9));
    await services.openChallenge(ctx, admin, challenge.id);

    const random = dice(1_000_000);
    const weights = defaultCatalogue.actions.map(
      (action) => [action.id, POPULARITY[action.id] ?? 1] as const,
    );
    const households = makePeople(random, MEDIATERRE_PLEDGES, 'mediaterre.example');
    const pledges: PastPledge[] = households.map((person) => {
      const picks = new Set<string>();
      const wanted = random.int(2, 6);
      while (picks.size < wanted) picks.add(random.weighted(weights));
      return {
        ...person,
        details: { actions: [...picks] },
        // At a volunteers' workshop, any day from the opening to the day before the load.
        at: daysBefore(now, 1 + random.int(0, run - 2), 9 + random.int(0, 9) + random.next()),
      };
    });
    // Thousands of households: each day's pledges in one batch of statements.
    await story.replay(
      pledges,
      (p) => p.at,
      async (day) => {
        await writePastPledges(
          platform,
          { id: challenge.id, actionType: 'actions-catalogue' },
          day,
        );
        // The day it passes a tier, the unlock is recorded, as a worker would.
        await evaluateChallengeNow(platform.db, challenge.id, story.now());
      },
    );
    return [campaign.id];
  },
});
