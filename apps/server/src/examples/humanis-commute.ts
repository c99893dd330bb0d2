/**
 * Humanis: an employees-only commute campaign, five challenges (one per way
 * of commuting), km logged week after week. Published figures reproduced
 * exactly: 188 employees pledged, 80,360 km reported.
 */
import { evaluateChallengeNow, services, type Platform, type Viewer } from '@tandem/core';
import { MODE_GROUPS, type Mode, type ModeGroup, type PreviousMode } from '@tandem/plugin-commute';
import {
  daysBefore,
  defineExample,
  dice,
  ensureOrganization,
  inPool,
  isoDay,
  makePeople,
  participantViewers,
  type Dice,
  type Person,
  type Story,
} from './support.js';

/** Distinct employees who pledged (published figure). */
export const HUMANIS_EMPLOYEES = 188;
/** km reported over the campaign, all challenges together (published figure). */
export const HUMANIS_KM = 80_360;
/** The campaign's length, in weeks; each employee reports once a week. */
export const HUMANIS_WEEKS = 6;

const ORGANIZATION = 'humanis';
const DOMAIN = 'humanis.example';
const CAMPAIGN_TITLE = 'Humanis — Au travail autrement';

interface ChallengePlan {
  group: ModeGroup;
  title: string;
  /** Employees for whom this is their main way of commuting. */
  primary: number;
  /** Participants the challenge aims at. */
  goal: number;
  promise: string;
  /** One-way distance range, km. */
  km: readonly [number, number];
  modes: readonly (readonly [Mode, number])[];
}

const PLANS: readonly ChallengePlan[] = [
  {
    group: 'public-transport',
    title: 'Je viens en transports en commun',
    primary: 82,
    goal: 80,
    promise: 'Humanis prend en charge un mois d’abonnement de transport supplémentaire.',
    km: [5, 30],
    modes: [
      ['rer', 4],
      ['metro', 3],
      ['bus', 2],
      ['tram', 1],
      ['train-ter', 1],
    ],
  },
  {
    group: 'carpool',
    title: 'Je covoiture',
    primary: 34,
    goal: 30,
    promise: 'Humanis réserve dix places de parking aux covoitureurs.',
    km: [12, 40],
    modes: [['carpool', 1]],
  },
  {
    group: 'bike',
    title: 'Je viens à vélo',
    primary: 38,
    goal: 35,
    promise: 'Humanis installe un abri vélo sécurisé au siège.',
    km: [3, 12],
    modes: [
      ['bike', 3],
      ['e-bike', 1],
    ],
  },
  {
    group: 'walk',
    title: 'Je viens à pied',
    primary: 20,
    goal: 25,
    promise: 'Humanis offre une journée de randonnée solidaire à l’équipe.',
    km: [1, 3],
    modes: [['walking', 1]],
  },
  {
    group: 'scooter',
    title: 'Je viens en trottinette',
    primary: 14,
    goal: 20,
    promise: 'Humanis installe des bornes de recharge pour trottinettes.',
    km: [2, 7],
    modes: [['e-scooter', 1]],
  },
];

/** Employees who also take part in a second challenge: [main group, second group, how many]. */
const SECOND_CHALLENGES: readonly (readonly [ModeGroup, ModeGroup, number])[] = [
  ['public-transport', 'walk', 10],
  ['bike', 'public-transport', 6],
  ['carpool', 'public-transport', 4],
  ['scooter', 'public-transport', 2],
];

/** How many of the weeks an employee reported, by weight. */
const REPORTED_WEEKS: readonly (readonly [number, number])[] = [
  [0, 15],
  [1, 30],
  [2, 25],
  [3, 15],
  [4, 10],
  [HUMANIS_WEEKS, 5],
];

/** Modes whose distances are scaled to land on the published total (the long, motorised ones). */
const SCALED: ReadonlySet<ModeGroup> = new Set(['public-transport', 'carpool']);

interface Membership {
  person: Person;
  group: ModeGroup;
  mode: Mode;
  occupants?: number;
  oneWayKm: number;
  daysPerWeek: number;
  previousMode?: PreviousMode;
}

interface Trip {
  mode: Mode;
  km: number;
  occupants?: number;
}

interface WeeklyReport {
  membership: Membership;
  week: number;
  trips: Trip[];
}

