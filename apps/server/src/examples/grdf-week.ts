/**
 * GRDF's sustainable-development week: three challenges for employees, each
 * with its own beneficiary association (WiFilles among them), on the
 * company's white-label page `/o/grdf`. Published figure reproduced
 * exactly: 564 employees over the three challenges.
 */
import { evaluateChallengeNow, services, type Platform } from '@tandem/core';
import { defaultCatalogue } from '@tandem/plugin-actions-catalogue';
import { MODE_GROUPS, type Mode } from '@tandem/plugin-commute';
import { WASTE_STREAMS } from '@tandem/plugin-sorting';
import {
  daysBefore,
  defineExample,
  dice,
  ensureOrganization,
  makePeople,
  type Story,
} from './support.js';

/** Distinct employees over the three challenges (published figure). */
export const GRDF_EMPLOYEES = 564;

const ORGANIZATION = 'grdf';
const DOMAIN = 'grdf.example';
const CAMPAIGN_TITLE = 'Semaine du développement durable';

/** The at-work and digital actions of the default catalogue the second challenge offers. */
const DIGITAL_ACTIONS = [
  'switch-off-at-work',
  'keep-devices-longer',
  'telework-one-day',
  'standby-off',
  'reusable-cup',
];

interface ChallengePlan {
  key: 'commute' | 'digital' | 'waste';
  /** Employees who joined this challenge first. */
  primary: number;
  /** Employees of the other two who also joined this one. */
  also: number;
  goal: number;
  amountEur: number;
  beneficiary: { name: string; description: string; url: string };
}

const PLANS: readonly ChallengePlan[] = [
  {
    key: 'commute',
    primary: 240,
    also: 8,
    goal: 200,
    amountEur: 3000,
    beneficiary: {
      name: 'L’Heureux Cyclage',
      description: 'Réseau des ateliers vélo participatifs et solidaires.',
      url: 'https://www.heureux-cyclage.org',
    },
  },
  {
    key: 'digital',
    primary: 200,
    also: 31,
    goal: 200,
    amountEur: 3000,
    beneficiary: {
      name: 'WiFilles',
      description: 'Programme qui fait découvrir le numérique et ses métiers aux collégiennes.',
      url: 'https://wifilles.org',
    },
  },
  {
    key: 'waste',
    primary: 124,
    also: 72,
    goal: 150,
    amountEur: 2000,
    beneficiary: {
      name: 'Zero Waste France',
      description: 'Association pour la réduction des déchets et du gaspillage.',
      url: 'https://www.zerowastefrance.org',
    },
  },
];

/**
 * Who joined which challenge: every employee one, some a second; distinct
 * people add up to {@link GRDF_EMPLOYEES}. Pure and deterministic.
 */
export function planGrdf(): Map<ChallengePlan['key'], number[]> {
  const random = dice(564_3);
  const joined = new Map<ChallengePlan['key'], number[]>();
  let next = 0;
  for (const plan of PLANS) {
    joined.set(
      plan.key,
      Array.from({ length: plan.primary }, () => next++),
    );
  }
  if (next !== GRDF_EMPLOYEES) throw new Error('GRDF plan: first choices must cover everyone');
  for (const plan of PLANS) {
    const mine = new Set(joined.get(plan.key));
    const others = Array.from({ length: GRDF_EMPLOYEES }, (_, i) => i).filter((i) => !mine.has(i));
    joined.get(plan.key)?.push(...random.sample(others, plan.also));
  }
  return joined;
}

/** Days before the load the week's days are, and how many join on each. */
const WEEKDAYS: readonly (readonly [number, number])[] = [
  [10, 5],
  [9, 3],
  [8, 2],
  [7, 1.5],
  [6, 1],
];

