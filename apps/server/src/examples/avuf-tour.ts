/**
 * AVUF "Tour de France — Agir ensemble": students of eight university towns
 * act for two weeks in one campaign, each town a team, and the towns are
 * ranked by the actions their students report.
 */
import {
  dayIn,
  DEFAULT_TIME_ZONE,
  readTeamProgress,
  evaluateChallengeNow,
  services,
  type Platform,
  type Viewer,
} from '@tandem/core';
import { defaultCatalogue } from '@tandem/plugin-actions-catalogue';
import {
  apportion,
  around,
  daysBefore,
  defineExample,
  dice,
  ensureOrganization,
  inPool,
  makePeople,
  participantViewers,
  type Story,
} from './support.js';

/** Students who pledged, all towns together. */
export const AVUF_STUDENTS = 360;
/** Students the challenge aims at. */
export const AVUF_GOAL = 300;
/** The campaign's length, in days. */
export const AVUF_DAYS = 14;

const ORGANIZATION = 'avuf';
const CAMPAIGN_TITLE = 'Tour de France — Agir ensemble';

/** The towns (teams), where their students are, and how keen they were. */
export const AVUF_TOWNS: readonly {
  slug: string;
  name: string;
  centre: { lat: number; lon: number };
  /** Weighs both how many students joined and how often they reported. */
  keenness: number;
}[] = [
  { slug: 'angers', name: 'Angers', centre: { lat: 47.4784, lon: -0.5632 }, keenness: 1.0 },
  { slug: 'brest', name: 'Brest', centre: { lat: 48.3904, lon: -4.4861 }, keenness: 0.8 },
  {
    slug: 'clermont-ferrand',
    name: 'Clermont-Ferrand',
    centre: { lat: 45.7772, lon: 3.087 },
    keenness: 0.9,
  },
  { slug: 'dijon', name: 'Dijon', centre: { lat: 47.322, lon: 5.0415 }, keenness: 0.7 },
  { slug: 'grenoble', name: 'Grenoble', centre: { lat: 45.1885, lon: 5.7245 }, keenness: 1.3 },
  { slug: 'lille', name: 'Lille', centre: { lat: 50.6292, lon: 3.0573 }, keenness: 1.2 },
  { slug: 'poitiers', name: 'Poitiers', centre: { lat: 46.5802, lon: 0.3404 }, keenness: 0.9 },
  { slug: 'rennes', name: 'Rennes', centre: { lat: 48.1173, lon: -1.6778 }, keenness: 1.4 },
];

/** The actions of the default catalogue that fit a student's life. */
const STUDENT_ACTIONS = [
  'cycle-short-trips',
  'vegetarian-meal-weekly',
  'tap-water',
  'no-food-waste',
  'standby-off',
  'keep-devices-longer',
  'stop-pub',
  'compost-biowaste',
];

/** One town's place in the ranking. */
export interface TeamStanding {
  rank: number;
  team: { id: string; slug: string; name: string };
  /** People counted for the team, summed over the campaign's challenges. */
  participants: number;
  /** Actions reported (the challenges' quantity, unit `action`). */
  actions: number;
  co2eKg: number;
}

/**
 * The ranking of a campaign's teams: most actions reported first, then most
 * participants, then by name. Read from the teams' counters
 * (`readTeamProgress`), never from pledges. Over several challenges the
 * participants are summed, so someone in two challenges counts twice for
 * their team; the AVUF campaign has one challenge.
 */
export async function teamRanking(platform: Platform, campaignId: string): Promise<TeamStanding[]> {
  const campaign = await services.getCampaign(platform.ctx, services.asAdmin, campaignId);
  const totals = new Map(
    campaign.teams.map((team) => [team.id, { team, participants: 0, actions: 0, co2eKg: 0 }]),
  );
  for (const challenge of campaign.challenges) {
    for (const [teamId, progress] of await readTeamProgress(platform.db, challenge.id)) {
      const total = totals.get(teamId);
      if (!total) continue;
      total.participants += progress.participants;
      total.actions += progress.quantity;
      total.co2eKg += progress.co2eKg;
    }
  }
  return [...totals.values()]
    .sort(
      (a, b) =>
        b.actions - a.actions ||
        b.participants - a.participants ||
        a.team.name.localeCompare(b.team.name, 'fr'),
    )
    .map((total, i) => ({
      rank: i + 1,
      team: { id: total.team.id, slug: total.team.slug, name: total.team.name },
      participants: total.participants,
      actions: Math.round(total.actions * 1e6) / 1e6,
      co2eKg: Math.round(total.co2eKg * 1000) / 1000,
    }));
}

/** What the example says of its figures: the report published none for this campaign. */
export const AVUF_ILLUSTRATIVE =
  'Figures are illustrative: the report gives none for this campaign; the example shows how towns compete as teams.';

