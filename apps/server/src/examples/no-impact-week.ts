/**
 * No Impact Week: one week at work, a theme a day — waste on Monday,
 * transport on Tuesday, food on Wednesday, energy on Thursday, water and
 * digital on Friday — each day a challenge of its own with the catalogue
 * actions of its theme. Employees pledge the day's actions in the morning
 * and say "done" for them during the day; each day's challenge closes that
 * evening with what it reached. The report gives no figures for it: they
 * are illustrative, and the example says so.
 */
import { evaluateChallengeNow, services, type Platform, type Viewer } from '@tandem/core';
import { defaultCatalogue } from '@tandem/plugin-actions-catalogue';
import {
  daysBefore,
  defineExample,
  dice,
  ensureOrganization,
  inPool,
  makePeople,
  participantViewers,
  type Story,
} from './support.js';

/** Employees of the company (the audience). */
export const NO_IMPACT_EMPLOYEES = 240;
/** Employees each day's challenge aims at. */
export const NO_IMPACT_DAILY_GOAL = 120;

const ORGANIZATION = 'no-impact-week';
const DOMAIN = 'entreprise-pilote.example';
const CAMPAIGN_TITLE = 'No Impact Week';

/** What the example says of its figures. */
export const NO_IMPACT_ILLUSTRATIVE =
  'Figures are illustrative: the report describes the week, not its results.';

/** The week's days: a theme each, with the catalogue actions that fit it. */
export const NO_IMPACT_DAYS: readonly {
  day: string;
  theme: string;
  title: string;
  actions: readonly string[];
  /** Share of the employees who take part that day. */
  turnout: number;
}[] = [
  {
    day: 'Lundi',
    theme: 'waste',
    title: 'Lundi, zéro déchet',
    actions: ['reusable-cup', 'compost-biowaste', 'stop-pub'],
    turnout: 0.62,
  },
  {
    day: 'Mardi',
    theme: 'transport',
    title: 'Mardi, je viens autrement',
    actions: ['cycle-short-trips', 'carpool-commute', 'telework-one-day'],
    turnout: 0.48,
  },
  {
    day: 'Mercredi',
    theme: 'food',
    title: 'Mercredi, je mange sobre',
    actions: ['vegetarian-meal-weekly', 'no-food-waste'],
    turnout: 0.55,
  },
  {
    day: 'Jeudi',
    theme: 'energy',
    title: 'Jeudi, j’économise l’énergie',
    actions: ['switch-off-at-work', 'standby-off', 'heating-one-degree-lower'],
    turnout: 0.44,
  },
  {
    day: 'Vendredi',
    theme: 'water and digital',
    title: 'Vendredi, eau et numérique',
    actions: ['tap-water', 'keep-devices-longer'],
    turnout: 0.36,
  },
];

/** `tandem example no-impact-week`: a theme a day, each with its catalogue actions. */
export const noImpactWeek = defineExample({
  name: 'no-impact-week',
  title: 'No Impact Week: one week at work, a theme a day, catalogue actions for each',
  organizations: [ORGANIZATION],
  requires: ['actions-catalogue'],
  campaigns: [{ organization: ORGANIZATION, title: CAMPAIGN_TITLE }],
  async build(platform: Platform, story: Story) {
    const { ctx } = story;
    const admin = services.asAdmin;
    // The story: last week, Monday to Friday; set up the Friday before.
    const now = story.now();
    const monday = daysBefore(now, 7 + ((now.getUTCDay() + 6) % 7));
    const at = (day: number, hour: number) =>
      new Date(monday.getTime() + day * 86_400_000 + hour * 3_600_000);
    await story.at(at(-3, 10));
    await ensureOrganization(ctx, {
      slug: ORGANIZATION,
      name: 'Entreprise pilote de la No Impact Week',
      kind: 'company',
    });
    const campaign = await services.createCampaign(ctx, admin, ORGANIZATION, {
      title: CAMPAIGN_TITLE,
      description:
        'Une semaine pour réduire notre impact au bureau : chaque jour un thème, et les gestes qui vont avec.',
      startsAt: at(0, 0).toISOString(),
      endsAt: at(5, 0).toISOString(),
      audience: { type: 'email-domain', domains: [DOMAIN] },
    });
    const challengeIds: string[] = [];
    for (const plan of NO_IMPACT_DAYS) {
      const challenge = await services.createChallenge(ctx, admin, campaign.id, {
        title: plan.title,
        description: `SI ${NO_IMPACT_DAILY_GOAL} salariés relèvent le défi du jour, ALORS l’entreprise plante un arbre par salarié engagé.`,
        actionType: 'actions-catalogue',
        actionSettings: {
          actions: defaultCatalogue.actions.filter((action) => plan.actions.includes(action.id)),
        },
        goal: { participants: NO_IMPACT_DAILY_GOAL },
        counterpart: {
          kind: 'act',
          description: 'L’entreprise plante un arbre par salarié engagé ce jour-là.',
        },
      });
      challengeIds.push(challenge.id);
    }

    const random = dice(5_2024);
    const employees = makePeople(random, NO_IMPACT_EMPLOYEES, DOMAIN);
    for (const [index, plan] of NO_IMPACT_DAYS.entries()) {
      const id = challengeIds[index] as string;
      await story.at(at(index, 8));
      await services.openChallenge(ctx, admin, id);
      // The morning: who takes part pledges one to three of the day's actions.
      const joined = employees
        .filter(() => random.chance(plan.turnout))
        .map((person) => ({
          person,
          actions: random.sample(plan.actions, random.int(1, Math.min(3, plan.actions.length))),
        }));
      await story.at(at(index, 11));
      await services.importConfirmedPledges(
        ctx,
        id,
        joined.map((j) => ({ ...j.person, details: { actions: j.actions } })),
      );
      // What a worker would record of the morning (milestones, an unlock), at its hour.
      await evaluateChallengeNow(platform.db, id, story.now());
      // The afternoon: most say "done" for what they picked.
      const viewers = await participantViewers(
        platform,
        joined.map((j) => j.person.email),
      );
      const done = joined.flatMap((j) =>
        j.actions
          .filter(() => random.chance(0.8))
          .map((action) => ({ email: j.person.email, action })),
      );
      await story.at(at(index, 17));
      await inPool(done, 4, (report) =>
        services.recordContribution(ctx, viewers.get(report.email) as Viewer, id, {
          details: { action: report.action },
          occurredAt: at(index, 16).toISOString(),
        }),
      );
      // The evening: the day's challenge closes with what it reached.
      await story.at(at(index, 19));
      await services.closeChallenge(ctx, admin, id);
    }
    return [campaign.id];
  },
  async highlights(platform, campaignIds) {
    const [campaignId] = campaignIds;
    if (!campaignId) return [];
    const report = await services.campaignReport(platform.ctx, services.asAdmin, campaignId);
    const actions = report.challenges.reduce((sum, c) => sum + c.quantity, 0);
    return [
      NO_IMPACT_ILLUSTRATIVE,
      'The week, day by day:',
      ...report.challenges.map((challenge, i) => {
        const plan = NO_IMPACT_DAYS[i];
        return `  ${plan?.day ?? '?'} (${plan?.theme ?? '?'}): ${challenge.participants} employees, ${challenge.quantity} actions done, ${Math.round(challenge.co2eKg)} kg CO2e [${challenge.status}]`;
      }),
      `  The week: ${report.totals.participants} distinct employees, ${actions} actions done, ${Math.round(report.totals.co2eKg)} kg CO2e`,
    ];
  },
});