/** `tandem example grdf-week`: 564 employees, three challenges, three beneficiaries. */
export const grdfWeek = defineExample({
  name: 'grdf-week',
  title: 'GRDF: sustainable-development week, 3 challenges, 3 beneficiaries, 564 employees',
  organizations: [ORGANIZATION],
  requires: ['commute', 'actions-catalogue', 'sorting'],
  campaigns: [{ organization: ORGANIZATION, title: CAMPAIGN_TITLE }],
  async build(platform: Platform, story: Story) {
    const { ctx } = story;
    const admin = services.asAdmin;
    // The story: set up the Friday before; the week runs from ten days ago
    // to three days ago, employees joining day by day; closed that evening.
    const now = story.now();
    await story.at(daysBefore(now, 13, 10));
    await ensureOrganization(ctx, { slug: ORGANIZATION, name: 'GRDF', kind: 'company' });
    const campaign = await services.createCampaign(ctx, admin, ORGANIZATION, {
      title: CAMPAIGN_TITLE,
      description:
        'Une semaine pour agir : chaque défi relevé par les salariés débloque un don à une association.',
      startsAt: daysBefore(now, 10).toISOString(),
      endsAt: daysBefore(now, 3).toISOString(),
      audience: { type: 'email-domain', domains: [DOMAIN] },
    });
    const catalogue = {
      actions: defaultCatalogue.actions.filter((action) => DIGITAL_ACTIONS.includes(action.id)),
    };
    const challengeIds = new Map<ChallengePlan['key'], string>();
    for (const plan of PLANS) {
      const beneficiary = await services.createBeneficiary(
        ctx,
        admin,
        ORGANIZATION,
        plan.beneficiary,
      );
      const what = {
        commute: {
          title: 'Je viens au travail autrement',
          actionType: 'commute',
          actionSettings: {},
        },
        digital: {
          title: 'J’adopte le numérique responsable',
          actionType: 'actions-catalogue',
          actionSettings: catalogue,
        },
        waste: {
          title: 'Je trie et je réduis mes déchets',
          actionType: 'sorting',
          actionSettings: {},
        },
      }[plan.key];
      const challenge = await services.createChallenge(ctx, admin, campaign.id, {
        ...what,
        description: `SI ${plan.goal} salariés s’engagent, ALORS GRDF verse ${plan.amountEur.toLocaleString('fr-FR')} € à ${plan.beneficiary.name}.`,
        goal: { participants: plan.goal },
        counterpart: {
          kind: 'donation',
          amount: { value: plan.amountEur, currency: 'EUR' },
          beneficiaryId: beneficiary.id,
        },
      });
      challengeIds.set(plan.key, challenge.id);
    }
    await story.at(daysBefore(now, 10, 8));
    for (const id of challengeIds.values()) await services.openChallenge(ctx, admin, id);

    const random = dice(564);
    const employees = makePeople(random, GRDF_EMPLOYEES, DOMAIN);
    const commuteModes: readonly Mode[] = [
      ...MODE_GROUPS['public-transport'],
      ...MODE_GROUPS.bike,
      'carpool',
      'walking',
    ];
    const detailsFor = (key: ChallengePlan['key']): Record<string, unknown> => {
      if (key === 'commute') {
        return {
          modes: random.sample(commuteModes, random.int(1, 2)),
          ...(random.chance(0.6) ? { previousMode: 'car' } : {}),
        };
      }
      if (key === 'digital') {
        return { actions: random.sample(DIGITAL_ACTIONS, random.int(1, 3)) };
      }
      return {
        streams: WASTE_STREAMS.filter(() => random.chance(0.6))
          .concat(['packaging'])
          .filter((stream, i, all) => all.indexOf(stream) === i),
      };
    };
    // Each joins on a day of the week, most on the first two.
    const joins = [...planGrdf()].flatMap(([key, people]) =>
      people.map((index) => ({
        key,
        at: daysBefore(now, random.weighted(WEEKDAYS), 8 + random.int(0, 9) + random.next()),
        pledge: { ...(employees[index] as (typeof employees)[number]), details: detailsFor(key) },
      })),
    );
    await story.replay(
      joins,
      (join) => join.at,
      async (day) => {
        for (const plan of PLANS) {
          const theirs = day.filter((join) => join.key === plan.key);
          if (theirs.length === 0) continue;
          const id = challengeIds.get(plan.key) as string;
          await services.importConfirmedPledges(
            ctx,
            id,
            theirs.map((join) => join.pledge),
          );
          await evaluateChallengeNow(platform.db, id, story.now());
        }
      },
    );
    // The week is over: each challenge closes with what it reached.
    await story.at(daysBefore(now, 3, 18));
    for (const id of challengeIds.values()) await services.closeChallenge(ctx, admin, id);
    return [campaign.id];
  },
});