function previousModeFor(random: Dice, group: ModeGroup): PreviousMode | undefined {
  // Most came from the car (which is what the challenge is for); some
  // switched between shared modes; some did not say.
  const choice = random.weighted<PreviousMode | 'unsaid'>([
    ['car', 11],
    ['bus', group === 'public-transport' ? 0 : 3],
    ['rer', group === 'public-transport' ? 0 : 2],
    ['unsaid', 4],
  ]);
  return choice === 'unsaid' ? undefined : choice;
}

function membership(random: Dice, person: Person, plan: ChallengePlan, main: boolean): Membership {
  const mode = random.weighted(plan.modes);
  const occupants = mode === 'carpool' ? random.int(2, 4) : undefined;
  const oneWayKm = random.int(plan.km[0], plan.km[1]);
  const daysPerWeek = main ? random.int(3, 5) : random.int(1, 2);
  const previousMode = previousModeFor(random, plan.group);
  return {
    person,
    group: plan.group,
    mode,
    ...(occupants ? { occupants } : {}),
    oneWayKm,
    daysPerWeek,
    ...(previousMode ? { previousMode } : {}),
  };
}

const planOf = (group: ModeGroup): ChallengePlan =>
  PLANS.find((plan) => plan.group === group) as ChallengePlan;

/**
 * The whole synthetic history, before anything is written: who pledged to
 * which challenge, and every weekly report, with km that add up to
 * {@link HUMANIS_KM} exactly. Pure and deterministic.
 */
export function planHumanis(): { memberships: Membership[]; reports: WeeklyReport[] } {
  const random = dice(188_80360);
  const people = makePeople(random, HUMANIS_EMPLOYEES, DOMAIN);
  const memberships: Membership[] = [];
  const byGroup = new Map<ModeGroup, Person[]>();
  let next = 0;
  for (const plan of PLANS) {
    const members = people.slice(next, next + plan.primary);
    next += plan.primary;
    byGroup.set(plan.group, members);
    for (const person of members) memberships.push(membership(random, person, plan, true));
  }
  if (next !== HUMANIS_EMPLOYEES) throw new Error('Humanis plan: main groups must cover everyone');
  for (const [main, second, count] of SECOND_CHALLENGES) {
    for (const person of random.sample(byGroup.get(main) ?? [], count)) {
      memberships.push(membership(random, person, planOf(second), false));
    }
  }

  // First draft of the weeks: which weeks each person reported, how many
  // days. Like in any such campaign, some never report and few report
  // every week; everyone who pledged counts, reports or not.
  const weeks = memberships.map((m) => {
    const reported = new Set(
      random.sample(
        Array.from({ length: HUMANIS_WEEKS }, (_, week) => week),
        random.weighted(REPORTED_WEEKS),
      ),
    );
    return Array.from({ length: HUMANIS_WEEKS }, (_, week) =>
      reported.has(week) ? Math.max(1, m.daysPerWeek - (random.chance(0.3) ? 1 : 0)) : 0,
    );
  });
  const kmOf = (m: Membership, i: number) =>
    (weeks[i] as number[]).reduce((sum, days) => sum + days * 2 * m.oneWayKm, 0);
  let active = 0;
  let scaled = 0;
  memberships.forEach((m, i) => {
    if (SCALED.has(m.group)) scaled += kmOf(m, i);
    else active += kmOf(m, i);
  });
  // Scale the motorised distances so the total lands near the published one…
  const factor = (HUMANIS_KM - active) / scaled;
  for (const m of memberships) {
    if (SCALED.has(m.group)) m.oneWayKm = Math.max(1, Math.round(m.oneWayKm * factor));
  }
  const reports: WeeklyReport[] = [];
  memberships.forEach((m, i) => {
    (weeks[i] as number[]).forEach((days, week) => {
      if (days === 0) return;
      const trips: Trip[] = Array.from({ length: days * 2 }, () => ({
        mode: m.mode,
        km: m.oneWayKm,
        ...(m.occupants ? { occupants: m.occupants } : {}),
      }));
      reports.push({ membership: m, week, trips });
    });
  });
  // …then settle the rounding on single trips (a detour, a shorter day), 1 km each.
  let residual =
    HUMANIS_KM - reports.reduce((sum, r) => sum + r.trips.reduce((s, t) => s + t.km, 0), 0);
  const adjustable = reports
    .filter((r) => SCALED.has(r.membership.group))
    .flatMap((r) => r.trips.filter((_, i) => i % 2 === 1));
  for (let i = 0; residual !== 0; i++) {
    if (i > adjustable.length * 50) throw new Error('Humanis plan: cannot reach the published km');
    const trip = adjustable[i % adjustable.length] as Trip;
    if (residual > 0) {
      trip.km += 1;
      residual -= 1;
    } else if (trip.km > 1) {
      trip.km -= 1;
      residual += 1;
    }
  }
  return { memberships, reports };
}

