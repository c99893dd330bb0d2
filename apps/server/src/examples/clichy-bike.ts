/**
 * Clichy: IF 200 residents pledge to cycle, THEN the city gives €5,000 to
 * Solicycle to teach 500 pupils bike repair. Loaded past the threshold, so
 * the unlock is recorded once and the challenge reads `succeeded`.
 */
import { evaluateChallengeNow, services, type Platform } from '@tandem/core';
import {
  around,
  daysBefore,
  defineExample,
  dice,
  ensureOrganization,
  makePeople,
  type Story,
} from './support.js';

/** Residents who pledged in the example (the goal is 200). */
export const CLICHY_PLEDGES = 231;
/** Residents the city asked for (its threshold). */
export const CLICHY_GOAL = 200;
/** What the city gives Solicycle once the threshold is passed, in euros. */
export const CLICHY_DONATION_EUR = 5000;

const ORGANIZATION = 'clichy';
const CAMPAIGN_TITLE = 'Clichy à vélo';
/** Clichy (Hauts-de-Seine), town centre. */
const CLICHY = { lat: 48.9045, lon: 2.3054 };

/** `tandem example clichy-bike`: the Clichy bike pledge, loaded past its threshold. */
export const clichyBike = defineExample({
  name: 'clichy-bike',
  title: 'Clichy: IF 200 residents pledge to cycle THEN €5,000 to Solicycle',
  organizations: [ORGANIZATION],
  requires: ['commute'],
  campaigns: [{ organization: ORGANIZATION, title: CAMPAIGN_TITLE }],
  async build(platform: Platform, story: Story) {
    const { ctx } = story;
    const admin = services.asAdmin;
    // The story: set up the day before it opens, forty days ago; pledges
    // every day since, quickly at first; twenty days still to go.
    const now = story.now();
    await story.at(daysBefore(now, 41, 10));
    await ensureOrganization(ctx, { slug: ORGANIZATION, name: 'Ville de Clichy', kind: 'city' });
    const solicycle = await services.createBeneficiary(ctx, admin, ORGANIZATION, {
      name: 'Solicycle',
      description:
        'Atelier associatif de réparation de vélos : il apprendra à 500 écoliers de Clichy à entretenir et réparer leur vélo.',
    });
    const campaign = await services.createCampaign(ctx, admin, ORGANIZATION, {
      title: CAMPAIGN_TITLE,
      description: 'Les Clichois s’engagent à faire leurs trajets à vélo quand ils le peuvent.',
      startsAt: daysBefore(now, 40).toISOString(),
      endsAt: daysBefore(now, -20).toISOString(),
      audience: { type: 'public' },
    });
    const challenge = await services.createChallenge(ctx, admin, campaign.id, {
      title: 'Je me déplace à vélo',
      description: `SI ${CLICHY_GOAL} habitants s’engagent à faire leurs trajets à vélo, ALORS la ville donne 5 000 € à Solicycle pour apprendre à 500 écoliers à réparer leur vélo.`,
      actionType: 'commute',
      actionSettings: { modes: ['bike', 'e-bike'] },
      goal: { participants: CLICHY_GOAL },
      counterpart: {
        kind: 'donation',
        amount: { value: CLICHY_DONATION_EUR, currency: 'EUR' },
        beneficiaryId: solicycle.id,
      },
      deadline: daysBefore(now, -20).toISOString(),
    });
    await story.at(daysBefore(now, 40, 9));
    await services.openChallenge(ctx, admin, challenge.id);

    const random = dice(200_5000);
    const residents = makePeople(random, CLICHY_PLEDGES, 'habitants-clichy.example');
    const pledges = residents.map((person) => ({
      // Most pledge in the first weeks, after the launch and the local paper.
      at: daysBefore(now, 39 - Math.floor(38 * random.next() ** 1.6), 7 + random.int(0, 14)),
      pledge: {
        ...person,
        location: around(random, CLICHY, 1.6),
        // A pledge may say nothing more; most say how they got about before.
        details: random.chance(0.8)
          ? {
              modes: [random.weighted([['bike', 4] as const, ['e-bike', 1] as const])],
              ...(random.chance(0.7)
                ? { previousMode: random.pick(['car', 'bus', 'metro'] as const) }
                : {}),
            }
          : {},
      },
    }));
    await story.replay(
      pledges,
      (p) => p.at,
      async (day) => {
        await services.importConfirmedPledges(
          ctx,
          challenge.id,
          day.map((p) => p.pledge),
        );
        // The day it passes the threshold, the unlock is recorded, as a worker would.
        await evaluateChallengeNow(platform.db, challenge.id, story.now());
      },
    );
    return [campaign.id];
  },
});