/** `tandem example avuf-tour`: towns as teams, and their ranking in `highlights`. */
export const avufTour = defineExample({
  name: 'avuf-tour',
  title: 'AVUF "Tour de France — Agir ensemble": university towns as teams, ranked',
  organizations: [ORGANIZATION],
  requires: ['actions-catalogue'],
  campaigns: [{ organization: ORGANIZATION, title: CAMPAIGN_TITLE }],
  async build(platform: Platform, story: Story) {
    const { ctx } = story;
    const admin = services.asAdmin;
    // The story: set up the week before; the students join on the first
    // morning and report over the fortnight; closed the morning after.
    const now = story.now();
    const start = daysBefore(now, AVUF_DAYS + 1);
    await story.at(daysBefore(now, AVUF_DAYS + 8, 10));
    await ensureOrganization(ctx, {
      slug: ORGANIZATION,
      name: 'AVUF — Association des villes universitaires de France',
      kind: 'network',
    });
    const campaign = await services.createCampaign(ctx, admin, ORGANIZATION, {
      title: CAMPAIGN_TITLE,
      description:
        'Pendant deux semaines, les étudiants des villes universitaires du réseau agissent ensemble pour le climat, ville contre ville.',
      startsAt: start.toISOString(),
      endsAt: daysBefore(now, 1).toISOString(),
      audience: { type: 'public' },
      teams: AVUF_TOWNS.map((town) => ({ slug: town.slug, name: town.name })),
    });
    const challenge = await services.createChallenge(ctx, admin, campaign.id, {
      title: 'J’agis au quotidien',
      description: `SI ${AVUF_GOAL} étudiants s’engagent, ALORS chaque ville du réseau ouvre un atelier d’autoréparation de vélos sur son campus.`,
      actionType: 'actions-catalogue',
      actionSettings: {
        actions: defaultCatalogue.actions.filter((action) => STUDENT_ACTIONS.includes(action.id)),
      },
      goal: { participants: AVUF_GOAL },
      counterpart: {
        kind: 'act',
        description:
          'Chaque ville du réseau ouvre un atelier d’autoréparation de vélos sur son campus.',
      },
    });
    await story.at(start);
    await services.openChallenge(ctx, admin, challenge.id);

    const random = dice(2_2024);
    const students = makePeople(random, AVUF_STUDENTS, 'etudiants.example');
    // Keener towns brought more students.
    const townOf = apportion(
      AVUF_STUDENTS,
      AVUF_TOWNS.map((town) => town.keenness),
    ).flatMap((count, town) => Array.from({ length: count }, () => town));
    const enrolled = students.map((person, i) => {
      const where = AVUF_TOWNS[townOf[i] as number] as (typeof AVUF_TOWNS)[number];
      return {
        person,
        town: where,
        actions: random.sample(STUDENT_ACTIONS, random.int(2, 4)),
        location: around(random, where.centre, 3),
      };
    });
    await story.at(new Date(start.getTime() + 9 * 3_600_000));
    await services.importConfirmedPledges(
      ctx,
      challenge.id,
      enrolled.map((student) => ({
        ...student.person,
        team: student.town.slug,
        location: student.location,
        details: { actions: student.actions },
      })),
    );

    // "I did it today": each picked action, up to three days of the fortnight.
    const reports: { email: string; action: string; occurredAt: Date }[] = [];
    for (const student of enrolled) {
      for (const action of student.actions) {
        // An action counts once per person and day: two draws on one day are one report.
        const days = new Set<string>();
        for (let draw = 0; draw < 3; draw++) {
          if (!random.chance(0.12 * student.town.keenness)) continue;
          // From the first morning, once they joined, to the last evening.
          const at = random.int(10, AVUF_DAYS * 24 - 2);
          const occurredAt = new Date(start.getTime() + at * 3_600_000);
          const day = dayIn(occurredAt, DEFAULT_TIME_ZONE);
          if (days.has(day)) continue;
          days.add(day);
          reports.push({ email: student.person.email, action, occurredAt });
        }
      }
    }
    const viewers = await participantViewers(
      platform,
      enrolled.map((student) => student.person.email),
    );
    await story.replay(
      reports,
      (report) => report.occurredAt,
      (day) =>
        inPool(day, 4, (report) =>
          services.recordContribution(ctx, viewers.get(report.email) as Viewer, challenge.id, {
            details: { action: report.action },
            occurredAt: report.occurredAt.toISOString(),
          }),
        ).then(() => evaluateChallengeNow(platform.db, challenge.id, story.now())),
    );
    await story.at(daysBefore(now, 1, 9));
    await services.closeChallenge(ctx, admin, challenge.id);
    return [campaign.id];
  },
  async highlights(platform, campaignIds) {
    const [campaignId] = campaignIds;
    if (!campaignId) return [];
    const ranking = await teamRanking(platform, campaignId);
    return [
      AVUF_ILLUSTRATIVE,
      'Ranking of the towns (actions reported, then students):',
      ...ranking.map(
        (s) =>
          `  ${s.rank}. ${s.team.name}: ${s.actions} actions, ${s.participants} students, ${s.co2eKg} kg CO2e`,
      ),
    ];
  },
});