/** `tandem example humanis-commute`: 188 employees and 80,360 km over five challenges. */
export const humanisCommute = defineExample({
  name: 'humanis-commute',
  title: 'Humanis: five commute challenges, 188 employees, 80,360 km',
  organizations: [ORGANIZATION],
  requires: ['commute'],
  campaigns: [{ organization: ORGANIZATION, title: CAMPAIGN_TITLE }],
  async build(platform: Platform, story: Story) {
    const { ctx } = story;
    const admin = services.asAdmin;
    // The story: set up the week before, six weeks of reports, closed the
    // Monday after the last one.
    const now = story.now();
    const start = daysBefore(now, HUMANIS_WEEKS * 7 + 3);
    await story.at(daysBefore(now, HUMANIS_WEEKS * 7 + 10, 10));
    await ensureOrganization(ctx, { slug: ORGANIZATION, name: 'Humanis', kind: 'company' });
    const campaign = await services.createCampaign(ctx, admin, ORGANIZATION, {
      title: CAMPAIGN_TITLE,
      description:
        'Pendant six semaines, les salariés s’engagent à venir au travail autrement qu’en voiture seuls, et déclarent leurs kilomètres chaque semaine.',
      startsAt: start.toISOString(),
      endsAt: daysBefore(now, 3).toISOString(),
      audience: { type: 'email-domain', domains: [DOMAIN] },
    });
    const challengeIds = new Map<ModeGroup, string>();
    for (const plan of PLANS) {
      const challenge = await services.createChallenge(ctx, admin, campaign.id, {
        title: plan.title,
        actionType: 'commute',
        actionSettings: { modes: [...MODE_GROUPS[plan.group]] },
        goal: { participants: plan.goal },
        counterpart: { kind: 'act', description: plan.promise },
      });
      challengeIds.set(plan.group, challenge.id);
    }
    // Opened the Friday before the first week; employees pledge over the weekend.
    await story.at(daysBefore(now, HUMANIS_WEEKS * 7 + 6, 9));
    for (const id of challengeIds.values()) await services.openChallenge(ctx, admin, id);
    await story.at(daysBefore(now, HUMANIS_WEEKS * 7 + 5, 11));

    const { memberships, reports } = planHumanis();
    for (const plan of PLANS) {
      const members = memberships.filter((m) => m.group === plan.group);
      await services.importConfirmedPledges(
        ctx,
        challengeIds.get(plan.group) as string,
        members.map((m) => ({
          email: m.person.email,
          displayName: m.person.displayName,
          details: {
            modes: [m.mode],
            ...(m.previousMode ? { previousMode: m.previousMode } : {}),
          },
        })),
      );
    }

    // Employees report for themselves, signed in: one report a week each.
    const viewers = await participantViewers(
      platform,
      memberships.map((m) => m.person.email),
    );
    // Reported on the Friday evening of the week, and recorded then.
    const reportedAt = (report: (typeof reports)[number]) =>
      new Date(start.getTime() + (report.week * 7 + 4) * 86_400_000 + 17 * 3_600_000);
    await story.replay(reports, reportedAt, (week) =>
      inPool(week, 4, async (report) => {
        const occurredAt = reportedAt(report);
        await services.recordContribution(
          ctx,
          viewers.get(report.membership.person.email) as Viewer,
          challengeIds.get(report.membership.group) as string,
          {
            details: { date: isoDay(occurredAt), trips: report.trips },
            occurredAt: occurredAt.toISOString(),
          },
        );
      }).then(async () => {
        for (const id of challengeIds.values()) {
          await evaluateChallengeNow(platform.db, id, story.now());
        }
      }),
    );
    // The campaign is over: close each challenge with what it reached.
    await story.at(daysBefore(now, 2, 9));
    for (const id of challengeIds.values()) await services.closeChallenge(ctx, admin, id);
    return [campaign.id];
  },
});
